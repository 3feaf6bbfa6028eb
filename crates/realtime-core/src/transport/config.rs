//! [`TransportConfig`]: limits, channel sizes, keep-alive and TLS roots.

use std::time::Duration;

/// What [`FrameSink::send`](super::FrameSink::send) does when the outgoing queue is full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backpressure {
    /// `send` waits until the socket task has room (the default), at most the
    /// [write timeout](TransportConfig::write_timeout).
    #[default]
    Wait,
    /// `send` fails at once with [`TransportError::Backpressure`](super::TransportError::Backpressure).
    Error,
}

/// Settings of one connection. Build it with the `with`-style methods:
///
/// ```
/// use std::time::Duration;
/// use realtime_core::transport::{Backpressure, TransportConfig};
///
/// let config = TransportConfig::default()
///     .max_message_size(4 * 1024 * 1024)
///     .outgoing_capacity(32)
///     .backpressure(Backpressure::Error)
///     .ping_interval(Some(Duration::from_secs(5)))
///     .pong_timeout(Duration::from_secs(3));
/// assert_eq!(config.get_max_message_size(), 4 * 1024 * 1024);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TransportConfig {
    max_message_size: usize,
    max_frame_size: usize,
    read_buffer_size: usize,
    outgoing_capacity: usize,
    incoming_capacity: usize,
    backpressure: Backpressure,
    ping_interval: Option<Duration>,
    pong_timeout: Duration,
    connect_timeout: Duration,
    close_timeout: Duration,
    write_timeout: Duration,
    outgoing_max_bytes: usize,
    incoming_max_bytes: usize,
    root_certificates: Vec<Vec<u8>>,
}

/// 16 MiB: audio deltas arrive base64-encoded in single, large text messages.
const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// 16 MiB of outgoing frames may wait for the socket: one largest message.
const DEFAULT_OUTGOING_MAX_BYTES: usize = 16 * 1024 * 1024;

/// 32 MiB of incoming frames may wait for the application: two largest messages.
const DEFAULT_INCOMING_MAX_BYTES: usize = 32 * 1024 * 1024;

/// 4 KiB: tungstenite's default (128 KiB) is reserved per connection and dominates
/// the memory of idle sessions (`cargo xtask load --idle 10000`: 187 KiB per session
/// with it, 70.5 KiB with 4 KiB, 74.5 KiB with 8 KiB); larger messages still arrive
/// whole, over more reads.
const DEFAULT_READ_BUFFER_SIZE: usize = 4 * 1024;

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_frame_size: DEFAULT_MAX_MESSAGE_SIZE,
            read_buffer_size: DEFAULT_READ_BUFFER_SIZE,
            outgoing_capacity: 64,
            incoming_capacity: 256,
            backpressure: Backpressure::Wait,
            ping_interval: Some(Duration::from_secs(15)),
            pong_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(15),
            close_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            outgoing_max_bytes: DEFAULT_OUTGOING_MAX_BYTES,
            incoming_max_bytes: DEFAULT_INCOMING_MAX_BYTES,
            root_certificates: Vec::new(),
        }
    }
}

