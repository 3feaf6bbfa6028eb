//! What `AgentRunner::start` refuses before connecting, from the dialect's capability
//! table: a setting the provider's version does not offer is a typed error naming
//! the provider, not a session that silently ignores it.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use realtime::agent::{Agent, AgentError, AgentRunner};
use realtime::client::RealtimeClient;
use realtime::protocol::{Nullable, ServerVad, SessionConfig, TurnDetection};
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime::voicelive::{ApiVersion, VoiceLiveDialect};

/// A runner for `version` whose session sets a 5 s idle timeout; never connected
/// (nothing listens on port 9), so only validation can answer.
fn runner_with_idle_timeout(version: ApiVersion) -> AgentRunner {
    let connector = StaticConnector::new("unused", ConnectRequest::new("ws://127.0.0.1:9"));
    let client = RealtimeClient::from_parts(
        Arc::new(VoiceLiveDialect::new(version)),
        Arc::new(connector),
    );
    let mut vad = ServerVad::default();
    vad.idle_timeout_ms = Nullable::Value(5_000);
    AgentRunner::new(client, Agent::new("desk").instructions("Greet."))
        .session_config(SessionConfig::new().turn_detection(TurnDetection::ServerVad(vad)))
}

#[tokio::test]
async fn idle_timeout_is_refused_at_start_on_voicelive_2026_07_15() {
    let error = runner_with_idle_timeout(ApiVersion::V2026_07_15)
        .start()
        .await
        .expect_err("refused");
    match &error {
        AgentError::InvalidAgent {
            provider, reason, ..
        } => {
            assert_eq!(*provider, "Azure AI Voice Live");
            assert!(
                reason.contains("session.turn_detection.idle_timeout_ms")
                    && reason.contains("voicelive-2026-07-15"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidAgent, got {other:?}"),
    }
    assert!(error.to_string().contains("Azure AI Voice Live"), "{error}");
}

#[tokio::test]
async fn idle_timeout_passes_validation_on_2026_04_10() {
    // Validation passes, so start() goes on to connect, which fails (nothing listens).
    let error = runner_with_idle_timeout(ApiVersion::V2026_04_10)
        .start()
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, AgentError::Client(_)), "{error:?}");
}

/// `start()` on `dialect` (never connected) with `agent`: the validation error.
async fn refused(dialect: Arc<dyn realtime::dialect::Dialect>, agent: Agent) -> AgentError {
    let connector = StaticConnector::new("unused", ConnectRequest::new("ws://127.0.0.1:9"));
    AgentRunner::new(
        RealtimeClient::from_parts(dialect, Arc::new(connector)),
        agent,
    )
    .start()
    .await
    .expect_err("refused")
}

#[tokio::test]
async fn an_agents_reasoning_effort_is_checked_against_the_providers_list() {
    use realtime::azure_openai::{ApiVersion as AzureVersion, AzureOpenAiDialect};
    use realtime::protocol::ReasoningEffort;
    // Azure OpenAI lists minimal..high only (GA-26).
    let agent = Agent::new("desk").reasoning_effort(ReasoningEffort::XHigh);
    match refused(Arc::new(AzureOpenAiDialect::ga_v1()), agent).await {
        AgentError::InvalidAgent {
            provider, reason, ..
        } => {
            assert_eq!(provider, "Azure OpenAI");
            assert!(reason.contains("session.reasoning.effort"), "{reason}");
        }
        other => panic!("expected InvalidAgent, got {other:?}"),
    }
    // The preview has no parallel_tool_calls at all.
    let agent = Agent::new("desk").parallel_tool_calls(false);
    let preview = AzureOpenAiDialect::preview(AzureVersion::LATEST);
    match refused(Arc::new(preview), agent).await {
        AgentError::InvalidAgent { reason, .. } => {
            assert!(reason.contains("session.parallel_tool_calls"), "{reason}");
        }
        other => panic!("expected InvalidAgent, got {other:?}"),
    }
    // Accepted where the table lists it: validation passes, connecting fails.
    let agent = Agent::new("desk")
        .reasoning_effort(ReasoningEffort::High)
        .parallel_tool_calls(false);
    let error = refused(Arc::new(AzureOpenAiDialect::ga_v1()), agent).await;
    assert!(matches!(error, AgentError::Client(_)), "{error:?}");
}
