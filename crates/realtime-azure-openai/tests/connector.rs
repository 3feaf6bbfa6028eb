//! The connector: URLs and headers per endpoint, API key and Entra ID tokens (fetched
//! per connect, reused while valid, refetched near expiry), configuration from the
//! environment, and secrets that never show in `Debug` or errors.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::{Duration, OffsetDateTime};
use realtime_azure_openai::{
    ApiVersion, Auth, AzureOpenAiConfig, AzureOpenAiConnector, ConfigError, Endpoint, GA_V1_SCOPE,
    PREVIEW_SCOPE, TokenCache,
};
use realtime_core::dialect::Dialect as _;
use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector};

const KEY: &str = "sk-AZURE-SECRET-KEY-0123";

/// A credential that counts calls and hands out numbered tokens valid for `lifetime`
/// from `issued_at` (a fixed clock, so tests choose the expiry).
#[derive(Debug)]
struct FakeCredential {
    calls: AtomicUsize,
    issued_at: OffsetDateTime,
    lifetime: Duration,
    scopes: std::sync::Mutex<Vec<String>>,
    fail: bool,
}

impl FakeCredential {
    fn new(issued_at: OffsetDateTime, lifetime: Duration) -> Self {
        Self {
            calls: AtomicUsize::new(0),
            issued_at,
            lifetime,
            scopes: std::sync::Mutex::new(Vec::new()),
            fail: false,
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.scopes
            .lock()
            .unwrap()
            .extend(scopes.iter().map(|s| (*s).to_owned()));
        if self.fail {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "no developer tool is signed in",
            ));
        }
        Ok(AccessToken::new(
            format!("ENTRA-TOKEN-{n}"),
            self.issued_at + self.lifetime,
        ))
    }
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap()
}

fn endpoint() -> realtime_azure_openai::ResourceEndpoint {
    "https://res.openai.azure.com".parse().unwrap()
}

fn header<'a>(parts: &'a ConnectRequest, name: &str) -> Option<&'a str> {
    parts
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.expose())
}

#[tokio::test]
async fn api_key_header_and_urls_for_both_endpoints() {
    let ga = AzureOpenAiConfig::new(endpoint(), "gpt-realtime", Auth::api_key(KEY)).unwrap();
    let parts = AzureOpenAiConnector::new(ga.clone())
        .request()
        .await
        .unwrap();
    assert_eq!(
        parts.url,
        "wss://res.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
    );
    assert_eq!(header(&parts, "api-key"), Some(KEY));
    assert_eq!(parts.headers.len(), 1, "no OpenAI-Beta, no Authorization");
    assert!(header(&parts, "OpenAI-Beta").is_none());

    let preview = ga.with_endpoint_kind(Endpoint::Preview(ApiVersion::V2024_12_17));
    let connector = AzureOpenAiConnector::new(preview);
    let parts = connector.request().await.unwrap();
    assert_eq!(
        parts.url,
        "wss://res.openai.azure.com/openai/realtime?api-version=2024-12-17&deployment=gpt-realtime"
    );
    assert_eq!(header(&parts, "api-key"), Some(KEY));
    assert!(header(&parts, "OpenAI-Beta").is_none());
    assert_eq!(connector.dialect().name(), "azure-openai-preview");
    assert_eq!(connector.provider(), "azure-openai");
}

#[tokio::test]
async fn entra_token_is_fetched_reused_and_refreshed() {
    let credential = Arc::new(FakeCredential::new(t0(), Duration::hours(1)));
    let config =
        AzureOpenAiConfig::new(endpoint(), "gpt-realtime", Auth::entra(credential.clone()))
            .unwrap();
    let connector = AzureOpenAiConnector::new(config);

    // First connect fetches.
    let first = connector.request_at(t0()).await.unwrap();
    assert_eq!(
        header(&first, "Authorization"),
        Some("Bearer ENTRA-TOKEN-1")
    );
    assert!(header(&first, "api-key").is_none());
    assert_eq!(credential.calls(), 1);

    // A reconnect while the token is valid for more than 5 minutes reuses it.
    let second = connector
        .request_at(t0() + Duration::minutes(54))
        .await
        .unwrap();
    assert_eq!(
        header(&second, "Authorization"),
        Some("Bearer ENTRA-TOKEN-1")
    );
    assert_eq!(credential.calls(), 1);

    // Within 5 minutes of expiry it fetches a fresh one.
    let third = connector
        .request_at(t0() + Duration::minutes(56))
        .await
        .unwrap();
    assert_eq!(
        header(&third, "Authorization"),
        Some("Bearer ENTRA-TOKEN-2")
    );
    assert_eq!(credential.calls(), 2);

    // GA v1 asks for the ai.azure.com scope.
    assert!(
        credential
            .scopes
            .lock()
            .unwrap()
            .iter()
            .all(|s| s == GA_V1_SCOPE)
    );
    // The token shows in no Debug output.
    for text in [
        format!("{connector:?}"),
        format!("{first:?}"),
        format!("{third:?}"),
    ] {
        assert!(!text.contains("ENTRA-TOKEN"), "{text}");
    }
}

