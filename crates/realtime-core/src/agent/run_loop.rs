//! The agent loop: one task per session, its state and the handlers of each input.

use super::runner::{
    MAX_DEFERRED_COMMANDS, MAX_PENDING_CALLS, MAX_TRACKED_ITEMS, MAX_TRANSCRIPT_BYTES,
    RECENT_AUDIO_ITEMS, ROTATION_RETRY, full_config,
};
use super::session::{Command, Link, lock};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::decide::{AssistantAudio, ResponseGate, plan_barge_in};
use super::definition::Agent;
use super::event::{AgentError, AgentEvent};
use super::guardrail::Verdict;
use super::history::{History, HistoryEntry};
use super::reconnect::{
    Backoff, BoundedSet, Jitter, ReconnectPolicy, RotationPolicy, TurnState, classify_server_code,
    classify_transport, replay_items,
};
use super::tool::{ToolContext, ToolError};
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, EventStream, RealtimeClient, SessionSender};
use crate::protocol::{
    ClientEvent, ContentPart, ErrorEvent, FunctionCallItem, Item, Role, ServerEvent, SessionConfig,
    SessionEvent, Voice,
};

/// A finished tool call.
#[derive(Debug)]
pub(super) struct ToolOutcome {
    pub(super) call_id: String,
    pub(super) tool: String,
    pub(super) result: Result<String, ToolError>,
}

/// The loop's state. Methods named `on_*` handle one input each.
pub(super) struct LoopState {
    pub(super) provider: &'static str,
    pub(super) voice_change_after_audio: bool,
    pub(super) client: RealtimeClient,
    pub(super) base: SessionConfig,
    pub(super) link: Link,
    pub(super) reconnect: ReconnectPolicy,
    pub(super) rotation: RotationPolicy,
    /// When the current connection is to be replaced.
    pub(super) rotate_at: Option<Instant>,
    /// The rotation time has come; it happens at the next pause between turns.
    pub(super) rotation_due: bool,
    /// A fatal error was reported: the session does not reconnect.
    pub(super) fatal: bool,
    pub(super) sender: SessionSender,
    pub(super) agents: Arc<HashMap<String, Agent>>,
    pub(super) current: String,
    pub(super) current_voice: Option<Voice>,
    pub(super) history: History,
    pub(super) gate: ResponseGate,
    pub(super) next_event_id: u64,
    pub(super) server_auto_cancels: bool,
    pub(super) playback: PlaybackTracker,
    /// The last assistant item that carried audio, with its content index.
    pub(super) audio_item: Option<(String, u32)>,
    /// Assistant items with audio, newest last (older ones are forgotten by the tracker).
    pub(super) recent_audio_items: VecDeque<String>,
    /// An assistant message announced in the current response, no audio yet.
    pub(super) pending_assistant_item: Option<String>,
    pub(super) assistant_audio_seen: bool,
    /// Speech started and has not stopped.
    pub(super) user_speaking: bool,
    /// Assistant transcript so far per item of the current response, and the length
    /// last checked by guardrails. Cleared at each `response.done`.
    pub(super) transcripts: HashMap<String, (String, usize)>,
    /// Items whose further output is dropped (interrupted or tripped).
    pub(super) silenced_items: BoundedSet,
    /// Tool calls of the current turn still running: call id -> tool.
    pub(super) pending_calls: HashMap<String, String>,
    pub(super) seen_calls: BoundedSet,
    pub(super) awaiting_approval: HashMap<String, (String, String)>,
    pub(super) needs_follow_up: bool,
    pub(super) tool_timeout: Duration,
    pub(super) events: mpsc::Sender<AgentEvent>,
    /// Whether every server event is also delivered as `AgentEvent::Raw`.
    pub(super) raw_events: bool,
}

/// Why [`LoopState::drive`] returned.
pub(super) enum Ending {
    /// Closed by the app or normally by the server.
    Stop,
    /// The connection failed.
    Lost(ClientError),
    /// Time to move to a fresh connection (between turns).
    Rotate,
}

