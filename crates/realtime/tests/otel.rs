//! The agent's spans exported through OpenTelemetry (`realtime::otel`), into memory:
//! a text turn against the emulator gives the session → connection → turn → response
//! tree, with GenAI attributes. One test in its own binary (tracing caches callsite
//! interest process-wide).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use realtime::agent::{Agent, AgentEvent, AgentRunner};
use realtime::client::RealtimeClient;
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime_testkit::emulator::{Emulator, Profile, Script};
use tracing_subscriber::layer::SubscriberExt;

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|span| span.name == name).collect()
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

#[test]
fn the_agent_spans_reach_an_opentelemetry_exporter() {
    let exporter = InMemorySpanExporter::default();
    let (layer, provider) = realtime::otel::layer(exporter.clone(), "otel-test");
    let subscriber = tracing_subscriber::registry().with(layer);
    let guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = Emulator::start(Profile::openai_ga(), Script::new().say("Hello there."))
            .await
            .unwrap();
        let connector = StaticConnector::new("emulator", ConnectRequest::new(emulator.url()));
        let client = RealtimeClient::from_parts(
            Arc::new(realtime::openai::OpenAiDialect::new()),
            Arc::new(connector),
        );
        let mut session = AgentRunner::new(client, Agent::new("desk").instructions("Greet."))
            .start()
            .await
            .unwrap();
        session.send_text("Hi").await.unwrap();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
                .await
                .expect("an event within 5 s")
                .expect("the session runs");
            if matches!(event, AgentEvent::Metrics(_)) {
                break;
            }
        }
        session.close().await.unwrap();
    });
    drop(runtime);
    drop(guard);
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let session = named(&spans, "realtime.session");
    let connection = named(&spans, "realtime.connection");
    let turn = named(&spans, "realtime.turn");
    let response = named(&spans, "realtime.response");
    assert_eq!(
        session.len(),
        1,
        "{:?}",
        spans.iter().map(|span| &span.name).collect::<Vec<_>>()
    );
    assert_eq!(connection.len(), 1);
    assert_eq!(turn.len(), 1);
    assert_eq!(response.len(), 1);
    let id = |span: &SpanData| span.span_context.span_id();
    assert_eq!(connection[0].parent_span_id, id(session[0]));
    assert_eq!(turn[0].parent_span_id, id(connection[0]));
    assert_eq!(response[0].parent_span_id, id(turn[0]));
    assert_eq!(
        attribute(session[0], "gen_ai.system").as_deref(),
        Some("OpenAI")
    );
    assert_eq!(
        attribute(session[0], "gen_ai.agent.name").as_deref(),
        Some("desk")
    );
    assert!(
        attribute(response[0], "gen_ai.usage.output_tokens").is_some(),
        "usage recorded"
    );
}
