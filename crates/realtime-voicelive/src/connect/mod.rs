//! Connecting: endpoint, target (model or agent), API version and credentials, and
//! the URL and headers of the WebSocket upgrade.

mod auth;
mod config;
mod endpoint;
mod secret;

pub use auth::{LEGACY_SCOPE, REFRESH_MARGIN, SCOPE, VoiceLiveAuth};
pub use config::{VoiceLiveConfig, VoiceLiveConfigBuilder, env};