/// Sleeps until `at`; forever when `None`.
pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub(super) async fn run_loop(
    mut state: LoopState,
    mut stream: EventStream,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut tools: JoinSet<ToolOutcome> = JoinSet::new();
    let mut deferred: VecDeque<Command> = VecDeque::new();
    loop {
        match state
            .drive(&mut stream, &mut commands, &mut tools, &mut deferred)
            .await
        {
            Ending::Stop => break,
            Ending::Lost(error) => {
                match state.reconnect(error, &mut commands, &mut deferred).await {
                    Some(next) => stream = next,
                    None => break,
                }
            }
            Ending::Rotate => {
                if let Some(next) = state.rotate().await {
                    stream = next;
                }
            }
        }
    }
    tools.abort_all();
}

impl LoopState {
    /// Runs one connection until it ends, fails, or is due for rotation.
    pub(super) async fn drive(
        &mut self,
        stream: &mut EventStream,
        commands: &mut mpsc::Receiver<Command>,
        tools: &mut JoinSet<ToolOutcome>,
        deferred: &mut VecDeque<Command>,
    ) -> Ending {
        loop {
            if self.rotation_due && self.turn_state().between_turns() {
                self.rotation_due = false;
                return Ending::Rotate;
            }
            if let Some(command) = deferred.pop_front() {
                if let Some(ending) = self.handle_command(command, tools).await {
                    return ending;
                }
                continue;
            }
            let rotate_at = self.rotate_at;
            tokio::select! {
                command = commands.recv() => match command {
                    None => return Ending::Stop,
                    Some(command) => if let Some(ending) = self.handle_command(command, tools).await {
                        return ending;
                    },
                },
                Some(outcome) = tools.join_next(), if !tools.is_empty() => match outcome {
                    Ok(outcome) => self.on_tool_done(outcome).await,
                    Err(error) => tracing::error!(%error, "tool supervisor task failed"),
                },
                event = stream.next_event() => match event {
                    None => return Ending::Stop,
                    Some(Ok(event)) => self.on_server_event(event, tools).await,
                    Some(Err(error)) => {
                        if !error.is_recoverable() {
                            return Ending::Lost(error);
                        }
                        self.emit(AgentEvent::Error(error.into())).await;
                    }
                },
                () = sleep_until(rotate_at), if rotate_at.is_some() => {
                    self.rotate_at = None;
                    self.rotation_due = true;
                }
            }
        }
    }

    pub(super) async fn handle_command(
        &mut self,
        command: Command,
        tools: &mut JoinSet<ToolOutcome>,
    ) -> Option<Ending> {
        match command {
            Command::Close => Some(Ending::Stop),
            Command::ReportDrops => {
                self.report_drops().await;
                None
            }
            command => {
                self.on_command(command, tools).await;
                None
            }
        }
    }

    pub(super) fn turn_state(&self) -> TurnState {
        TurnState {
            response_busy: self.gate.busy(),
            tools_running: !self.pending_calls.is_empty() || !self.awaiting_approval.is_empty(),
            follow_up_owed: self.needs_follow_up,
            user_speaking: self.user_speaking,
        }
    }

    /// Sets the rotation time from now (`expires_in`: what `session.expires_at` leaves).
    pub(super) fn schedule_rotation(&mut self, expires_in: Option<Duration>) {
        if let Some(after) = self.rotation.rotate_in(expires_in) {
            self.rotate_at = Some(Instant::now() + after);
        }
    }

