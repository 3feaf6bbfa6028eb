//! The real codecs: `realtime_core::wire::WireShape` behind the [`Codec`] trait
//! (feature `core`).

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

/// Canonical client events every dialect must encode to a schema-valid frame
/// that hits no reject rule. Add `session.update` scenarios here as the
/// canonical session constructors land.
fn scenarios(_dialect: Dialect) -> Vec<(&'static str, ClientEvent)> {
    vec![
        (
            "input_audio_buffer.append/pcm",
            ClientEvent::append_audio(&[0_u8; 32]),
        ),
        ("response.create/default", ClientEvent::create_response()),
        ("response.cancel/current", ClientEvent::cancel_response()),
        (
            "conversation.item.truncate/1500ms",
            ClientEvent::truncate("item_1", 1500),
        ),
        (
            "conversation.item.delete",
            ClientEvent::delete_item("item_1"),
        ),
    ]
}

impl Codec for CoreCodec {
    type ServerEvent = ServerEvent;
    type ClientEvent = ClientEvent;

    fn name(&self) -> &str {
        "realtime_core::wire::WireShape"
    }

    fn decode_server(&self, dialect: Dialect, frame: &str) -> Result<Vec<ServerEvent>, CodecError> {
        wire(dialect).decode_server(frame).map_err(error)
    }

    fn encode_server(&self, dialect: Dialect, event: &ServerEvent) -> Result<String, CodecError> {
        wire(dialect).encode_server(event).map_err(error)
    }

    fn is_unknown(&self, event: &ServerEvent) -> bool {
        event.is_unknown()
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
        scenarios(dialect)
            .into_iter()
            .map(|(name, event)| Scenario {
                name: name.to_owned(),
                frame: wire(dialect).encode_client(&event).map_err(error),
            })
            .collect()
    }
}
