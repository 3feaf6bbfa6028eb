//! [`GenericDialect`]: a wire shape with no provider restrictions.

use std::borrow::Cow;

use super::{
    AudioOnlyOutput, Capabilities, Dialect, SessionField, UnsupportedPolicy, prepare_event,
};
use crate::error::{DecodeError, EncodeError};
use crate::protocol::{AudioFormat, ClientEvent, ServerEvent};
use crate::wire::WireShape;

/// A dialect that is just a wire shape: every field the shape can carry is sent,
/// any voice and format is accepted. For servers that speak the OpenAI shapes without
/// quirks (proxies, local models, the test emulator); real providers have their own
/// dialect crates with their capability tables.
///
/// ```
/// use realtime_core::dialect::{Dialect, GenericDialect};
/// use realtime_core::protocol::{ClientEvent, Item};
/// use realtime_core::wire::WireShape;
///
/// let dialect = GenericDialect::new(WireShape::Beta);
/// let frame = dialect.encode(&ClientEvent::create_item(Item::assistant_text("Hi")))?;
/// assert!(frame.contains(r#""type":"text""#), "beta spells assistant text `text`: {frame}");
/// # Ok::<(), realtime_core::error::EncodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct GenericDialect {
    capabilities: Capabilities,
    policy: UnsupportedPolicy,
}

impl GenericDialect {
    /// A dialect speaking `shape`.
    pub fn new(shape: WireShape) -> Self {
        let session_fields: Vec<SessionField> = SessionField::ALL
            .into_iter()
            .filter(|field| match shape {
                WireShape::Ga => *field != SessionField::Temperature,
                WireShape::Beta => !matches!(
                    field,
                    SessionField::Tracing
                        | SessionField::Prompt
                        | SessionField::Truncation
                        | SessionField::Include
                        | SessionField::ParallelToolCalls
                        | SessionField::Reasoning
                ),
            })
            .collect();
        let audio_formats: Vec<AudioFormat> = vec![
            AudioFormat::PCM16_24K,
            AudioFormat::G711Ulaw,
            AudioFormat::G711Alaw,
        ];
        Self {
            capabilities: Capabilities {
                shape,
                session_fields: Cow::Owned(session_fields),
                audio_only_output: match shape {
                    WireShape::Ga => AudioOnlyOutput::Native,
                    WireShape::Beta => AudioOnlyOutput::AsAudioAndText,
                },
                voices: None,
                audio_formats: Cow::Owned(audio_formats),
                output_audio_formats: None,
                turn_detection: Cow::Borrowed(&["server_vad", "semantic_vad"]),
                voice_change_after_audio: true,
                transcription_model_is_deployment: false,
                // The beta specs have no `input_image` part.
                image_input: matches!(shape, WireShape::Ga),
                reasoning_efforts: None,
                response_parallel_tool_calls: matches!(shape, WireShape::Ga),
                instructions_fixed_after_start: false,
            },
            policy: UnsupportedPolicy::Error,
        }
    }

    /// Sets the unsupported-field policy.
    #[must_use]
    pub fn policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl Dialect for GenericDialect {
    fn name(&self) -> &'static str {
        match self.capabilities.shape {
            WireShape::Ga => "generic-ga",
            WireShape::Beta => "generic-beta",
        }
    }

    fn provider(&self) -> &'static str {
        "generic"
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError> {
        let event = prepare_event(self.name(), &self.capabilities, self.policy, event, &|_| {
            false
        })?;
        self.capabilities
            .shape
            .encode_client(&event)
            .map_err(|error| error.with_dialect(self.name()))
    }

    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        self.capabilities
            .shape
            .decode_server(frame)
            .map_err(|error| error.with_dialect(self.name()))
    }
}
