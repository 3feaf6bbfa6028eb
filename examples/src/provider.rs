//! Which service an example talks to.
//!
//! - `--provider NAME` picks a provider; it needs that provider's variables in the
//!   environment (one error lists every missing one).
//! - `--offline` runs against the embedded emulator of the chosen provider's dialect
//!   (OpenAI GA by default): a real WebSocket server on 127.0.0.1, with the provider's
//!   real dialect on the client side.
//! - Neither: the first provider whose variables are all set; else, when some of a
//!   provider's variables are set, an error listing the missing ones; else the emulator.
//!
//! Banners name the dialect and `api-version` the client really uses, read from the
//! provider's configuration and dialect, not written out by hand.
//!
//! Every provider lives in the `match`es of [`Provider`] (its variables, its live
//! configuration, its offline dialect); the emulator profile comes from the offline
//! dialect's entry in `realtime::registry`.

use std::sync::Arc;

use realtime::azure_openai::{
    ApiVersion as AzureApiVersion, AzureOpenAiConfig, AzureOpenAiDialect,
};
use realtime::client::RealtimeClient;
use realtime::dialect::Dialect;
use realtime::openai::{OpenAiConfig, OpenAiDialect};
use realtime::protocol::{SessionConfig, Transcription};
use realtime::transport::{ConnectRequest, StaticConnector, redact_url};
use realtime::voicelive::{ApiVersion as VoiceLiveApiVersion, VoiceLiveConfig, VoiceLiveDialect};
use realtime_testkit::emulator::{Emulator, LiveEmulator, Profile, Script};

use crate::ExampleError;
use crate::cli::ConnectionArgs;

/// A realtime service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI Realtime (GA).
    #[value(name = "openai")]
    OpenAi,
    /// Azure OpenAI Realtime: GA v1, or a dated preview when `AZURE_OPENAI_API_VERSION`
    /// is set. Offline: the `2025-04-01-preview` dialect (beta shape, no `session.type`).
    #[value(name = "azure-openai")]
    AzureOpenAi,
    /// Azure AI Voice Live. Offline: the `2026-07-15` dialect (the default version).
    #[value(name = "voicelive")]
    VoiceLive,
    // GPT-Live (not the Realtime API): handled by `provider_live`; chosen by
    // `--provider` only, never from the environment alone.
    /// OpenAI GPT-Live (`/v1/live/sessions`). Offline: the GPT-Live emulator.
    #[value(name = "openai-live")]
    OpenAiLive,
    /// Azure Foundry GPT-Live (`/openai/v1/live`). Offline: the GPT-Live emulator.
    #[value(name = "azure-openai-live")]
    AzureOpenAiLive,
}

impl Provider {
    /// Every provider, in the order credentials are looked for.
    pub const ALL: &'static [Self] = &[Self::OpenAi, Self::AzureOpenAi, Self::VoiceLive];

    /// The GPT-Live providers (`--provider` only: their variables are the Realtime
    /// ones, which pick the Realtime API).
    pub const GPT_LIVE: &'static [Self] = &[Self::OpenAiLive, Self::AzureOpenAiLive];

    /// Whether this is GPT-Live (see [`provider_live`](crate::provider_live)).
    pub fn is_gpt_live(self) -> bool {
        Self::GPT_LIVE.contains(&self)
    }

