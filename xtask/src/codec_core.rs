//! The real codecs behind the [`Codec`] trait (feature `core`): each provider's
//! dialect decodes server frames and writes the scenarios; the wire shapes re-encode
//! and read client frames.

use realtime_core::protocol::{ClientEvent, ServerEvent};
use realtime_core::wire::WireShape;

use crate::codec::{Codec, CodecError, Scenario};
use crate::dialect::{Dialect, Shape};

/// `realtime_core::wire` as the codec under test.
#[derive(Debug, Clone, Copy, Default)]
pub struct CoreCodec;

fn wire(dialect: Dialect) -> WireShape {
    match dialect.shape() {
        Shape::Ga => WireShape::Ga,
        Shape::Beta => WireShape::Beta,
    }
}

fn error(error: impl std::fmt::Display) -> CodecError {
    CodecError(error.to_string())
}

/// The provider dialect that speaks `dialect`, from the provider crates' registry.
fn provider(dialect: Dialect) -> Box<dyn realtime_core::dialect::Dialect> {
    match crate::registry::find(dialect.name()) {
        Some(entry) => entry.build(),
        // Unreachable while `registry::tests` holds; the plain shape keeps the run going.
        None => Box::new(realtime_core::dialect::GenericDialect::new(wire(dialect))),
    }
}

impl Codec for CoreCodec {
    type ServerEvent = ServerEvent;
    type ClientEvent = ClientEvent;

    fn name(&self) -> &str {
        "provider dialects (realtime-openai, realtime-azure-openai, realtime-voicelive) over realtime_core::wire"
    }

    fn decode_server(&self, dialect: Dialect, frame: &str) -> Result<Vec<ServerEvent>, CodecError> {
        provider(dialect).decode(frame).map_err(error)
    }

    fn encode_server(&self, dialect: Dialect, event: &ServerEvent) -> Result<String, CodecError> {
        wire(dialect).encode_server(event).map_err(error)
    }

    /// Voice Live's own events are `Unknown` to core and typed by
    /// `realtime_voicelive::VoiceLiveEvent`; only what neither types counts.
    fn is_unknown(&self, event: &ServerEvent) -> bool {
        event.is_unknown()
            && !matches!(
                realtime_voicelive::VoiceLiveEvent::from_unknown(event),
                Some(Ok(_))
            )
    }

    fn knows_server_type(&self, event_type: &str) -> bool {
        ServerEvent::is_known_type(event_type)
    }

    fn decode_client(&self, dialect: Dialect, frame: &str) -> Result<ClientEvent, CodecError> {
        wire(dialect).decode_client(frame).map_err(error)
    }

    fn encode_client(&self, dialect: Dialect, event: &ClientEvent) -> Result<String, CodecError> {
        wire(dialect).encode_client(event).map_err(error)
    }

    fn scenario_frames(&self, dialect: Dialect) -> Vec<Scenario> {
        let provider = provider(dialect);
        let voicelive = realtime_voicelive::ApiVersion::ALL
            .into_iter()
            .find(|version| version.dialect_name() == dialect.name())
            .map(crate::scenarios::for_voicelive)
            .unwrap_or_default();
        crate::scenarios::for_capabilities(provider.capabilities())
            .into_iter()
            .chain(voicelive)
            // Voice Live v1 is validated against OpenAI's GA schema, which has no place
            // for Azure turn detection; realtime-voicelive's wire tests cover those frames.
            .filter(|(name, _)| !(dialect == Dialect::VoiceLiveV1 && name.contains("azure_")))
            // The 2024-10-01 preview schema has no way to turn turn detection off (its
            // `turn_detection` is a non-nullable object and no Azure source documents
            // `null`); the beta specs document `null`, and openai-beta checks it.
            .filter(|(name, _)| {
                !(dialect == Dialect::AzureOpenAiPreview && name.ends_with("turn-detection/none"))
            })
            .map(|(name, event)| Scenario {
                name,
                frame: provider.encode(&event).map_err(error),
            })
            .collect()
    }
}
