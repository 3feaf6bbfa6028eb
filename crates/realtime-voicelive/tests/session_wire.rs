//! `session.update` and `response.create` on the wire, per version: the typed Voice
//! Live settings land exactly where each version's spec puts them, and settings a
//! version lacks follow the unsupported-field policy.

use realtime_core::dialect::{Dialect, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Modality, Nullable, ResponseConfig, SessionConfig, Tracing,
};
use realtime_voicelive::{
    Animation, AnimationOutput, ApiVersion, Avatar, AzureSemanticVad, AzureVoice, EchoCancellation,
    EndOfUtterance, EouModel, OutputTimestamps, ReferenceSource, ThresholdLevel,
    VoiceLiveClientEvent, VoiceLiveDialect, azure_deep_noise_suppression,
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn encode(version: ApiVersion, event: &ClientEvent) -> Result<Value, Box<dyn std::error::Error>> {
    let frame = VoiceLiveDialect::new(version).encode(event)?;
    Ok(serde_json::from_str(&frame)?)
}

/// The session of the issue: Azure semantic VAD with end-of-utterance detection,
/// deep noise suppression, echo cancellation and an Azure standard voice, 16 kHz
/// input and 8 kHz output.
fn azure_session() -> SessionConfig {
    let mut session = SessionConfig::new()
        .instructions("You are a helpful assistant.")
        .voice(
            AzureVoice::standard("en-US-Ava:DragonHDLatestNeural")
                .temperature(0.8)
                .style("cheerful")
                .locale("en-US"),
        )
        .turn_detection(
            AzureSemanticVad::new()
                .threshold(0.3)
                .prefix_padding_ms(300)
                .silence_duration_ms(500)
                .speech_duration_ms(80)
                .remove_filler_words(true)
                .languages(["en"])
                .auto_truncate(true)
                .create_response(true)
                .interrupt_response(true)
                .end_of_utterance(
                    EndOfUtterance::new(EouModel::SemanticDetectionV1)
                        .threshold_level(ThresholdLevel::Default)
                        .timeout_ms(1000),
                )
                .into(),
        )
        .extension(EchoCancellation::server());
    session.input_audio_noise_reduction = Nullable::Value(azure_deep_noise_suppression());
    session
}

fn turn_detection_json() -> Value {
    json!({
        "type": "azure_semantic_vad",
        "threshold": 0.3,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "speech_duration_ms": 80,
        "remove_filler_words": true,
        "languages": ["en"],
        "auto_truncate": true,
        "create_response": true,
        "interrupt_response": true,
        "end_of_utterance_detection": {
            "model": "semantic_detection_v1",
            "threshold_level": "default",
            "timeout_ms": 1000
        }
    })
}

fn voice_json() -> Value {
    json!({"type": "azure-standard", "name": "en-US-Ava:DragonHDLatestNeural",
           "temperature": 0.8, "style": "cheerful", "locale": "en-US"})
}

#[test]
fn dated_2026_04_10_wire_is_exact() -> TestResult {
    let session = azure_session()
        .input_audio_format(AudioFormat::Pcm16 { rate: 16_000 })
        .output_audio_format(AudioFormat::Pcm16 { rate: 8_000 })
        .temperature(0.7);
    let wire = encode(
        ApiVersion::V2026_04_10,
        &ClientEvent::session_update(session),
    )?;
    assert_eq!(
        wire,
        json!({
            "type": "session.update",
            "session": {
                "instructions": "You are a helpful assistant.",
                "voice": voice_json(),
                "input_audio_format": "pcm16",
                "input_audio_sampling_rate": 16000,
                "output_audio_format": "pcm16_8000hz",
                "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
                "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
                "turn_detection": turn_detection_json(),
                "temperature": 0.7
            }
        })
    );
    Ok(())
}

#[test]
fn v1_wire_is_exact() -> TestResult {
    let session = azure_session()
        .input_audio_format(AudioFormat::Pcm16 { rate: 16_000 })
        .output_audio_format(AudioFormat::PCM16_24K)
        .output_modalities([Modality::Audio])
        .extension(EchoCancellation::server_with(ReferenceSource::Client, 2))
        .extension(OutputTimestamps::words())
        .extension(Avatar::new("lisa").customized(false));
    let wire = encode(ApiVersion::V1, &ClientEvent::session_update(session))?;
    assert_eq!(
        wire,
        json!({
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "You are a helpful assistant.",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm"},
                        "sampling_rate": 16000,
                        "noise_reduction": {"type": "azure_deep_noise_suppression"},
                        "echo_cancellation": {"type": "server_echo_cancellation",
                                              "reference_source": "client", "channels": 2},
                        "turn_detection": turn_detection_json()
                    },
                    "output": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "voice": voice_json(),
                        "timestamp_types": ["word"]
                    }
                },
                "avatar": {"character": "lisa", "customized": false}
            }
        })
    );
    Ok(())
}

