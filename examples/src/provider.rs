//! Which service an example talks to.
//!
//! - `--provider NAME` picks a provider; it needs that provider's credentials in the
//!   environment (a clear error names the missing variable).
//! - `--offline` runs against the embedded emulator of the chosen provider's dialect
//!   (OpenAI GA by default): a real WebSocket server on 127.0.0.1, with the provider's
//!   real dialect on the client side.
//! - Neither: the first provider whose credentials are set, else the emulator.
//!
//! Every provider lives in the `match`es of [`Provider`]; adding one is a variant and
//! an arm in each.

use realtime::azure_openai::{
    ApiVersion as AzureApiVersion, AzureOpenAiConfig, AzureOpenAiDialect,
};
use realtime::client::RealtimeClient;
use realtime::openai::{OpenAiConfig, OpenAiDialect};
use realtime::protocol::{SessionConfig, Transcription};
use realtime::transport::{ConnectRequest, StaticConnector, redact_url};
use realtime::voicelive::{ApiVersion as VoiceLiveApiVersion, VoiceLiveConfig, VoiceLiveDialect};
use realtime_testkit::emulator::{Emulator, Profile, Script};

use crate::ExampleError;
use crate::args::Args;

/// A realtime service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI Realtime (GA).
    OpenAi,
    /// Azure OpenAI Realtime: GA v1, or a dated preview when `AZURE_OPENAI_API_VERSION`
    /// is set. Offline: the `2025-04-01-preview` dialect (beta shape, no `session.type`).
    AzureOpenAi,
    /// Azure AI Voice Live. Offline: the `2026-04-10` dialect.
    VoiceLive,
}

impl Provider {
    /// Every provider, in the order credentials are looked for.
    pub const ALL: &'static [Self] = &[Self::OpenAi, Self::AzureOpenAi, Self::VoiceLive];

    /// The name used with `--provider`.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::AzureOpenAi => "azure-openai",
            Self::VoiceLive => "voicelive",
        }
    }

    /// What the user reads.
    pub fn title(self) -> &'static str {
        match self {
            Self::OpenAi => "OpenAI GA",
            Self::AzureOpenAi => "Azure OpenAI (2025-04-01-preview)",
            Self::VoiceLive => "Azure AI Voice Live (2026-04-10)",
        }
    }

    /// The environment variables that must be set to talk to the real service.
    pub fn credential_vars(self) -> &'static [&'static str] {
        match self {
            Self::OpenAi => &[realtime::openai::API_KEY_VAR],
            Self::AzureOpenAi => &[
                realtime::azure_openai::ENV_ENDPOINT,
                realtime::azure_openai::ENV_API_KEY,
            ],
            Self::VoiceLive => &["AZURE_VOICELIVE_ENDPOINT", "AZURE_VOICELIVE_API_KEY"],
        }
    }

    /// Parses a `--provider` value.
    ///
    /// # Errors
    /// An unknown name; the message lists the known ones.
    pub fn parse(name: &str) -> Result<Self, ExampleError> {
        Self::ALL
            .iter()
            .copied()
            .find(|provider| provider.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                ExampleError::new(format!(
                    "unknown provider `{name}`; known: {}",
                    known.join(", ")
                ))
            })
    }

    /// Whether every credential variable is set and non-empty.
    pub fn has_credentials(self) -> bool {
        self.credential_vars()
            .iter()
            .all(|var| std::env::var(var).is_ok_and(|value| !value.trim().is_empty()))
    }

    /// A client for the real service, and the URL it connects to (no secret in it).
    ///
    /// # Errors
    /// The configuration in the environment is missing or invalid.
    pub fn live_client(self) -> Result<(RealtimeClient, String), ExampleError> {
        match self {
            Self::OpenAi => {
                let config = OpenAiConfig::from_env().map_err(|e| ExampleError(e.to_string()))?;
                let url = redact_url(&config.connect_request().url);
                Ok((config.client(), url))
            }
            Self::AzureOpenAi => {
                let config =
                    AzureOpenAiConfig::from_env().map_err(|e| ExampleError(e.to_string()))?;
                let url = redact_url(&config.url());
                Ok((config.client(), url))
            }
            Self::VoiceLive => {
                let config =
                    VoiceLiveConfig::from_env().map_err(|e| ExampleError(e.to_string()))?;
                let url = redact_url(&config.url());
                Ok((RealtimeClient::new(config.dialect(), config), url))
            }
        }
    }

    /// How the emulator plays this provider.
    pub fn emulator_profile(self) -> Profile {
        match self {
            Self::OpenAi => Profile::openai_ga(),
            Self::AzureOpenAi => Profile::azure_openai_preview(),
            Self::VoiceLive => Profile::voicelive_dated(),
        }
    }

    /// A client speaking this provider's real dialect to an emulator at `url`.
    pub fn offline_client(self, url: String) -> RealtimeClient {
        let connector = StaticConnector::new("emulator", ConnectRequest::new(url));
        match self {
            Self::OpenAi => RealtimeClient::new(OpenAiDialect::new(), connector),
            Self::AzureOpenAi => RealtimeClient::new(
                AzureOpenAiDialect::preview(AzureApiVersion::V2025_04_01Preview),
                connector,
            ),
            Self::VoiceLive => RealtimeClient::new(
                VoiceLiveDialect::new(VoiceLiveApiVersion::V2026_04_10),
                connector,
            ),
        }
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
        }
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
    /// One line saying where the example is connected: print it first.
    pub banner: String,
}

