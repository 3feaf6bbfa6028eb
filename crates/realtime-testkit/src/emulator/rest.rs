//! The REST endpoints beside the realtime socket: ephemeral client secrets and
//! WebRTC calls, with the request and answer shapes of the recorded HTTP cassettes
//! (`fixtures/{openai-ga,azure-openai}/recorded/…/test_webrtc_sideband_text_turn.yaml`)
//! and the services' docs as DIALECTS.md's "WebRTC + ephemeral" row sums them up
//! (RTC): Azure GA `client_secrets` without `api-version`, the Azure preview's
//! `realtimeapi/sessions` with `client_secret.value`, `calls` answering 201 with a
//! `Location` that has no `/openai` prefix.
//!
//! `calls` starts a call ([`super::call`]): one emulated session, holding the session
//! minted into the ephemeral key that posted the offer, which the browser's data
//! channel and every sideband socket attached by `?call_id=` share. With the
//! `webrtc` feature a real peer answers the offer (ICE, DTLS, the `oai-events`
//! channel, Opus audio; an offer it cannot read is refused with 400); without it,
//! the answer is a minimal SDP and only sideband sockets take part.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use std::sync::Arc;

use super::call::{CallHandle, Calls, MAX_CALLS};
use super::engine::{Engine, Pace};
use super::handshake::{Credentials, authorize, refusal, require_version};
use super::profile::Profile;
use super::script::Script;
use crate::http::{HttpRequest, HttpResponse};

/// How many minted ephemeral keys are remembered (the oldest is forgotten first).
const MINTED_KEYS: usize = 1024;
/// How long a minted key lives, unless the request says (RTC: default 600 s).
const DEFAULT_LIFETIME_SECONDS: u64 = 600;
/// The `api-version`s of the Azure preview sessions endpoint (RTC `azure_preview`).
const PREVIEW_SESSION_VERSIONS: &[&str] = &["2025-04-01-preview"];

/// The REST side of the emulator: what it minted, and the answers.
#[derive(Debug)]
pub(super) struct Rest {
    key: Option<String>,
    /// Each minted key with the session minted into it.
    minted: Mutex<VecDeque<(String, Map<String, Value>)>>,
    counter: Mutex<u64>,
    calls: Arc<Calls>,
    script: Arc<Mutex<Script>>,
    pace: Pace,
}

impl Rest {
    /// The REST side; calls play `script` (shared with the sockets) at `pace`.
    pub(super) fn new(key: Option<String>, script: Arc<Mutex<Script>>, pace: Pace) -> Self {
        Self {
            key,
            minted: Mutex::new(VecDeque::new()),
            counter: Mutex::new(0),
            calls: Arc::new(Calls::default()),
            script,
            pace,
        }
    }

    /// The live call named `call_id`.
    pub(super) fn call_named(&self, call_id: &str) -> Option<CallHandle> {
        self.calls.get(call_id)
    }

    /// Whether `candidate` opens a connection: the fixed key (any non-empty key
    /// without one), or an ephemeral key minted here.
    pub(super) fn accepts(&self, candidate: &str) -> bool {
        let fixed = self.key.as_deref().is_none_or(|key| key == candidate);
        fixed
            || self
                .minted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .any(|(minted, _)| minted == candidate)
    }

    fn next(&self) -> u64 {
        let mut counter = self
            .counter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counter += 1;
        *counter
    }

    fn mint(&self, session: &Map<String, Value>) -> String {
        let value = format!("ek_emu{:08}", self.next());
        let mut minted = self
            .minted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if minted.len() >= MINTED_KEYS {
            minted.pop_front();
        }
        minted.push_back((value.clone(), session.clone()));
        value
    }

