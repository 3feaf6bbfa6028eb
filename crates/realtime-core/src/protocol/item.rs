//! Conversation items and their content parts.

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::audio::AudioBase64;
use super::fields::{Held, HeldValue, MapKey, held_object, read_fields, read_payload_after};
use super::nullable::Nullable;
use super::tagged::serialize_tagged;
use super::wire_enum::wire_enum;

wire_enum! {
    /// Who authored a message.
    pub enum Role {
        /// The end user.
        User = "user",
        /// The model.
        Assistant = "assistant",
        /// System instructions given as a message.
        System = "system",
    }
}

wire_enum! {
    /// Lifecycle status of an item.
    pub enum ItemStatus {
        /// Being produced.
        InProgress = "in_progress",
        /// Finished.
        Completed = "completed",
        /// Cut short (cancelled or truncated).
        Incomplete = "incomplete",
    }
}

wire_enum! {
    /// The `type` of a content part, as spelled on the wire.
    ///
    /// GA items spell assistant parts `output_text`/`output_audio`; beta (and Azure
    /// preview, Voice Live) spell them `text`/`audio`; GA's `response.content_part.*`
    /// events also use `text`/`audio`. Decoding keeps the spelling; encoding a client
    /// event writes each dialect's own.
    pub enum PartKind {
        /// User text.
        InputText = "input_text",
        /// User audio.
        InputAudio = "input_audio",
        /// User image (GA).
        InputImage = "input_image",
        /// Assistant text (GA spelling).
        OutputText = "output_text",
        /// Assistant audio (GA spelling).
        OutputAudio = "output_audio",
        /// Assistant text (beta spelling).
        Text = "text",
        /// Assistant audio (beta spelling).
        Audio = "audio",
        /// A reference to another item.
        ItemReference = "item_reference",
    }
}

impl PartKind {
    /// Whether the part carries text.
    pub fn is_text(&self) -> bool {
        matches!(self, Self::InputText | Self::OutputText | Self::Text)
    }

    /// Whether the part carries audio.
    pub fn is_audio(&self) -> bool {
        matches!(self, Self::InputAudio | Self::OutputAudio | Self::Audio)
    }
}

/// A content part of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentPart {
    /// The part's type.
    #[serde(rename = "type")]
    pub kind: PartKind,
    /// Text, for text parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Base64 audio, for audio parts that carry it.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub audio: Nullable<AudioBase64>,
    /// Transcript of audio parts (`null` while unknown).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub transcript: Nullable<String>,
    /// Image as a data URL, for image parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(ContentPart, extra {
    @required "type" => kind,
    "text" => text,
    "audio" => audio,
    "transcript" => transcript,
    "image_url" => image_url,
});

impl Default for ContentPart {
    /// An empty assistant text part.
    fn default() -> Self {
        Self::of(PartKind::OutputText)
    }
}

impl ContentPart {
    fn of(kind: PartKind) -> Self {
        Self {
            kind,
            text: None,
            audio: Nullable::Absent,
            transcript: Nullable::Absent,
            image_url: None,
            extra: Map::new(),
        }
    }

    /// User text.
    pub fn input_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::of(PartKind::InputText)
        }
    }

    /// User audio.
    pub fn input_audio(audio: AudioBase64) -> Self {
        Self {
            audio: Nullable::Value(audio),
            ..Self::of(PartKind::InputAudio)
        }
    }

    /// A user image given as a data URL (`data:image/png;base64,...`).
    pub fn input_image(data_url: impl Into<String>) -> Self {
        Self {
            image_url: Some(data_url.into()),
            ..Self::of(PartKind::InputImage)
        }
    }

    /// Assistant text (each dialect writes its own spelling).
    pub fn output_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::of(PartKind::OutputText)
        }
    }

    /// Assistant audio known only by its transcript (e.g. replayed history).
    pub fn output_audio_transcript(transcript: impl Into<String>) -> Self {
        Self {
            transcript: Nullable::Value(transcript.into()),
            ..Self::of(PartKind::OutputAudio)
        }
    }

    /// The part's text, or the transcript of an audio part.
    pub fn text_or_transcript(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or_else(|| self.transcript.as_option().map(String::as_str))
    }
}