#[test]
fn dated_extensions_and_modalities() -> TestResult {
    let session = SessionConfig::new()
        .output_modalities([Modality::Audio, Modality::Other("animation".into())])
        .input_audio_format(AudioFormat::G711Ulaw)
        .output_audio_format(AudioFormat::G711Alaw)
        .extension(OutputTimestamps::words())
        .extension(Animation::new([AnimationOutput::VisemeId]))
        .extension(EchoCancellation::Off);
    let wire = encode(
        ApiVersion::V2025_10_01,
        &ClientEvent::session_update(session),
    )?;
    assert_eq!(
        wire["session"],
        json!({
            // As the client listed them (VL-26's own example sends
            // `["audio","animation"]`, fixtures/voicelive/examples.jsonl line 208).
            "modalities": ["audio", "animation"],
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "g711_alaw",
            "output_audio_timestamp_types": ["word"],
            "animation": {"outputs": ["viseme_id"]},
            "input_audio_echo_cancellation": null
        })
    );
    Ok(())
}

fn unsupported_field(result: Result<String, EncodeError>) -> Option<String> {
    match result {
        Err(EncodeError::Unsupported { field, dialect, .. }) => {
            assert!(dialect.starts_with("voicelive"), "{dialect}");
            Some(field.into_owned())
        }
        _ => None,
    }
}

#[test]
fn openai_only_fields_on_dated_follow_the_policy() -> TestResult {
    let mut session = SessionConfig::new().instructions("hi");
    session.tracing = Nullable::Value(Tracing::Mode("auto".into()));
    let event = ClientEvent::session_update(session);
    for version in [ApiVersion::V2025_10_01, ApiVersion::V2026_04_10] {
        let strict = VoiceLiveDialect::new(version);
        assert_eq!(
            unsupported_field(strict.encode(&event)).as_deref(),
            Some("session.tracing")
        );
        let lenient = strict.with_policy(UnsupportedPolicy::Warn);
        let wire: Value = serde_json::from_str(&lenient.encode(&event)?)?;
        assert_eq!(
            wire,
            json!({"type": "session.update", "session": {"instructions": "hi"}})
        );
    }
    // v1 is GA-shaped: tracing goes through, temperature does not.
    let wire = encode(ApiVersion::V1, &event)?;
    assert_eq!(wire["session"]["tracing"], "auto");
    let hot = ClientEvent::session_update(SessionConfig::new().temperature(0.9));
    assert_eq!(
        unsupported_field(VoiceLiveDialect::new(ApiVersion::V1).encode(&hot)).as_deref(),
        Some("session.temperature")
    );
    Ok(())
}

