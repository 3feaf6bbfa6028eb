//! Voice Live voices: OpenAI voices by name or object, and Azure voices.
//!
//! Sources: `voicelive/VoiceLive-2025-10-01.condensed.json` (`Voice`),
//! `voicelive/voicelive-2026-04-10.condensed.json` (`RealtimeVoice`), `DIALECTS.md` §2.
//! Each converts into core's [`Voice`]: a plain OpenAI name into [`Voice::Named`],
//! everything else into [`Voice::Object`].

use realtime_core::protocol::Voice;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire_enum::{to_object, wire_enum};

/// OpenAI voice names Voice Live offers by plain string: the eight of VL-25
/// `OAIVoice`; VL-26 adds `marin` and `cedar`.
pub const OPENAI_VOICES_2025_10_01: [&str; 8] = [
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse",
];

/// OpenAI voice names of VL-26 `RealtimeVoice.openai` (also used for `v1`, which
/// imports the OpenAI GA voices).
pub const OPENAI_VOICES_2026_04_10: [&str; 10] = [
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar",
];

/// Options shared by `azure-standard` and `azure-custom` voices.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AzureVoiceOptions {
    /// Sampling temperature, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Speaking style, e.g. `cheerful`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Locale, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Preferred locales for multilingual voices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefer_locales: Option<Vec<String>>,
    /// Pitch (SSML prosody value, e.g. `+5%`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch: Option<String>,
    /// Rate (SSML prosody value, e.g. `1.2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    /// Volume (SSML prosody value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// URL of a custom lexicon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_lexicon_url: Option<String>,
    /// URL of a custom text normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_text_normalization_url: Option<String>,
}