#[tokio::test]
async fn preview_uses_the_cognitive_services_scope_and_overrides_apply() {
    let credential = Arc::new(FakeCredential::new(t0(), Duration::hours(1)));
    let config = AzureOpenAiConfig::new(endpoint(), "d", Auth::entra(credential.clone()))
        .unwrap()
        .with_endpoint_kind(Endpoint::Preview(ApiVersion::V2025_04_01Preview));
    assert_eq!(config.entra_scope(), PREVIEW_SCOPE);
    AzureOpenAiConnector::new(config.clone())
        .request_at(t0())
        .await
        .unwrap();
    assert_eq!(
        *credential.scopes.lock().unwrap(),
        vec![PREVIEW_SCOPE.to_owned()]
    );

    let custom = config.with_entra_scope("https://example.invalid/.default");
    assert_eq!(custom.entra_scope(), "https://example.invalid/.default");
}

#[tokio::test]
async fn a_failing_credential_is_a_typed_error() {
    let mut fake = FakeCredential::new(t0(), Duration::hours(1));
    fake.fail = true;
    let config = AzureOpenAiConfig::new(endpoint(), "d", Auth::entra(Arc::new(fake))).unwrap();
    let error = AzureOpenAiConnector::new(config)
        .request_at(t0())
        .await
        .unwrap_err();
    let ConnectError {
        provider, message, ..
    } = &error;
    assert_eq!(*provider, "azure-openai");
    assert!(message.contains(GA_V1_SCOPE), "{message}");
    assert!(
        message.contains("no developer tool is signed in"),
        "{message}"
    );
    assert!(error.to_string().starts_with("azure-openai: "));
}

#[tokio::test]
async fn token_cache_margin_is_configurable_and_scoped() {
    let credential = FakeCredential::new(t0(), Duration::minutes(30));
    let cache = TokenCache::with_margin(Duration::minutes(20));
    cache.token(&credential, "a", t0()).await.unwrap();
    cache
        .token(&credential, "a", t0() + Duration::minutes(9))
        .await
        .unwrap();
    assert_eq!(credential.calls(), 1);
    cache
        .token(&credential, "a", t0() + Duration::minutes(11))
        .await
        .unwrap();
    assert_eq!(credential.calls(), 2);
    // Another scope never reuses a token of the first.
    cache.token(&credential, "b", t0()).await.unwrap();
    assert_eq!(credential.calls(), 3);
    assert!(!format!("{cache:?}").contains("ENTRA-TOKEN"));
}

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn from_lookup_reads_ga_v1_and_preview() {
    let base = [
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/"),
        ("AZURE_OPENAI_API_KEY", KEY),
        ("AZURE_OPENAI_REALTIME_DEPLOYMENT", "gpt-realtime"),
    ];
    let config = AzureOpenAiConfig::from_lookup(lookup(&base)).unwrap();
    assert_eq!(config.endpoint_kind(), Endpoint::GaV1);
    assert_eq!(config.deployment(), "gpt-realtime");
    assert_eq!(
        config.url(),
        "wss://res.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
    );
    assert_eq!(config.policy(), UnsupportedPolicy::Error);
    assert!(config.detects_dialect());

    let mut preview = base.to_vec();
    preview.push(("AZURE_OPENAI_API_VERSION", "2024-10-01-preview"));
    let config = AzureOpenAiConfig::from_lookup(lookup(&preview)).unwrap();
    assert_eq!(
        config.endpoint_kind(),
        Endpoint::Preview(ApiVersion::V2024_10_01Preview)
    );
    assert_eq!(
        config.dialect().api_version(),
        Some(ApiVersion::V2024_10_01Preview)
    );

    // The fallback deployment variable, and an empty API version meaning "unset".
    let fallback = [
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com"),
        ("AZURE_OPENAI_API_KEY", KEY),
        ("AZURE_OPENAI_DEPLOYMENT", "fallback-deployment"),
        ("AZURE_OPENAI_API_VERSION", ""),
    ];
    let config = AzureOpenAiConfig::from_lookup(lookup(&fallback)).unwrap();
    assert_eq!(config.deployment(), "fallback-deployment");
    assert_eq!(config.endpoint_kind(), Endpoint::GaV1);
}

