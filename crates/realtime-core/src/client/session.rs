//! A connected session: send client events, receive server events.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};

use futures_util::Stream;

use super::error::ClientError;
use super::record::{Direction, Recorder};
use crate::dialect::{Dialect, DialectDecision, DialectDetector, DialectSwitched};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::protocol::{AudioBase64, AudioFormat, ClientEvent, ServerEvent};
use crate::transport::{FrameSink, FrameStream, Incoming};

/// The dialect of a session, shared by its two halves: it can change once, when the
/// server turns out to speak another one.
#[derive(Debug, Clone)]
struct SharedDialect {
    current: Arc<RwLock<Arc<dyn Dialect>>>,
    /// The last `session.update` sent, to re-send after a switch; kept only while a
    /// switch may still come.
    last_update: Arc<Mutex<LastUpdate>>,
    /// The input audio format last set by a `session.update` (every provider
    /// defaults to 24 kHz PCM16).
    input_format: Arc<Mutex<AudioFormat>>,
}

/// The last `session.update` sent, while the stream's detector may still switch
/// dialect; once it has settled (or never watches) nothing is kept: an idle session
/// does not hold a copy of its settings (about 1.8 KiB) it will never re-send.
#[derive(Debug)]
enum LastUpdate {
    Watching(Option<ClientEvent>),
    Settled,
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
            if let LastUpdate::Watching(last) = &mut *self
                .last_update
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
            {
                *last = Some(event.clone());
            }
        }
    }

    /// No switch can come any more: the last `session.update` is not needed.
    fn forget_update(&self) {
        *self
            .last_update
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = LastUpdate::Settled;
    }

    fn input_format(&self) -> AudioFormat {
        *self
            .input_format
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn last_update(&self) -> Option<ClientEvent> {
        match &*self
            .last_update
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            LastUpdate::Watching(last) => last.clone(),
            LastUpdate::Settled => None,
        }
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
/// Yields `Ok(event)` for each event, `Err` for a frame that could not be decoded
/// (the stream goes on; see [`ClientError::is_recoverable`]), and a final
/// `Err(ClientError::Transport)` when the socket fails or closes abnormally; ends
/// after a normal close.
///
/// While the first events come, the stream's one [`DialectDetector`] watches whether
/// the server speaks the configured dialect (see [`Dialect::wire_fallback`]). When it
/// does not, the stream switches, re-sends the last `session.update`, and keeps a
/// [`DialectSwitched`] for [`take_dialect_switch`](Self::take_dialect_switch). The
/// reader holds its own handle on the dialect: no lock is taken per frame.
#[derive(Debug)]
pub struct EventStream {
    dialect: SharedDialect,
    /// The reader's dialect (the shared one is written only on a switch).
    current: Arc<dyn Dialect>,
    detector: DialectDetector,
    switched: Option<DialectSwitched>,
    sink: FrameSink,
    frames: FrameStream,
    pending: VecDeque<Result<ServerEvent, ClientError>>,
    recorder: Option<Recorder>,
    finished: bool,
}

/// The detector for a session in `dialect`: watching only when it has a flat
/// fallback to switch to.
fn detector_for(dialect: &Arc<dyn Dialect>) -> DialectDetector {
    DialectDetector::for_dialect(dialect.as_ref(), dialect.wire_fallback().is_some())
}

impl EventStream {
    /// The next event, decode error or transport error; `None` once the session ended.
    pub async fn next_event(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Arc<dyn Dialect> {
        Arc::clone(&self.current)
    }

    /// The dialect switch decided since the last call, if any: at most one per
    /// session, found while reading the events before it (the agent reports it as
    /// `AgentEvent::DialectSwitched`).
    pub fn take_dialect_switch(&mut self) -> Option<DialectSwitched> {
        self.switched.take()
    }

    fn decode(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Text(frame) => {
                if let Some(recorder) = &self.recorder {
                    recorder.record(Direction::Server, &frame);
                }
                match self.current.decode(&frame) {
                    Ok(events) => {
                        for event in events {
                            if !self.detector.is_settled() {
                                self.detect(&event);
                                if self.detector.is_settled() {
                                    self.dialect.forget_update();
                                }
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
                    self.current.name(),
                    None,
                    DecodeErrorKind::BinaryFrame { len: bytes.len() },
                );
                tracing::warn!(%error, "binary frame");
                self.pending.push_back(Err(error.into()));
            }
        }
    }

    /// Feeds the detector; on a switch, changes dialect and re-sends the last
    /// `session.update` in the new one.
    fn detect(&mut self, event: &ServerEvent) {
        let Some(DialectDecision::SwitchToBeta { reason }) = self.detector.handle_event(event)
        else {
            return;
        };
        let Some(to) = self.current.wire_fallback() else {
            return;
        };
        let from = self.current.name();
        self.dialect.set(Arc::clone(&to));
        self.detector = detector_for(&to);
        self.current = Arc::clone(&to);
        if let Some(update) = self.dialect.last_update() {
            let resent = to
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
        self.switched = Some(DialectSwitched {
            from,
            to: to.name(),
            reason,
        });
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
        let current = dialect;
        let detector = detector_for(&current);
        let last_update = if detector.is_settled() {
            LastUpdate::Settled
        } else {
            LastUpdate::Watching(None)
        };
        let dialect = SharedDialect {
            current: Arc::new(RwLock::new(Arc::clone(&current))),
            last_update: Arc::new(Mutex::new(last_update)),
            input_format: Arc::new(Mutex::new(AudioFormat::default())),
        };
        let sender = SessionSender {
            dialect: dialect.clone(),
            sink: sink.clone(),
            recorder: recorder.clone(),
        };
        let events = EventStream {
            detector,
            current,
            switched: None,
            dialect,
            sink,
            frames,
            // One slot: a frame decodes to one event (704 bytes); the default first
            // growth would keep four for the life of the session.
            pending: VecDeque::with_capacity(1),
            recorder,
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

    /// The dialect switch decided since the last call; see
    /// [`EventStream::take_dialect_switch`].
    pub fn take_dialect_switch(&mut self) -> Option<DialectSwitched> {
        self.events.take_dialect_switch()
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
