//! Recording a session's frames to JSONL, the fixture format of `cargo xtask conformance`.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the server.
    Server,
    /// From the client.
    Client,
}

impl Direction {
    /// `server` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Client => "client",
        }
    }
}

/// Writes frames as JSONL lines `{"dialect", "direction", "payload"}`.
///
/// Frames that are not JSON are written with the text as a string payload and a
/// `note`, so a recording of a broken session still shows what came. Audio is
/// recorded as it was sent: recordings can be large.
#[derive(Clone)]
pub struct Recorder {
    dialect: &'static str,
    out: Arc<Mutex<Box<dyn std::io::Write + Send>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records to a new file at `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: impl AsRef<Path>, dialect: &'static str) -> std::io::Result<Self> {
        let file = File::create(path)?;
        Ok(Self::to_writer(BufWriter::new(file), dialect))
    }

    /// Records to any writer.
    pub fn to_writer(writer: impl std::io::Write + Send + 'static, dialect: &'static str) -> Self {
        Self {
            dialect,
            out: Arc::new(Mutex::new(Box::new(writer))),
        }
    }

    /// Records one frame. Failures are logged, never raised: recording must not break
    /// a live session.
    pub fn record(&self, direction: Direction, frame: &str) {
        let mut line = Map::new();
        line.insert("dialect".to_owned(), Value::String(self.dialect.to_owned()));
        line.insert(
            "direction".to_owned(),
            Value::String(direction.as_str().to_owned()),
        );
        match serde_json::from_str::<Value>(frame) {
            Ok(payload) => {
                line.insert("payload".to_owned(), payload);
            }
            Err(_) => {
                line.insert("payload".to_owned(), Value::String(frame.to_owned()));
                line.insert(
                    "note".to_owned(),
                    Value::String("frame was not JSON".to_owned()),
                );
            }
        }
        let Ok(mut out) = self.out.lock() else {
            tracing::warn!("recorder lock poisoned; frame not recorded");
            return;
        };
        let written = serde_json::to_writer(&mut *out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(error) = written {
            tracing::warn!(%error, "could not record a frame");
        }
    }

    /// Flushes buffered lines.
    pub fn flush(&self) {
        if let Ok(mut out) = self.out.lock()
            && let Err(error) = out.flush()
        {
            tracing::warn!(%error, "could not flush the recording");
        }
    }
}
