//! A WebRTC call: one emulated session, created by the `calls` endpoint, that every
//! party of the call shares. The browser's data channel (`oai-events`) and each
//! sideband socket that attaches by `call_id` send client frames into the same
//! [`Engine`] and all receive its server events, as on the services (a sideband
//! attach joins the call's session; it does not start one).
//!
//! Audio takes the media path: the engine's `response.output_audio.delta` events
//! are not sent as frames (WebRTC sessions do not send them); their duration goes to
//! the media peer, which plays that much of the emulator's voice, and the session
//! says `output_audio_buffer.started` / `.stopped` around it, `.cleared` on barge-in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use realtime_core::protocol::{OutputAudioBufferEvent, ServerEvent};
use tokio::sync::mpsc;

use super::engine::{Engine, Output};
use super::script::Script;

/// How many calls may be live at once (a new one beyond is refused).
pub(crate) const MAX_CALLS: usize = 64;
/// Frames waiting for one party; a party that falls this far behind is detached
/// (with a warning), never left to grow memory.
const PARTY_BACKLOG: usize = 1024;
/// Inputs waiting for the call's task.
const INPUT_BACKLOG: usize = 1024;
/// How long a call with no party left is kept for one to attach.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// What the call's task is told (the media peer's inputs only with feature `webrtc`).
#[derive(Debug)]
#[cfg_attr(not(feature = "webrtc"), allow(dead_code))]
pub(crate) enum CallInput {
    /// A party joins: server frames go to this sender.
    Attach(mpsc::Sender<String>),
    /// A client frame from any party.
    Frame(String),
    /// The browser's audio, judged speech or not (see the media peer).
    Heard { ms: u64, speech: bool },
    /// The media peer has played everything it was given.
    PlaybackDone,
    /// The media peer is gone (ICE disconnected or closed).
    MediaGone,
    /// `POST …/calls/{call_id}/hangup`.
    Hangup,
}

/// What the call tells its media peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaCommand {
    /// Plays this many more ms of the voice.
    Play(u64),
    /// The response's audio is all given: say [`CallInput::PlaybackDone`] once it
    /// has played.
    EndOfAudio,
    /// Stops playing at once (barge-in).
    Clear,
}

/// A live call: where to send its inputs.
#[derive(Debug, Clone)]
pub(crate) struct CallHandle {
    inputs: mpsc::Sender<CallInput>,
}

impl CallHandle {
    /// Sends an input; false when the call is over.
    pub(crate) async fn send(&self, input: CallInput) -> bool {
        self.inputs.send(input).await.is_ok()
    }

    /// Sends an input without waiting; false when the call is over or its inputs are full.
    pub(crate) fn try_send(&self, input: CallInput) -> bool {
        self.inputs.try_send(input).is_ok()
    }
}

/// The live calls by `call_id`.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    live: Mutex<HashMap<String, CallHandle>>,
}

impl Calls {
    /// The call named `call_id`, if it is live.
    pub(crate) fn get(&self, call_id: &str) -> Option<CallHandle> {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(call_id)
            .filter(|handle| !handle.inputs.is_closed())
            .cloned()
    }

    /// Starts the call's task on `engine`; `None` when [`MAX_CALLS`] are live.
    pub(crate) fn start(
        self: &Arc<Self>,
        call_id: String,
        engine: Engine,
        script: Arc<Mutex<Script>>,
        media: Option<mpsc::Sender<MediaCommand>>,
    ) -> Option<CallHandle> {
        let (inputs, receiver) = mpsc::channel(INPUT_BACKLOG);
        let handle = CallHandle { inputs };
        {
            let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
            live.retain(|_, handle| !handle.inputs.is_closed());
            if live.len() >= MAX_CALLS {
                return None;
            }
            live.insert(call_id.clone(), handle.clone());
        }
        let calls = Arc::clone(self);
        tokio::spawn(async move {
            CallTask::new(engine, script, media).run(receiver).await;
            calls
                .live
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&call_id);
            tracing::debug!(call_id, "emulated call ended");
        });
        Some(handle)
    }
}

/// The task that owns one call's engine.
struct CallTask {
    engine: Engine,
    script: Arc<Mutex<Script>>,
    media: Option<mpsc::Sender<MediaCommand>>,
    parties: Vec<mpsc::Sender<String>>,
    /// The response whose audio is playing, once `output_audio_buffer.started` is said.
    playing: Option<String>,
    started: tokio::time::Instant,
}

impl CallTask {
    fn new(
        engine: Engine,
        script: Arc<Mutex<Script>>,
        media: Option<mpsc::Sender<MediaCommand>>,
    ) -> Self {
        Self {
            engine,
            script,
            media,
            parties: Vec::new(),
            playing: None,
            started: tokio::time::Instant::now(),
        }
    }

