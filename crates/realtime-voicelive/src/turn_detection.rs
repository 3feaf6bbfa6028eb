//! Voice Live turn detection: Azure semantic VAD, end-of-utterance detection, and
//! the Azure extras of `server_vad`.
//!
//! Sources: `voicelive/VoiceLive-2025-10-01.condensed.json` (`TurnDetection`,
//! `EouDetection`), `voicelive/voicelive-2026-04-10.condensed.json`
//! (`RealtimeTurnDetection`, `RealtimeEOUDetection`), `DIALECTS.md` §2. OpenAI's
//! `semantic_vad` is accepted by Voice Live for `gpt-realtime` models only (VL-26
//! note), and is not in the 2025-10-01 enum; use core's
//! [`TurnDetection::semantic_vad`] for it.
//!
//! The typed structs here convert into core's [`TurnDetection`]
//! ([`TurnDetection::Other`] for the Azure kinds, [`TurnDetection::ServerVad`] with
//! `extra` for `server_vad`), so they flow through the canonical
//! [`SessionConfig`](realtime_core::protocol::SessionConfig).

use realtime_core::protocol::{ServerVad, TurnDetection};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire_enum::{to_object, wire_enum};

wire_enum! {
    /// The Azure semantic VAD variant (the wire `type`).
    pub enum AzureSemanticVadKind {
        /// `azure_semantic_vad` (English; VL-26).
        Default = "azure_semantic_vad",
        /// `azure_semantic_vad_en` (2025-10-01 enum; no `languages`).
        English = "azure_semantic_vad_en",
        /// `azure_semantic_vad_multilingual` (en, es, fr, it, de, ja, pt, zh, ko, hi).
        Multilingual = "azure_semantic_vad_multilingual",
    }
}

wire_enum! {
    /// The end-of-utterance model.
    pub enum EouModel {
        /// `semantic_detection_v1`.
        SemanticDetectionV1 = "semantic_detection_v1",
        /// `semantic_detection_v1_en` (2025-10-01 enum).
        SemanticDetectionV1En = "semantic_detection_v1_en",
        /// `semantic_detection_v1_multilingual`.
        SemanticDetectionV1Multilingual = "semantic_detection_v1_multilingual",
    }
}

wire_enum! {
    /// How readily end-of-utterance detection ends a turn.
    pub enum ThresholdLevel {
        /// `low`.
        Low = "low",
        /// `medium`.
        Medium = "medium",
        /// `high`.
        High = "high",
        /// `default`.
        Default = "default",
    }
}

/// `end_of_utterance_detection`: a semantic model that decides whether the user has
/// finished speaking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EndOfUtterance {
    /// The model.
    pub model: EouModel,
    /// Threshold level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_level: Option<ThresholdLevel>,
    /// Maximum wait before ending the turn, in ms (VL-26 default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EndOfUtterance {
    /// Detection with `model` and the service's defaults.
    pub fn new(model: EouModel) -> Self {
        Self {
            model,
            threshold_level: None,
            timeout_ms: None,
            extra: Map::new(),
        }
    }

    /// Sets the threshold level.
    #[must_use]
    pub fn threshold_level(mut self, level: ThresholdLevel) -> Self {
        self.threshold_level = Some(level);
        self
    }

    /// Sets the timeout in ms.
    #[must_use]
    pub fn timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = Some(timeout_ms);
        self
    }
}

/// Azure semantic VAD (`azure_semantic_vad`, `_en`, `_multilingual`).
///
/// ```
/// use realtime_core::protocol::TurnDetection;
/// use realtime_voicelive::{AzureSemanticVad, EndOfUtterance, EouModel, ThresholdLevel};
///
/// let detection: TurnDetection = AzureSemanticVad::new()
///     .silence_duration_ms(500)
///     .remove_filler_words(true)
///     .end_of_utterance(
///         EndOfUtterance::new(EouModel::SemanticDetectionV1).threshold_level(ThresholdLevel::Low),
///     )
///     .into();
/// assert_eq!(detection.kind(), "azure_semantic_vad");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AzureSemanticVad {
    /// The variant.
    #[serde(rename = "type")]
    pub kind: AzureSemanticVadKind,
    /// Activation threshold (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Audio kept before speech, in ms (VL-26 default 420).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_padding_ms: Option<u32>,
    /// Silence that ends a turn, in ms (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_duration_ms: Option<u32>,
    /// Speech needed to start a turn, in ms (VL-26 default 80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_duration_ms: Option<u32>,
    /// Whether filler words ("um") are ignored (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_filler_words: Option<bool>,
    /// Languages to listen for (not on `azure_semantic_vad_en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// Whether the assistant item is truncated on interruption (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_truncate: Option<bool>,
    /// Whether a response starts at the end of a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether user speech interrupts a response in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// End-of-utterance detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_utterance_detection: Option<EndOfUtterance>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for AzureSemanticVad {
    fn default() -> Self {
        Self::with_kind(AzureSemanticVadKind::Default)
    }
}