impl TransportConfig {
    /// Largest incoming message, in bytes (default 16 MiB). Larger ones end the
    /// connection with [`TransportError::FrameTooLarge`](super::TransportError::FrameTooLarge).
    /// Also the largest outgoing message.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Largest single incoming WebSocket frame, in bytes (default 16 MiB).
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Size of the socket read buffer, in bytes (default 4 KiB). Larger buffers mean
    /// fewer reads for big audio deltas and more memory per connection.
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes.max(1024);
        self
    }

    /// Number of outgoing frames queued before [`Backpressure`] applies (default 64,
    /// at least 1).
    pub fn outgoing_capacity(mut self, frames: usize) -> Self {
        self.outgoing_capacity = frames.max(1);
        self
    }

    /// Number of incoming frames queued before the socket task stops reading
    /// (default 256, at least 1).
    pub fn incoming_capacity(mut self, frames: usize) -> Self {
        self.incoming_capacity = frames.max(1);
        self
    }

    /// What `send` does when the outgoing queue is full (default [`Backpressure::Wait`]).
    pub fn backpressure(mut self, policy: Backpressure) -> Self {
        self.backpressure = policy;
        self
    }

    /// Interval between keep-alive pings (default 15 s); `None` sends no pings.
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long to wait, after a ping, for any frame from the server (default 10 s).
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.pong_timeout = timeout;
        self
    }

    /// Bound on TCP connect, TLS and the WebSocket handshake together (default 15 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long [`FrameSink::close`](super::FrameSink::close) waits for the server's
    /// close frame (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Longest time the socket may accept nothing while outgoing frames wait (default
    /// 10 s). A peer that stops reading fills the socket buffers; after this long
    /// without progress the connection ends with
    /// [`TransportError::WriteTimeout`](super::TransportError::WriteTimeout). Reading,
    /// and so the pong timeout, go on meanwhile. Also bounds how long
    /// [`FrameSink::send`](super::FrameSink::send) waits for room under
    /// [`Backpressure::Wait`].
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Most bytes of outgoing frames queued for the socket (default 16 MiB, at least
    /// 1). Past it [`Backpressure`] applies, as for [`outgoing_capacity`](Self::outgoing_capacity).
    /// A single frame larger than this waits for an empty queue. Outgoing memory per
    /// connection is at most this plus the one message the socket is writing.
    pub fn outgoing_max_bytes(mut self, bytes: usize) -> Self {
        self.outgoing_max_bytes = bytes.max(1);
        self
    }

    /// Most bytes of incoming frames queued for the application (default 32 MiB, at
    /// least 1). When the application does not read, the socket task stops reading
    /// past this (TCP backpressure on the server; nothing is dropped). A single frame
    /// larger than this waits for an empty queue. Incoming memory per connection is
    /// at most this plus one message read and waiting for room, plus the one the
    /// socket is reading (each at most [`max_message_size`](Self::max_message_size)).
    pub fn incoming_max_bytes(mut self, bytes: usize) -> Self {
        self.incoming_max_bytes = bytes.max(1);
        self
    }

    /// Trusts one more root certificate (DER) for `wss://`, in addition to the
    /// webpki roots; e.g. a self-signed certificate of a loopback test server.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// The largest incoming (and outgoing) message, in bytes.
    pub fn get_max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The largest incoming frame, in bytes.
    pub fn get_max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// The socket read buffer size, in bytes.
    pub fn get_read_buffer_size(&self) -> usize {
        self.read_buffer_size
    }

    /// The outgoing queue capacity, in frames.
    pub fn get_outgoing_capacity(&self) -> usize {
        self.outgoing_capacity
    }

    /// The incoming queue capacity, in frames.
    pub fn get_incoming_capacity(&self) -> usize {
        self.incoming_capacity
    }

    /// The outgoing backpressure policy.
    pub fn get_backpressure(&self) -> Backpressure {
        self.backpressure
    }

    /// The ping interval, if pings are sent.
    pub fn get_ping_interval(&self) -> Option<Duration> {
        self.ping_interval
    }

    /// The pong timeout.
    pub fn get_pong_timeout(&self) -> Duration {
        self.pong_timeout
    }

    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The close handshake timeout.
    pub fn get_close_timeout(&self) -> Duration {
        self.close_timeout
    }

    /// The write timeout.
    pub fn get_write_timeout(&self) -> Duration {
        self.write_timeout
    }

    /// The outgoing queue bound, in bytes.
    pub fn get_outgoing_max_bytes(&self) -> usize {
        self.outgoing_max_bytes
    }

    /// The incoming queue bound, in bytes.
    pub fn get_incoming_max_bytes(&self) -> usize {
        self.incoming_max_bytes
    }

    /// The extra trusted root certificates (DER).
    pub fn root_certificates(&self) -> &[Vec<u8>] {
        &self.root_certificates
    }
}
