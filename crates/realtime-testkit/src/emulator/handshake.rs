//! The WebSocket handshake as the services answer it: which dialect a request
//! selects (path, query, `OpenAI-Beta` header; DIALECTS.md §1, copied into
//! `docs/providers.md`), and the HTTP status of the requests they refuse.
//!
//! The order: an unknown path is 404 before anything is read, then credentials
//! (401), then the query (400 for a missing or unknown `api-version`, model or
//! deployment). DIALECTS.md §1 documents the 401 for `api-version` on Azure GA v1
//! (AZ-MIG, AZ-WS); for the others the protocol sources record no status or body,
//! so the answers use the status HTTP gives the condition (no such resource, no
//! valid credentials, a malformed request) and a body without emulator internals.

use super::profile::Profile;
use crate::options::Rejection;
use crate::record::RecordedRequest;

/// The `api-version`s of the Azure OpenAI preview endpoint (DIALECTS.md §1, AZ-WS,
/// AZ-SDK).
pub const AZURE_PREVIEW_VERSIONS: &[&str] =
    &["2024-10-01-preview", "2024-12-17", "2025-04-01-preview"];

/// The `api-version`s of Voice Live (DIALECTS.md §1: the azure-rest-api-specs
/// folder list, VL-V1), each with the dialect name its profile and recordings carry.
/// The one list of Voice Live versions in the emulator: the handshake accepts these,
/// and [`Profile::for_dialect`] knows these names.
pub const VOICELIVE_VERSIONS: &[(&str, &str)] = &[
    ("2025-10-01", "voicelive-2025-10-01"),
    ("2026-01-01-preview", "voicelive-2026-01-01-preview"),
    ("2026-04-10", "voicelive-2026-04-10"),
    ("2026-06-01-preview", "voicelive-2026-06-01-preview"),
    ("2026-07-15", "voicelive-2026-07-15"),
    ("2026-07-31-preview", "voicelive-2026-07-31-preview"),
    ("v1", "voicelive-v1"),
];

/// The paths the emulator serves, one per endpoint family.
pub const PATHS: &[&str] = &[
    "/v1/realtime",
    "/openai/realtime",
    "/openai/v1/realtime",
    "/voice-live/realtime",
];

/// The GPT-Live WebSocket paths (`fixtures/openai-live/live.condensed.json`,
/// `transport`): OpenAI's `/v1/live/sessions`, Azure Foundry's documented
/// `/openai/v1/live`, and the OpenAI SDK's spelling on the Azure base,
/// `/openai/v1/live/sessions`.
pub const LIVE_PATHS: &[&str] = &[
    "/v1/live/sessions",
    "/openai/v1/live",
    "/openai/v1/live/sessions",
];

/// The GPT-Live dialect a handshake request selects (`openai-live` or
/// `azure-openai-live`), `None` when its path is not a GPT-Live one. Both take the
/// key as a Bearer token only (the model is named in `session.start`, never in the
/// URL).
///
/// # Errors
/// 401 for missing or wrong credentials.
pub fn route_live(
    request: &RecordedRequest,
    accepts: &dyn Fn(&str) -> bool,
) -> Option<Result<&'static str, Rejection>> {
    let path = request
        .path_and_query
        .split_once('?')
        .map_or(request.path_and_query.as_str(), |(path, _)| path)
        .trim_end_matches('/');
    let dialect = match path {
        "/v1/live/sessions" => "openai-live",
        "/openai/v1/live" | "/openai/v1/live/sessions" => "azure-openai-live",
        _ => return None,
    };
    let credentials = Credentials {
        bearer_header: true,
        api_key_header: false,
        api_key_query: false,
        bearer_query: false,
    };
    Some(authorize(request, credentials, accepts).map(|()| dialect))
}

/// Where a key may come from on an endpoint.
#[derive(Debug, Clone, Copy)]
pub(super) struct Credentials {
    /// `Authorization: Bearer <key>`.
    pub(super) bearer_header: bool,
    /// `api-key: <key>`.
    pub(super) api_key_header: bool,
    /// `?api-key=<key>`.
    pub(super) api_key_query: bool,
    /// `?Authorization=Bearer <key>` (Voice Live dated versions).
    pub(super) bearer_query: bool,
}

/// The profile a handshake request selects, or the HTTP answer that refuses it.
/// `key`: the one accepted key; `None` accepts any non-empty key.
///
/// # Errors
/// The [`Rejection`] the service answers with: 404 for an unknown path, 401 for
/// missing or wrong credentials (and `api-version` on Azure GA v1), 400 for a
/// missing or unknown `api-version`, model or deployment.
pub fn route(request: &RecordedRequest, key: Option<&str>) -> Result<Profile, Rejection> {
    route_with(request, &|candidate: &str| {
        key.is_none_or(|key| key == candidate)
    })
}

