//! Input transcription and noise reduction values for Voice Live, as core values.
//!
//! Sources: VL-25 `AudioInputTranscriptionOptions` and `AudioNoiseReduction`, VL-26
//! `transcription_models` and `RealtimeRequestSession.input_audio_noise_reduction`.

use realtime_core::protocol::{NoiseReduction, NoiseReductionKind, Transcription};
use serde_json::{Map, Value};

/// Transcription model names Voice Live documents.
pub mod models {
    /// Azure Speech (all models and agents; VL-25, VL-26).
    pub const AZURE_SPEECH: &str = "azure-speech";
    /// MAI transcribe (VL-26).
    pub const MAI_TRANSCRIBE: &str = "mai-transcribe";
    /// `whisper-1` (gpt-realtime models).
    pub const WHISPER_1: &str = "whisper-1";
    /// `gpt-4o-transcribe` (gpt-realtime models).
    pub const GPT_4O_TRANSCRIBE: &str = "gpt-4o-transcribe";
    /// `gpt-4o-mini-transcribe` (gpt-realtime models).
    pub const GPT_4O_MINI_TRANSCRIBE: &str = "gpt-4o-mini-transcribe";
    /// `gpt-4o-transcribe-diarize` (gpt-realtime models; VL-26).
    pub const GPT_4O_TRANSCRIBE_DIARIZE: &str = "gpt-4o-transcribe-diarize";
}

/// A typed builder for `azure-speech` transcription, producing core's
/// [`Transcription`] (`language` as the documented comma list, `phrase_list` and
/// `custom_speech` in `extra`).
///
/// ```
/// use realtime_voicelive::AzureSpeechTranscription;
///
/// let transcription = AzureSpeechTranscription::new()
///     .languages(["en-US", "es-ES"])
///     .phrase_list(["Contoso", "Voice Live"])
///     .custom_speech("en-US", "00000000-0000-0000-0000-000000000000")
///     .build();
/// assert_eq!(transcription.model.as_deref(), Some("azure-speech"));
/// assert_eq!(transcription.language.as_deref(), Some("en-US,es-ES"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
pub struct AzureSpeechTranscription {
    languages: Vec<String>,
    phrase_list: Vec<String>,
    custom_speech: Map<String, Value>,
}

impl AzureSpeechTranscription {
    /// Azure Speech transcription with automatic language handling.
    pub fn new() -> Self {
        Self::default()
    }

    /// Languages to recognise (BCP-47); several enable language identification.
    pub fn languages<S: Into<String>>(mut self, languages: impl IntoIterator<Item = S>) -> Self {
        self.languages.extend(languages.into_iter().map(Into::into));
        self
    }

    /// Phrases that bias recognition.
    pub fn phrase_list<S: Into<String>>(mut self, phrases: impl IntoIterator<Item = S>) -> Self {
        self.phrase_list.extend(phrases.into_iter().map(Into::into));
        self
    }

    /// A Custom Speech endpoint id for `locale`.
    pub fn custom_speech(
        mut self,
        locale: impl Into<String>,
        endpoint_id: impl Into<String>,
    ) -> Self {
        self.custom_speech
            .insert(locale.into(), Value::String(endpoint_id.into()));
        self
    }

    /// The core value.
    pub fn build(self) -> Transcription {
        let mut transcription = Transcription::model(models::AZURE_SPEECH);
        if !self.languages.is_empty() {
            transcription.language = Some(self.languages.join(","));
        }
        if !self.phrase_list.is_empty() {
            transcription.extra.insert(
                "phrase_list".to_owned(),
                Value::Array(self.phrase_list.into_iter().map(Value::String).collect()),
            );
        }
        if !self.custom_speech.is_empty() {
            transcription.extra.insert(
                "custom_speech".to_owned(),
                Value::Object(self.custom_speech),
            );
        }
        transcription
    }
}

impl From<AzureSpeechTranscription> for Transcription {
    fn from(builder: AzureSpeechTranscription) -> Self {
        builder.build()
    }
}

/// The `azure_deep_noise_suppression` noise-reduction kind (VL-25, VL-26).
pub const AZURE_DEEP_NOISE_SUPPRESSION: &str = "azure_deep_noise_suppression";

/// Azure deep noise suppression as core's [`NoiseReduction`]. (`near_field` and
/// `far_field` are core's own kinds; Voice Live offers them for gpt-realtime models
/// only, VL-26.)
pub fn azure_deep_noise_suppression() -> NoiseReduction {
    NoiseReduction::new(NoiseReductionKind::Other(
        AZURE_DEEP_NOISE_SUPPRESSION.to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn azure_speech_wire_object() -> Result<(), serde_json::Error> {
        let transcription = AzureSpeechTranscription::new()
            .languages(["en-US"])
            .phrase_list(["Contoso"])
            .custom_speech("en-US", "id-1")
            .build();
        assert_eq!(
            serde_json::to_value(&transcription)?,
            json!({"model": "azure-speech", "language": "en-US", "phrase_list": ["Contoso"],
                   "custom_speech": {"en-US": "id-1"}})
        );
        assert_eq!(
            serde_json::to_value(azure_deep_noise_suppression())?,
            json!({"type": "azure_deep_noise_suppression"})
        );
        Ok(())
    }
}
