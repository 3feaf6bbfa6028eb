//! Voice Live session settings core has no slot for, as typed
//! [`SessionExtension`]s.
//!
//! Attach them with [`SessionConfig::extension`](realtime_core::protocol::SessionConfig::extension).
//! A Voice Live dialect writes each in the place its version documents; any other
//! provider's dialect refuses them (or drops them under the `Warn` policy).
//!
//! | extension | dated versions | `v1` |
//! |---|---|---|
//! | [`EchoCancellation`] | `input_audio_echo_cancellation` | `audio.input.echo_cancellation` |
//! | [`OutputTimestamps`] | `output_audio_timestamp_types` | `audio.output.timestamp_types` |
//! | [`Animation`] | `animation` | not documented in the partial v1 spec: policy |
//! | [`Avatar`] | `avatar` | `avatar` |

mod animation;
mod avatar;
mod echo;
mod timestamps;

use std::any::TypeId;

use realtime_core::protocol::SessionExtension;

pub use animation::{Animation, AnimationOutput};
pub use avatar::{
    Avatar, AvatarBackground, AvatarCrop, AvatarKind, AvatarOutputProtocol, AvatarResolution,
    AvatarScene, AvatarVideo, IceServer,
};
pub use echo::{EchoCancellation, ReferenceSource, ServerEchoCancellation};
pub use timestamps::{OutputTimestamps, TimestampType};

/// Whether `extension` is one of this crate's types.
pub(crate) fn owns(extension: &dyn SessionExtension) -> bool {
    let id = extension.as_any().type_id();
    [
        TypeId::of::<EchoCancellation>(),
        TypeId::of::<OutputTimestamps>(),
        TypeId::of::<Animation>(),
        TypeId::of::<Avatar>(),
    ]
    .contains(&id)
}
