//! GPT-Live (`gpt-live-1`, `gpt-live-1.1`): OpenAI's second full-duplex voice
//! protocol, with delegated reasoning and tools. Not the Realtime API.
//!
//! - [`LiveDialect`]: the `openai-live` [`Dialect`](realtime_core::dialect::Dialect)
//!   (Azure Foundry's `azure-openai-live` reuses it under its own name).
//! - [`LiveSession`] and [`Delegation`]: the settings canonical
//!   [`SessionConfig`](realtime_core::protocol::SessionConfig) has no field for, as a
//!   session extension; [`initial_items`] seeds history at `session.start`.
//! - [`LiveEvent`]: GPT-Live-only server events typed from
//!   [`ServerEvent::Unknown`](realtime_core::protocol::ServerEvent::Unknown);
//!   [`LiveClientEvent`]: its client events core has no variant for.
//! - [`LiveConfig`]: the WebSocket (`/v1/live/sessions`, Bearer) and sideband
//!   (`/v1/live/sessions/{id}/attach`) connector.
//!
//! How an `Agent` maps onto the protocol, and what it refuses, is in
//! `docs/architecture.md` ("GPT-Live"). Provider facts: `fixtures/openai-live/`.

mod client_decode;
mod connector;
mod dialect;
mod events;
mod session;

pub use connector::{LIVE_BASE_URL, LiveConfig, LiveTarget};
pub use dialect::{LIVE_CLIENT_EVENTS, LIVE_DIALECT_NAME, LIVE_PROVIDER, LiveDialect};
pub use events::{
    CloseReason, DelegationCreated, DelegationInfo, Fields, LiveClientEvent, LiveEvent,
    ResponseEvent, SessionClosed,
};
pub use session::{Delegation, LiveSession, initial_items};