    /// The session minted into `key`, if it is an ephemeral key minted here.
    fn minted_session(&self, key: &str) -> Option<Map<String, Value>> {
        self.minted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(minted, _)| minted == key)
            .map(|(_, session)| session.clone())
    }

    /// The answer to one REST request.
    pub(super) fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let path = request
            .head
            .path_and_query
            .split_once('?')
            .map_or(request.head.path_and_query.as_str(), |(path, _)| path)
            .trim_end_matches('/')
            .to_owned();
        let accepts = |candidate: &str| self.accepts(candidate);
        let openai = Credentials {
            bearer_header: true,
            api_key_header: false,
            api_key_query: false,
            bearer_query: false,
        };
        let azure = Credentials {
            bearer_header: true,
            api_key_header: true,
            api_key_query: false,
            bearer_query: false,
        };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (credentials, route) = match segments[..] {
            ["v1", "realtime", "client_secrets"] => (openai, Route::ClientSecret),
            ["openai", "v1", "realtime", "client_secrets"] => (azure, Route::ClientSecret),
            ["openai", "realtimeapi", "sessions"] => (azure, Route::PreviewSession),
            ["v1", "realtime", "calls"] => (openai, Route::Call(Box::new(Profile::openai_ga()))),
            ["openai", "v1", "realtime", "calls"] => {
                (azure, Route::Call(Box::new(Profile::azure_openai_ga_v1())))
            }
            ["v1", "realtime", "calls", call_id, action] => {
                (openai, Route::CallAction(call_id, action))
            }
            ["openai", "v1", "realtime", "calls", call_id, action] => {
                (azure, Route::CallAction(call_id, action))
            }
            _ => return rejection(refusal(404, "not_found", "Resource not found.")),
        };
        if request.method != "POST" {
            return HttpResponse::json(
                405,
                &json!({"error": {"code": "method_not_allowed", "message": "Use POST."}}),
            );
        }
        if let Err(refused) = authorize(&request.head, credentials, &accepts) {
            return rejection(refused);
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        match route {
            Route::ClientSecret => self.client_secret(&body),
            Route::PreviewSession => {
                match require_version(
                    request.head.query_param("api-version"),
                    PREVIEW_SESSION_VERSIONS,
                ) {
                    Ok(_) => self.preview_session(&body),
                    Err(refused) => rejection(refused),
                }
            }
            Route::Call(profile) => self.call(request, *profile),
            Route::CallAction(call_id, action) => match action {
                "hangup" => {
                    if let Some(call) = self.calls.get(call_id) {
                        let _ = call.try_send(super::call::CallInput::Hangup);
                    }
                    HttpResponse::json(200, &json!({}))
                }
                "accept" | "refer" | "reject" => HttpResponse::json(200, &json!({})),
                _ => rejection(refusal(404, "not_found", "Resource not found.")),
            },
        }
    }

    /// RTC `client_secrets`: `{value: "ek_…", expires_at, session}`, the session the
    /// full GA session with the request's settings.
    fn client_secret(&self, body: &Value) -> HttpResponse {
        let requested = body.get("session").and_then(Value::as_object);
        if requested.is_some_and(|session| !session.contains_key("type")) {
            // S-GA: `session.type` is required.
            return rejection(refusal(
                400,
                "missing_required_parameter",
                "Missing required parameter: 'session.type'.",
            ));
        }
        let seconds = body
            .pointer("/expires_after/seconds")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_LIFETIME_SECONDS);
        let mut session = Profile::openai_ga().initial_session;
        if let Some(requested) = requested {
            merge(&mut session, requested);
        }
        session.insert(
            "id".to_owned(),
            Value::from(format!("sess_emu{:08}", self.next())),
        );
        let value = self.mint(&session);
        HttpResponse::json(
            200,
            &json!({"value": value, "expires_at": now() + seconds, "session": session}),
        )
    }

    /// RTC `azure_preview.sessions`: the beta session with `client_secret.value`
    /// (valid for one minute).
    fn preview_session(&self, body: &Value) -> HttpResponse {
        let mut session = Profile::azure_openai_preview().initial_session;
        if let Some(requested) = body.as_object() {
            merge(&mut session, requested);
        }
        session.insert(
            "id".to_owned(),
            Value::from(format!("sess_emu{:08}", self.next())),
        );
        let value = self.mint(&session);
        session.insert(
            "client_secret".to_owned(),
            json!({"value": value, "expires_at": now() + 60}),
        );
        HttpResponse::json(200, &Value::Object(session))
    }

    /// RTC `calls`: 201, the SDP answer as text, `Location: /v1/realtime/calls/rtc_…`
    /// (without the `/openai` prefix, on Azure too). The call's session is the one
    /// minted into the ephemeral key that posted the offer (with a standard key, the
    /// profile's own).
    fn call(&self, request: &HttpRequest, mut profile: Profile) -> HttpResponse {
        let body = String::from_utf8_lossy(&request.body);
        // The browser posts the SDP (`application/sdp`); the SDKs post
        // `multipart/form-data` with an `sdp` part and an optional `session` part.
        let (offer, session) = match request
            .head
            .header("content-type")
            .and_then(|value| value.split_once("boundary="))
        {
            Some((_, boundary)) => {
                let parts = form_parts(&body, boundary.trim_matches('"'));
                let part = |name: &str| {
                    parts
                        .iter()
                        .find(|(part, _)| *part == name)
                        .map(|(_, value)| *value)
                };
                let session = part("session")
                    .and_then(|json| serde_json::from_str::<Map<String, Value>>(json).ok());
                (part("sdp").unwrap_or_default().to_owned(), session)
            }
            None => (body.into_owned(), None),
        };
        if !offer.trim_start().starts_with("v=0") {
            return rejection(refusal(
                400,
                "invalid_offer",
                "The request must carry an SDP offer (application/sdp, or a multipart `sdp` part).",
            ));
        }
        if let Some(session) = &session {
            merge(&mut profile.initial_session, session);
        }
        let key = request
            .head
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .or_else(|| request.head.header("api-key"));
        if let Some(session) = key.and_then(|key| self.minted_session(key)) {
            merge(&mut profile.initial_session, &session);
        }
        let engine = Engine::new(profile, Script::new()).with_pace(self.pace);
        let call_id = format!("rtc_emu{:08}", self.next());
        let answer = match self.start_call(&call_id, engine, &offer) {
            Ok(answer) => answer,
            Err(refused) => return refused,
        };
        HttpResponse {
            status: 201,
            headers: Vec::new(),
            body: answer.into_bytes(),
        }
        // As recorded (REC-OAI, REC-AZ): the answer is `text/plain`.
        .header("Content-Type", "text/plain; charset=utf-8")
        .header("Location", format!("/v1/realtime/calls/{call_id}"))
        .header("Access-Control-Expose-Headers", "Location,X-Request-Id")
    }

    /// A call with a WebRTC peer answering `offer`.
    #[cfg(feature = "webrtc")]
    fn start_call(
        &self,
        call_id: &str,
        engine: Engine,
        offer: &str,
    ) -> Result<String, HttpResponse> {
        let (answer, peer) = super::webrtc::answer(offer).map_err(|error| {
            rejection(refusal(
                400,
                "invalid_offer",
                &format!("Invalid SDP offer: {error}."),
            ))
        })?;
        let (media, commands) = tokio::sync::mpsc::channel(MEDIA_BACKLOG);
        let call = self
            .calls
            .start(
                call_id.to_owned(),
                engine,
                Arc::clone(&self.script),
                Some(media),
            )
            .ok_or_else(too_many_calls)?;
        tokio::spawn(peer.run(call, commands));
        Ok(answer)
    }

    /// A call without media (the `webrtc` feature is off): sideband sockets only.
    #[cfg(not(feature = "webrtc"))]
    fn start_call(
        &self,
        call_id: &str,
        engine: Engine,
        _offer: &str,
    ) -> Result<String, HttpResponse> {
        self.calls
            .start(call_id.to_owned(), engine, Arc::clone(&self.script), None)
            .ok_or_else(too_many_calls)?;
        Ok("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n".to_owned())
    }
}

/// Media commands waiting for the peer.
#[cfg(feature = "webrtc")]
const MEDIA_BACKLOG: usize = 4096;

fn too_many_calls() -> HttpResponse {
    rejection(refusal(
        429,
        "too_many_calls",
        &format!("The emulator holds at most {MAX_CALLS} live calls."),
    ))
}

/// Which endpoint a request is for.
enum Route<'a> {
    ClientSecret,
    PreviewSession,
    Call(Box<Profile>),
    CallAction(&'a str, &'a str),
}

fn rejection(rejection: crate::Rejection) -> HttpResponse {
    HttpResponse {
        status: rejection.status,
        headers: vec![("Content-Type".to_owned(), rejection.content_type)],
        body: rejection.body.into_bytes(),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The `(name, value)` parts of a `multipart/form-data` body.
fn form_parts<'a>(body: &'a str, boundary: &str) -> Vec<(&'a str, &'a str)> {
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let (head, value) = part.split_once("\r\n\r\n")?;
            let name = head
                .split("name=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())?;
            Some((name, value.strip_suffix("\r\n").unwrap_or(value)))
        })
        .collect()
}

/// Objects merge, the rest replaces.
fn merge(target: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        match (target.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => merge(mine, theirs),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