impl AzureSemanticVad {
    /// `azure_semantic_vad` with the service's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `azure_semantic_vad_en`.
    pub fn english() -> Self {
        Self::with_kind(AzureSemanticVadKind::English)
    }

    /// `azure_semantic_vad_multilingual`.
    pub fn multilingual() -> Self {
        Self::with_kind(AzureSemanticVadKind::Multilingual)
    }

    /// The variant `kind` with the service's defaults.
    pub fn with_kind(kind: AzureSemanticVadKind) -> Self {
        Self {
            kind,
            threshold: None,
            prefix_padding_ms: None,
            silence_duration_ms: None,
            speech_duration_ms: None,
            remove_filler_words: None,
            languages: None,
            auto_truncate: None,
            create_response: None,
            interrupt_response: None,
            end_of_utterance_detection: None,
            extra: Map::new(),
        }
    }

    /// Sets the activation threshold.
    #[must_use]
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Sets the prefix padding in ms.
    #[must_use]
    pub fn prefix_padding_ms(mut self, ms: u32) -> Self {
        self.prefix_padding_ms = Some(ms);
        self
    }

    /// Sets the silence duration in ms.
    #[must_use]
    pub fn silence_duration_ms(mut self, ms: u32) -> Self {
        self.silence_duration_ms = Some(ms);
        self
    }

    /// Sets the speech duration in ms.
    #[must_use]
    pub fn speech_duration_ms(mut self, ms: u32) -> Self {
        self.speech_duration_ms = Some(ms);
        self
    }

    /// Sets whether filler words are removed.
    #[must_use]
    pub fn remove_filler_words(mut self, remove: bool) -> Self {
        self.remove_filler_words = Some(remove);
        self
    }

    /// Sets the languages.
    #[must_use]
    pub fn languages<S: Into<String>>(mut self, languages: impl IntoIterator<Item = S>) -> Self {
        self.languages = Some(languages.into_iter().map(Into::into).collect());
        self
    }

    /// Sets auto-truncation.
    #[must_use]
    pub fn auto_truncate(mut self, auto_truncate: bool) -> Self {
        self.auto_truncate = Some(auto_truncate);
        self
    }

    /// Sets whether a response starts at the end of a turn.
    #[must_use]
    pub fn create_response(mut self, create: bool) -> Self {
        self.create_response = Some(create);
        self
    }

    /// Sets whether user speech interrupts a response.
    #[must_use]
    pub fn interrupt_response(mut self, interrupt: bool) -> Self {
        self.interrupt_response = Some(interrupt);
        self
    }

    /// Sets end-of-utterance detection.
    #[must_use]
    pub fn end_of_utterance(mut self, detection: EndOfUtterance) -> Self {
        self.end_of_utterance_detection = Some(detection);
        self
    }

    /// Reads Azure semantic VAD back from a canonical value: `None` for another kind,
    /// `Some(Err)` for an Azure kind whose fields have the wrong types.
    pub fn from_turn_detection(
        detection: &TurnDetection,
    ) -> Option<Result<Self, serde_json::Error>> {
        let TurnDetection::Other(map) = detection else {
            return None;
        };
        let kind = map.get("type").and_then(Value::as_str)?;
        if !kind.starts_with("azure_semantic_vad") {
            return None;
        }
        Some(serde_json::from_value(Value::Object(map.clone())))
    }
}

impl From<AzureSemanticVad> for TurnDetection {
    fn from(vad: AzureSemanticVad) -> Self {
        Self::Other(to_object(&vad))
    }
}

/// `server_vad` with Voice Live's extras (`speech_duration_ms`, `auto_truncate`,
/// `end_of_utterance_detection`; VL-25 `TurnDetection.server_vad`, VL-26
/// `RealtimeTurnDetection.server_vad`). Converts into core's
/// [`TurnDetection::ServerVad`] with the extras in its `extra` map.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct VoiceLiveServerVad {
    /// Activation threshold.
    pub threshold: Option<f64>,
    /// Audio kept before speech, in ms (VL-26 default 400).
    pub prefix_padding_ms: Option<u32>,
    /// Silence that ends a turn, in ms.
    pub silence_duration_ms: Option<u32>,
    /// Speech needed to start a turn, in ms (VL-26 default 200).
    pub speech_duration_ms: Option<u32>,
    /// Whether the assistant item is truncated on interruption.
    pub auto_truncate: Option<bool>,
    /// Whether a response starts at the end of a turn.
    pub create_response: Option<bool>,
    /// Whether user speech interrupts a response in progress.
    pub interrupt_response: Option<bool>,
    /// End-of-utterance detection.
    pub end_of_utterance_detection: Option<EndOfUtterance>,
}

