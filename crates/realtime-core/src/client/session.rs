//! A connected session: send client events, receive server events.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};

use futures_util::Stream;

use super::error::ClientError;
use super::record::{Direction, Recorder};
use crate::dialect::Dialect;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::protocol::{AudioBase64, AudioFormat, ClientEvent, ServerEvent};
use crate::transport::{FrameSink, FrameStream, Incoming};

/// The dialect of a session, shared by its two halves: it can change once, when the
/// server turns out to speak another one.
#[derive(Debug, Clone)]
struct SharedDialect {
    current: Arc<RwLock<Arc<dyn Dialect>>>,
    /// The last `session.update` sent, to re-send after a switch.
    last_update: Arc<Mutex<Option<ClientEvent>>>,
    /// The input audio format last set by a `session.update` (every provider
    /// defaults to 24 kHz PCM16).
    input_format: Arc<Mutex<AudioFormat>>,
}

impl SharedDialect {
    fn get(&self) -> Arc<dyn Dialect> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn set(&self, dialect: Arc<dyn Dialect>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = dialect;
    }

    fn remember_update(&self, event: &ClientEvent) {
        if let ClientEvent::SessionUpdate { session, .. } = event {
            if let Some(format) = session.input_audio_format {
                *self
                    .input_format
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = format;
            }
            *self
                .last_update
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(event.clone());
        }
    }

    fn input_format(&self) -> AudioFormat {
        *self
            .input_format
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn last_update(&self) -> Option<ClientEvent> {
        self.last_update
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Sends client events; cheap to clone and share between tasks.
#[derive(Debug, Clone)]
pub struct SessionSender {
    dialect: SharedDialect,
    sink: FrameSink,
    recorder: Option<Recorder>,
}

impl SessionSender {
    /// Checks `event`, encodes it in the dialect and sends it.
    ///
    /// Audio appended with `input_audio_buffer.append` must be whole samples of the
    /// session's input format (the one set by the last `session.update` sent, 24 kHz
    /// PCM16 until then): odd-length PCM16 is refused.
    ///
    /// # Errors
    /// [`ClientError::InvalidAudio`] for audio that is not whole samples or not
    /// base64 (nothing is sent); [`ClientError::Encode`] when the dialect refuses the
    /// event (nothing is sent); [`ClientError::Transport`] when the socket is gone or
    /// full (per the backpressure policy), or the session has ended.
    pub async fn send(&self, event: &ClientEvent) -> Result<(), ClientError> {
        if let ClientEvent::InputAudioBufferAppend { audio, .. } = event {
            check_audio(audio, self.dialect.input_format())?;
        }
        let frame = self.dialect.get().encode(event)?;
        self.dialect.remember_update(event);
        self.send_frame(frame).await
    }

    /// Sends a frame that is already encoded (used for replays and tests).
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the socket is gone or full.
    pub async fn send_frame(&self, frame: String) -> Result<(), ClientError> {
        if let Some(recorder) = &self.recorder {
            recorder.record(Direction::Client, &frame);
        }
        self.sink.send(frame).await.map_err(ClientError::from)
    }

    /// Closes the connection with a normal close frame.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the close handshake fails.
    pub async fn close(&self) -> Result<(), ClientError> {
        if let Some(recorder) = &self.recorder {
            recorder.flush();
        }
        self.sink
            .close(1000, "client closed")
            .await
            .map_err(ClientError::from)
    }

    /// The dialect in use (it changes if the server turned out to speak another).
    pub fn dialect(&self) -> Arc<dyn Dialect> {
        self.dialect.get()
    }
}

/// Refuses audio that is not padded base64 or not whole samples of `format`.
fn check_audio(audio: &AudioBase64, format: AudioFormat) -> Result<(), ClientError> {
    let text_len = audio.as_str().len();
    if !text_len.is_multiple_of(4) {
        return Err(ClientError::InvalidAudio {
            format,
            expected: "padded standard base64 (a multiple of 4 characters)",
            found: format!("{text_len} characters"),
        });
    }
    let bytes = audio.decoded_len();
    let sample = match format {
        AudioFormat::Pcm16 { .. } => 2,
        AudioFormat::G711Ulaw | AudioFormat::G711Alaw => 1,
    };
    if !bytes.is_multiple_of(sample) {
        return Err(ClientError::InvalidAudio {
            format,
            expected: "whole 16-bit samples (an even number of bytes)",
            found: format!("{bytes} bytes"),
        });
    }
    Ok(())
}

/// The server events of a session, decoded by the dialect.
///
/// Yields `Ok(event)` for each event, `Err` for a frame that could not be decoded or
/// a dialect switch (the stream goes on in both cases; see
/// [`ClientError::is_recoverable`]), and a final `Err(ClientError::Transport)` when
/// the socket fails or closes abnormally; ends after a normal close.
#[derive(Debug)]
pub struct EventStream {
    dialect: SharedDialect,
    sink: FrameSink,
    frames: FrameStream,
    pending: VecDeque<Result<ServerEvent, ClientError>>,
    recorder: Option<Recorder>,
    /// Whether the server accepted a `session.update` (no more dialect detection).
    settled: bool,
    finished: bool,
}

impl EventStream {
    /// The next event, decode error or transport error; `None` once the session ended.
    pub async fn next_event(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Arc<dyn Dialect> {
        self.dialect.get()
    }

    fn decode(&mut self, incoming: Incoming) {
        let dialect = self.dialect.get();
        match incoming {
            Incoming::Text(frame) => {
                if let Some(recorder) = &self.recorder {
                    recorder.record(Direction::Server, &frame);
                }
                match dialect.decode(&frame) {
                    Ok(events) => {
                        for event in events {
                            if !self.settled {
                                self.detect(&dialect, &event);
                            }
                            self.pending.push_back(Ok(event));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "server frame could not be decoded");
                        self.pending.push_back(Err(error.into()));
                    }
                }
            }
            Incoming::Binary(bytes) => {
                let error = DecodeError::new(
                    dialect.name(),
                    None,
                    DecodeErrorKind::BinaryFrame { len: bytes.len() },
                );
                tracing::warn!(%error, "binary frame");
                self.pending.push_back(Err(error.into()));
            }
        }
    }

    /// Asks the dialect whether the server speaks another; switches and re-sends the
    /// last `session.update` if so.
    fn detect(&mut self, dialect: &Arc<dyn Dialect>, event: &ServerEvent) {
        if let ServerEvent::SessionUpdated(_) = event {
            self.settled = true;
        }
        let Some(switch) = dialect.detect_switch(event) else {
            return;
        };
        let (from, to) = (dialect.name(), switch.to.name());
        tracing::warn!(from, to, reason = %switch.reason, "server speaks another dialect; switching");
        self.dialect.set(Arc::clone(&switch.to));
        self.settled = false;
        if let Some(update) = self.dialect.last_update() {
            let resent = switch
                .to
                .encode(&update)
                .map_err(ClientError::from)
                .and_then(|frame| {
                    if let Some(recorder) = &self.recorder {
                        recorder.record(Direction::Client, &frame);
                    }
                    self.sink.try_send(frame).map_err(ClientError::from)
                });
            if let Err(error) = resent {
                self.pending.push_back(Err(error));
            }
        }
        self.pending.push_back(Err(ClientError::DialectSwitched {
            from,
            to,
            reason: switch.reason,
        }));
    }
}

impl Stream for EventStream {
    type Item = Result<ServerEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Poll::Ready(Some(item));
            }
            if self.finished {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.frames).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(error))) => {
                    self.finished = true;
                    return Poll::Ready(Some(Err(error.into())));
                }
                Poll::Ready(Some(Ok(incoming))) => self.decode(incoming),
            }
        }
    }
}

