//! The loop's connection lifecycle: reconnect after a drop, rotate before the
//! provider's time limit, and what must be re-sent on a fresh connection.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::LoopState;
use crate::agent::decide::ResponseGate;
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::reconnect::{Backoff, Jitter, TurnState, classify_transport, replay_items};
use crate::agent::runner::{MAX_DEFERRED_COMMANDS, ROTATION_RETRY, full_config};
use crate::agent::session::{Command, lock};
use crate::client::{ClientError, EventStream, SessionSender};
use crate::protocol::{ClientEvent, SessionEvent};

impl LoopState {
    pub(super) fn turn_state(&self) -> TurnState {
        TurnState {
            response_busy: self.gate.busy(),
            tools_running: !self.pending_calls.is_empty() || !self.awaiting_approval.is_empty(),
            follow_up_owed: self.needs_follow_up,
            user_speaking: self.user_speaking,
        }
    }

    /// Sets the rotation time from now (`expires_in`: what `session.expires_at` leaves).
    pub(in crate::agent) fn schedule_rotation(&mut self, expires_in: Option<Duration>) {
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
}
