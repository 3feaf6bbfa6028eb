//! Checks on credentials before they become header values.

/// Whether `value` may travel as an HTTP header value (visible ASCII and spaces).
pub(crate) fn is_header_safe(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}