impl VoiceLiveServerVad {
    /// `server_vad` with the service's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the activation threshold.
    #[must_use]
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Sets the prefix padding in ms.
    #[must_use]
    pub fn prefix_padding_ms(mut self, ms: u32) -> Self {
        self.prefix_padding_ms = Some(ms);
        self
    }

    /// Sets the silence duration in ms.
    #[must_use]
    pub fn silence_duration_ms(mut self, ms: u32) -> Self {
        self.silence_duration_ms = Some(ms);
        self
    }

    /// Sets the speech duration in ms.
    #[must_use]
    pub fn speech_duration_ms(mut self, ms: u32) -> Self {
        self.speech_duration_ms = Some(ms);
        self
    }

    /// Sets auto-truncation.
    #[must_use]
    pub fn auto_truncate(mut self, auto_truncate: bool) -> Self {
        self.auto_truncate = Some(auto_truncate);
        self
    }

    /// Sets whether a response starts at the end of a turn.
    #[must_use]
    pub fn create_response(mut self, create: bool) -> Self {
        self.create_response = Some(create);
        self
    }

    /// Sets whether user speech interrupts a response.
    #[must_use]
    pub fn interrupt_response(mut self, interrupt: bool) -> Self {
        self.interrupt_response = Some(interrupt);
        self
    }

    /// Sets end-of-utterance detection.
    #[must_use]
    pub fn end_of_utterance(mut self, detection: EndOfUtterance) -> Self {
        self.end_of_utterance_detection = Some(detection);
        self
    }
}

impl From<VoiceLiveServerVad> for TurnDetection {
    // `ServerVad` is `#[non_exhaustive]`: it cannot be built with a literal here.
    #[allow(clippy::field_reassign_with_default)]
    fn from(vad: VoiceLiveServerVad) -> Self {
        let mut core = ServerVad::default();
        core.threshold = vad.threshold;
        core.prefix_padding_ms = vad.prefix_padding_ms;
        core.silence_duration_ms = vad.silence_duration_ms;
        core.create_response = vad.create_response;
        core.interrupt_response = vad.interrupt_response;
        if let Some(ms) = vad.speech_duration_ms {
            core.extra
                .insert("speech_duration_ms".to_owned(), Value::from(ms));
        }
        if let Some(auto_truncate) = vad.auto_truncate {
            core.extra
                .insert("auto_truncate".to_owned(), Value::Bool(auto_truncate));
        }
        if let Some(eou) = &vad.end_of_utterance_detection {
            core.extra.insert(
                "end_of_utterance_detection".to_owned(),
                Value::Object(to_object(eou)),
            );
        }
        Self::ServerVad(core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn azure_semantic_vad_writes_its_wire_object_and_reads_back() {
        let vad = AzureSemanticVad::multilingual()
            .threshold(0.3)
            .languages(["en", "es"])
            .auto_truncate(true)
            .end_of_utterance(
                EndOfUtterance::new(EouModel::SemanticDetectionV1Multilingual)
                    .threshold_level(ThresholdLevel::High)
                    .timeout_ms(900),
            );
        let detection = TurnDetection::from(vad.clone());
        let TurnDetection::Other(map) = &detection else {
            panic!("expected Other, got {detection:?}");
        };
        assert_eq!(
            Value::Object(map.clone()),
            json!({"type": "azure_semantic_vad_multilingual", "threshold": 0.3,
                   "languages": ["en", "es"], "auto_truncate": true,
                   "end_of_utterance_detection": {"model": "semantic_detection_v1_multilingual",
                       "threshold_level": "high", "timeout_ms": 900}})
        );
        let back = AzureSemanticVad::from_turn_detection(&detection).and_then(Result::ok);
        assert_eq!(back, Some(vad));
        assert!(AzureSemanticVad::from_turn_detection(&TurnDetection::server_vad()).is_none());
    }

    #[test]
    fn server_vad_extras_land_in_extra() -> Result<(), serde_json::Error> {
        let detection: TurnDetection = VoiceLiveServerVad::new()
            .silence_duration_ms(600)
            .speech_duration_ms(200)
            .auto_truncate(true)
            .into();
        assert_eq!(
            serde_json::to_value(&detection)?,
            json!({"type": "server_vad", "silence_duration_ms": 600,
                   "speech_duration_ms": 200, "auto_truncate": true})
        );
        Ok(())
    }
}
