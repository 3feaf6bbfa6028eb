//! The public types an app moves between tasks are `Send + Sync` (errors also
//! `'static`, so they fit `Box<dyn Error + Send + Sync>`).

fn send_sync<T: Send + Sync>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    use realtime_core::agent::{
        Agent, AgentEvent, AgentRunner, AgentSession, AgentTool, History, OutputGuardrail,
    };
    use realtime_core::audio::PlaybackTracker;
    use realtime_core::client::{EventStream, RealtimeClient, Recorder, Session, SessionSender};
    use realtime_core::dialect::{Capabilities, GenericDialect};
    use realtime_core::protocol::{ClientEvent, Item, ServerEvent, SessionConfig};

    send_sync::<RealtimeClient>();
    send_sync::<Session>();
    send_sync::<SessionSender>();
    send_sync::<EventStream>();
    send_sync::<Recorder>();
    send_sync::<AgentRunner>();
    send_sync::<AgentSession>();
    send_sync::<AgentEvent>();
    send_sync::<Agent>();
    send_sync::<AgentTool>();
    send_sync::<OutputGuardrail>();
    send_sync::<History>();
    send_sync::<PlaybackTracker>();
    send_sync::<GenericDialect>();
    send_sync::<Capabilities>();
    send_sync::<SessionConfig>();
    send_sync::<ClientEvent>();
    send_sync::<ServerEvent>();
    send_sync::<Item>();

    error::<realtime_core::error::DecodeError>();
    error::<realtime_core::error::EncodeError>();
    error::<realtime_core::client::ClientError>();
    error::<realtime_core::agent::AgentError>();
    error::<realtime_core::transport::TransportError>();
}