/// An `azure-standard` voice, e.g. `en-US-Ava:DragonHDLatestNeural`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AzureStandardVoice {
    /// The voice name.
    pub name: String,
    /// Options.
    #[serde(flatten)]
    pub options: AzureVoiceOptions,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `azure-custom` voice (a custom neural voice deployment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AzureCustomVoice {
    /// The voice name.
    pub name: String,
    /// The deployment's endpoint id.
    pub endpoint_id: String,
    /// Options.
    #[serde(flatten)]
    pub options: AzureVoiceOptions,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

wire_enum! {
    /// The model of an `azure-personal` voice.
    pub enum PersonalVoiceModel {
        /// `DragonLatestNeural` (VL-25, VL-26).
        DragonLatestNeural = "DragonLatestNeural",
        /// `DragonHDOmniLatestNeural` (VL-26).
        DragonHdOmniLatestNeural = "DragonHDOmniLatestNeural",
        /// `PhoenixLatestNeural` (VL-25).
        PhoenixLatestNeural = "PhoenixLatestNeural",
        /// `PhoenixV2Neural` (VL-25).
        PhoenixV2Neural = "PhoenixV2Neural",
        /// `MAI-Voice-1` (VL-0715).
        MaiVoice1 = "MAI-Voice-1",
    }
}

/// An `azure-personal` voice (no `style`, per VL-25).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AzurePersonalVoice {
    /// The speaker profile name.
    pub name: String,
    /// The model.
    pub model: PersonalVoiceModel,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `azure-realtime-native` voice of the `azure-realtime` model (api-version
/// 2026-01-01-preview or later, VL-26), e.g. `ava`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RealtimeNativeVoice {
    /// The voice name.
    pub name: String,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An OpenAI voice as an object (`{"type":"openai","name":"alloy"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenAiVoice {
    /// The voice name.
    pub name: String,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The object forms, tagged by `type`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type")]
enum Tagged {
    #[serde(rename = "openai")]
    OpenAi(OpenAiVoice),
    #[serde(rename = "azure-standard")]
    Standard(AzureStandardVoice),
    #[serde(rename = "azure-custom")]
    Custom(AzureCustomVoice),
    #[serde(rename = "azure-personal")]
    Personal(AzurePersonalVoice),
    #[serde(rename = "azure-realtime-native")]
    RealtimeNative(RealtimeNativeVoice),
}

/// A voice Voice Live accepts.
///
/// ```
/// use realtime_core::protocol::Voice;
/// use realtime_voicelive::AzureVoice;
///
/// let voice: Voice = AzureVoice::standard("en-US-Ava:DragonHDLatestNeural")
///     .temperature(0.8)
///     .into();
/// assert_eq!(voice.name(), Some("en-US-Ava:DragonHDLatestNeural"));
/// assert_eq!(Voice::from(AzureVoice::openai("alloy")), Voice::Named("alloy".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AzureVoice {
    /// An OpenAI voice by plain name (`"alloy"`).
    OpenAiName(String),
    /// An OpenAI voice object (`{"type":"openai","name":"alloy"}`).
    OpenAi(OpenAiVoice),
    /// `azure-standard`.
    Standard(AzureStandardVoice),
    /// `azure-custom`.
    Custom(AzureCustomVoice),
    /// `azure-personal`.
    Personal(AzurePersonalVoice),
    /// `azure-realtime-native`.
    RealtimeNative(RealtimeNativeVoice),
}

impl AzureVoice {
    /// An OpenAI voice by plain name.
    pub fn openai(name: impl Into<String>) -> Self {
        Self::OpenAiName(name.into())
    }

    /// An OpenAI voice as an object.
    pub fn openai_object(name: impl Into<String>) -> Self {
        Self::OpenAi(OpenAiVoice {
            name: name.into(),
            extra: Map::new(),
        })
    }

    /// An `azure-standard` voice.
    pub fn standard(name: impl Into<String>) -> Self {
        Self::Standard(AzureStandardVoice {
            name: name.into(),
            options: AzureVoiceOptions::default(),
            extra: Map::new(),
        })
    }

    /// An `azure-custom` voice.
    pub fn custom(name: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self::Custom(AzureCustomVoice {
            name: name.into(),
            endpoint_id: endpoint_id.into(),
            options: AzureVoiceOptions::default(),
            extra: Map::new(),
        })
    }

    /// An `azure-personal` voice.
    pub fn personal(name: impl Into<String>, model: PersonalVoiceModel) -> Self {
        Self::Personal(AzurePersonalVoice {
            name: name.into(),
            model,
            extra: Map::new(),
        })
    }

    /// An `azure-realtime-native` voice.
    pub fn realtime_native(name: impl Into<String>) -> Self {
        Self::RealtimeNative(RealtimeNativeVoice {
            name: name.into(),
            extra: Map::new(),
        })
    }

    fn options_mut(&mut self) -> Option<&mut AzureVoiceOptions> {
        match self {
            Self::Standard(voice) => Some(&mut voice.options),
            Self::Custom(voice) => Some(&mut voice.options),
            _ => None,
        }
    }

    fn with_options(mut self, set: impl FnOnce(&mut AzureVoiceOptions)) -> Self {
        if let Some(options) = self.options_mut() {
            set(options);
        }
        self
    }

    /// Sets the temperature (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn temperature(self, temperature: f64) -> Self {
        self.with_options(|o| o.temperature = Some(temperature))
    }

    /// Sets the style (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn style(self, style: impl Into<String>) -> Self {
        self.with_options(|o| o.style = Some(style.into()))
    }

    /// Sets the locale (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn locale(self, locale: impl Into<String>) -> Self {
        self.with_options(|o| o.locale = Some(locale.into()))
    }

    /// Sets the preferred locales (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn prefer_locales<S: Into<String>>(self, locales: impl IntoIterator<Item = S>) -> Self {
        let locales = locales.into_iter().map(Into::into).collect();
        self.with_options(|o| o.prefer_locales = Some(locales))
    }

    /// Sets the pitch (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn pitch(self, pitch: impl Into<String>) -> Self {
        self.with_options(|o| o.pitch = Some(pitch.into()))
    }

    /// Sets the rate (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn rate(self, rate: impl Into<String>) -> Self {
        self.with_options(|o| o.rate = Some(rate.into()))
    }

    /// Sets the volume (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn volume(self, volume: impl Into<String>) -> Self {
        self.with_options(|o| o.volume = Some(volume.into()))
    }

    /// Sets the custom lexicon URL (standard and custom voices; ignored by the others).
    #[must_use]
    pub fn custom_lexicon_url(self, url: impl Into<String>) -> Self {
        self.with_options(|o| o.custom_lexicon_url = Some(url.into()))
    }

    /// The wire `type` of the object form (`None` for a plain name).
    pub fn voice_type(&self) -> Option<&'static str> {
        match self {
            Self::OpenAiName(_) => None,
            Self::OpenAi(_) => Some("openai"),
            Self::Standard(_) => Some("azure-standard"),
            Self::Custom(_) => Some("azure-custom"),
            Self::Personal(_) => Some("azure-personal"),
            Self::RealtimeNative(_) => Some("azure-realtime-native"),
        }
    }

    /// Reads a canonical voice back: `None` for an object whose `type` this crate
    /// does not know (or a `{id}` voice), `Some(Err)` for a known type with fields
    /// of the wrong types.
    pub fn from_voice(voice: &Voice) -> Option<Result<Self, serde_json::Error>> {
        match voice {
            Voice::Named(name) => Some(Ok(Self::OpenAiName(name.clone()))),
            Voice::Object(map) => {
                let kind = map.get("type").and_then(Value::as_str)?;
                if !matches!(
                    kind,
                    "openai"
                        | "azure-standard"
                        | "azure-custom"
                        | "azure-personal"
                        | "azure-realtime-native"
                ) {
                    return None;
                }
                Some(
                    serde_json::from_value::<Tagged>(Value::Object(map.clone())).map(|tagged| {
                        match tagged {
                            Tagged::OpenAi(voice) => Self::OpenAi(voice),
                            Tagged::Standard(voice) => Self::Standard(voice),
                            Tagged::Custom(voice) => Self::Custom(voice),
                            Tagged::Personal(voice) => Self::Personal(voice),
                            Tagged::RealtimeNative(voice) => Self::RealtimeNative(voice),
                        }
                    }),
                )
            }
            _ => None,
        }
    }
}