#[test]
fn from_lookup_names_what_is_missing_or_wrong() {
    let missing = |vars: &[(&str, &str)]| match AzureOpenAiConfig::from_lookup(lookup(vars)) {
        Err(ConfigError::MissingVariable { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(missing(&[]), "AZURE_OPENAI_ENDPOINT");
    assert_eq!(
        missing(&[("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com")]),
        "AZURE_OPENAI_REALTIME_DEPLOYMENT"
    );
    assert_eq!(
        missing(&[
            ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"),
            ("AZURE_OPENAI_DEPLOYMENT", "d"),
            ("AZURE_OPENAI_API_KEY", "  "),
        ]),
        "AZURE_OPENAI_API_KEY"
    );
    let wrong_version = AzureOpenAiConfig::from_lookup(lookup(&[
        ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"),
        ("AZURE_OPENAI_DEPLOYMENT", "d"),
        ("AZURE_OPENAI_API_KEY", KEY),
        ("AZURE_OPENAI_API_VERSION", "2024-02-01"),
    ]))
    .unwrap_err();
    assert_eq!(
        wrong_version,
        ConfigError::UnknownApiVersion {
            found: "2024-02-01".into()
        }
    );
    assert!(!wrong_version.to_string().contains(KEY));
    assert_eq!(
        AzureOpenAiConfig::new(endpoint(), " ", Auth::api_key(KEY)).unwrap_err(),
        ConfigError::EmptyDeployment
    );
    assert_eq!(
        AzureOpenAiConfig::new(endpoint(), "d", Auth::api_key("")).unwrap_err(),
        ConfigError::EmptyApiKey
    );
}

#[tokio::test]
async fn secrets_never_show_in_debug() {
    let credential: Arc<dyn TokenCredential> =
        Arc::new(FakeCredential::new(t0(), Duration::hours(1)));
    let key_config = AzureOpenAiConfig::new(endpoint(), "d", Auth::api_key(KEY)).unwrap();
    let entra_config = AzureOpenAiConfig::new(endpoint(), "d", Auth::entra(credential)).unwrap();
    let entra_connector = AzureOpenAiConnector::new(entra_config.clone());
    entra_connector.request_at(t0()).await.unwrap();
    let key_connector = AzureOpenAiConnector::new(key_config.clone());
    let key_parts = key_connector.request().await.unwrap();
    let texts = [
        format!("{key_config:?}"),
        format!("{key_config:#?}"),
        format!("{:?}", key_config.auth()),
        format!("{entra_config:?}"),
        format!("{key_connector:?}"),
        format!("{entra_connector:?}"),
        format!("{key_parts:?}"),
        format!("{:?}", key_parts.headers),
        format!("{:?}", realtime_core::transport::Secret::new(KEY)),
    ];
    for text in texts {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains("ENTRA-TOKEN"), "{text}");
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<AzureOpenAiConfig>();
    check::<AzureOpenAiConnector>();
    check::<realtime_azure_openai::AzureOpenAiDialect>();
    check::<realtime_azure_openai::DialectDetector>();
    check::<TokenCache>();
    check::<ConfigError>();
}

/// Records every `tracing` event's fields as text.
#[derive(Default)]
struct Recorder(std::sync::Mutex<String>);

struct Text<'a>(&'a mut String);

impl tracing::field::Visit for Text<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut Text(&mut self.0.lock().unwrap()));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Text(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut Text(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn secrets_never_show_in_logs() {
    // A process-wide recorder: a scoped one races with callsite registration by
    // tests on other threads. Other tests' lines land here too, which only widens
    // the scan for secrets.
    static RECORDER: std::sync::OnceLock<Arc<Recorder>> = std::sync::OnceLock::new();
    let recorder = Arc::clone(RECORDER.get_or_init(|| {
        let recorder = Arc::new(Recorder::default());
        tracing::dispatcher::set_global_default(tracing::Dispatch::from(Arc::clone(&recorder)))
            .unwrap();
        recorder
    }));
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let credential = Arc::new(FakeCredential::new(t0(), Duration::minutes(3)));
            let config = AzureOpenAiConfig::new(endpoint(), "d", Auth::entra(credential)).unwrap();
            let connector = AzureOpenAiConnector::new(config);
            // Near expiry every time: each connect fetches (and logs) again.
            connector.request_at(t0()).await.unwrap();
            connector.request_at(t0()).await.unwrap();
            let key_config = AzureOpenAiConfig::new(endpoint(), "d", Auth::api_key(KEY)).unwrap();
            AzureOpenAiConnector::new(key_config)
                .request()
                .await
                .unwrap();
        });
        // A dropped field logs a warning too.
        let dialect = realtime_azure_openai::AzureOpenAiDialect::preview(ApiVersion::LATEST)
            .with_policy(UnsupportedPolicy::Warn);
        let mut session = realtime_core::protocol::SessionConfig::new();
        session.speed = Some(1.2);
        dialect
            .encode(&realtime_core::protocol::ClientEvent::SessionUpdate {
                event_id: None,
                session: Box::new(session),
            })
            .unwrap();
    }
    let logs = recorder.0.lock().unwrap().clone();
    assert!(
        logs.contains("scope="),
        "the token fetches were logged: {logs}"
    );
    assert!(
        logs.contains("session.speed"),
        "the dropped field was logged: {logs}"
    );
    assert!(!logs.contains("ENTRA-TOKEN"), "{logs}");
    assert!(!logs.contains(KEY), "{logs}");
}
