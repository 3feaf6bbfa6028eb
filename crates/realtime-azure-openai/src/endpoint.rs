//! The resource endpoint and the realtime URLs built from it.

use std::fmt;
use std::str::FromStr;

use crate::api_version::ApiVersion;
use crate::error::ConfigError;

const EXPECTED: &str = "the resource endpoint, e.g. `https://my-resource.openai.azure.com` (https, wss, or http/ws for a local emulator)";

/// Which Azure OpenAI realtime endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Endpoint {
    /// GA v1: `wss://R.openai.azure.com/openai/v1/realtime?model=<deployment>`, the
    /// OpenAI GA wire shape. No `api-version` (sending one is answered 401) and no
    /// `OpenAI-Beta` header (DIALECTS §1, AZ-MIG).
    #[default]
    GaV1,
    /// A dated preview: `wss://R.openai.azure.com/openai/realtime?api-version=V&deployment=D`,
    /// the OpenAI beta wire shape (DIALECTS §1, AZ-WS).
    Preview(ApiVersion),
}

/// An Azure OpenAI resource endpoint, parsed: `https://R.openai.azure.com` or
/// `wss://R.openai.azure.com`.
///
/// `https` becomes `wss`; `http` and `ws` are kept insecure for a local emulator or
/// proxy. A trailing `/openai` or `/openai/v1` (the OpenAI SDK base URL) is removed;
/// any other path is kept as a prefix (for a gateway in front of the resource). A
/// query or fragment is refused: the connector writes the query itself.
///
/// ```
/// use realtime_azure_openai::{Endpoint, ResourceEndpoint};
///
/// let endpoint: ResourceEndpoint = "https://my-resource.openai.azure.com/".parse()?;
/// assert_eq!(
///     endpoint.realtime_url(Endpoint::GaV1, "gpt-realtime"),
///     "wss://my-resource.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
/// );
/// # Ok::<(), realtime_azure_openai::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceEndpoint {
    secure: bool,
    authority: String,
    base_path: String,
}

impl ResourceEndpoint {
    /// The host (and port, if any).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Whether the connection uses TLS (`wss`).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The WebSocket URL of `endpoint` for `deployment`.
    pub fn realtime_url(&self, endpoint: Endpoint, deployment: &str) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        let deployment = percent_encode(deployment);
        let base = format!("{scheme}://{}{}", self.authority, self.base_path);
        match endpoint {
            Endpoint::GaV1 => format!("{base}/openai/v1/realtime?model={deployment}"),
            Endpoint::Preview(version) => format!(
                "{base}/openai/realtime?api-version={}&deployment={deployment}",
                version.as_str()
            ),
        }
    }
}

impl fmt::Display for ResourceEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority, self.base_path)
    }
}

impl FromStr for ResourceEndpoint {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        // Never echo a query: it may carry `api-key=`.
        let shown = match text.find(['?', '#']) {
            Some(at) => format!("{}?…", &text[..at]),
            None => text.to_owned(),
        };
        let invalid = || ConfigError::InvalidEndpoint {
            found: shown.clone(),
            expected: EXPECTED,
        };
        let (scheme, rest) = text.split_once("://").ok_or_else(invalid)?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "https" | "wss" => true,
            "http" | "ws" => false,
            _ => return Err(invalid()),
        };
        if rest.contains(['?', '#']) {
            return Err(invalid());
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        let authority_ok = !authority.is_empty()
            && !authority.contains('@')
            && !authority.chars().any(char::is_whitespace);
        if !authority_ok || path.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let mut base_path = path.trim_end_matches('/');
        for suffix in ["/openai/v1", "/openai"] {
            if let Some(prefix) = base_path.strip_suffix(suffix) {
                base_path = prefix;
                break;
            }
        }
        Ok(Self {
            secure,
            authority: authority.to_ascii_lowercase(),
            base_path: base_path.to_owned(),
        })
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Endpoint, ResourceEndpoint};
    use crate::api_version::ApiVersion;
    use crate::error::ConfigError;

    fn parse(text: &str) -> Result<ResourceEndpoint, ConfigError> {
        text.parse()
    }

    #[test]
    fn ga_v1_url_has_model_and_no_api_version() -> Result<(), ConfigError> {
        for text in [
            "https://res.openai.azure.com",
            "https://res.openai.azure.com/",
            "wss://res.openai.azure.com",
            "HTTPS://Res.OpenAI.Azure.com/openai/v1/",
            "https://res.openai.azure.com/openai",
        ] {
            let url = parse(text)?.realtime_url(Endpoint::GaV1, "gpt-realtime");
            assert_eq!(
                url, "wss://res.openai.azure.com/openai/v1/realtime?model=gpt-realtime",
                "{text}"
            );
            assert!(!url.contains("api-version"));
        }
        Ok(())
    }

    #[test]
    fn preview_url_has_api_version_and_deployment() -> Result<(), ConfigError> {
        let endpoint = parse("https://res.openai.azure.com")?;
        let expected = [
            "wss://res.openai.azure.com/openai/realtime?api-version=2024-10-01-preview&deployment=gpt-4o-realtime-preview",
            "wss://res.openai.azure.com/openai/realtime?api-version=2024-12-17&deployment=gpt-4o-realtime-preview",
            "wss://res.openai.azure.com/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview",
        ];
        for (version, want) in ApiVersion::ALL.into_iter().zip(expected) {
            assert_eq!(
                endpoint.realtime_url(Endpoint::Preview(version), "gpt-4o-realtime-preview"),
                want
            );
        }
        Ok(())
    }

    #[test]
    fn local_and_gateway_endpoints() -> Result<(), ConfigError> {
        assert_eq!(
            parse("http://127.0.0.1:8080")?.realtime_url(Endpoint::GaV1, "d"),
            "ws://127.0.0.1:8080/openai/v1/realtime?model=d"
        );
        assert_eq!(
            parse("https://gw.example.com/aoai/")?.realtime_url(Endpoint::GaV1, "my deployment/x"),
            "wss://gw.example.com/aoai/openai/v1/realtime?model=my%20deployment%2Fx"
        );
        Ok(())
    }

    #[test]
    fn refuses_what_it_cannot_use_without_echoing_a_query() {
        for text in [
            "res.openai.azure.com",
            "ftp://res.openai.azure.com",
            "https://",
            "https://user@res.openai.azure.com",
            "https://res.openai.azure.com/openai/realtime?api-version=2024-10-01-preview&api-key=SECRETKEY",
        ] {
            match parse(text) {
                Err(ConfigError::InvalidEndpoint { found, .. }) => {
                    assert!(!found.contains("SECRETKEY"), "{found}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