/// A conversation item.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Item {
    /// A message.
    Message(MessageItem),
    /// A function call by the model.
    FunctionCall(FunctionCallItem),
    /// The app's answer to a function call.
    FunctionCallOutput(FunctionCallOutputItem),
    /// Another item type (`mcp_call`, Voice Live's `foundry_agent_call`, ...), kept
    /// as its wire object.
    Other(Map<String, Value>),
}

/// A message item.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MessageItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `realtime.item` where the provider sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Content parts.
    #[serde(default)]
    pub content: Vec<ContentPart>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(MessageItem, extra {
    "id" => id,
    "object" => object,
    "status" => status,
    "role" => role,
    "content" => content,
});

/// A function-call item.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCallItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `realtime.item` where the provider sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The call id the output must answer.
    #[serde(default)]
    pub call_id: String,
    /// The function's name.
    #[serde(default)]
    pub name: String,
    /// JSON arguments, as text.
    #[serde(default)]
    pub arguments: String,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(FunctionCallItem, extra {
    "id" => id,
    "object" => object,
    "status" => status,
    "call_id" => call_id,
    "name" => name,
    "arguments" => arguments,
});

/// A function-call output item.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCallOutputItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `realtime.item` where the provider sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The call being answered.
    #[serde(default)]
    pub call_id: String,
    /// The output, as text (usually JSON).
    #[serde(default)]
    pub output: String,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(FunctionCallOutputItem, extra {
    "id" => id,
    "object" => object,
    "status" => status,
    "call_id" => call_id,
    "output" => output,
});

impl Default for Item {
    /// An empty message with no role.
    fn default() -> Self {
        Self::Message(MessageItem::default())
    }
}

wire_enum! {
    /// What an assistant message is for, in a response with several output items
    /// (`item.phase` of GA reasoning models such as `gpt-realtime-2.1`).
    pub enum MessagePhase {
        /// A preamble spoken or written before a tool call.
        Commentary = "commentary",
        /// The answer.
        FinalAnswer = "final_answer",
    }
}

impl MessageItem {
    /// The item's `phase`, if the provider sent one. It is kept in [`extra`](Self::extra)
    /// under `phase`, so that a decoded item re-encodes unchanged.
    pub fn phase(&self) -> Option<MessagePhase> {
        self.extra
            .get("phase")
            .and_then(Value::as_str)
            .map(MessagePhase::from_wire)
    }
}

impl Item {
    /// A reference to an existing conversation item, for [`ResponseConfig::input`]
    /// (GA `{"type":"item_reference","id":...}`; not accepted as a new item).
    ///
    /// [`ResponseConfig::input`]: super::ResponseConfig::input
    pub fn reference(id: impl Into<String>) -> Self {
        let mut map = Map::new();
        map.insert(
            "type".to_owned(),
            Value::String("item_reference".to_owned()),
        );
        map.insert("id".to_owned(), Value::String(id.into()));
        Self::Other(map)
    }

    /// The referenced id, if this is an `item_reference`.
    pub fn reference_id(&self) -> Option<&str> {
        match self {
            Self::Other(map)
                if map.get("type").and_then(Value::as_str) == Some("item_reference") =>
            {
                map.get("id").and_then(Value::as_str)
            }
            _ => None,
        }
    }

