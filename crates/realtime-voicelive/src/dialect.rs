//! [`VoiceLiveDialect`]: the Voice Live wire dialect of one API version.

use std::sync::Arc;

use realtime_core::dialect::{Capabilities, Dialect, UnsupportedPolicy};
use realtime_core::error::{DecodeError, EncodeError};
use realtime_core::protocol::{ClientEvent, ServerEvent};
use realtime_core::wire::WireShape;

use crate::capabilities::capabilities;
use crate::error::PROVIDER;
use crate::version::ApiVersion;
use crate::{encode, lift};

/// The Voice Live dialect of one `api-version`: dated versions on the beta shape,
/// `v1` on the GA shape, each plus the Azure extensions (see
/// [`capabilities`](crate::capabilities) for what each version accepts).
///
/// Encoding first applies the version's capability table and the
/// [`UnsupportedPolicy`] (core's `prepare_event`), lets the wire shape write the
/// canonical fields, then writes what the shape cannot: audio formats at Voice Live's
/// rates, Voice Live modalities (`animation`, `avatar`), and this crate's typed
/// extensions, each in the place its version documents. Decoding is core's tolerant
/// decoder; Voice Live-only server events arrive as [`ServerEvent::Unknown`] and are
/// typed by [`VoiceLiveEvent::from_unknown`](crate::VoiceLiveEvent::from_unknown).
///
/// ```
/// use realtime_core::dialect::Dialect;
/// use realtime_core::protocol::{AudioFormat, ClientEvent, SessionConfig};
/// use realtime_voicelive::{ApiVersion, VoiceLiveDialect};
///
/// let dialect = VoiceLiveDialect::new(ApiVersion::V2026_07_15);
/// let frame = dialect.encode(&ClientEvent::session_update(
///     SessionConfig::new()
///         .input_audio_format(AudioFormat::Pcm16 { rate: 16_000 })
///         .output_audio_format(AudioFormat::Pcm16 { rate: 8_000 }),
/// ))?;
/// assert!(frame.contains(r#""input_audio_sampling_rate":16000"#));
/// assert!(frame.contains(r#""output_audio_format":"pcm16_8000hz""#));
/// # Ok::<(), realtime_core::error::EncodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VoiceLiveDialect {
    version: ApiVersion,
    policy: UnsupportedPolicy,
    capabilities: Capabilities,
    model: Option<String>,
    /// `v1` answered in the flat shape (see [`VoiceLiveDialect::flat_fallback`]).
    flat: bool,
}

impl VoiceLiveDialect {
    /// The dialect of `version`, with the default policy ([`UnsupportedPolicy::Error`]).
    pub fn new(version: ApiVersion) -> Self {
        Self {
            version,
            policy: UnsupportedPolicy::default(),
            capabilities: capabilities(version),
            model: None,
            flat: false,
        }
    }

    /// The wire shape this dialect writes: the version's, or the flat shape once a
    /// `v1` endpoint has answered in it.
    pub fn shape(&self) -> WireShape {
        if self.flat {
            WireShape::Beta
        } else {
            self.version.shape()
        }
    }

    /// The `v1` dialect for an endpoint that answers in the flat shape: `v1` is
    /// GA-shaped by its spec, but the official SDK (`azure-ai-voicelive` 1.3.1) sends
    /// the flat session on every api-version and no `v1` recording exists, so a `v1`
    /// endpoint may answer flat. Same name and `api-version`, the flat shape and the
    /// 2026-07-15 capability table. Other versions are returned unchanged.
    pub fn flat_fallback(&self) -> Self {
        if self.version != ApiVersion::V1 {
            return self.clone();
        }
        let mut capabilities = capabilities(ApiVersion::V2026_07_15);
        capabilities.shape = WireShape::Beta;
        Self {
            capabilities,
            flat: true,
            ..self.clone()
        }
    }

    /// Names the model the connection uses (`model=`), so that settings valid with
    /// one model only (`azure-realtime-native` voices) are checked before sending.
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The model the connection uses, when known.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// Sets the policy for settings this version has no place for.
    #[must_use]
    pub fn with_policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The API version.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The unsupported-field policy.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// Reads a client frame (for emulators and conformance): core's decoder of this
    /// version's shape, then the Voice Live fields core keeps in `extra` are lifted
    /// into typed values (audio formats with their rates, and this crate's
    /// extensions), so that [`Dialect::encode`] writes the same frame back.
    ///
    /// # Errors
    /// A [`DecodeError`] naming this dialect, as for server frames.
    pub fn decode_client(&self, frame: &str) -> Result<ClientEvent, DecodeError> {
        let mut event = self
            .shape()
            .decode_client(frame)
            .map_err(|error| error.with_dialect(self.name()))?;
        if let ClientEvent::SessionUpdate { session, .. } = &mut event {
            lift::lift_session(self.shape() == WireShape::Beta, session);
        }
        Ok(event)
    }
}

impl Default for VoiceLiveDialect {
    /// The newest GA version (2026-07-15).
    fn default() -> Self {
        Self::new(ApiVersion::default())
    }
}

impl Dialect for VoiceLiveDialect {
    fn classify_error(&self, code: &str) -> Option<realtime_core::agent::FatalKind> {
        crate::registry::classify_error(code)
    }

    fn name(&self) -> &'static str {
        self.version.dialect_name()
    }

    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError> {
        encode::encode(self, event)
    }

    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        self.shape()
            .decode_server(frame)
            .map_err(|error| error.with_dialect(self.name()))
    }

    /// A `v1` dialect switches to its [flat fallback](VoiceLiveDialect::flat_fallback)
    /// when the server shows the flat shape (core's
    /// [`DialectDetector`](realtime_core::dialect::DialectDetector), as Azure
    /// OpenAI GA v1 does); the dated versions are flat already.
    fn wire_fallback(&self) -> Option<Arc<dyn Dialect>> {
        (self.version == ApiVersion::V1 && !self.flat)
            .then(|| Arc::new(Self::flat_fallback(self)) as Arc<dyn Dialect>)
    }
}
