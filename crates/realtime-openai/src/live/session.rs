//! [`LiveSession`]: the GPT-Live settings canonical [`SessionConfig`] has no field for
//! (delegation, history seeding, triggers), as a typed session extension.
//!
//! Field lists from `fixtures/openai-live/live.condensed.json` (`SessionConfig`,
//! `Delegation`; openai-python 3.57.0 `openai/types/live/*`).
//!
//! [`SessionConfig`]: realtime_core::protocol::SessionConfig

use std::any::Any;

use realtime_core::error::EncodeError;
use realtime_core::protocol::{Item, Role, SessionExtension};
use serde_json::{Map, Value, json};

use super::dialect::{LIVE_DIALECT_NAME, LIVE_PROVIDER};

/// Who does the reasoning and tool work GPT-Live delegates (`session.delegation`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Delegation {
    /// `{"type":"client"}`: the app answers delegations itself (the default when omitted).
    Client,
    /// `{"type":"responses"}`: a Responses run on `model`; its stream arrives wrapped in
    /// `response.event`, and its function calls are answered by the app with
    /// `response.item.create` + `response.create`.
    Responses {
        /// The Responses model, e.g. `gpt-5.6-sol` (required at `session.start`).
        model: String,
        /// Instructions of the delegated run.
        instructions: Option<String>,
        /// Other `responses` settings (`reasoning`, `max_output_tokens`, ...), written as given.
        extra: Map<String, Value>,
    },
    /// Any other delegation object (`decisions`, ...), written as given.
    Raw(Map<String, Value>),
}

impl Delegation {
    /// A Responses delegation on `model`.
    pub fn responses(model: impl Into<String>) -> Self {
        Self::Responses {
            model: model.into(),
            instructions: None,
            extra: Map::new(),
        }
    }

    /// The wire object, with `tools` and `tool_choice` added to a Responses delegation.
    pub(crate) fn to_wire(&self, tools: Option<Value>, tool_choice: Option<Value>) -> Value {
        match self {
            Self::Client => json!({"type": "client"}),
            Self::Responses {
                model,
                instructions,
                extra,
            } => {
                let mut responses = Map::new();
                responses.insert("model".into(), Value::String(model.clone()));
                if let Some(instructions) = instructions {
                    responses.insert("instructions".into(), Value::String(instructions.clone()));
                }
                responses.extend(extra.clone());
                if let Some(tools) = tools {
                    responses.insert("tools".into(), tools);
                }
                if let Some(choice) = tool_choice {
                    responses.insert("tool_choice".into(), choice);
                }
                json!({"type": "responses", "responses": responses})
            }
            Self::Raw(raw) => Value::Object(raw.clone()),
        }
    }

    /// Whether function tools can run under this delegation.
    pub(crate) fn runs_tools(&self) -> bool {
        match self {
            Self::Responses { .. } => true,
            Self::Raw(raw) => raw.get("type").and_then(Value::as_str) == Some("responses"),
            Self::Client => false,
        }
    }
}

/// GPT-Live session settings beyond [`SessionConfig`](realtime_core::protocol::SessionConfig):
/// attach with `SessionConfig::extension`. Only the `openai-live` and `azure-openai-live`
/// dialects write it; every other dialect refuses it.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct LiveSession {
    /// `delegation` (omitted: client delegation). Sent at `session.start`, and alone
    /// in a later `session.update` (the only setting GPT-Live lets change).
    pub delegation: Option<Delegation>,
    /// `input`: conversation history seeded at `session.start` (see [`initial_items`]).
    pub input: Vec<Value>,
    /// `triggers`, written as given.
    pub triggers: Option<Value>,
    /// Other `SessionConfig` fields (`client`, `safety_identifier`, `store`), written as given.
    pub extra: Map<String, Value>,
}

impl LiveSession {
    /// Empty settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the delegation.
    #[must_use]
    pub fn delegation(mut self, delegation: Delegation) -> Self {
        self.delegation = Some(delegation);
        self
    }

    /// Seeds the conversation with `items` (see [`initial_items`]).
    ///
    /// # Errors
    /// As [`initial_items`].
    pub fn history(mut self, items: &[Item]) -> Result<Self, EncodeError> {
        self.input = initial_items(items)?;
        Ok(self)
    }
}

impl SessionExtension for LiveSession {
    fn provider(&self) -> &'static str {
        LIVE_PROVIDER
    }

    fn field(&self) -> &'static str {
        "session.delegation"
    }

    fn clone_box(&self) -> Box<dyn SessionExtension> {
        Box::new(self.clone())
    }

    fn eq_dyn(&self, other: &dyn SessionExtension) -> bool {
        other
            .as_any()
            .downcast_ref::<Self>()
            .is_some_and(|other| other == self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Canonical history as GPT-Live `InitialItem`s for `session.start` `input`: text
/// messages only (user and system/developer as `input_text`, assistant as
/// `output_text`).
///
/// # Errors
/// [`EncodeError::Unsupported`] for a function call, a function output, or an audio
/// or image part: GPT-Live's initial items are role-discriminated text messages.
pub fn initial_items(items: &[Item]) -> Result<Vec<Value>, EncodeError> {
    items.iter().map(initial_item).collect()
}

fn initial_item(item: &Item) -> Result<Value, EncodeError> {
    let Item::Message(message) = item else {
        return Err(unsupported(
            "session.input",
            format!(
                "GPT-Live seeds history with text messages only, got a `{}` item",
                item.item_type()
            ),
        ));
    };
    let (role, part_type) = match message.role {
        Some(Role::User) => ("user", "input_text"),
        Some(Role::Assistant) => ("assistant", "output_text"),
        Some(_) => ("developer", "input_text"),
        None => {
            return Err(unsupported(
                "session.input",
                "GPT-Live initial items are role-discriminated, got a message without a role",
            ));
        }
    };
    let content = message
        .content
        .iter()
        .map(|part| {
            part.text_or_transcript()
                .map(|text| json!({"type": part_type, "text": text}))
                .ok_or_else(|| {
                    unsupported(
                        "session.input",
                        "GPT-Live seeds history with text parts only, got an audio or image part",
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"role": role, "content": content}))
}

fn unsupported(field: &'static str, reason: impl Into<String>) -> EncodeError {
    EncodeError::Unsupported {
        dialect: LIVE_DIALECT_NAME.into(),
        field: field.into(),
        reason: reason.into().into(),
    }
}