    /// The name used with `--provider`.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::AzureOpenAi => "azure-openai",
            Self::VoiceLive => "voicelive",
            Self::OpenAiLive => "openai-live",
            Self::AzureOpenAiLive => "azure-openai-live",
        }
    }

    /// The environment variables that must be set to talk to the real service. A
    /// variable with alternatives is written `A (or B)`.
    pub fn credential_vars(self) -> &'static [&'static str] {
        match self {
            Self::OpenAi | Self::OpenAiLive => &[realtime::openai::API_KEY_VAR],
            Self::AzureOpenAiLive => &[
                realtime::azure_openai::ENV_ENDPOINT,
                realtime::azure_openai::ENV_API_KEY,
            ],
            Self::AzureOpenAi => &[
                realtime::azure_openai::ENV_ENDPOINT,
                realtime::azure_openai::ENV_API_KEY,
                "AZURE_OPENAI_REALTIME_DEPLOYMENT (or AZURE_OPENAI_DEPLOYMENT)",
            ],
            Self::VoiceLive => &[
                "AZURE_VOICELIVE_ENDPOINT",
                "AZURE_VOICELIVE_API_KEY",
                "AZURE_VOICELIVE_MODEL",
            ],
        }
    }

    /// The required variables that are unset or empty, all of them, as
    /// [`credential_vars`](Self::credential_vars) writes them.
    pub fn missing_vars(self) -> Vec<&'static str> {
        self.missing_vars_in(|name| std::env::var(name).ok())
    }

    /// As [`missing_vars`](Self::missing_vars), reading variables through `lookup`.
    pub fn missing_vars_in(self, lookup: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
        let set = |name: &str| lookup(name).is_some_and(|value| !value.trim().is_empty());
        self.credential_vars()
            .iter()
            .copied()
            .filter(|entry| {
                // `A (or B)`: either name will do.
                !entry
                    .split(" (or ")
                    .map(|name| name.trim_end_matches(')'))
                    .any(set)
            })
            .collect()
    }

    /// Whether every required variable is set and non-empty.
    pub fn has_credentials(self) -> bool {
        self.missing_vars().is_empty()
    }

    /// Whether some, but not all, of the required variables are set.
    fn partly_configured(self) -> bool {
        let missing = self.missing_vars().len();
        missing > 0 && missing < self.credential_vars().len()
    }

    /// The error for a provider whose variables are missing.
    fn missing_error(self, why: &str) -> ExampleError {
        ExampleError::new(format!(
            "{why}: {} {} not set. Set {} (or add --offline to use the embedded emulator)",
            self.name(),
            match self.missing_vars().as_slice() {
                [one] => format!("needs {one}, which is"),
                many => format!("needs {}, which are", many.join(", ")),
            },
            if self.missing_vars().len() == 1 {
                "it"
            } else {
                "them all"
            },
        ))
    }

    /// A client for the real service, and where it connects: the URL (no secret in
    /// it), the dialect and the `api-version`, as the configuration resolved them.
    ///
    /// # Errors
    /// The configuration in the environment is missing or invalid.
    pub fn live_client(self) -> Result<(RealtimeClient, Endpoint), ExampleError> {
        let invalid = |e: &dyn std::fmt::Display| {
            ExampleError::new(format!("the {} configuration: {e}", self.name()))
        };
        match self {
            Self::OpenAi => {
                let config = OpenAiConfig::from_env().map_err(|e| invalid(&e))?;
                let endpoint = Endpoint::of(
                    &config.dialect(),
                    None,
                    redact_url(&config.connect_request().url),
                );
                Ok((config.client(), endpoint))
            }
            Self::AzureOpenAi => {
                let config = AzureOpenAiConfig::from_env().map_err(|e| invalid(&e))?;
                let dialect = config.dialect();
                let version = dialect.api_version().map(|v| v.as_str().to_owned());
                let endpoint = Endpoint::of(&dialect, version, redact_url(&config.url()));
                Ok((config.client(), endpoint))
            }
            Self::VoiceLive => {
                let config = VoiceLiveConfig::from_env().map_err(|e| invalid(&e))?;
                let dialect = config.dialect();
                let version = Some(config.api_version().as_str().to_owned());
                let endpoint = Endpoint::of(&dialect, version, redact_url(&config.url()));
                Ok((RealtimeClient::new(dialect, config), endpoint))
            }
            Self::OpenAiLive | Self::AzureOpenAiLive => crate::provider_live::live_client(self),
        }
    }

    /// How the emulator plays this provider: the profile that the registry entry of
    /// the offline dialect names (`realtime::registry`), so a dialect registered in
    /// its provider crate brings its profile along.
    ///
    /// # Errors
    /// The offline dialect is not registered, or names no emulator profile.
    pub fn emulator_profile(self) -> Result<Profile, ExampleError> {
        if self.is_gpt_live() {
            return Err(ExampleError::new(format!(
                "{} has no Realtime emulator profile: GPT-Live has an emulator of its own \
                 (`Connection::offline` starts it)",
                self.name()
            )));
        }
        let (dialect, _) = self.offline_dialect();
        realtime::registry::find_dialect(dialect.name())
            .and_then(|entry| entry.emulator_profile)
            .and_then(Profile::for_dialect)
            .ok_or_else(|| {
                ExampleError::new(format!(
                    "{}: the dialect {} has no emulator profile in the registry",
                    self.name(),
                    dialect.name()
                ))
            })
    }

    /// The dialect this provider speaks offline, and its `api-version`.
    fn offline_dialect(self) -> (Arc<dyn Dialect>, Option<String>) {
        match self {
            // GPT-Live's own emulator is started by `Connection::offline`.
            Self::OpenAi | Self::OpenAiLive | Self::AzureOpenAiLive => {
                (Arc::new(OpenAiDialect::new()), None)
            }
            Self::AzureOpenAi => {
                let dialect = AzureOpenAiDialect::preview(AzureApiVersion::V2025_04_01Preview);
                let version = dialect.api_version().map(|v| v.as_str().to_owned());
                (Arc::new(dialect), version)
            }
            Self::VoiceLive => {
                let version = VoiceLiveApiVersion::default();
                (
                    Arc::new(VoiceLiveDialect::new(version)),
                    Some(version.as_str().to_owned()),
                )
            }
        }
    }

    /// A client speaking this provider's real dialect to a Realtime emulator at
    /// `url`, and where it connects (GPT-Live: see [`Connection::offline`]).
    pub fn offline_client(self, url: String) -> (RealtimeClient, Endpoint) {
        let connector = StaticConnector::new("emulator", ConnectRequest::new(url.clone()));
        let (dialect, version) = self.offline_dialect();
        let endpoint = Endpoint::of(dialect.as_ref(), version, url);
        (
            RealtimeClient::from_parts(dialect, Arc::new(connector)),
            endpoint,
        )
    }

    /// Input transcription settings that work on this provider, if any. On Azure
    /// OpenAI the model is a *deployment* name (`DeploymentNotFound` otherwise), read
    /// from `AZURE_OPENAI_TRANSCRIPTION_DEPLOYMENT`; without it, live Azure OpenAI
    /// sessions run without user transcripts.
    pub fn transcription(self, offline: bool) -> Option<Transcription> {
        match self {
            Self::OpenAi => Some(Transcription::model("gpt-4o-mini-transcribe")),
            // The emulated resource's transcription deployment.
            Self::AzureOpenAi if offline => Some(Transcription::model(
                realtime_testkit::emulator::AZURE_TRANSCRIPTION_DEPLOYMENT,
            )),
            Self::AzureOpenAi => std::env::var("AZURE_OPENAI_TRANSCRIPTION_DEPLOYMENT")
                .ok()
                .filter(|name| !name.trim().is_empty())
                .map(Transcription::model),
            Self::VoiceLive => Some(Transcription::model("azure-speech")),
            // GPT-Live always transcribes; it has no transcription setting.
            Self::OpenAiLive | Self::AzureOpenAiLive => None,
        }
    }
}