impl From<AzureVoice> for Voice {
    fn from(voice: AzureVoice) -> Self {
        let tagged = match voice {
            AzureVoice::OpenAiName(name) => return Self::Named(name),
            AzureVoice::OpenAi(voice) => Tagged::OpenAi(voice),
            AzureVoice::Standard(voice) => Tagged::Standard(voice),
            AzureVoice::Custom(voice) => Tagged::Custom(voice),
            AzureVoice::Personal(voice) => Tagged::Personal(voice),
            AzureVoice::RealtimeNative(voice) => Tagged::RealtimeNative(voice),
        };
        Self::Object(to_object(&tagged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_voice_kind_round_trips_through_core() -> Result<(), serde_json::Error> {
        let voices = [
            AzureVoice::openai("alloy"),
            AzureVoice::openai_object("marin"),
            AzureVoice::standard("en-US-AvaNeural")
                .temperature(0.7)
                .style("cheerful")
                .locale("en-US")
                .prefer_locales(["en-GB"])
                .pitch("+5%")
                .rate("1.2")
                .volume("soft")
                .custom_lexicon_url("https://example.invalid/lexicon.xml"),
            AzureVoice::custom("my-voice", "1234").style("excited"),
            AzureVoice::personal("speaker", PersonalVoiceModel::DragonLatestNeural),
            AzureVoice::realtime_native("ava"),
        ];
        for voice in voices {
            let core = Voice::from(voice.clone());
            assert_eq!(AzureVoice::from_voice(&core).transpose()?, Some(voice));
        }
        Ok(())
    }

    #[test]
    fn custom_voice_wire_object() -> Result<(), serde_json::Error> {
        let voice = Voice::from(AzureVoice::custom("v", "e").temperature(0.5));
        assert_eq!(
            serde_json::to_value(&voice)?,
            json!({"type": "azure-custom", "name": "v", "endpoint_id": "e", "temperature": 0.5})
        );
        Ok(())
    }

    #[test]
    fn unknown_voice_objects_are_left_alone() {
        let mut map = Map::new();
        map.insert("type".into(), json!("avatar-voice-sync"));
        assert!(AzureVoice::from_voice(&Voice::Object(map)).is_none());
    }
}