    async fn run(mut self, mut inputs: mpsc::Receiver<CallInput>) {
        let mut idle_since = Some(tokio::time::Instant::now());
        loop {
            if !self.parties.is_empty() {
                idle_since = None;
                for output in self.engine.poll(self.started.elapsed()) {
                    if !self.output(output) {
                        return;
                    }
                }
            } else if idle_since.is_none() {
                idle_since = Some(tokio::time::Instant::now());
            }
            // With parties: the next output's time. Without: the end of the wait for one.
            let deadline = match (idle_since, self.engine.next_due()) {
                (Some(since), _) => since + IDLE_LIMIT,
                (None, Some(due)) => self.started + due,
                (None, None) => tokio::time::Instant::now() + IDLE_LIMIT,
            };
            let input = tokio::select! {
                input = inputs.recv() => input,
                () = tokio::time::sleep_until(deadline) => {
                    if idle_since.is_some_and(|since| since.elapsed() >= IDLE_LIMIT) {
                        tracing::debug!("emulated call left without parties; ending it");
                        return;
                    }
                    continue;
                }
            };
            let Some(input) = input else {
                return;
            };
            match input {
                CallInput::Attach(party) => {
                    // Each channel of the call opens with `session.created`, the
                    // session as it is now.
                    for event in self.engine.open() {
                        match self.engine.shape().encode_server(&event) {
                            Ok(frame) => {
                                let _ = party.try_send(frame);
                            }
                            Err(error) => {
                                tracing::error!(%error, "emulator could not encode its own event");
                            }
                        }
                    }
                    self.parties.push(party);
                }
                CallInput::Frame(frame) => {
                    let now = self.started.elapsed();
                    self.with_script(|engine| engine.receive(&frame, now));
                }
                CallInput::Heard { ms, speech } => {
                    let now = self.started.elapsed();
                    self.with_script(|engine| engine.hear(ms, speech, now));
                }
                CallInput::PlaybackDone => {
                    if let Some(response_id) = self.playing.take() {
                        let stopped = self.audio_buffer_event(response_id);
                        self.say(&ServerEvent::OutputAudioBufferStopped(stopped));
                    }
                }
                CallInput::MediaGone | CallInput::Hangup => return,
            }
        }
    }

    /// Runs `act` on the engine holding the shared script (the turns left), so calls
    /// and sockets that overlap play one script, as [`serve_engine`](super::server)
    /// does.
    fn with_script(&mut self, act: impl FnOnce(&mut Engine)) {
        let script = Arc::clone(&self.script);
        let mut slot = script.lock().unwrap_or_else(PoisonError::into_inner);
        self.engine.set_script(slot.take());
        act(&mut self.engine);
        *slot = self.engine.take_script();
    }

    /// Sends one engine output; false when the call is over.
    fn output(&mut self, output: Output) -> bool {
        match output {
            Output::Event(ServerEvent::ResponseAudioDelta(delta)) => {
                // WebRTC: audio goes over RTP, not as frames.
                if let Some(media) = &self.media {
                    let ms = realtime_core::protocol::AudioFormat::PCM16_24K
                        .duration_ms(delta.delta.decoded_len() as u64);
                    if media.try_send(MediaCommand::Play(ms)).is_err() {
                        tracing::warn!("emulated call: the media peer is not keeping up");
                    }
                }
                if self.playing.is_none() {
                    self.playing = Some(delta.response_id.clone());
                    let started = self.audio_buffer_event(delta.response_id);
                    self.say(&ServerEvent::OutputAudioBufferStarted(started));
                }
                true
            }
            Output::Event(ServerEvent::ResponseAudioDone(done)) => {
                let playing = self.playing.as_deref() == Some(done.response_id.as_str());
                self.say(&ServerEvent::ResponseAudioDone(done));
                match &self.media {
                    Some(media) if playing => {
                        let _ = media.try_send(MediaCommand::EndOfAudio);
                    }
                    // Without media (no `webrtc` feature) nothing is left to play.
                    None if playing => {
                        if let Some(response_id) = self.playing.take() {
                            let stopped = self.audio_buffer_event(response_id);
                            self.say(&ServerEvent::OutputAudioBufferStopped(stopped));
                        }
                    }
                    _ => {}
                }
                true
            }
            Output::Event(event) => {
                let barge_in = matches!(event, ServerEvent::SpeechStarted(_));
                self.say(&event);
                if barge_in && let Some(response_id) = self.playing.take() {
                    if let Some(media) = &self.media {
                        let _ = media.try_send(MediaCommand::Clear);
                    }
                    let cleared = self.audio_buffer_event(response_id);
                    self.say(&ServerEvent::OutputAudioBufferCleared(cleared));
                }
                true
            }
            Output::Text(frame) => {
                self.broadcast(&frame);
                true
            }
            // Binary frames and stalls have no data-channel meaning; the terminal
            // faults end the call.
            Output::Binary(_) | Output::Stall(_) => true,
            Output::Drop | Output::End => false,
        }
    }

    fn audio_buffer_event(&mut self, response_id: String) -> OutputAudioBufferEvent {
        let mut event = OutputAudioBufferEvent::default();
        event.event_id = self.engine.event_id();
        event.response_id = Some(response_id);
        event
    }

    fn say(&mut self, event: &ServerEvent) {
        match self.engine.shape().encode_server(event) {
            Ok(frame) => self.broadcast(&frame),
            Err(error) => tracing::error!(%error, "emulator could not encode its own event"),
        }
    }

    fn broadcast(&mut self, frame: &str) {
        self.parties
            .retain(|party| match party.try_send(frame.to_owned()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        backlog = PARTY_BACKLOG,
                        "emulated call: a party fell behind; detaching it"
                    );
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
    }
}

/// A party's channel: the call's frames come out of the receiver.
pub(crate) fn party_channel() -> (mpsc::Sender<String>, mpsc::Receiver<String>) {
    mpsc::channel(PARTY_BACKLOG)
}
