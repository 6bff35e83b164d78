//! Which strings may travel as an HTTP header value exactly as they are.
//! Checked in the core, before `fetch` sees them: the values are secrets
//! (a token, a key, a device id), and a runtime's own `Headers` error
//! quotes the value it refuses.

/// Non-empty visible ASCII: no spaces, no control characters (CR, LF,
/// NUL…), nothing a runtime would refuse or re-encode.
pub fn is_plain_header_value(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_empty_visible_ascii_passes() {
        assert!(is_plain_header_value("eyJhbGciOi.J9-_~+/="));
        for bad in [
            "", " ", "a b", "a\rb", "a\nb", "a\0b", "a\tb", "a\u{7f}b", "a\u{85}b", "ключ",
        ] {
            assert!(!is_plain_header_value(bad), "{bad:?}");
        }
    }
}