/// Like [`route`], with the accepted keys decided by `accepts` (a fixed key, and the
/// ephemeral keys the emulator minted).
///
/// # Errors
/// As [`route`].
pub fn route_with(
    request: &RecordedRequest,
    accepts: &dyn Fn(&str) -> bool,
) -> Result<Profile, Rejection> {
    let path = request
        .path_and_query
        .split_once('?')
        .map_or(request.path_and_query.as_str(), |(path, _)| path)
        .trim_end_matches('/');
    let query = |name: &str| request.query_param(name).filter(|value| !value.is_empty());
    match path {
        // DIALECTS.md §1, GA and Beta columns: one URL; the `OpenAI-Beta:
        // realtime=v1` header selects beta. Auth: Bearer only. `call_id` joins a
        // WebRTC call instead of naming a model (RTC `sideband_ws`).
        "/v1/realtime" => {
            let credentials = Credentials {
                bearer_header: true,
                api_key_header: false,
                api_key_query: false,
                bearer_query: false,
            };
            authorize(request, credentials, accepts)?;
            require_model(query("model").or(query("call_id")), "model")?;
            let beta = request
                .header("openai-beta")
                .is_some_and(|value| value.contains("realtime=v1"));
            Ok(if beta {
                Profile::openai_beta()
            } else {
                Profile::openai_ga()
            })
        }
        // DIALECTS.md §1, AZ-preview column: `api-version=V&deployment=D`; key in the
        // `api-key` header or query, or an Entra Bearer token.
        "/openai/realtime" => {
            let credentials = Credentials {
                bearer_header: true,
                api_key_header: true,
                api_key_query: true,
                bearer_query: false,
            };
            authorize(request, credentials, accepts)?;
            let version = require_version(query("api-version"), AZURE_PREVIEW_VERSIONS)?;
            require_model(query("deployment"), "deployment")?;
            Ok(Profile::azure_openai_preview_at(version))
        }
        // DIALECTS.md §1, AZ GA v1 column: `model=D`, no `api-version`, "and sending
        // it returns 401" (AZ-MIG, AZ-WS). Key in the `api-key` header or Bearer.
        "/openai/v1/realtime" => {
            if request.query_param("api-version").is_some() {
                return Err(refusal(
                    401,
                    "api_version_not_allowed",
                    "The v1 API does not take an api-version query parameter.",
                ));
            }
            let credentials = Credentials {
                bearer_header: true,
                api_key_header: true,
                api_key_query: false,
                bearer_query: false,
            };
            authorize(request, credentials, accepts)?;
            require_model(query("model").or(query("call_id")), "model")?;
            Ok(Profile::azure_openai_ga_v1())
        }
        // DIALECTS.md §1, Voice Live column: `api-version=V&model=M` (or agent mode's
        // `agent-name` + `agent-project-name`). Key in the `api-key` header or query,
        // Bearer header, or `Authorization=Bearer` query; `v1` is header-only (VL-V1).
        "/voice-live/realtime" => {
            let version = query("api-version");
            let v1 = version == Some("v1");
            let credentials = Credentials {
                bearer_header: true,
                api_key_header: true,
                api_key_query: !v1,
                bearer_query: !v1,
            };
            authorize(request, credentials, accepts)?;
            let known: Vec<&str> = VOICELIVE_VERSIONS.iter().map(|(v, _)| *v).collect();
            let version = require_version(version, &known)?;
            let agent = query("agent-name").is_some() && query("agent-project-name").is_some();
            if !agent {
                require_model(query("model"), "model")?;
            }
            Ok(if v1 {
                Profile::voicelive_v1()
            } else {
                Profile::voicelive_at(version)
            })
        }
        // No such endpoint: 404 before anything else is looked at.
        _ => Err(refusal(404, "not_found", "Resource not found.")),
    }
}

/// 401 unless the request carries an accepted key in a place the endpoint reads.
pub(super) fn authorize(
    request: &RecordedRequest,
    credentials: Credentials,
    accepts: &dyn Fn(&str) -> bool,
) -> Result<(), Rejection> {
    let bearer = |value: &str| {
        value
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_owned())
    };
    let mut offered: Vec<String> = Vec::new();
    if credentials.bearer_header
        && let Some(token) = request.header("authorization").and_then(bearer)
    {
        offered.push(token);
    }
    if credentials.api_key_header
        && let Some(value) = request.header("api-key")
    {
        offered.push(value.trim().to_owned());
    }
    if credentials.api_key_query
        && let Some(value) = request.query_param("api-key")
    {
        offered.push(percent_decode(value));
    }
    if credentials.bearer_query
        && let Some(token) = request
            .query_param("Authorization")
            .map(percent_decode)
            .as_deref()
            .and_then(bearer)
    {
        offered.push(token);
    }
    // DIALECTS.md §1: browsers, which cannot set headers, offer the key as the
    // subprotocol `openai-insecure-api-key.<key>` (AZ-SDK).
    if credentials.bearer_header
        && let Some(protocols) = request.header("sec-websocket-protocol")
    {
        offered.extend(
            protocols
                .split(',')
                .filter_map(|protocol| protocol.trim().strip_prefix("openai-insecure-api-key."))
                .map(str::to_owned),
        );
    }
    offered.retain(|candidate| !candidate.is_empty());
    if offered.is_empty() {
        return Err(refusal(
            401,
            "missing_credentials",
            "Access denied due to missing credentials.",
        ));
    }
    if offered.iter().any(|candidate| accepts(candidate)) {
        Ok(())
    } else {
        Err(refusal(
            401,
            "invalid_api_key",
            "Access denied due to an invalid key.",
        ))
    }
}

pub(super) fn require_version<'a>(
    version: Option<&'a str>,
    known: &[&str],
) -> Result<&'a str, Rejection> {
    match version {
        None => Err(refusal(
            400,
            "missing_api_version",
            "The api-version query parameter is required.",
        )),
        Some(version) if known.contains(&version) => Ok(version),
        Some(_) => Err(refusal(
            400,
            "unsupported_api_version",
            "The api-version is not supported.",
        )),
    }
}

fn require_model(value: Option<&str>, name: &str) -> Result<(), Rejection> {
    match value {
        Some(_) => Ok(()),
        None => Err(refusal(
            400,
            "missing_required_parameter",
            &format!("Missing required parameter: '{name}'."),
        )),
    }
}

/// A refusal with the services' JSON error body.
pub(super) fn refusal(status: u16, code: &str, message: &str) -> Rejection {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    Rejection::json(status, body.to_string())
}

/// `%XX` escapes and `+` decoded (query values).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        index += 3;
                    }
                    None => {
                        out.push(b'%');
                        index += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
