//! [`LiveEngine`]: a sans-IO emulator of GPT-Live (`openai-live`,
//! `azure-openai-live`): client frames in, server frames out.
//!
//! Shaped after `fixtures/openai-live/` (the condensed spec and the recorded
//! sessions): `session.start` first and `session.started` in answer; only the
//! delegation and triggers change afterwards; every second of appended audio is a
//! user turn (an input transcript, then the [`Script`]'s next turn); a scripted call
//! is delegated (`session.delegation.created`, then the delegated Responses run
//! wrapped in `response.event`: `response.created`, `response.in_progress`, the
//! function call's `response.output_item.done`, `response.completed`, in the order
//! and with the sequence numbers of the recorded tool round). The calls are answered
//! with `response.item.create`, and `response.create` continues the delegation with
//! a new run (`previous_response_id` pointing back, as recorded) that plays the
//! script's next turn and completes. Under client delegation, the delegation alone
//! is sent. The
//! session ends with `session.closed` and a reason (`close_requested` on
//! `session.close`, `expired` from [`LiveEngine::expire`]). Error frames follow the
//! documented `error` shape; their messages are the emulator's own (no GPT-Live
//! error text is recorded).

use serde_json::{Map, Value, json};

use super::script::{Script, Turn};

/// Bytes of one second of PCM16 mono at 24 kHz: one user turn.
const TURN_BYTES: usize = 48_000;
/// `SessionConfig` fields `session.start` accepts (strict object).
const START_FIELDS: [&str; 9] = [
    "model",
    "instructions",
    "audio",
    "client",
    "delegation",
    "input",
    "safety_identifier",
    "store",
    "triggers",
];
/// A short chunk of silence, as base64 PCM16.
const SILENCE: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The GPT-Live emulator engine.
#[derive(Debug)]
pub struct LiveEngine {
    script: Script,
    session: Option<Map<String, Value>>,
    audio_bytes: usize,
    offset_ms: u64,
    pending_calls: Vec<String>,
    answered_calls: usize,
    delegation_id: Option<String>,
    /// The delegated run in progress (its id) and its next `sequence_number`.
    run: Option<(String, u64)>,
    /// The last delegated run (`previous_response_id` of the next one).
    last_run: Option<String>,
    counter: u64,
    closed: bool,
}

impl LiveEngine {
    /// An engine playing `script`.
    pub fn new(script: Script) -> Self {
        Self {
            script,
            session: None,
            audio_bytes: 0,
            offset_ms: 0,
            pending_calls: Vec::new(),
            answered_calls: 0,
            delegation_id: None,
            run: None,
            last_run: None,
            counter: 0,
            closed: false,
        }
    }

    /// Replaces the turns still to play (connections that share one script swap it
    /// in before each frame).
    pub fn set_script(&mut self, script: Script) {
        self.script = script;
    }

    /// Takes the turns not yet played, leaving none.
    pub fn take_script(&mut self) -> Script {
        self.script.take()
    }

    /// Whether `session.closed` was sent (nothing follows it).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Function calls delegated to the client and not answered yet.
    pub fn pending_calls(&self) -> &[String] {
        &self.pending_calls
    }

    /// The session reached its `expires_at`: `session.closed` with reason `expired`.
    pub fn expire(&mut self) -> Vec<Value> {
        self.close("expired")
    }

    /// Handles one client frame; returns the server frames it causes.
    pub fn handle(&mut self, frame: &str) -> Vec<Value> {
        if self.closed {
            return Vec::new();
        }
        let Ok(Value::Object(frame)) = serde_json::from_str::<Value>(frame) else {
            return vec![self.error("invalid_json", "expected a JSON object", None, None)];
        };
        let event_type = frame
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let client_id = frame.get("event_id").and_then(Value::as_str);
        if self.session.is_none() && event_type != "session.start" {
            return vec![self.error(
                "session_not_started",
                "expected session.start first",
                None,
                client_id,
            )];
        }
        match event_type {
            "session.start" => self.start(&frame, client_id),
            "session.update" => self.update(&frame, client_id),
            "session.input_audio.append" => self.append_audio(&frame),
            "response.item.create" => self.tool_output(&frame, client_id),
            "response.create" => self.continue_run(client_id),
            "session.instructions.append"
            | "session.thinking.append"
            | "session.commentary.append" => {
                let acknowledged = event_type.replace(".append", ".appended");
                vec![self.event(
                    &acknowledged,
                    json!({"start_ms": self.offset_ms, "end_ms": self.offset_ms}),
                )]
            }
            "session.input_audio.mute" => vec![self.event("session.input_audio.muted", json!({}))],
            "session.input_audio.unmute" => {
                vec![self.event("session.input_audio.unmuted", json!({}))]
            }
            "session.close" => self.close("close_requested"),
            other => vec![self.error(
                "unknown_event",
                &format!("the emulator has no client event `{other}`"),
                Some("type"),
                client_id,
            )],
        }
    }