#[test]
fn version_specific_refusals() {
    let cases: [(ApiVersion, SessionConfig, &str); 7] = [
        (
            ApiVersion::V2025_10_01,
            SessionConfig::new().output_audio_format(AudioFormat::Pcm16 { rate: 8_000 }),
            "session.output_audio_format",
        ),
        (
            ApiVersion::V1,
            SessionConfig::new().output_audio_format(AudioFormat::Pcm16 { rate: 16_000 }),
            "session.output_audio_format",
        ),
        (
            ApiVersion::V2026_04_10,
            SessionConfig::new().input_audio_format(AudioFormat::Pcm16 { rate: 44_100 }),
            "session.input_audio_format",
        ),
        (
            ApiVersion::V2025_10_01,
            SessionConfig::new().voice(AzureVoice::realtime_native("ava")),
            "session.voice",
        ),
        (
            ApiVersion::V2026_04_10,
            SessionConfig::new().voice("en-US-AvaNeural"),
            "session.voice",
        ),
        (
            ApiVersion::V1,
            SessionConfig::new().extension(Animation::new([AnimationOutput::Blendshapes])),
            "session.animation",
        ),
        (
            ApiVersion::V2026_04_10,
            SessionConfig::new()
                .extension(EchoCancellation::server_with(ReferenceSource::Server, 1)),
            "session.input_audio_echo_cancellation",
        ),
    ];
    for (version, session, field) in cases {
        let result = VoiceLiveDialect::new(version).encode(&ClientEvent::session_update(session));
        assert_eq!(
            unsupported_field(result).as_deref(),
            Some(field),
            "{version}"
        );
    }
    let semantic =
        SessionConfig::new().turn_detection(realtime_core::protocol::TurnDetection::semantic_vad());
    let event = ClientEvent::session_update(semantic);
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2025_10_01)
            .encode(&event)
            .is_err()
    );
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2026_04_10)
            .encode(&event)
            .is_ok()
    );
}

/// Another provider's typed extension is refused by core's preparation.
#[test]
fn foreign_extensions_are_refused() {
    #[derive(Debug, Clone, PartialEq)]
    struct OtherProviderSetting;
    realtime_core::impl_session_extension!(
        OtherProviderSetting,
        provider = "Elsewhere",
        field = "session.elsewhere"
    );
    let event = ClientEvent::session_update(SessionConfig::new().extension(OtherProviderSetting));
    let result = VoiceLiveDialect::default().encode(&event);
    assert_eq!(
        unsupported_field(result).as_deref(),
        Some("session.elsewhere")
    );
}

#[test]
fn response_create_writes_voice_live_rates_and_modalities() -> TestResult {
    let mut response = ResponseConfig::new()
        .output_modalities([Modality::Audio, Modality::Other("animation".into())]);
    response.output_audio_format = Some(AudioFormat::Pcm16 { rate: 16_000 });
    let wire = encode(
        ApiVersion::V2026_04_10,
        &ClientEvent::create_response_with(response),
    )?;
    assert_eq!(
        wire,
        json!({"type": "response.create", "response": {
            // As the client listed them (VL-26's own example sends
            // `["audio","animation"]`, fixtures/voicelive/examples.jsonl line 208).
            "modalities": ["audio", "animation"],
            "output_audio_format": "pcm16_16000hz"
        }})
    );
    Ok(())
}

#[test]
fn voice_live_client_events_per_version() -> TestResult {
    let connect: ClientEvent = VoiceLiveClientEvent::avatar_connect("sdp").into();
    let turn: ClientEvent = VoiceLiveClientEvent::turn_append("t1", &[0, 1]).into();
    assert_eq!(
        encode(ApiVersion::V2026_04_10, &turn)?,
        json!({"type": "input_audio.turn.append", "turn_id": "t1", "audio": "AAE="})
    );
    assert_eq!(
        encode(ApiVersion::V1, &connect)?,
        json!({"type": "session.avatar.connect", "client_sdp": "sdp"})
    );
    assert!(VoiceLiveDialect::new(ApiVersion::V1).encode(&turn).is_err());
    assert_eq!(
        VoiceLiveClientEvent::from_client_event(&turn),
        Some(VoiceLiveClientEvent::turn_append("t1", &[0, 1]))
    );
    let unknown = ClientEvent::Other {
        event_type: "transcription_session.update".into(),
        raw: serde_json::Map::new(),
    };
    assert!(VoiceLiveDialect::default().encode(&unknown).is_err());
    Ok(())
}
