//! [`AzureOpenAiDialect`]: the two Azure OpenAI dialects, GA v1 and dated preview.

use std::sync::Arc;

use realtime_core::dialect::{Capabilities, Dialect, UnsupportedPolicy};
use realtime_core::error::{DecodeError, EncodeError};
use realtime_core::protocol::{ClientEvent, ServerEvent};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value};

use crate::api_version::ApiVersion;
use crate::apply::Rules;
use crate::capabilities::{
    GA_V1_REJECTED_KEYS, PREVIEW_REJECTED_KEYS, ga_v1_capabilities, preview_capabilities,
};

/// The provider name used in errors.
pub const PROVIDER: &str = "Azure OpenAI";

/// Name of the GA v1 dialect, as in fixtures (`dialect` column) and errors.
pub const GA_V1_NAME: &str = "azure-openai-ga-v1";

/// Name of the preview dialect, as in fixtures and errors.
pub const PREVIEW_NAME: &str = "azure-openai-preview";

/// Which Azure OpenAI endpoint a dialect speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Flavour {
    GaV1,
    Preview(ApiVersion),
}

/// An Azure OpenAI Realtime dialect: a pure translation between canonical events and
/// the frames of one Azure endpoint.
///
/// - [`ga_v1`](Self::ga_v1): `/openai/v1/realtime`, the OpenAI GA wire shape, no
///   `temperature`, transcription `model` = a deployment name.
/// - [`preview`](Self::preview): `/openai/realtime?api-version=V`, the OpenAI beta
///   wire shape. GA-only fields (`session.type`, `output_modalities`, nested `audio`,
///   `tracing`, `prompt`, `truncation`, `include`) never reach the wire, and
///   audio-only output is sent as `["audio","text"]`, the only audio form the
///   preview accepts.
///
/// Before anything is written, the endpoint's [`Capabilities`] table is applied with the [`UnsupportedPolicy`]: under `Error` (the default) a setting the
/// endpoint lacks refuses the whole event; under `Warn` it is dropped with a
/// `tracing` warning.
///
/// ```
/// use realtime_azure_openai::{ApiVersion, AzureOpenAiDialect};
/// use realtime_core::dialect::Dialect;
/// use realtime_core::protocol::{ClientEvent, Modality, SessionConfig};
///
/// let dialect = AzureOpenAiDialect::preview(ApiVersion::V2025_04_01Preview);
/// let update = ClientEvent::SessionUpdate {
///     event_id: None,
///     session: Box::new(SessionConfig::new().output_modalities([Modality::Audio])),
/// };
/// let frame = dialect.encode(&update)?;
/// assert_eq!(frame, r#"{"type":"session.update","session":{"modalities":["audio","text"]}}"#);
/// # Ok::<(), realtime_core::error::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AzureOpenAiDialect {
    flavour: Flavour,
    capabilities: Capabilities,
    rejected_keys: &'static [&'static str],
    policy: UnsupportedPolicy,
    detect: bool,
}

impl AzureOpenAiDialect {
    /// The GA v1 dialect (`azure-openai-ga-v1`).
    pub fn ga_v1() -> Self {
        Self {
            flavour: Flavour::GaV1,
            capabilities: ga_v1_capabilities(),
            rejected_keys: GA_V1_REJECTED_KEYS,
            policy: UnsupportedPolicy::default(),
            detect: true,
        }
    }

    /// The preview dialect (`azure-openai-preview`) of `version`.
    pub fn preview(version: ApiVersion) -> Self {
        Self {
            flavour: Flavour::Preview(version),
            capabilities: preview_capabilities(version),
            rejected_keys: PREVIEW_REJECTED_KEYS,
            policy: UnsupportedPolicy::default(),
            detect: false,
        }
    }

    /// Sets the unsupported-field policy (default [`UnsupportedPolicy::Error`]).
    #[must_use]
    pub fn with_policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Turns dialect detection from the wire on or off (on by default for GA v1;
    /// previews never switch).
    #[must_use]
    pub fn with_dialect_detection(mut self, enabled: bool) -> Self {
        self.detect = enabled;
        self
    }

    /// The dialect to fall back to when a GA v1 endpoint turns out to speak the beta
    /// shape (see [`DialectDetector`](crate::DialectDetector)): the newest preview,
    /// with the same policy.
    pub fn beta_fallback(&self) -> Self {
        Self::preview(ApiVersion::LATEST).with_policy(self.policy)
    }

    /// The preview `api-version`, or `None` for GA v1.
    pub fn api_version(&self) -> Option<ApiVersion> {
        match self.flavour {
            Flavour::GaV1 => None,
            Flavour::Preview(version) => Some(version),
        }
    }

    /// The wire shape: GA for v1, beta for the previews.
    pub fn shape(&self) -> WireShape {
        self.capabilities.shape
    }

    /// The unsupported-field policy.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// Top-level keys this endpoint rejects; they never reach the wire, not even
    /// through passthrough `extra` fields.
    pub fn rejected_keys(&self) -> &'static [&'static str] {
        self.rejected_keys
    }

    /// Whether the voice may change once the conversation holds assistant audio.
    ///
    /// Always `false` on Azure OpenAI: "Voice cannot be changed during the session
    /// once the model has responded with audio at least once" (beta specs), and the
    /// service rejects such a `session.update`. An agent loop asks this before a
    /// handoff to an agent with another voice.
    pub fn voice_change_after_audio(&self) -> bool {
        self.capabilities.voice_change_after_audio
    }