    fn start(&mut self, frame: &Map<String, Value>, client_id: Option<&str>) -> Vec<Value> {
        if self.session.is_some() {
            return vec![self.error(
                "session_already_started",
                "session.start was already sent",
                None,
                client_id,
            )];
        }
        let Some(Value::Object(config)) = frame.get("session") else {
            return vec![self.error(
                "missing_required_parameter",
                "expected an object `session`",
                Some("session"),
                client_id,
            )];
        };
        if let Some(key) = config
            .keys()
            .find(|key| !START_FIELDS.contains(&key.as_str()))
        {
            let param = format!("session.{key}");
            return vec![self.error(
                "unknown_parameter",
                "unknown parameter",
                Some(&param),
                client_id,
            )];
        }
        if !config.get("model").is_some_and(Value::is_string) {
            return vec![self.error(
                "missing_required_parameter",
                "expected a string `session.model`",
                Some("session.model"),
                client_id,
            )];
        }
        let mut session = Map::new();
        session.insert("id".into(), json!("live_emulated"));
        session.insert("expires_at".into(), json!(4_102_444_800_u64));
        session.extend(config.clone());
        let audio = session.entry("audio").or_insert_with(|| json!({}));
        if let Value::Object(audio) = audio {
            audio
                .entry("output")
                .or_insert_with(|| json!({"voice": "marin"}));
            audio
                .entry("format")
                .or_insert_with(|| json!({"type": "audio/pcm", "rate": 24000}));
        }
        session
            .entry("delegation")
            .or_insert_with(|| json!({"type": "client"}));
        session.insert("status".into(), json!("active"));
        self.session = Some(session.clone());
        vec![self.event("session.started", json!({"session": session}))]
    }

    fn update(&mut self, frame: &Map<String, Value>, client_id: Option<&str>) -> Vec<Value> {
        let config = frame
            .get("session")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(key) = config
            .keys()
            .find(|key| !matches!(key.as_str(), "delegation" | "triggers"))
        {
            let param = format!("session.{key}");
            return vec![self.error(
                "immutable_parameter",
                "only delegation and triggers can change after session.start",
                Some(&param),
                client_id,
            )];
        }
        let Some(session) = self.session.as_mut() else {
            return Vec::new();
        };
        for (key, value) in config {
            let value = if key == "delegation" && value.is_null() {
                json!({"type": "client"})
            } else {
                value
            };
            session.insert(key, value);
        }
        let session = session.clone();
        vec![self.event("session.updated", json!({"session": session}))]
    }

    fn append_audio(&mut self, frame: &Map<String, Value>) -> Vec<Value> {
        let encoded = frame
            .get("audio")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.audio_bytes += encoded.len() / 4 * 3;
        let mut out = Vec::new();
        while self.audio_bytes >= TURN_BYTES {
            self.audio_bytes -= TURN_BYTES;
            let start = self.offset_ms;
            self.offset_ms += 1000;
            let said = self.script.next_user_transcript();
            out.push(self.event(
                "session.input_transcript.delta",
                json!({"start_ms": start, "end_ms": self.offset_ms, "delta": said}),
            ));
            out.extend(self.play_turn());
        }
        out
    }

