//! What the emulator records: upgrade requests and client frames.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::TestkitError;

/// A frame received from the client, in the order it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientFrame {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A close frame (code 1005 when the frame carried no code).
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
}

impl ClientFrame {
    /// The text of a text frame.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The HTTP upgrade request of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Path and query, e.g. `/openai/realtime?api-version=2025-04-01-preview`.
    pub path_and_query: String,
    /// Headers in arrival order; names lower-case, values lossy UTF-8.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first value of query parameter `name` (exact match, not percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        let (_, query) = self.path_and_query.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }
}

/// Mutable part of a recording.
#[derive(Debug, Default)]
struct RecordState {
    frames: Vec<ClientFrame>,
    ended: bool,
}

/// The recording of one connection: its upgrade request and every client frame.
///
/// Cheap to clone; clones see the same, live recording.
#[derive(Debug, Clone)]
pub struct Recorded {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: usize,
    request: RecordedRequest,
    rejected_with: Option<u16>,
    /// Whether client frames are kept (a long-running server keeps none).
    keep_frames: bool,
    state: watch::Sender<RecordState>,
}

impl Recorded {
    pub(crate) fn new(
        id: usize,
        request: RecordedRequest,
        rejected_with: Option<u16>,
        keep_frames: bool,
    ) -> Self {
        let (state, _) = watch::channel(RecordState {
            frames: Vec::new(),
            ended: rejected_with.is_some(),
        });
        Self {
            inner: Arc::new(Inner {
                id,
                request,
                rejected_with,
                keep_frames,
                state,
            }),
        }
    }

    pub(crate) fn push(&self, frame: ClientFrame) {
        if !self.inner.keep_frames {
            return;
        }
        self.inner
            .state
            .send_modify(|state| state.frames.push(frame));
    }

    pub(crate) fn mark_ended(&self) {
        self.inner.state.send_modify(|state| state.ended = true);
    }

    /// The connection's index in [`TestServer::connections`](crate::TestServer::connections).
    pub fn id(&self) -> usize {
        self.inner.id
    }

    /// The upgrade request.
    pub fn request(&self) -> &RecordedRequest {
        &self.inner.request
    }

    /// The HTTP status the handshake was rejected with, if it was.
    pub fn rejected_with(&self) -> Option<u16> {
        self.inner.rejected_with
    }

    /// A snapshot of the client frames received so far.
    pub fn frames(&self) -> Vec<ClientFrame> {
        self.inner.state.borrow().frames.clone()
    }

    /// A snapshot of the client's text frames received so far.
    pub fn texts(&self) -> Vec<String> {
        self.inner
            .state
            .borrow()
            .frames
            .iter()
            .filter_map(|frame| frame.as_text().map(str::to_owned))
            .collect()
    }

    /// Whether the connection has ended (or was rejected).
    pub fn is_ended(&self) -> bool {
        self.inner.state.borrow().ended
    }

    /// Waits until at least `count` client frames have been received and returns
    /// them all.
    ///
    /// # Errors
    ///
    /// [`TestkitError::Timeout`] when fewer frames arrived within `timeout`.
    pub async fn wait_for_frames(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ClientFrame>, TestkitError> {
        let mut state = self.inner.state.subscribe();
        let waited =
            tokio::time::timeout(timeout, state.wait_for(|state| state.frames.len() >= count))
                .await;
        match waited {
            // The sender lives in `self`, so `wait_for` cannot fail while we wait.
            Ok(Ok(state)) => Ok(state.frames.clone()),
            Ok(Err(_)) | Err(_) => Err(TestkitError::Timeout {
                expected: format!("{count} client frames on connection {}", self.id()),
                got: format!("{} frames", self.frames().len()),
                after: timeout,
            }),
        }
    }

    /// Waits until the connection has ended.
    ///
    /// # Errors
    ///
    /// [`TestkitError::Timeout`] when it is still open after `timeout`.
    pub async fn wait_for_end(&self, timeout: Duration) -> Result<(), TestkitError> {
        let mut state = self.inner.state.subscribe();
        match tokio::time::timeout(timeout, state.wait_for(|state| state.ended)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(TestkitError::Timeout {
                expected: format!("connection {} to end", self.id()),
                got: "an open connection".to_owned(),
                after: timeout,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_query_lookup() {
        let request = RecordedRequest {
            path_and_query: "/r?api-version=1&deployment=d".to_owned(),
            headers: vec![("api-key".to_owned(), "k".to_owned())],
        };
        assert_eq!(request.header("API-Key"), Some("k"));
        assert_eq!(request.header("authorization"), None);
        assert_eq!(request.query_param("deployment"), Some("d"));
        assert_eq!(request.query_param("model"), None);
    }
}
