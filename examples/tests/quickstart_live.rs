//! The offline quickstart on GPT-Live (`--provider openai-live --offline`, and
//! `azure-openai-live`): the same desk over the GPT-Live dialects and connectors,
//! against the embedded GPT-Live emulator. Tools run in the delegated Responses
//! runs, handoffs become a delegation update plus appended instructions; there is no
//! barge-in (GPT-Live has no item truncation), so the barge-in line is heard whole.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use realtime_examples::desk;
use realtime_examples::provider::{Connection, Provider};

#[tokio::test]
async fn offline_desk_runs_on_gpt_live() {
    for provider in Provider::GPT_LIVE {
        desk_on(*provider).await;
    }
}

async fn desk_on(provider: Provider) {
    let connection = Connection::offline(provider, desk::offline_script(), "test")
        .await
        .unwrap();
    assert!(
        connection.banner.contains("GPT-Live emulator")
            && connection.banner.contains(provider.name()),
        "{}",
        connection.banner
    );
    let dir = std::env::temp_dir().join(format!(
        "rt-quickstart-{}-{}",
        std::process::id(),
        provider.name()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut options = desk::DeskOptions::new(true);
    options.output = Some(dir.join("desk.wav"));
    options.timeout = Duration::from_secs(20);

    let report = tokio::time::timeout(
        Duration::from_secs(30),
        desk::run(connection, options, &mut |_| {}),
    )
    .await
    .unwrap()
    .unwrap();
    let text = report.lines.join("\n");

    assert!(
        text.contains(r#"-> tool call verify_customer {"name":"Ada Lovelace","phone":"555 0100"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"<- tool result verify_customer {"verified":true"#),
        "{text}"
    );
    assert!(
        text.contains("<- tool result check_return_eligibility"),
        "{text}"
    );
    assert!(text.contains("== handoff auth -> returns =="), "{text}");
    assert!(text.contains("== handoff returns -> sales =="), "{text}");
    assert!(text.contains("== handoff sales -> returns =="), "{text}");
    assert!(
        text.contains(&format!("user: {}", desk::CALLER[0])),
        "{text}"
    );
    assert!(
        text.contains(&format!("user: {}", desk::BARGE_IN)),
        "{text}"
    );
    assert!(
        text.contains("[returns] assistant: Thanks for calling, Ada. Goodbye!"),
        "{text}"
    );
    assert!(text.contains("--- summary ---"), "{text}");

    let stats = &report.stats;
    assert_eq!(stats.tool_calls, 3, "{text}");
    assert_eq!(stats.tool_failures, 0, "{text}");
    assert_eq!(stats.handoffs, 3, "{text}");
    assert_eq!(stats.interruptions, 0, "{text}");
    assert_eq!(stats.errors, 0, "{text}");
    assert_eq!(stats.user_turns, 5, "{text}");
    assert_eq!(stats.agents, ["auth", "returns", "sales"], "{text}");

    let wav = hound::WavReader::open(dir.join("desk.wav")).unwrap();
    assert_eq!(wav.spec().sample_rate, 24_000);
    assert!(wav.duration() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