/// Where a client connects, for the banner: read from the dialect and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The provider, as the dialect names it (e.g. `Azure OpenAI`).
    pub provider: &'static str,
    /// The dialect (e.g. `azure-openai-ga-v1`).
    pub dialect: &'static str,
    /// The `api-version` in the URL; `None` for endpoints without one (OpenAI,
    /// Azure OpenAI GA v1).
    pub api_version: Option<String>,
    /// The URL, with no secret in it.
    pub url: String,
}

impl Endpoint {
    pub(crate) fn of(dialect: &dyn Dialect, api_version: Option<String>, url: String) -> Self {
        Self {
            provider: dialect.provider(),
            dialect: dialect.name(),
            api_version,
            url,
        }
    }

    /// `Azure OpenAI, dialect azure-openai-preview, api-version 2025-04-01-preview`.
    pub fn describe(&self) -> String {
        format!(
            "{}, dialect {}, {}",
            self.provider,
            self.dialect,
            match &self.api_version {
                Some(version) => format!("api-version {version}"),
                None => "no api-version".to_owned(),
            }
        )
    }
}

/// A client and, offline, the emulator it talks to (kept alive with it).
#[derive(Debug)]
pub struct Connection {
    /// The client.
    pub client: RealtimeClient,
    /// The provider whose dialect the client speaks.
    pub provider: Provider,
    /// The emulator, when offline.
    pub emulator: Option<Emulator>,
    /// The GPT-Live emulator, when offline on GPT-Live.
    pub live_emulator: Option<LiveEmulator>,
    /// Where the client connects.
    pub endpoint: Endpoint,
    /// One line saying where the example is connected: print it first.
    pub banner: String,
}

impl Connection {
    /// Whether this runs against the embedded emulator.
    pub fn is_offline(&self) -> bool {
        self.emulator.is_some() || self.live_emulator.is_some()
    }

    /// The session settings every agent shares: input transcription where the
    /// provider can do it.
    pub fn base_session(&self) -> SessionConfig {
        if self.provider.is_gpt_live() {
            return crate::provider_live::base_session();
        }
        let config = SessionConfig::new();
        match self.provider.transcription(self.is_offline()) {
            Some(transcription) => config.transcription(transcription),
            None => config,
        }
    }

