//! [`SessionResource`]: the session object of `session.created` / `session.updated`,
//! kept as the server wrote it and parsed only when read.

use std::sync::OnceLock;

use serde::de::{self, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A session as the server reports it, kept as its wire object (its shape differs by
/// dialect: GA nests audio settings, beta and Voice Live keep them flat, Azure may
/// omit `type`). Read it with the accessors or [`object`](Self::object), or map it
/// with the dialect.
///
/// A decoded session keeps the server's text and is parsed on first read: the
/// session object is the largest part of most sessions' frames, and a client reads
/// it once per connection at most (the rotation plan, the dialect check), so a
/// `session.updated` after every update costs a scan, not a tree of values. It is
/// written back as it came, byte for byte.
///
/// ```
/// use realtime_core::protocol::SessionResource;
///
/// let session: SessionResource =
///     serde_json::from_str(r#"{"id":"sess_1","type":"realtime","expires_at":1700000000}"#)?;
/// assert_eq!(session.id(), Some("sess_1"));
/// assert_eq!(session.expires_at(), Some(1_700_000_000));
/// assert_eq!(
///     serde_json::to_string(&session)?,
///     r#"{"id":"sess_1","type":"realtime","expires_at":1700000000}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionResource {
    /// The object as received (decoded frames only); authoritative while present.
    raw: Option<Box<RawValue>>,
    /// The object: parsed from `raw` on first read, or as built.
    object: OnceLock<Map<String, Value>>,
}

impl SessionResource {
    /// A session object built by hand (an emulator's, a test's).
    pub fn new(object: Map<String, Value>) -> Self {
        Self {
            raw: None,
            object: OnceLock::from(object),
        }
    }

    /// The object, parsed on first call.
    pub fn object(&self) -> &Map<String, Value> {
        self.object.get_or_init(|| {
            self.raw
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
                .unwrap_or_default()
        })
    }

    /// The object, owned (to change it, take it, then make a new one with
    /// [`new`](Self::new), which is written from the object).
    pub fn into_object(mut self) -> Map<String, Value> {
        self.object();
        self.object.take().unwrap_or_default()
    }

    /// Whether the object has no field (only in documentation skeletons).
    pub fn is_empty(&self) -> bool {
        match &self.raw {
            // `{` and `}` with only white space between: no need to parse.
            Some(raw) => raw
                .get()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim()
                .is_empty(),
            None => self.object().is_empty(),
        }
    }

    /// Session id.
    pub fn id(&self) -> Option<&str> {
        self.object().get("id").and_then(Value::as_str)
    }

    /// Model.
    pub fn model(&self) -> Option<&str> {
        self.object().get("model").and_then(Value::as_str)
    }

    /// GA `type` (`realtime`, `transcription`); absent on Azure preview and Voice Live dated.
    pub fn session_type(&self) -> Option<&str> {
        self.object().get("type").and_then(Value::as_str)
    }

    /// Instructions.
    pub fn instructions(&self) -> Option<&str> {
        self.object().get("instructions").and_then(Value::as_str)
    }

    /// Whether the object has the GA shape (`type`, `output_modalities` or nested `audio`).
    pub fn is_ga_shape(&self) -> bool {
        let object = self.object();
        object.contains_key("type")
            || object.contains_key("output_modalities")
            || object.get("audio").is_some_and(Value::is_object)
    }

    /// Expiry as a Unix timestamp (server-set; Voice Live 2026-07-15 too).
    pub fn expires_at(&self) -> Option<i64> {
        self.object().get("expires_at").and_then(Value::as_i64)
    }

    /// Creation time as a Unix timestamp, when the server sends it.
    pub fn created_at(&self) -> Option<i64> {
        self.object().get("created_at").and_then(Value::as_i64)
    }

    /// `parallel_tool_calls` as the server echoes it (Voice Live 2026-07-15; OpenAI's
    /// echo does not carry it in `openai==3.57.0`).
    pub fn parallel_tool_calls(&self) -> Option<bool> {
        self.object()
            .get("parallel_tool_calls")
            .and_then(Value::as_bool)
    }

    /// The reasoning effort: GA `reasoning.effort`, or Voice Live's flat
    /// `reasoning_effort`.
    pub fn reasoning_effort(&self) -> Option<super::session::ReasoningEffort> {
        let object = self.object();
        object
            .get("reasoning")
            .and_then(|reasoning| reasoning.get("effort"))
            .or_else(|| object.get("reasoning_effort"))
            .and_then(Value::as_str)
            .map(super::session::ReasoningEffort::from_wire)
    }
}

impl From<Map<String, Value>> for SessionResource {
    fn from(object: Map<String, Value>) -> Self {
        Self::new(object)
    }
}

/// Equal when the objects are (however each was written).
impl PartialEq for SessionResource {
    fn eq(&self, other: &Self) -> bool {
        match (&self.raw, &other.raw) {
            (Some(one), Some(two)) if one.get() == two.get() => true,
            _ => self.object() == other.object(),
        }
    }
}

impl Serialize for SessionResource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.raw {
            Some(raw) => raw.serialize(serializer),
            None => self.object().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for SessionResource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        // serde_json hands raw values over trimmed: an object starts with `{`.
        if !raw.get().starts_with('{') {
            return Err(de::Error::invalid_type(
                Unexpected::Other(raw.get()),
                &"a session object",
            ));
        }
        Ok(Self {
            raw: Some(raw),
            object: OnceLock::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const FRAME: &str =
        r#"{ "id": "sess_1", "audio": {"output": {"voice": "marin"}}, "expires_at": 17 }"#;

    #[test]
    fn a_decoded_session_is_written_back_as_it_came_and_read_on_demand() {
        let Ok(session) = serde_json::from_str::<SessionResource>(FRAME) else {
            panic!("an object decodes");
        };
        assert_eq!(
            serde_json::to_string(&session).ok().as_deref(),
            Some(FRAME.trim())
        );
        assert_eq!(
            serde_json::to_value(&session).ok(),
            serde_json::from_str::<Value>(FRAME).ok()
        );
        assert_eq!(session.id(), Some("sess_1"));
        assert!(session.is_ga_shape());
        assert_eq!(session.expires_at(), Some(17));
        assert!(!session.is_empty());
    }

    #[test]
    fn equality_is_of_the_objects_not_of_their_text() {
        let spaced: SessionResource = serde_json::from_str(FRAME).unwrap_or_default();
        let tight: SessionResource = serde_json::from_str(
            r#"{"id":"sess_1","audio":{"output":{"voice":"marin"}},"expires_at":17}"#,
        )
        .unwrap_or_default();
        let built = SessionResource::new(
            json!({"id": "sess_1", "audio": {"output": {"voice": "marin"}}, "expires_at": 17})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(spaced, tight);
        assert_eq!(spaced, built);
        assert_ne!(spaced, SessionResource::default());
    }

    #[test]
    fn a_changed_object_is_written_from_the_object() {
        let session: SessionResource = serde_json::from_str(FRAME).unwrap_or_default();
        let mut object = session.into_object();
        object.insert("model".into(), json!("gpt-realtime"));
        let changed = SessionResource::new(object);
        let written = serde_json::to_value(&changed).unwrap_or_default();
        assert_eq!(written["model"], "gpt-realtime");
        assert_eq!(written["id"], "sess_1");
        assert_eq!(changed.object().len(), 4);
    }

    #[test]
    fn only_an_object_is_a_session_and_emptiness_needs_no_parse() {
        for not_an_object in ["null", "\"sess\"", "[1]", "3"] {
            assert!(serde_json::from_str::<SessionResource>(not_an_object).is_err());
        }
        let empty: SessionResource = serde_json::from_str("{ }").unwrap_or_default();
        assert!(empty.is_empty());
        assert!(SessionResource::default().is_empty());
        // Read from a `Value` too (fields held before `type` are replayed as values).
        let from_value = serde_json::from_value::<SessionResource>(json!({"id": "s"}));
        assert_eq!(
            from_value.ok().and_then(|s| s.id().map(str::to_owned)),
            Some("s".into())
        );
    }
}