/// A connected session: a [`SessionSender`] and an [`EventStream`] together.
#[derive(Debug)]
pub struct Session {
    sender: SessionSender,
    events: EventStream,
}

impl Session {
    pub(super) fn new(
        dialect: Arc<dyn Dialect>,
        sink: FrameSink,
        frames: FrameStream,
        recorder: Option<Recorder>,
    ) -> Self {
        let dialect = SharedDialect {
            current: Arc::new(RwLock::new(dialect)),
            last_update: Arc::new(Mutex::new(None)),
            input_format: Arc::new(Mutex::new(AudioFormat::default())),
        };
        let sender = SessionSender {
            dialect: dialect.clone(),
            sink: sink.clone(),
            recorder: recorder.clone(),
        };
        let events = EventStream {
            dialect,
            sink,
            frames,
            // One slot: a frame decodes to one event (704 bytes); the default first
            // growth would keep four for the life of the session.
            pending: VecDeque::with_capacity(1),
            recorder,
            settled: false,
            finished: false,
        };
        Self { sender, events }
    }

    /// Encodes and sends a client event.
    ///
    /// # Errors
    /// See [`SessionSender::send`].
    pub async fn send(&self, event: &ClientEvent) -> Result<(), ClientError> {
        self.sender.send(event).await
    }

    /// The next server event; see [`EventStream`].
    pub async fn next_event(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        self.events.next_event().await
    }

    /// A sender that can be moved to another task.
    pub fn sender(&self) -> SessionSender {
        self.sender.clone()
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Arc<dyn Dialect> {
        self.sender.dialect()
    }

    /// Splits into the sending and receiving halves.
    pub fn split(self) -> (SessionSender, EventStream) {
        (self.sender, self.events)
    }

    /// Closes the session with a normal close frame.
    ///
    /// # Errors
    /// See [`SessionSender::close`].
    pub async fn close(self) -> Result<(), ClientError> {
        self.sender.close().await
    }
}

impl Stream for Session {
    type Item = Result<ServerEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.events).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_must_be_whole_samples_of_the_format() {
        let pcm = AudioFormat::PCM16_24K;
        assert!(check_audio(&AudioBase64::from_pcm(&[0; 480]), pcm).is_ok());
        let odd = check_audio(&AudioBase64::from_pcm(&[0; 481]), pcm);
        assert!(
            matches!(&odd, Err(ClientError::InvalidAudio { found, .. }) if found == "481 bytes"),
            "{odd:?}"
        );
        assert!(check_audio(&AudioBase64::from_pcm(&[0; 481]), AudioFormat::G711Ulaw).is_ok());
        let broken = check_audio(&AudioBase64::from_base64("AAE"), AudioFormat::G711Alaw);
        assert!(matches!(broken, Err(ClientError::InvalidAudio { .. })));
    }
}