    /// Starts an emulator of `provider` playing `script`; `why` starts the banner.
    ///
    /// # Errors
    /// The emulator cannot bind a loopback port.
    pub async fn offline(
        provider: Provider,
        script: Script,
        why: &str,
    ) -> Result<Self, ExampleError> {
        if provider.is_gpt_live() {
            return crate::provider_live::offline(provider, script, why).await;
        }
        Self::offline_with(provider, provider.emulator_profile()?, script, why).await
    }

    /// As [`offline`](Self::offline), with the emulator `profile` given (e.g. one that
    /// hears only real speech).
    ///
    /// # Errors
    /// The emulator cannot bind a loopback port.
    pub async fn offline_with(
        provider: Provider,
        profile: Profile,
        script: Script,
        why: &str,
    ) -> Result<Self, ExampleError> {
        let emulator = Emulator::start(profile, script)
            .await
            .map_err(|e| ExampleError(format!("could not start the embedded emulator: {e}")))?;
        let (client, endpoint) = provider.offline_client(emulator.url());
        let banner = format!(
            "offline: {why}, running against the embedded emulator of {} at {}",
            endpoint.describe(),
            endpoint.url
        );
        Ok(Self {
            client,
            provider,
            emulator: Some(emulator),
            live_emulator: None,
            endpoint,
            banner,
        })
    }

    /// Connects to the real service of `provider`.
    ///
    /// # Errors
    /// Its credentials are missing or invalid.
    pub fn live(provider: Provider) -> Result<Self, ExampleError> {
        let (client, endpoint) = provider.live_client()?;
        let banner = format!(
            "online: {} at {} (configured from {})",
            endpoint.describe(),
            endpoint.url,
            provider.credential_vars().join(", ")
        );
        Ok(Self {
            client,
            provider,
            emulator: None,
            live_emulator: None,
            endpoint,
            banner,
        })
    }

    /// Chooses from `--provider` and `--offline` (see the module doc); `script` is what
    /// the emulator plays when offline.
    ///
    /// # Errors
    /// A provider whose variables are missing (every missing one is named), or whose
    /// configuration is invalid.
    pub async fn choose(args: &ConnectionArgs, script: Script) -> Result<Self, ExampleError> {
        if args.offline {
            let provider = args.provider.unwrap_or(Provider::OpenAi);
            return Self::offline(provider, script, "--offline given").await;
        }
        match args.provider {
            Some(provider) if provider.has_credentials() => Self::live(provider),
            Some(provider) => {
                Err(provider.missing_error(&format!("--provider {}", provider.name())))
            }
            None => {
                if let Some(provider) = Provider::ALL.iter().copied().find(|p| p.has_credentials())
                {
                    return Self::live(provider);
                }
                // Half a configuration is a mistake to report, not a reason to go offline.
                if let Some(provider) = Provider::ALL
                    .iter()
                    .copied()
                    .find(|p| p.partly_configured())
                {
                    return Err(provider.missing_error("some variables are set"));
                }
                Self::offline(Provider::OpenAi, script, "no credentials found").await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Provider;

    #[test]
    fn every_missing_variable_is_listed() {
        let missing = Provider::AzureOpenAi.missing_vars_in(|_| None);
        assert_eq!(missing.len(), 3, "{missing:?}");
        let missing = Provider::VoiceLive
            .missing_vars_in(|name| (name == "AZURE_VOICELIVE_ENDPOINT").then(|| "x".to_owned()));
        assert_eq!(
            missing,
            ["AZURE_VOICELIVE_API_KEY", "AZURE_VOICELIVE_MODEL"]
        );
    }

    #[test]
    fn each_offline_dialect_has_its_registered_emulator_profile() {
        for provider in Provider::ALL {
            let profile = provider.emulator_profile().map_err(|e| e.0);
            let (dialect, _) = provider.offline_dialect();
            assert_eq!(
                profile.map(|p| p.dialect),
                Ok(dialect.name()),
                "{provider:?}"
            );
        }
    }

    #[test]
    fn an_alternative_name_satisfies_its_entry() {
        let set = |name: &str| {
            matches!(
                name,
                "AZURE_OPENAI_ENDPOINT" | "AZURE_OPENAI_API_KEY" | "AZURE_OPENAI_DEPLOYMENT"
            )
            .then(|| "x".to_owned())
        };
        assert!(Provider::AzureOpenAi.missing_vars_in(set).is_empty());
    }
}
