//! URL helpers: the WebSocket and REST endpoints derived from one base, and
//! percent-encoding of query values and path segments.

use reqwest::Url;

use crate::error::ConfigError;

/// The OpenAI endpoints this crate talks to, derived from one base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// The realtime WebSocket URL without query, e.g. `wss://api.openai.com/v1/realtime`.
    pub(crate) websocket: String,
    /// The REST base, e.g. `https://api.openai.com/v1`.
    pub(crate) rest: String,
}

const EXPECTED_BASE: &str = "a ws(s):// URL ending in `/realtime` (e.g. \
     wss://api.openai.com/v1/realtime) or an http(s):// API base (e.g. https://api.openai.com/v1), \
     without query or fragment";

impl Endpoints {
    /// Derives both endpoints from `base`: a `ws(s)://…/realtime` URL gives the REST
    /// base by swapping the scheme and dropping `/realtime`; an `http(s)://` API base
    /// (what `OPENAI_BASE_URL` holds for the OpenAI SDKs) gives the WebSocket URL by
    /// swapping the scheme and appending `/realtime`.
    pub(crate) fn from_base(field: &'static str, base: &str) -> Result<Self, ConfigError> {
        let invalid = || ConfigError::Invalid {
            field: field.into(),
            expected: EXPECTED_BASE.into(),
            found: base.to_owned(),
        };
        let url = Url::parse(base.trim()).map_err(|_| invalid())?;
        if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
            return Err(invalid());
        }
        let scheme = url.scheme();
        let rest_of_url = url
            .as_str()
            .strip_prefix(scheme)
            .and_then(|rest| rest.strip_prefix("://"))
            .ok_or_else(invalid)?
            .trim_end_matches('/');
        match scheme {
            "ws" | "wss" => {
                let api = rest_of_url.strip_suffix("/realtime").ok_or_else(invalid)?;
                let http = if scheme == "ws" { "http" } else { "https" };
                Ok(Self {
                    websocket: format!("{scheme}://{rest_of_url}"),
                    rest: format!("{http}://{api}"),
                })
            }
            "http" | "https" => {
                let ws = if scheme == "http" { "ws" } else { "wss" };
                Ok(Self {
                    websocket: format!("{ws}://{rest_of_url}/realtime"),
                    rest: format!("{scheme}://{rest_of_url}"),
                })
            }
            _ => Err(invalid()),
        }
    }
}

pub(crate) use realtime_core::transport::percent_encode;

#[cfg(test)]
mod tests {
    use super::{Endpoints, percent_encode};

    #[test]
    fn websocket_and_http_bases_give_both_endpoints() {
        for base in [
            "wss://api.openai.com/v1/realtime",
            "wss://api.openai.com/v1/realtime/",
            "https://api.openai.com/v1",
            "https://api.openai.com/v1/",
        ] {
            assert_eq!(
                Endpoints::from_base("base_url", base),
                Ok(Endpoints {
                    websocket: "wss://api.openai.com/v1/realtime".to_owned(),
                    rest: "https://api.openai.com/v1".to_owned(),
                }),
                "{base}"
            );
        }
        assert_eq!(
            Endpoints::from_base("base_url", "http://127.0.0.1:8080"),
            Ok(Endpoints {
                websocket: "ws://127.0.0.1:8080/realtime".to_owned(),
                rest: "http://127.0.0.1:8080".to_owned(),
            })
        );
    }

    #[test]
    fn unusable_bases_are_typed_errors() {
        for base in [
            "",
            "not a url",
            "ftp://example.com/v1",
            "wss://api.openai.com/v1",
            "https://api.openai.com/v1?x=1",
            "https://api.openai.com/v1#frag",
        ] {
            let error = Endpoints::from_base("base_url", base)
                .err()
                .map(|e| e.to_string());
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.contains("invalid `base_url`")),
                "{base}: {error:?}"
            );
        }
    }

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(percent_encode("gpt-realtime_1.5~x"), "gpt-realtime_1.5~x");
        assert_eq!(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
