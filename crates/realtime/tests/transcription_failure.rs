//! On Azure OpenAI a transcription model that is not a deployment fails every user
//! transcript; the agent session says so as a typed event instead of going quiet.
#![allow(clippy::unwrap_used, clippy::panic, unreachable_pub)]

mod support;

use std::time::Duration;

use realtime::agent::{Agent, AgentEvent};
use realtime::protocol::{SessionConfig, Transcription, TurnDetection};
use realtime_testkit::emulator::Script;
use support::{Case, Harness};

#[tokio::test]
async fn deployment_not_found_is_an_agent_event() {
    for case in [Case::azure_ga_v1(), Case::azure_preview()] {
        let config = SessionConfig::new()
            .transcription(Transcription::model("whisper-1"))
            .turn_detection(TurnDetection::server_vad());
        let mut h = Harness::start(
            &case,
            Script::new().say("Sorry?"),
            vec![Agent::new("desk")],
            config,
        )
        .await;
        h.send_silence_ms(1000).await;
        let (code, message) = h
            .until_map(|event| match event {
                AgentEvent::TranscriptionFailed { code, message, .. } => {
                    Some((code.clone(), message.clone()))
                }
                _ => None,
            })
            .await;
        assert_eq!(
            code.as_deref(),
            Some("DeploymentNotFound"),
            "{}",
            case.profile.dialect
        );
        assert!(
            message.starts_with("Input transcription failed"),
            "{message}"
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), h.close()).await;
    }
}
