//! Avatar configuration (`avatar`; VL-25 `AvatarConfig`, VL-26 `RealtimeAvatarConfig`,
//! v1 `AvatarConfig (v1)`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire_enum::{to_object, wire_enum};

wire_enum! {
    /// The avatar kind.
    pub enum AvatarKind {
        /// `video-avatar`.
        Video = "video-avatar",
        /// `photo-avatar` (model `vasa-1`).
        Photo = "photo-avatar",
    }
}

wire_enum! {
    /// How avatar video reaches the client.
    pub enum AvatarOutputProtocol {
        /// WebRTC (the default; negotiated with `session.avatar.connect`).
        WebRtc = "webrtc",
        /// WebSocket (`response.video.delta`).
        WebSocket = "websocket",
    }
}

/// A STUN/TURN server for the avatar's WebRTC connection. `Debug` hides the
/// credential.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IceServer {
    /// Server URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential (a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IceServer {
    /// A server with `urls` and no credentials.
    pub fn new<S: Into<String>>(urls: impl IntoIterator<Item = S>) -> Self {
        Self {
            urls: urls.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets the TURN user name and credential.
    #[must_use]
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        credential: impl Into<String>,
    ) -> Self {
        self.username = Some(username.into());
        self.credential = Some(credential.into());
        self
    }
}

impl fmt::Debug for IceServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "[redacted]"),
            )
            .field("extra", &self.extra)
            .finish()
    }
}

/// Output video resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarResolution {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A crop rectangle, as `[x, y]` corners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarCrop {
    /// Top-left corner.
    pub top_left: [u32; 2],
    /// Bottom-right corner.
    pub bottom_right: [u32; 2],
}

/// Video background.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AvatarBackground {
    /// `#RRGGBBAA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Background image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Avatar video parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AvatarVideo {
    /// Bit rate (default 2000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    /// Codec (`h264`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Crop rectangle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<AvatarCrop>,
    /// Resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<AvatarResolution>,
    /// Background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<AvatarBackground>,
    /// Group-of-pictures size, 1 to 2000 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gop_size: Option<u32>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Photo-avatar scene (VL-26).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AvatarScene {
    /// Zoom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<f64>,
    /// Horizontal position, -1 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_x: Option<f64>,
    /// Vertical position, -1 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_y: Option<f64>,
    /// Rotation about x, -π to π.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_x: Option<f64>,
    /// Rotation about y, -π to π.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_y: Option<f64>,
    /// Rotation about z, -π to π.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_z: Option<f64>,
    /// Movement amplitude, (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amplitude: Option<f64>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An avatar that speaks the assistant's audio.
///
/// ```
/// use realtime_voicelive::extensions::{Avatar, AvatarResolution, AvatarVideo};
///
/// let mut video = AvatarVideo::default();
/// video.resolution = Some(AvatarResolution { width: 1920, height: 1080 });
/// let avatar = Avatar::new("lisa").style("casual-sitting").customized(false).video(video);
/// assert_eq!(avatar.to_value()["character"], "lisa");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Avatar {
    /// `video-avatar` or `photo-avatar` (VL-26, v1).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AvatarKind>,
    /// The character, e.g. `lisa`.
    pub character: String,
    /// The style, e.g. `casual-sitting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Whether the character is a custom avatar (required by VL-25 and v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized: Option<bool>,
    /// The model (`vasa-1` for photo avatars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// ICE servers for WebRTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ice_servers: Option<Vec<IceServer>>,
    /// Video parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<AvatarVideo>,
    /// Photo-avatar scene.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<AvatarScene>,
    /// Output protocol (VL-26, v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_protocol: Option<AvatarOutputProtocol>,
    /// Whether audit audio is sent too (VL-26, v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_audit_audio: Option<bool>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

realtime_core::impl_session_extension!(
    Avatar,
    provider = "Azure AI Voice Live",
    field = "session.avatar"
);

impl Avatar {
    /// An avatar with `character`.
    pub fn new(character: impl Into<String>) -> Self {
        Self {
            kind: None,
            character: character.into(),
            style: None,
            customized: None,
            model: None,
            ice_servers: None,
            video: None,
            scene: None,
            output_protocol: None,
            output_audit_audio: None,
            extra: Map::new(),
        }
    }

    /// Sets the kind.
    #[must_use]
    pub fn kind(mut self, kind: AvatarKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Sets the style.
    #[must_use]
    pub fn style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// Sets whether the character is custom.
    #[must_use]
    pub fn customized(mut self, customized: bool) -> Self {
        self.customized = Some(customized);
        self
    }

    /// Sets the model.
    #[must_use]
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the ICE servers.
    #[must_use]
    pub fn ice_servers(mut self, servers: impl IntoIterator<Item = IceServer>) -> Self {
        self.ice_servers = Some(servers.into_iter().collect());
        self
    }

    /// Sets the video parameters.
    #[must_use]
    pub fn video(mut self, video: AvatarVideo) -> Self {
        self.video = Some(video);
        self
    }

    /// Sets the scene.
    #[must_use]
    pub fn scene(mut self, scene: AvatarScene) -> Self {
        self.scene = Some(scene);
        self
    }

    /// Sets the output protocol.
    #[must_use]
    pub fn output_protocol(mut self, protocol: AvatarOutputProtocol) -> Self {
        self.output_protocol = Some(protocol);
        self
    }

    /// The wire value.
    pub fn to_value(&self) -> Value {
        Value::Object(to_object(self))
    }

    /// Reads the wire value.
    pub fn from_value(value: &Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}