    /// A user text message.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self::message(Role::User, vec![ContentPart::input_text(text)])
    }

    /// An assistant text message.
    pub fn assistant_text(text: impl Into<String>) -> Self {
        Self::message(Role::Assistant, vec![ContentPart::output_text(text)])
    }

    /// A system message.
    pub fn system_text(text: impl Into<String>) -> Self {
        Self::message(Role::System, vec![ContentPart::input_text(text)])
    }

    /// A message with `content`.
    pub fn message(role: Role, content: Vec<ContentPart>) -> Self {
        Self::Message(MessageItem {
            role: Some(role),
            content,
            ..MessageItem::default()
        })
    }

    /// A function call (used to replay history).
    pub fn function_call(
        call_id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        Self::FunctionCall(FunctionCallItem {
            call_id: call_id.into(),
            name: name.into(),
            arguments: arguments.into(),
            ..FunctionCallItem::default()
        })
    }

    /// The output of a function call.
    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Self::FunctionCallOutput(FunctionCallOutputItem {
            call_id: call_id.into(),
            output: output.into(),
            ..FunctionCallOutputItem::default()
        })
    }

    /// Sets the item id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        let id = Some(id.into());
        match &mut self {
            Self::Message(item) => item.id = id,
            Self::FunctionCall(item) => item.id = id,
            Self::FunctionCallOutput(item) => item.id = id,
            Self::Other(map) => {
                map.insert("id".to_owned(), id.map_or(Value::Null, Value::String));
            }
        }
        self
    }

    /// The item id.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Message(item) => item.id.as_deref(),
            Self::FunctionCall(item) => item.id.as_deref(),
            Self::FunctionCallOutput(item) => item.id.as_deref(),
            Self::Other(map) => map.get("id").and_then(Value::as_str),
        }
    }

    /// The wire `type` of the item.
    pub fn item_type(&self) -> &str {
        match self {
            Self::Message(_) => "message",
            Self::FunctionCall(_) => "function_call",
            Self::FunctionCallOutput(_) => "function_call_output",
            Self::Other(map) => map.get("type").and_then(Value::as_str).unwrap_or("unknown"),
        }
    }

    /// Rewrites assistant part spellings for a dialect: `to_beta` turns
    /// `output_text`/`output_audio` into `text`/`audio`, otherwise the reverse.
    pub fn respell_parts(&mut self, to_beta: bool) {
        if let Self::Message(message) = self {
            for part in &mut message.content {
                part.kind = match (&part.kind, to_beta) {
                    (PartKind::OutputText, true) => PartKind::Text,
                    (PartKind::OutputAudio, true) => PartKind::Audio,
                    (PartKind::Text, false) => PartKind::OutputText,
                    (PartKind::Audio, false) => PartKind::OutputAudio,
                    (kind, _) => kind.clone(),
                };
            }
        }
    }
}

impl Serialize for Item {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Message(item) => serialize_tagged(serializer, "message", item),
            Self::FunctionCall(item) => serialize_tagged(serializer, "function_call", item),
            Self::FunctionCallOutput(item) => {
                serialize_tagged(serializer, "function_call_output", item)
            }
            Self::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Item {
    /// One pass: entries before `type` are held as values (items put `id` and
    /// `object` first), the rest go straight into the typed item's fields; an item
    /// of another type, or without one, is kept whole as [`Item::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an item object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let mut before = Held::new();
        while let Some(MapKey(key)) = map.next_key()? {
            let value: HeldValue<'de> = map.next_value()?;
            if key != "type" {
                before.push((key, value));
                continue;
            }
            return match value.as_str() {
                Some("message") => read_payload_after(before, &mut map).map(Item::Message),
                Some("function_call") => {
                    read_payload_after(before, &mut map).map(Item::FunctionCall)
                }
                Some("function_call_output") => {
                    read_payload_after(before, &mut map).map(Item::FunctionCallOutput)
                }
                _ => {
                    let mut other = held_object(before);
                    other.insert("type".to_owned(), value.into_value());
                    while let Some((key, value)) = map.next_entry::<String, Value>()? {
                        other.insert(key, value);
                    }
                    Ok(Item::Other(other))
                }
            };
        }
        Ok(Item::Other(held_object(before)))
    }
}
