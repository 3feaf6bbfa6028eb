//! [`Scrubber`]: removes a connection's secrets from text that came from the server.
//!
//! An HTTP error body can echo the request (an echoing proxy, a debug page), so it
//! may hold the `Authorization` or `api-key` value, whole, cut, base64-encoded or
//! percent-encoded. Before such text goes into an error, every known form of every
//! secret is replaced, then every run of [`MIN_PARTIAL`] or more characters that
//! also occurs inside a secret, then the values of credential-looking headers.

use super::request::{ConnectRequest, secret_query_values};

/// What replaces a secret.
const REDACTED: &str = "[redacted]";

/// Shortest run shared with a secret that is redacted. Short enough that a cut key
/// leaves nothing useful; secrets are random, so ordinary words rarely match.
const MIN_PARTIAL: usize = 4;

/// Header names (lowercase) whose values are hidden wherever `name:` appears.
const CREDENTIAL_NAMES: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "api_key",
    "x-api-key",
    "ocp-apim-subscription-key",
    "cookie",
];

/// The secrets of one connect request, in the forms they may come back in.
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    /// Replaced wherever they occur, longest first.
    exact: Vec<String>,
    /// Any run of at least [`MIN_PARTIAL`] bytes shared with one of these is replaced.
    partial: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber")
            .field("secrets", &self.partial.len())
            .finish()
    }
}

impl Scrubber {
    /// The secrets of `request`: secret header values, secret query parameters and
    /// subprotocols (browsers carry keys there).
    pub(crate) fn for_request(request: &ConnectRequest) -> Self {
        let mut scrubber = Self::default();
        for (_, value) in &request.headers {
            if value.is_secret() {
                scrubber.add_secret(value.expose());
            }
        }
        for value in secret_query_values(&request.url) {
            scrubber.add_secret(value);
        }
        for protocol in &request.subprotocols {
            // Plain names like `realtime` are harmless to hide; keys carried as
            // `openai-insecure-api-key.<key>` are hidden whole and in part.
            match protocol.rsplit_once('.') {
                Some((_, key)) if key.len() >= MIN_PARTIAL * 2 => scrubber.add_secret(key),
                _ => scrubber.exact.push(protocol.clone()),
            }
        }
        scrubber.finished()
    }

    /// The forms of one secret value (a key, or a credential header value such as
    /// `Bearer <token>`).
    pub(crate) fn for_secret(value: &str) -> Self {
        let mut scrubber = Self::default();
        scrubber.add_secret(value);
        scrubber.finished()
    }

    /// The forms ready to match: no empty one, longest first (so a longer form is
    /// hidden before a part of it), each once (equal lengths in order, so that
    /// `dedup` sees every repeat next to its twin).
    fn finished(mut self) -> Self {
        self.exact.retain(|form| !form.is_empty());
        self.exact
            .sort_by(|one, two| two.len().cmp(&one.len()).then_with(|| one.cmp(two)));
        self.exact.dedup();
        self
    }

    fn add_secret(&mut self, value: &str) {
        // `Bearer <token>`: the scheme is not secret, the token is.
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.bytes().all(|b| b.is_ascii_alphabetic()) => {
                token.trim()
            }
            _ => value,
        };
        for form in [value, token] {
            self.exact.push(form.to_owned());
            self.exact
                .push(base64_simd::STANDARD.encode_to_string(form));
            self.exact
                .push(base64_simd::URL_SAFE_NO_PAD.encode_to_string(form));
            self.exact.push(percent_encode(form));
        }
        for form in [
            token.to_owned(),
            base64_simd::STANDARD.encode_to_string(token),
            percent_encode(token),
        ] {
            if form.len() >= MIN_PARTIAL {
                self.partial.push(form.into_bytes());
            }
        }
    }

    /// `text` with every secret form, every run shared with a secret and every
    /// credential header value replaced by `[redacted]`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.exact {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        let out = self.scrub_partial(&out);
        scrub_credential_headers(&out)
    }

    /// Replaces every run of at least [`MIN_PARTIAL`] bytes that also occurs in a
    /// secret form (longest common substrings, computed per form).
    fn scrub_partial(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut hidden = vec![false; bytes.len()];
        for form in &self.partial {
            // run[j]: length of the common run ending at text[i] and form[j].
            let mut previous = vec![0usize; form.len() + 1];
            let mut current = vec![0usize; form.len() + 1];
            for (i, &byte) in bytes.iter().enumerate() {
                for (j, &secret_byte) in form.iter().enumerate() {
                    current[j + 1] = if byte == secret_byte {
                        previous[j] + 1
                    } else {
                        0
                    };
                    let run = current[j + 1];
                    if run >= MIN_PARTIAL {
                        hidden[i + 1 - run..=i].iter_mut().for_each(|h| *h = true);
                    }
                }
                std::mem::swap(&mut previous, &mut current);
            }
        }
        if !hidden.contains(&true) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut in_secret = false;
        for (index, character) in text.char_indices() {
            let secret = hidden[index..index + character.len_utf8()].contains(&true);
            if secret {
                if !in_secret {
                    out.push_str(REDACTED);
                }
            } else {
                out.push(character);
            }
            in_secret = secret;
        }
        out
    }
}