impl Connection {
    /// Whether this runs against the embedded emulator.
    pub fn is_offline(&self) -> bool {
        self.emulator.is_some()
    }

    /// The session settings every agent shares: input transcription where the
    /// provider can do it.
    pub fn base_session(&self) -> SessionConfig {
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
        let emulator = Emulator::start(provider.emulator_profile(), script)
            .await
            .map_err(|e| ExampleError(format!("could not start the embedded emulator: {e}")))?;
        let url = emulator.url();
        let banner = format!(
            "offline: {why}, running against the embedded {} emulator at {url}",
            provider.title()
        );
        Ok(Self {
            client: provider.offline_client(url),
            provider,
            emulator: Some(emulator),
            banner,
        })
    }

    /// Connects to the real service of `provider`.
    ///
    /// # Errors
    /// Its credentials are missing or invalid.
    pub fn live(provider: Provider) -> Result<Self, ExampleError> {
        let (client, url) = provider.live_client()?;
        let banner = format!(
            "online: {} at {url} (credentials from {})",
            provider.title(),
            provider.credential_vars().join(", ")
        );
        Ok(Self {
            client,
            provider,
            emulator: None,
            banner,
        })
    }

    /// Chooses from `--provider` and `--offline` (see the module doc); `script` is what
    /// the emulator plays when offline.
    ///
    /// # Errors
    /// An unknown provider, or `--provider` without its credentials.
    pub async fn choose(args: &Args, script: Script) -> Result<Self, ExampleError> {
        let named = args.value("provider").map(Provider::parse).transpose()?;
        if args.flag("offline") {
            return Self::offline(named.unwrap_or(Provider::OpenAi), script, "--offline given")
                .await;
        }
        match named {
            Some(provider) if provider.has_credentials() => Self::live(provider),
            Some(provider) => Err(ExampleError::new(format!(
                "--provider {} needs {} in the environment (or add --offline to use the \
                 embedded emulator)",
                provider.name(),
                provider.credential_vars().join(" and ")
            ))),
            None => match Provider::ALL.iter().copied().find(|p| p.has_credentials()) {
                Some(provider) => Self::live(provider),
                None => Self::offline(Provider::OpenAi, script, "no credentials found").await,
            },
        }
    }
}