    /// Whether the transcription `model` must name a deployment of the resource
    /// (always `true` on Azure OpenAI; see [`crate::TranscriptionFailure`]).
    pub fn transcription_model_is_deployment(&self) -> bool {
        self.capabilities.transcription_model_is_deployment
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            dialect: self.name(),
            capabilities: &self.capabilities,
            rejected_keys: self.rejected_keys,
            policy: self.policy,
        }
    }

    /// The last guard before the wire: no key of the reject list may be present,
    /// whatever path put it there.
    fn check_rejected(&self, key: &str, settings: &Map<String, Value>) -> Result<(), EncodeError> {
        match settings
            .keys()
            .find(|field| self.rejected_keys.contains(&field.as_str()))
        {
            None => Ok(()),
            Some(field) => Err(EncodeError::Unsupported {
                dialect: self.name().into(),
                field: format!("{key}.{field}").into(),
                reason: "this Azure OpenAI endpoint rejects the field (`unknown_parameter`)".into(),
            }),
        }
    }
}

impl Dialect for AzureOpenAiDialect {
    fn classify_error(&self, code: &str) -> Option<realtime_core::agent::FatalKind> {
        crate::registry::classify_error(code)
    }

    /// `azure-openai-ga-v1` or `azure-openai-preview`.
    fn name(&self) -> &'static str {
        match self.flavour {
            Flavour::GaV1 => GA_V1_NAME,
            Flavour::Preview(_) => PREVIEW_NAME,
        }
    }

    /// `Azure OpenAI`.
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// Writes a client event as a wire frame.
    ///
    /// # Errors
    /// [`EncodeError::Unsupported`] for a setting the endpoint lacks under
    /// [`UnsupportedPolicy::Error`] (the field is named, e.g. `session.tracing`);
    /// [`EncodeError::Invalid`] for a value no policy can save (no modality, or both
    /// modalities on GA v1).
    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError> {
        let name = self.name();
        let prepared = self.rules().prepare(event)?;
        let shape = self.shape();
        if let ClientEvent::Other { raw, .. } = prepared.as_ref() {
            // A raw event's settings are JSON no earlier layer reads: the last guard
            // is all that stands between them and the wire.
            for key in ["session", "response"] {
                if let Some(Value::Object(settings)) = raw.get(key) {
                    self.check_rejected(key, settings)?;
                }
            }
        }
        if !matches!(
            prepared.as_ref(),
            ClientEvent::SessionUpdate { .. } | ClientEvent::ResponseCreate { .. }
        ) {
            // Nothing provider-specific to add: the shape writes it (audio appends
            // take its copy-free path).
            return shape
                .encode_client(&prepared)
                .map_err(|error| error.with_dialect(name));
        }
        let mut object = shape
            .client_to_object(&prepared)
            .map_err(|error| error.with_dialect(name))?;
        if self.flavour == Flavour::Preview(ApiVersion::V2024_10_01Preview)
            && let Some(Value::Object(response)) = object.get_mut("response")
        {
            // The 2024-10-01 preview requires both (with these defaults) on every
            // response override (`RealtimeRequestResponseCreateCommand`,
            // realtime-openapi3-2024-10-01.yml); later previews dropped them.
            response.entry("commit").or_insert(Value::Bool(true));
            response
                .entry("cancel_previous")
                .or_insert(Value::Bool(true));
        }
        for key in ["session", "response"] {
            if let Some(Value::Object(settings)) = object.get_mut(key) {
                if shape == WireShape::Beta {
                    nest_function_choice(settings);
                }
                self.check_rejected(key, settings)?;
            }
        }
        serde_json::to_string(&object).map_err(|error| EncodeError::Json {
            dialect: name.into(),
            event_type: event.event_type().to_owned().into(),
            message: error.to_string(),
        })
    }

    /// Reads a wire frame into canonical events. Unknown event types become
    /// [`ServerEvent::Unknown`]; a `session.created` without `session.type` (the
    /// preview's, DIALECTS §2) decodes like any other.
    ///
    /// # Errors
    /// [`DecodeError`] (naming this dialect) when the frame is not a JSON object with
    /// a string `type`, or a known event's fields have the wrong types.
    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        self.shape()
            .decode_server(frame)
            .map_err(|error| error.with_dialect(self.name()))
    }

    /// A GA v1 dialect with detection on switches to [`beta_fallback`](Self::beta_fallback)
    /// when the endpoint shows the beta shape (core's [`DialectDetector`](crate::DialectDetector)).
    fn wire_fallback(&self) -> Option<Arc<dyn Dialect>> {
        (self.detect && self.flavour == Flavour::GaV1)
            .then(|| Arc::new(self.beta_fallback()) as Arc<dyn Dialect>)
    }
}

/// The preview writes a forced function choice as
/// `{"type":"function","function":{"name":N}}` (`RealtimeToolChoiceFunctionObject` in
/// `realtime-openapi3-2024-10-01.yml`; the Azure reference and the beta specs say the
/// same), where the GA shape has `{"type":"function","name":N}`.
fn nest_function_choice(settings: &mut Map<String, Value>) {
    let Some(Value::Object(choice)) = settings.get_mut("tool_choice") else {
        return;
    };
    if choice.len() == 2
        && choice.get("type").and_then(Value::as_str) == Some("function")
        && let Some(name) = choice.remove("name")
    {
        let mut function = Map::new();
        function.insert("name".to_owned(), name);
        choice.insert("function".to_owned(), Value::Object(function));
    }
}