/// Hides the value after `name:` or `name=` (quotes and spaces allowed around the
/// separator) for every credential header name, up to the end of the line or the
/// next quote, comma, `&` or `}`.
fn scrub_credential_headers(text: &str) -> String {
    const OPENERS: [char; 3] = [' ', '"', '\''];
    let lower = text.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for name in CREDENTIAL_NAMES {
        let mut from = 0;
        while let Some(found) = lower[from..].find(name) {
            from += found + name.len();
            let after_name = lower[from..].trim_start_matches(OPENERS);
            let Some(after_separator) = after_name.strip_prefix([':', '=']) else {
                continue;
            };
            let value = after_separator.trim_start_matches(OPENERS);
            let value_start = lower.len() - value.len();
            let value_len = value
                .find(['\r', '\n', '"', '\'', ',', '&', '}'])
                .unwrap_or(value.len());
            if value_len > 0 {
                cuts.push((value_start, value_start + value_len));
            }
        }
    }
    if cuts.is_empty() {
        return text.to_owned();
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    for (start, end) in cuts {
        if start >= position {
            out.push_str(&text[position..start]);
            out.push_str(REDACTED);
        }
        position = position.max(end);
    }
    out.push_str(&text[position..]);
    out
}

/// Percent-encodes `value` for a query value or a path segment: every byte but the
/// RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`. The one
/// encoder of the workspace (provider crates build their URLs with it, and the
/// scrubber recognises secrets in that form).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Secret;

    const KEY: &str = "qZ7xK9vLmP3wR8tY2nB5hJ4c";

    fn scrubber() -> Scrubber {
        Scrubber::for_request(
            &ConnectRequest::new("wss://h/r?api-key=Uq3Wz8Rk2Lp9Xv7N&model=m")
                .secret_header("Authorization", Secret::new(format!("Bearer {KEY}")))
                .subprotocol("realtime"),
        )
    }

    fn assert_clean(text: &str) {
        for window in KEY.as_bytes().windows(MIN_PARTIAL) {
            let window = std::str::from_utf8(window).unwrap_or_default();
            assert!(!text.contains(window), "{window} in {text}");
        }
    }

    #[test]
    fn echoed_request_headers_are_hidden() {
        let body = format!(
            "GET /r?api-key=Uq3Wz8Rk2Lp9Xv7N HTTP/1.1\r\nauthorization: Bearer {KEY}\r\nx-api-key: other-secret-value\r\n"
        );
        let out = scrubber().scrub(&body);
        assert_clean(&out);
        assert!(!out.contains("Uq3Wz8Rk2Lp9Xv7N") && !out.contains("other-secret-value"));
        assert!(out.contains("GET /r?api-key="), "{out}");
    }

    #[test]
    fn cut_encoded_and_json_forms_are_hidden() {
        let scrubber = scrubber();
        let cut = &KEY[..9];
        let encoded = base64_simd::STANDARD.encode_to_string(KEY);
        let body = format!(
            "{{\"error\":\"bad key {cut}\",\"echo\":\"{encoded}\",\"api-key\": \"zzzz\"}} tail {}",
            &KEY[10..]
        );
        let out = scrubber.scrub(&body);
        assert_clean(&out);
        assert!(!out.contains(&encoded) && !out.contains("zzzz"), "{out}");
        assert!(out.contains("error") && out.contains("tail"), "{out}");
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        let body = "{\"error\":{\"message\":\"Unauthorized\"}}";
        assert_eq!(scrubber().scrub(body), body);
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
