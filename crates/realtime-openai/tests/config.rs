//! Configuration: URL, headers, option conflicts, environment, and that no config
//! type ever shows the API key.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::protocol::SessionConfig;
use realtime_openai::{
    Calls, ClientSecretRequest, ClientSecrets, ConfigError, Intent, OpenAiConfig,
    OpenAiConfigBuilder, Secret,
};

const KEY: &str = "sk-proj-SECRETSECRET0123456789";

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn default_url_and_only_the_bearer_header() {
    let parts = OpenAiConfig::builder(KEY)
        .build()
        .unwrap()
        .connect_request();
    assert_eq!(
        parts.url,
        "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    );
    assert_eq!(parts.headers.len(), 1);
    assert_eq!(parts.headers[0].0, "Authorization");
    assert_eq!(parts.headers[0].1.expose(), format!("Bearer {KEY}"));
    assert!(
        !parts
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("OpenAI-Beta"))
    );
}

#[test]
fn query_values_are_percent_encoded() {
    let config = OpenAiConfig::builder(KEY)
        .model("my model/v2&x=1")
        .build()
        .unwrap();
    assert_eq!(
        config.connect_request().url,
        "wss://api.openai.com/v1/realtime?model=my%20model%2Fv2%26x%3D1"
    );
}

#[test]
fn call_id_replaces_model() {
    let config = OpenAiConfig::builder(KEY)
        .call_id("rtc_u0_E4Te WIk")
        .build()
        .unwrap();
    assert_eq!(config.model(), None);
    assert_eq!(
        config.connect_request().url,
        "wss://api.openai.com/v1/realtime?call_id=rtc_u0_E4Te%20WIk"
    );
}

#[test]
fn transcription_intent_names_no_model() {
    let config = OpenAiConfig::builder(KEY).transcription().build().unwrap();
    assert_eq!(
        config.connect_request().url,
        "wss://api.openai.com/v1/realtime?intent=transcription"
    );
    let realtime = OpenAiConfig::builder(KEY)
        .intent(Intent::Realtime)
        .build()
        .unwrap();
    assert_eq!(
        realtime.connect_request().url,
        "wss://api.openai.com/v1/realtime?model=gpt-realtime&intent=realtime"
    );
}

#[test]
fn model_with_call_id_or_transcription_is_a_typed_error() {
    let error = OpenAiConfig::builder(KEY)
        .model("gpt-realtime")
        .call_id("rtc_1")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::Conflict {
                first: "model",
                second: "call_id",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("OpenAI: `model` and `call_id`")
    );
    let error = OpenAiConfig::builder(KEY)
        .model("gpt-realtime")
        .transcription()
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::Conflict {
                second: "intent=transcription",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn empty_values_are_typed_errors() {
    assert_eq!(
        OpenAiConfig::builder("  ").build().unwrap_err(),
        ConfigError::EmptyApiKey
    );
    assert!(matches!(
        OpenAiConfig::builder(KEY).call_id("").build(),
        Err(ConfigError::Invalid { .. })
    ));
    assert!(matches!(
        OpenAiConfig::builder(KEY).base_url("ftp://x").build(),
        Err(ConfigError::Invalid { .. })
    ));
}

#[test]
fn base_url_override_gives_websocket_and_rest_endpoints() {
    let config = OpenAiConfig::builder(KEY)
        .base_url("https://proxy.example.com/openai/v1/")
        .build()
        .unwrap();
    assert_eq!(
        config.websocket_url(),
        "wss://proxy.example.com/openai/v1/realtime"
    );
    assert_eq!(config.rest_base(), "https://proxy.example.com/openai/v1");
    assert_eq!(
        config.connect_request().url,
        "wss://proxy.example.com/openai/v1/realtime?model=gpt-realtime"
    );
}

#[test]
fn from_env_requires_the_key_and_names_the_variable() {
    let error = OpenAiConfigBuilder::from_lookup(env(&[])).unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::MissingEnv {
                variable: "OPENAI_API_KEY",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("OPENAI_API_KEY"));
    assert!(OpenAiConfigBuilder::from_lookup(env(&[("OPENAI_API_KEY", "")])).is_err());
}

#[test]
fn from_env_reads_key_and_base_url() {
    let config = OpenAiConfigBuilder::from_lookup(env(&[
        ("OPENAI_API_KEY", KEY),
        ("OPENAI_BASE_URL", "http://127.0.0.1:9000/v1"),
    ]))
    .unwrap()
    .policy(UnsupportedPolicy::Warn)
    .build()
    .unwrap();
    assert_eq!(config.api_key().expose(), KEY);
    assert_eq!(config.websocket_url(), "ws://127.0.0.1:9000/v1/realtime");
    assert_eq!(config.policy(), UnsupportedPolicy::Warn);
    let error = OpenAiConfigBuilder::from_lookup(env(&[
        ("OPENAI_API_KEY", KEY),
        ("OPENAI_BASE_URL", "not a url"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(error.to_string().contains("OPENAI_BASE_URL"), "{error}");
}

#[test]
fn no_config_type_shows_the_key() {
    let builder = OpenAiConfig::builder(KEY).model("gpt-realtime");
    let config = builder.clone().build().unwrap();
    let parts = config.connect_request();
    let secrets = ClientSecrets::new(config.clone()).unwrap();
    let calls = Calls::new(config.clone()).unwrap();
    let secret_request = secrets
        .request(&ClientSecretRequest::new(SessionConfig::new()))
        .unwrap();
    let hangup = calls.hangup_request("rtc_1").unwrap();
    let formatted = [
        format!("{builder:?}"),
        format!("{config:?}"),
        format!("{parts:?}"),
        format!("{secrets:?}"),
        format!("{calls:?}"),
        format!("{secret_request:?}"),
        format!("{hangup:?}"),
        format!("{:?} {}", Secret::new(KEY), Secret::new(KEY)),
        format!(
            "{:?}",
            OpenAiConfigBuilder::from_lookup(env(&[("OPENAI_API_KEY", KEY)])).unwrap()
        ),
    ];
    for text in formatted {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains("SECRETSECRET"), "key leaked: {text}");
    }
    // The key is still there, where it must go on the wire.
    assert_eq!(parts.headers[0].1.expose(), format!("Bearer {KEY}"));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<OpenAiConfig>();
    check::<OpenAiConfigBuilder>();
    check::<realtime_openai::OpenAiDialect>();
    check::<ClientSecrets>();
    check::<Calls>();
    check::<realtime_openai::ClientSecret>();
    check::<realtime_openai::RestError>();
}