    pub(super) fn on_session_created(&mut self, created: &SessionEvent) {
        if !self.rotation.is_enabled() {
            return;
        }
        let Some(expires_at) = created
            .session
            .0
            .get("expires_at")
            .and_then(serde_json::Value::as_i64)
        else {
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            });
        let left = u64::try_from(expires_at.saturating_sub(now)).unwrap_or(0);
        self.schedule_rotation(Some(Duration::from_secs(left)));
    }

    /// Tells the app about audio dropped from the offline buffer.
    pub(super) async fn report_drops(&self) {
        let dropped = lock(&self.link).offline.take_dropped();
        if dropped > 0 {
            tracing::warn!(
                bytes = dropped,
                "microphone audio dropped while disconnected"
            );
            self.emit(AgentEvent::AudioDropped { bytes: dropped }).await;
        }
    }

    /// Points the app's audio at the offline buffer.
    pub(super) fn go_offline(&self) {
        lock(&self.link).sender = None;
    }

    /// Reconnects after `error` per the policy. `None`: the session ends (fatal,
    /// attempts used up, reconnecting disabled, or the app closed meanwhile).
    pub(super) async fn reconnect(
        &mut self,
        error: ClientError,
        commands: &mut mpsc::Receiver<Command>,
        deferred: &mut VecDeque<Command>,
    ) -> Option<EventStream> {
        if self.fatal {
            tracing::warn!(%error, "connection lost after a fatal error; not reconnecting");
            return None;
        }
        if let Some(fatal) = self.fatal_transport(&error) {
            self.emit(AgentEvent::Error(fatal)).await;
            return None;
        }
        if !self.reconnect.is_enabled() {
            self.emit(AgentEvent::Error(error.into())).await;
            return None;
        }
        let resume_response = self.gate.busy();
        self.go_offline();
        let mut backoff = Backoff::new(self.reconnect, Jitter::from_time());
        let mut last = error;
        loop {
            let Some((attempt, delay)) = backoff.next_delay() else {
                self.emit(AgentEvent::Error(AgentError::ReconnectFailed {
                    provider: self.provider,
                    attempts: backoff.attempts(),
                    last,
                }))
                .await;
                return None;
            };
            tracing::info!(attempt, ?delay, error = %last, "connection lost; reconnecting");
            self.emit(AgentEvent::Disconnected {
                error: AgentError::Client(last.clone()),
                attempt,
            })
            .await;
            if !self.wait(delay, commands, deferred).await {
                return None;
            }
            let started = Instant::now();
            let session = match self
                .client
                .connect_with_dialect(self.sender.dialect())
                .await
            {
                Ok(session) => session,
                Err(error) => {
                    if let Some(fatal) = self.fatal_transport(&error) {
                        self.emit(AgentEvent::Error(fatal)).await;
                        return None;
                    }
                    last = error;
                    continue;
                }
            };
            let (sender, stream) = session.split();
            match self.resume(sender).await {
                Ok(items_replayed) => {
                    tracing::info!(
                        attempt,
                        items_replayed,
                        elapsed = ?started.elapsed(),
                        "reconnected"
                    );
                    self.emit(AgentEvent::Reconnected {
                        attempt,
                        items_replayed,
                    })
                    .await;
                    if self.needs_follow_up {
                        self.maybe_follow_up().await;
                    } else if resume_response && self.pending_calls.is_empty() {
                        // The answer being produced was lost with the connection.
                        self.request_response().await;
                    }
                    return Some(stream);
                }
                Err(error) => last = error,
            }
        }
    }

    pub(super) fn fatal_transport(&self, error: &ClientError) -> Option<AgentError> {
        let ClientError::Transport(transport) = error else {
            return None;
        };
        let fatal = classify_transport(transport)?;
        tracing::error!(kind = %fatal.kind, detail = fatal.detail, "fatal connection error");
        Some(AgentError::Fatal {
            provider: self.provider,
            kind: fatal.kind,
            detail: format!("{}: {transport}", fatal.detail),
        })
    }

    /// Waits `delay` while answering the app: `false` if it closed the session.
    pub(super) async fn wait(
        &mut self,
        delay: Duration,
        commands: &mut mpsc::Receiver<Command>,
        deferred: &mut VecDeque<Command>,
    ) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                command = commands.recv(), if deferred.len() < MAX_DEFERRED_COMMANDS => match command {
                    None | Some(Command::Close) => return false,
                    Some(Command::History(reply)) => {
                        let _ = reply.send(self.history.clone());
                    }
                    Some(Command::ReportDrops) => self.report_drops().await,
                    Some(other) => deferred.push_back(other),
                },
            }
        }
    }

    /// Moves to a fresh connection between turns. `None`: it failed, the current
    /// connection goes on (and rotation is tried again later).
    pub(super) async fn rotate(&mut self) -> Option<EventStream> {
        let session = match self
            .client
            .connect_with_dialect(self.sender.dialect())
            .await
        {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%error, "session rotation failed; keeping the current connection");
                self.rotate_at = Some(Instant::now() + ROTATION_RETRY);
                return None;
            }
        };
        let old = self.sender.clone();
        self.go_offline();
        let (sender, stream) = session.split();
        match self.resume(sender).await {
            Ok(items_replayed) => {
                tracing::info!(items_replayed, "session rotated");
                tokio::spawn(async move {
                    if let Err(error) = old.close().await {
                        tracing::debug!(%error, "closing the rotated-out connection");
                    }
                });
                self.emit(AgentEvent::SessionRotated { items_replayed })
                    .await;
                Some(stream)
            }
            Err(error) => {
                tracing::warn!(%error, "session rotation failed; keeping the current connection");
                self.sender = old.clone();
                if let Err(error) = self.flush_audio(&old).await {
                    tracing::debug!(%error, "the current connection failed too");
                }
                self.rotate_at = Some(Instant::now() + ROTATION_RETRY);
                None
            }
        }
    }

    /// Makes `sender` the connection: re-applies the current agent, replays the
    /// history, sends buffered audio. Returns the items replayed.
    pub(super) async fn resume(&mut self, sender: SessionSender) -> Result<usize, ClientError> {
        self.sender = sender.clone();
        self.reset_connection_state();
        if let Some(agent) = self.agents.get(&self.current) {
            let config = full_config(&self.base, agent, &self.history, self.current_voice.clone());
            sender.send(&ClientEvent::session_update(config)).await?;
        }
        let items = replay_items(&self.history, |call_id| {
            self.pending_calls.contains_key(call_id)
        });
        for item in &items {
            sender.send(&ClientEvent::create_item(item.clone())).await?;
        }
        self.flush_audio(&sender).await?;
        self.schedule_rotation(None);
        Ok(items.len())
    }

    /// Sends the buffered audio on `sender`, then points the app's audio at it.
    pub(super) async fn flush_audio(&self, sender: &SessionSender) -> Result<(), ClientError> {
        loop {
            let chunks = {
                let mut inner = lock(&self.link);
                let chunks = inner.offline.drain();
                if chunks.is_empty() {
                    inner.sender = Some(sender.clone());
                    inner.generation += 1;
                    break;
                }
                chunks
            };
            let total = chunks.len();
            for (sent, chunk) in chunks.iter().enumerate() {
                if let Err(error) = sender.send(&ClientEvent::append_audio(chunk)).await {
                    let lost: usize = chunks[sent..].iter().map(Vec::len).sum();
                    tracing::warn!(bytes = lost, chunks = total - sent, "buffered audio lost");
                    self.emit(AgentEvent::AudioDropped { bytes: lost as u64 })
                        .await;
                    return Err(error);
                }
            }
        }
        self.report_drops().await;
        Ok(())
    }

    /// Forgets what belonged to the previous connection.
    pub(super) fn reset_connection_state(&mut self) {
        self.gate = ResponseGate::default();
        self.audio_item = None;
        self.pending_assistant_item = None;
        self.assistant_audio_seen = false;
        self.user_speaking = false;
        self.transcripts.clear();
        self.silenced_items.clear();
        for item in self.recent_audio_items.drain(..) {
            self.playback.forget(&item);
        }
    }

    pub(super) async fn emit(&self, event: AgentEvent) {
        // The app dropped its receiver: nothing left to tell.
        let _ = self.events.send(event).await;
    }

    pub(super) async fn send(&self, event: ClientEvent) {
        if let Err(error) = self.sender.send(&event).await {
            tracing::warn!(%error, event_type = event.event_type(), "send failed");
            self.emit(AgentEvent::Error(error.into())).await;
        }
    }

    pub(super) fn agent(&self) -> Option<&Agent> {
        self.agents.get(&self.current)
    }

    pub(super) async fn request_response(&mut self) {
        self.next_event_id += 1;
        let event_id = format!("evt_agent_{}", self.next_event_id);
        if self.gate.request(&event_id) {
            self.send(ClientEvent::ResponseCreate {
                event_id: Some(event_id),
                response: None,
            })
            .await;
        }
    }

    pub(super) async fn on_command(&mut self, command: Command, tools: &mut JoinSet<ToolOutcome>) {
        match command {
            Command::Text(text) => {
                self.history.push(HistoryEntry::Message {
                    item_id: None,
                    role: Role::User,
                    text: text.clone(),
                    agent: None,
                });
                self.send(ClientEvent::create_item(Item::user_text(text)))
                    .await;
                self.request_response().await;
            }
            Command::Content(content) => {
                let text = content
                    .iter()
                    .filter_map(ContentPart::text_or_transcript)
                    .collect::<Vec<_>>()
                    .join(" ");
                self.history.push(HistoryEntry::Message {
                    item_id: None,
                    role: Role::User,
                    text,
                    agent: None,
                });
                self.send(ClientEvent::create_item(Item::message(Role::User, content)))
                    .await;
                self.request_response().await;
            }
            Command::CommitAndRespond => {
                self.send(ClientEvent::InputAudioBufferCommit { event_id: None })
                    .await;
                self.request_response().await;
            }
            Command::Respond => self.request_response().await,
            Command::Approve { call_id, approved } => match self.awaiting_approval.remove(&call_id)
            {
                Some((tool, arguments)) if approved => {
                    self.start_tool(call_id, tool, arguments, tools).await;
                }
                Some((tool, _)) => {
                    self.on_tool_done(ToolOutcome {
                        call_id,
                        result: Err(ToolError::Rejected { tool: tool.clone() }),
                        tool,
                    })
                    .await;
                }
                None => tracing::warn!(call_id, "approval for a call that is not waiting"),
            },
            Command::History(reply) => {
                let _ = reply.send(self.history.clone());
            }
            Command::Close | Command::ReportDrops => {}
        }
    }

    pub(super) async fn on_server_event(
        &mut self,
        event: ServerEvent,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        match &event {
            ServerEvent::ResponseCreated(_) => self.gate.on_created(),
            ServerEvent::SessionCreated(created) => self.on_session_created(created),
            ServerEvent::SpeechStopped(_) | ServerEvent::InputAudioBufferCommitted(_) => {
                self.user_speaking = false;
            }
            ServerEvent::ResponseOutputItemAdded(added) => {
                if let Some(Item::Message(message)) = &added.item
                    && message.role == Some(Role::Assistant)
                {
                    self.pending_assistant_item = message.id.clone();
                }
            }
            ServerEvent::ResponseAudioDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                match delta.delta.decode() {
                    Ok(audio) => {
                        self.playback.received(&delta.item_id, audio.len() as u64);
                        self.track_audio_item(&delta.item_id);
                        self.audio_item = Some((delta.item_id.clone(), delta.content_index));
                        self.pending_assistant_item = None;
                        self.assistant_audio_seen = true;
                        self.emit(AgentEvent::Audio {
                            item_id: delta.item_id.clone(),
                            audio,
                        })
                        .await;
                    }
                    Err(error) => {
                        self.emit(AgentEvent::Error(AgentError::Server {
                            provider: self.provider,
                            code: "invalid_audio".to_owned(),
                            message: format!(
                                "audio delta for {} is not valid base64: {error}",
                                delta.item_id
                            ),
                            param: None,
                        }))
                        .await;
                    }
                }
            }
            ServerEvent::ResponseAudioTranscriptDelta(delta)
            | ServerEvent::ResponseTextDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
                if !self.transcripts.contains_key(&delta.item_id)
                    && self.transcripts.len() >= MAX_TRACKED_ITEMS
                {
                    // Deltas for many items that never finish: forget them.
                    self.transcripts.clear();
                }
                let entry = self.transcripts.entry(delta.item_id.clone()).or_default();
                if entry.0.len() + delta.delta.len() <= MAX_TRANSCRIPT_BYTES {
                    entry.0.push_str(&delta.delta);
                }
                self.run_guardrails(&delta.item_id.clone(), false).await;
            }
            ServerEvent::ResponseAudioTranscriptDone(done)
                if !self.silenced_items.contains(&done.item_id) =>
            {
                self.finish_assistant_transcript(&done.item_id, &done.transcript)
                    .await;
            }
            ServerEvent::ResponseTextDone(done) if !self.silenced_items.contains(&done.item_id) => {
                self.finish_assistant_transcript(&done.item_id, &done.text)
                    .await;
            }
            ServerEvent::InputTranscriptionDelta(delta) => {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::User,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
            }
            ServerEvent::InputTranscriptionFailed(failed) => {
                self.emit(AgentEvent::TranscriptionFailed {
                    item_id: failed.item_id.clone(),
                    code: failed.error.code.as_option().cloned(),
                    message: failed.error.message.clone(),
                })
                .await;
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                self.history
                    .upsert_message(&done.item_id, Role::User, &done.transcript, None);
                self.emit(AgentEvent::Transcript {
                    role: Role::User,
                    item_id: done.item_id.clone(),
                    text: done.transcript.clone(),
                    agent: None,
                })
                .await;
            }
            ServerEvent::SpeechStarted(_) => {
                self.user_speaking = true;
                self.on_barge_in().await;
            }
            ServerEvent::FunctionCallArgumentsDone(done) => {
                let name = done
                    .name
                    .clone()
                    .or_else(|| self.call_name_from_history(&done.call_id))
                    .unwrap_or_default();
                self.on_function_call(done.call_id.clone(), name, done.arguments.clone(), tools)
                    .await;
            }
            ServerEvent::ResponseOutputItemDone(done) => {
                // Some servers announce calls only here; calls seen before are skipped.
                if let Some(Item::FunctionCall(call)) = &done.item {
                    self.on_function_call_item(call, tools).await;
                }
            }
            ServerEvent::ResponseDone(done) => {
                for item in done.response.output.iter().flatten() {
                    if let Item::FunctionCall(call) = item {
                        self.on_function_call_item(call, tools).await;
                    }
                }
                self.pending_assistant_item = None;
                // The response's items are finished: their transcripts are not needed.
                self.transcripts.clear();
                if self.gate.on_done() {
                    self.request_response().await;
                }
                self.maybe_follow_up().await;
                self.emit(AgentEvent::ResponseDone {
                    response_id: done.response.id.clone(),
                })
                .await;
            }
            ServerEvent::Error(ErrorEvent { error, .. }) => {
                if self
                    .gate
                    .on_error(error.event_id.as_option().map(String::as_str))
                {
                    self.request_response().await;
                }
                let code = error
                    .code
                    .as_option()
                    .cloned()
                    .unwrap_or_else(|| error.kind.clone());
                let reported = match classify_server_code(&code) {
                    Some(kind) => {
                        tracing::error!(code, %kind, "fatal server error; the session will not reconnect");
                        self.fatal = true;
                        AgentError::Fatal {
                            provider: self.provider,
                            kind,
                            detail: format!("{code}: {}", error.message),
                        }
                    }
                    None => AgentError::Server {
                        provider: self.provider,
                        code,
                        message: error.message.clone(),
                        param: error.param.as_option().cloned(),
                    },
                };
                self.emit(AgentEvent::Error(reported)).await;
            }
            _ => {}
        }
        if self.raw_events {
            self.emit(AgentEvent::Raw(Box::new(event))).await;
        }
    }

    /// Remembers an assistant audio item; the tracker forgets the older ones.
    pub(super) fn track_audio_item(&mut self, item_id: &str) {
        if self.recent_audio_items.back().map(String::as_str) == Some(item_id) {
            return;
        }
        self.recent_audio_items.push_back(item_id.to_owned());
        while self.recent_audio_items.len() > RECENT_AUDIO_ITEMS {
            if let Some(old) = self.recent_audio_items.pop_front() {
                self.playback.forget(&old);
            }
        }
    }

    pub(super) fn call_name_from_history(&self, call_id: &str) -> Option<String> {
        self.history.entries().iter().find_map(|entry| match entry {
            HistoryEntry::ToolCall {
                call_id: id, name, ..
            } if id == call_id => Some(name.clone()),
            _ => None,
        })
    }

    pub(super) async fn finish_assistant_transcript(&mut self, item_id: &str, text: &str) {
        self.transcripts.entry(item_id.to_owned()).or_default().0 = text.to_owned();
        self.run_guardrails(item_id, true).await;
        if self.silenced_items.contains(item_id) {
            return;
        }
        let agent = self.current.clone();
        self.history
            .upsert_message(item_id, Role::Assistant, text, Some(&agent));
        self.emit(AgentEvent::Transcript {
            role: Role::Assistant,
            item_id: item_id.to_owned(),
            text: text.to_owned(),
            agent: Some(agent),
        })
        .await;
    }

    pub(super) async fn run_guardrails(&mut self, item_id: &str, is_final: bool) {
        let Some(agent) = self.agents.get(&self.current) else {
            return;
        };
        let Some((text, checked)) = self.transcripts.get(item_id) else {
            return;
        };
        let len = text.chars().count();
        let mut tripped = None;
        for guardrail in agent.guardrails() {
            if guardrail.due(*checked, len, is_final)
                && let Verdict::Trip { reason } = guardrail.check(text)
            {
                tripped = Some((guardrail.name().to_owned(), reason));
                break;
            }
        }
        let due_any = agent
            .guardrails()
            .iter()
            .any(|guardrail| guardrail.due(*checked, len, is_final));
        if due_any && let Some(entry) = self.transcripts.get_mut(item_id) {
            entry.1 = len;
        }
        let Some((guardrail, reason)) = tripped else {
            return;
        };
        tracing::info!(guardrail, item_id, "output guardrail tripped");
        self.silenced_items.insert(item_id);
        if self.gate.active() {
            self.send(ClientEvent::cancel_response()).await;
        }
        let position = self.playback.position(item_id);
        let audio_end_ms = if position.has_audio() {
            let at = position.truncate_at();
            self.send(ClientEvent::truncate(item_id, at)).await;
            Some(at)
        } else {
            None
        };
        self.playback.forget(item_id);
        self.emit(AgentEvent::GuardrailTripped {
            guardrail,
            reason,
            item_id: item_id.to_owned(),
        })
        .await;
        self.emit(AgentEvent::Interrupted {
            item_id: item_id.to_owned(),
            audio_end_ms,
        })
        .await;
    }

    pub(super) async fn on_barge_in(&mut self) {
        let audio = self
            .audio_item
            .as_ref()
            .map(|(item_id, content_index)| AssistantAudio {
                item_id: item_id.clone(),
                content_index: *content_index,
                position: self.playback.position(item_id),
            });
        let plan = plan_barge_in(
            audio.as_ref(),
            self.pending_assistant_item.as_deref(),
            self.gate.active(),
            self.server_auto_cancels,
        );
        if plan.cancel {
            self.send(ClientEvent::cancel_response()).await;
        }
        if let Some((item_id, content_index, audio_end_ms)) = &plan.truncate {
            self.send(ClientEvent::ConversationItemTruncate {
                event_id: None,
                item_id: item_id.clone(),
                content_index: *content_index,
                audio_end_ms: *audio_end_ms,
            })
            .await;
            self.silenced_items.insert(item_id);
            self.playback.forget(item_id);
            self.audio_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: Some(*audio_end_ms),
            })
            .await;
        }
        if let Some(item_id) = &plan.delete {
            self.send(ClientEvent::delete_item(item_id.clone())).await;
            self.silenced_items.insert(item_id);
            self.pending_assistant_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: None,
            })
            .await;
        }
    }

    pub(super) async fn on_function_call_item(
        &mut self,
        call: &FunctionCallItem,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !call.call_id.is_empty() && !self.seen_calls.contains(&call.call_id) {
            self.on_function_call(
                call.call_id.clone(),
                call.name.clone(),
                call.arguments.clone(),
                tools,
            )
            .await;
        }
    }

    pub(super) async fn on_function_call(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !self.seen_calls.insert(&call_id) {
            return;
        }
        self.history.push(HistoryEntry::ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
        });
        let Some(agent) = self.agent() else { return };
        if let Some(handoff) = agent.find_handoff(&name) {
            let target = handoff.target.clone();
            self.handoff(call_id, target).await;
            return;
        }
        let needs_approval = agent
            .find_tool(&name)
            .is_some_and(|tool| tool.requires_approval());
        if self.pending_calls.len() + self.awaiting_approval.len() >= MAX_PENDING_CALLS {
            tracing::warn!(tool = name, "too many tool calls at once; failing this one");
            let message = format!("too many tool calls at once (at most {MAX_PENDING_CALLS})");
            self.on_tool_done(ToolOutcome {
                call_id,
                tool: name,
                result: Err(ToolError::Failed(message)),
            })
            .await;
            return;
        }
        self.pending_calls.insert(call_id.clone(), name.clone());
        if needs_approval {
            self.awaiting_approval
                .insert(call_id.clone(), (name.clone(), arguments.clone()));
            self.emit(AgentEvent::ApprovalRequested {
                tool: name,
                call_id,
                arguments,
            })
            .await;
        } else {
            self.start_tool(call_id, name, arguments, tools).await;
        }
    }

    pub(super) async fn start_tool(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        let agent_name = self.current.clone();
        let tool = self
            .agent()
            .and_then(|agent| agent.find_tool(&name))
            .cloned();
        self.emit(AgentEvent::ToolStarted {
            agent: agent_name.clone(),
            tool: name.clone(),
            call_id: call_id.clone(),
            arguments: arguments.clone(),
        })
        .await;
        let Some(tool) = tool else {
            self.on_tool_done(ToolOutcome {
                call_id,
                result: Err(ToolError::Unknown { tool: name.clone() }),
                tool: name,
            })
            .await;
            return;
        };
        let timeout = tool.own_timeout().unwrap_or(self.tool_timeout);
        let context = ToolContext {
            agent: agent_name,
            call_id: call_id.clone(),
        };
        let future = tool.invoke(arguments, context);
        tools.spawn(async move {
            let mut handle = tokio::spawn(future);
            let result = match tokio::time::timeout(timeout, &mut handle).await {
                Err(_) => {
                    handle.abort();
                    Err(ToolError::Timeout {
                        tool: name.clone(),
                        after: timeout,
                    })
                }
                Ok(Err(join_error)) => {
                    tracing::error!(
                        tool = name,
                        panicked = join_error.is_panic(),
                        "tool task failed"
                    );
                    Err(ToolError::Panicked { tool: name.clone() })
                }
                Ok(Ok(result)) => result,
            };
            ToolOutcome {
                call_id,
                tool: name,
                result,
            }
        });
    }

    pub(super) async fn on_tool_done(&mut self, outcome: ToolOutcome) {
        let (output, failed) = match &outcome.result {
            Ok(output) => (output.clone(), false),
            Err(error) => (error.to_output(), true),
        };
        self.pending_calls.remove(&outcome.call_id);
        self.history.push(HistoryEntry::ToolOutput {
            call_id: outcome.call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            outcome.call_id.clone(),
            output.clone(),
        )))
        .await;
        self.emit(AgentEvent::ToolFinished {
            tool: outcome.tool,
            call_id: outcome.call_id,
            output,
            failed,
        })
        .await;
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }

    /// After tool outputs: one `response.create` once every call of the turn has its
    /// output and the response that made the calls is done.
    pub(super) async fn maybe_follow_up(&mut self) {
        if self.needs_follow_up && self.pending_calls.is_empty() && !self.gate.active() {
            self.needs_follow_up = false;
            self.request_response().await;
        }
    }

    pub(super) async fn handoff(&mut self, call_id: String, target: String) {
        let Some(next) = self.agents.get(&target) else {
            self.emit(AgentEvent::Error(AgentError::UnknownAgent(target)))
                .await;
            return;
        };
        let output = serde_json::json!({ "assistant": target }).to_string();
        self.history.push(HistoryEntry::ToolOutput {
            call_id: call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            call_id, output,
        )))
        .await;

        let mut update = next.session_update(&self.history);
        let mut voice_kept = false;
        if let Some(voice) = next.voice_setting()
            && self.current_voice.as_ref() != Some(voice)
        {
            if self.voice_change_after_audio || !self.assistant_audio_seen {
                update.voice = Some(voice.clone());
                self.current_voice = Some(voice.clone());
            } else {
                voice_kept = true;
            }
        }
        self.send(ClientEvent::session_update(update)).await;
        let from = std::mem::replace(&mut self.current, target.clone());
        self.history.push(HistoryEntry::Handoff {
            from: from.clone(),
            to: target.clone(),
        });
        self.emit(AgentEvent::Handoff {
            from,
            to: target.clone(),
        })
        .await;
        if voice_kept {
            self.emit(AgentEvent::VoiceKept { agent: target }).await;
        }
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }
}