    fn play_turn(&mut self) -> Vec<Value> {
        match self.script.next_turn() {
            Turn::Say(text) | Turn::SayInterrupted { text, .. } => self.speak(&text),
            Turn::Call(calls) => self.delegate(
                calls
                    .into_iter()
                    .map(|call| (call.name, call.arguments))
                    .collect(),
            ),
            Turn::Emit(raw) => {
                let mut out = vec![Value::Object(raw)];
                out.extend(self.play_turn());
                out
            }
            _ => self.speak("OK."),
        }
    }

    fn speak(&mut self, text: &str) -> Vec<Value> {
        let start = self.offset_ms;
        self.offset_ms += 100;
        vec![
            json!({"type": "session.output_audio.delta", "delta": SILENCE, "start_ms": start, "end_ms": self.offset_ms}),
            self.event(
                "session.output_transcript.delta",
                json!({"start_ms": start, "end_ms": self.offset_ms, "delta": text}),
            ),
        ]
    }

    fn delegate(&mut self, calls: Vec<(String, String)>) -> Vec<Value> {
        self.counter += 1;
        let delegation_id = format!("item_delegation_{}", self.counter);
        let responses = self
            .session
            .as_ref()
            .and_then(|session| session.get("delegation"))
            .and_then(|delegation| delegation.get("type"))
            .and_then(Value::as_str)
            == Some("responses");
        let mut delegation = json!({"id": delegation_id, "type": "delegation", "target": if responses { "responses" } else { "client" }});
        self.counter += 1;
        let response_id = format!("resp_emulated_{}", self.counter);
        if responses {
            delegation["response_id"] = json!(response_id);
        }
        let mut out = vec![self.event(
            "session.delegation.created",
            json!({"offset_ms": self.offset_ms, "delegation": delegation}),
        )];
        self.delegation_id = Some(delegation_id);
        if !responses {
            return out;
        }
        out.extend(self.open_run(response_id));
        out.extend(self.calls_in_run(calls));
        out.push(self.close_run());
        out
    }

    /// `response.created` and `response.in_progress` of a new delegated run.
    fn open_run(&mut self, response_id: String) -> Vec<Value> {
        let response = json!({"id": response_id, "object": "response", "status": "in_progress",
            "output": [], "previous_response_id": self.last_run});
        self.run = Some((response_id, 0));
        vec![
            self.response_event(json!({"type": "response.created", "response": response})),
            self.response_event(json!({"type": "response.in_progress", "response": response})),
        ]
    }

    /// `response.completed` of the run in progress (recorded with `output: []`).
    fn close_run(&mut self) -> Value {
        let id = self.run.as_ref().map(|(id, _)| id.clone());
        let response = json!({"id": id, "object": "response", "status": "completed",
            "output": [], "previous_response_id": self.last_run});
        let completed =
            self.response_event(json!({"type": "response.completed", "response": response}));
        self.last_run = self.run.take().map(|(id, _)| id);
        completed
    }

    fn calls_in_run(&mut self, calls: Vec<(String, String)>) -> Vec<Value> {
        let mut out = Vec::new();
        for (index, (name, arguments)) in calls.into_iter().enumerate() {
            self.counter += 1;
            let call_id = format!("call_emulated_{}", self.counter);
            let item = json!({"id": format!("fc_emulated_{}", self.counter), "type": "function_call",
                "status": "completed", "arguments": arguments, "call_id": call_id, "name": name});
            out.push(self.response_event(
                json!({"type": "response.output_item.done", "item": item, "output_index": index}),
            ));
            self.pending_calls.push(call_id);
        }
        out
    }

    /// The run's final answer (`phase: final_answer`, as recorded), which the model
    /// speaks.
    fn answer_in_run(&mut self, text: &str) -> Vec<Value> {
        self.counter += 1;
        let item = json!({"id": format!("msg_emulated_{}", self.counter), "type": "message",
            "status": "completed", "role": "assistant", "phase": "final_answer",
            "content": [{"type": "output_text", "annotations": [], "text": text}]});
        let mut out = vec![self.response_event(
            json!({"type": "response.output_item.done", "item": item, "output_index": 0}),
        )];
        out.extend(self.speak(text));
        out
    }

