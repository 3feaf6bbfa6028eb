//! The Voice Live resource endpoint and the WebSocket URL built from it.

use crate::error::ConfigError;

const EXPECTED: &str = "https://<resource>.services.ai.azure.com (or .cognitiveservices.azure.com); \
     http, https, ws and wss are accepted, with no query and no path other than /voice-live/realtime";

/// The path of the realtime route (`DIALECTS.md` §1; VL-26 `endpoint.url`).
const PATH: &str = "/voice-live/realtime";

/// A parsed endpoint: scheme security, host (and port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    secure: bool,
    authority: String,
}

impl Endpoint {
    /// Parses `https://R.services.ai.azure.com` and its variants.
    pub(crate) fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        let invalid = || ConfigError::InvalidEndpoint {
            expected: EXPECTED,
            // Never echo a query string: it may carry a key.
            found: text.split(['?', '#']).next().unwrap_or_default().to_owned(),
        };
        if text.is_empty() {
            return Err(ConfigError::MissingEndpoint);
        }
        let (secure, rest) = [
            ("https://", true),
            ("wss://", true),
            ("http://", false),
            ("ws://", false),
        ]
        .into_iter()
        .find_map(|(scheme, secure)| {
            text.get(..scheme.len())
                .filter(|prefix| prefix.eq_ignore_ascii_case(scheme))
                .and_then(|_| text.get(scheme.len()..))
                .map(|rest| (secure, rest))
        })
        .ok_or_else(invalid)?;
        if rest.contains(['?', '#', '@']) {
            return Err(invalid());
        }
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let path = path.trim_end_matches('/');
        if !(path.is_empty() || format!("/{path}") == PATH) {
            return Err(invalid());
        }
        let valid_authority = !authority.is_empty()
            && authority.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        if !valid_authority {
            return Err(invalid());
        }
        Ok(Self {
            secure,
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// The host (and port).
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// Whether the host is the legacy `*.cognitiveservices.azure.com`.
    pub(crate) fn is_legacy(&self) -> bool {
        self.authority
            .split(':')
            .next()
            .is_some_and(|host| host.ends_with(".cognitiveservices.azure.com"))
    }

    /// `wss://host/voice-live/realtime` (`ws://` for a plain-HTTP endpoint).
    pub(crate) fn websocket_base(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}{PATH}", self.authority)
    }
}

pub(crate) use realtime_core::transport::percent_encode as encode_query_value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() -> Result<(), ConfigError> {
        for (text, base, legacy) in [
            (
                "https://res.services.ai.azure.com",
                "wss://res.services.ai.azure.com/voice-live/realtime",
                false,
            ),
            (
                "https://res.services.ai.azure.com/",
                "wss://res.services.ai.azure.com/voice-live/realtime",
                false,
            ),
            (
                "wss://res.services.ai.azure.com/voice-live/realtime",
                "wss://res.services.ai.azure.com/voice-live/realtime",
                false,
            ),
            (
                "HTTPS://Res.CognitiveServices.Azure.com",
                "wss://res.cognitiveservices.azure.com/voice-live/realtime",
                true,
            ),
            (
                "http://127.0.0.1:8080",
                "ws://127.0.0.1:8080/voice-live/realtime",
                false,
            ),
            (
                "ws://localhost:9000/",
                "ws://localhost:9000/voice-live/realtime",
                false,
            ),
        ] {
            let endpoint = Endpoint::parse(text)?;
            assert_eq!(endpoint.websocket_base(), base, "{text}");
            assert_eq!(endpoint.is_legacy(), legacy, "{text}");
        }
        Ok(())
    }

    #[test]
    fn refuses_other_forms_without_echoing_queries() {
        assert_eq!(Endpoint::parse("  "), Err(ConfigError::MissingEndpoint));
        for text in [
            "res.services.ai.azure.com",
            "ftp://res.services.ai.azure.com",
            "https://",
            "https://res.services.ai.azure.com/openai/realtime",
            "https://user@res.services.ai.azure.com",
        ] {
            assert!(
                matches!(
                    Endpoint::parse(text),
                    Err(ConfigError::InvalidEndpoint { .. })
                ),
                "{text}"
            );
        }
        let error = Endpoint::parse("https://res.services.ai.azure.com?api-key=sekrit");
        assert!(
            matches!(&error, Err(ConfigError::InvalidEndpoint { found, .. }) if !found.contains("sekrit"))
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("gpt-realtime"), "gpt-realtime");
        assert_eq!(encode_query_value("my agent&x=1"), "my%20agent%26x%3D1");
    }
}
