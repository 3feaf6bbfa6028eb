//! Configuration: URL, agent mode, credentials, `from_env` through a lookup, and
//! secrets that never show in `Debug`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};
use realtime_core::transport::Connector;
use realtime_voicelive::{ApiVersion, Avatar, ConfigError, LEGACY_SCOPE, SCOPE, VoiceLiveConfig};

const KEY: &str = "sk-voicelive-SECRET-123";
const TOKEN: &str = "eyJ-SECRET-TOKEN";

#[derive(Debug, Default)]
struct FixedCredential {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenCredential for FixedCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            TOKEN,
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

#[test]
fn urls_for_model_and_agent() -> Result<(), ConfigError> {
    let model = VoiceLiveConfig::builder()
        .endpoint("https://contoso.cognitiveservices.azure.com/")
        .model("gpt-4o")
        .api_version(ApiVersion::V1)
        .api_key(KEY)
        .build()?;
    assert_eq!(
        model.url(),
        "wss://contoso.cognitiveservices.azure.com/voice-live/realtime?api-version=v1&model=gpt-4o"
    );
    let agent = VoiceLiveConfig::builder()
        .endpoint("https://contoso.services.ai.azure.com")
        .agent("support agent", "proj-1")
        .api_key(KEY)
        .build()?;
    assert_eq!(
        agent.url(),
        "wss://contoso.services.ai.azure.com/voice-live/realtime?api-version=2026-07-15\
         &agent-name=support%20agent&agent-project-name=proj-1"
    );
    Ok(())
}

#[test]
fn builder_errors_are_typed() {
    let base = || VoiceLiveConfig::builder().endpoint("https://c.services.ai.azure.com");
    assert_eq!(
        base().model("m").agent("a", "p").api_key(KEY).build().err(),
        Some(ConfigError::ModelAndAgent {
            model: "m".into(),
            agent: "a".into()
        })
    );
    assert_eq!(
        base().api_key(KEY).build().err(),
        Some(ConfigError::MissingTarget)
    );
    assert_eq!(
        base().model("m").build().err(),
        Some(ConfigError::MissingAuth)
    );
    assert_eq!(
        VoiceLiveConfig::builder()
            .model("m")
            .api_key(KEY)
            .build()
            .err(),
        Some(ConfigError::MissingEndpoint)
    );
    let bad_key = base().model("m").api_key("line\nbreak").build().err();
    assert_eq!(
        bad_key,
        Some(ConfigError::InvalidCredential {
            what: "API key",
            len: 10
        })
    );
    let message = ConfigError::ModelAndAgent {
        model: "m".into(),
        agent: "a".into(),
    }
    .to_string();
    assert!(message.starts_with("Azure AI Voice Live:"), "{message}");
}

#[test]
fn from_lookup_reads_the_documented_variables() -> Result<(), ConfigError> {
    let vars = |name: &str| {
        match name {
            "AZURE_VOICELIVE_ENDPOINT" => Some("https://c.services.ai.azure.com"),
            "AZURE_VOICELIVE_API_KEY" => Some(KEY),
            "AZURE_VOICELIVE_MODEL" => Some("gpt-realtime"),
            "AZURE_VOICELIVE_API_VERSION" => Some("2025-10-01"),
            _ => None,
        }
        .map(str::to_owned)
    };
    let config = VoiceLiveConfig::from_lookup(vars)?;
    assert_eq!(config.api_version(), ApiVersion::V2025_10_01);
    assert_eq!(
        config.url(),
        "wss://c.services.ai.azure.com/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime"
    );
    let without_key = VoiceLiveConfig::from_lookup(|name| {
        (name != "AZURE_VOICELIVE_API_KEY")
            .then(|| vars(name))
            .flatten()
    });
    assert_eq!(
        without_key.err(),
        Some(ConfigError::MissingVariable {
            name: "AZURE_VOICELIVE_API_KEY"
        })
    );
    let bad_version = VoiceLiveConfig::from_lookup(|name| {
        if name == "AZURE_VOICELIVE_API_VERSION" {
            Some("2024-01-01".to_owned())
        } else {
            vars(name)
        }
    });
    assert_eq!(
        bad_version.err(),
        Some(ConfigError::InvalidApiVersion {
            found: "2024-01-01".into()
        })
    );
    Ok(())
}

#[tokio::test]
async fn entra_scope_follows_the_host_and_the_token_is_a_bearer_header() -> Result<(), ConfigError>
{
    let credential = Arc::new(FixedCredential::default());
    let config = VoiceLiveConfig::builder()
        .endpoint("https://c.services.ai.azure.com")
        .model("gpt-realtime")
        .token_credential(credential.clone())
        .build()?;
    assert_eq!(config.auth().entra_scope(), Some(SCOPE));
    let request = config.connect_request().await?;
    assert_eq!(request.headers.len(), 1);
    assert_eq!(request.headers[0].0, "Authorization");
    assert_eq!(request.headers[0].1.expose(), format!("Bearer {TOKEN}"));
    assert!(request.headers[0].1.is_secret());
    // A second connect reuses the cached token.
    let _ = config.connect_request().await?;
    assert_eq!(credential.calls.load(Ordering::SeqCst), 1);
    assert!(!format!("{config:?} {request:?}").contains(TOKEN));

    let legacy = VoiceLiveConfig::builder()
        .endpoint("https://c.cognitiveservices.azure.com")
        .model("gpt-realtime")
        .token_credential(credential)
        .build()?;
    assert_eq!(legacy.auth().entra_scope(), Some(LEGACY_SCOPE));
    Ok(())
}

#[tokio::test]
async fn api_key_header_and_connector() -> Result<(), Box<dyn std::error::Error>> {
    let config = VoiceLiveConfig::builder()
        .endpoint("https://c.services.ai.azure.com")
        .model("gpt-realtime")
        .api_key(KEY)
        .build()?;
    let request = config.request().await?;
    assert_eq!(config.provider(), "Azure AI Voice Live");
    assert_eq!(request.headers[0].0, "api-key");
    assert_eq!(request.headers[0].1.expose(), KEY);
    assert!(!request.url.contains(KEY));
    Ok(())
}

/// Every configuration type, formatted with `{:?}`, shows no key, token or TURN
/// credential.
#[tokio::test]
async fn secrets_never_show_in_debug() -> Result<(), Box<dyn std::error::Error>> {
    let builder = VoiceLiveConfig::builder()
        .endpoint("https://c.services.ai.azure.com")
        .model("gpt-realtime")
        .api_key(KEY);
    let config = builder.clone().build()?;
    let request = config.connect_request().await?;
    let entra = VoiceLiveConfig::builder()
        .endpoint("https://c.services.ai.azure.com")
        .model("m")
        .token_credential(Arc::new(FixedCredential::default()))
        .build()?;
    let entra_request = entra.connect_request().await?;
    let avatar =
        Avatar::new("lisa").ice_servers([realtime_voicelive::extensions::IceServer::new([
            "turn:relay.example.invalid",
        ])
        .credentials("user", KEY)]);
    let bad_endpoint = VoiceLiveConfig::builder()
        .endpoint(format!("https://c.services.ai.azure.com?api-key={KEY}"))
        .model("m")
        .api_key(KEY)
        .build()
        .err()
        .ok_or("expected an error")?;
    let shown = [
        format!("{builder:?}"),
        format!("{config:?}"),
        format!("{:?}", config.auth()),
        format!("{request:?}"),
        format!("{entra:?}"),
        format!("{entra_request:?}"),
        format!("{avatar:?}"),
        format!("{bad_endpoint:?} {bad_endpoint}"),
    ];
    for text in shown {
        assert!(
            !text.contains(KEY) && !text.contains(TOKEN),
            "secret shown: {text}"
        );
    }
    Ok(())
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<VoiceLiveConfig>();
    check::<realtime_voicelive::VoiceLiveDialect>();
    check::<realtime_voicelive::VoiceLiveEvent>();
    check::<ConfigError>();
}