    fn tool_output(&mut self, frame: &Map<String, Value>, client_id: Option<&str>) -> Vec<Value> {
        let call_id = frame
            .get("item")
            .and_then(|item| item.get("call_id"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(position) = self
            .pending_calls
            .iter()
            .position(|pending| pending == call_id)
        else {
            return vec![self.error(
                "invalid_call_id",
                "no delegated call has this call_id",
                Some("item.call_id"),
                client_id,
            )];
        };
        self.pending_calls.remove(position);
        self.answered_calls += 1;
        Vec::new()
    }

    /// `response.create` after the run's tool outputs: a new run in the same
    /// delegation plays the script's next turn.
    fn continue_run(&mut self, client_id: Option<&str>) -> Vec<Value> {
        if self.answered_calls == 0 || !self.pending_calls.is_empty() {
            return vec![self.error(
                "no_pending_run",
                "response.create continues a delegated run after all its tool outputs",
                None,
                client_id,
            )];
        }
        self.answered_calls = 0;
        self.counter += 1;
        let mut out = self.open_run(format!("resp_emulated_{}", self.counter));
        loop {
            match self.script.next_turn() {
                Turn::Call(calls) => {
                    let calls = calls
                        .into_iter()
                        .map(|call| (call.name, call.arguments))
                        .collect();
                    out.extend(self.calls_in_run(calls));
                }
                Turn::Say(text) | Turn::SayInterrupted { text, .. } => {
                    out.extend(self.answer_in_run(&text));
                }
                Turn::Emit(raw) => {
                    out.push(Value::Object(raw));
                    continue;
                }
                _ => out.extend(self.answer_in_run("OK.")),
            }
            break;
        }
        out.push(self.close_run());
        out
    }

    fn close(&mut self, reason: &str) -> Vec<Value> {
        if self.closed {
            return Vec::new();
        }
        self.closed = true;
        let session = self.session.clone().unwrap_or_default();
        let seconds = self.offset_ms as f64 / 1000.0;
        vec![self.event(
            "session.closed",
            json!({"reason": reason, "session": session, "usage": {"seconds": seconds}}),
        )]
    }

    fn response_event(&mut self, mut inner: Value) -> Value {
        if let Some((_, sequence)) = self.run.as_mut() {
            inner["sequence_number"] = json!(*sequence);
            *sequence += 1;
        }
        let delegation_id = self.delegation_id.clone();
        let mut fields = json!({"delegation_id": delegation_id});
        fields["event"] = inner;
        self.event("response.event", fields)
    }

    fn event(&mut self, event_type: &str, fields: Value) -> Value {
        self.counter += 1;
        let mut event =
            json!({"event_id": format!("event_emulated_{}", self.counter), "type": event_type});
        if let (Value::Object(event), Value::Object(fields)) = (&mut event, fields) {
            event.extend(fields);
        }
        event
    }

    fn error(
        &mut self,
        code: &str,
        message: &str,
        param: Option<&str>,
        client_id: Option<&str>,
    ) -> Value {
        let mut error = json!({"type": "invalid_request_error", "code": code, "message": message});
        if let Some(param) = param {
            error["param"] = json!(param);
        }
        let mut fields = json!({"error": error});
        if let Some(id) = client_id {
            fields["client_event_id"] = json!(id);
        }
        self.event("error", fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_strict_and_instructions_are_fixed_after_it() {
        let mut engine = LiveEngine::new(Script::new());
        let unknown = engine
            .handle(r#"{"type":"session.start","session":{"model":"gpt-live-1","temperature":1}}"#);
        assert_eq!(unknown[0]["error"]["param"], "session.temperature");
        let started = engine.handle(r#"{"type":"session.start","session":{"model":"gpt-live-1"}}"#);
        assert_eq!(started[0]["type"], "session.started");
        assert_eq!(started[0]["session"]["audio"]["output"]["voice"], "marin");
        let update = engine
            .handle(r#"{"type":"session.update","event_id":"c1","session":{"instructions":"x"}}"#);
        assert_eq!(update[0]["error"]["param"], "session.instructions");
        assert_eq!(update[0]["client_event_id"], "c1");
        let delegation =
            engine.handle(r#"{"type":"session.update","session":{"delegation":null}}"#);
        assert_eq!(delegation[0]["session"]["delegation"]["type"], "client");
    }
}
