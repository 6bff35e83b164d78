//! Secrets (device tokens, device ids) that must never reach a message, a log
//! line, an event or a `Debug` output.

use core::fmt;

/// A string whose value is only reachable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Takes ownership of the value; from here on only `expose` reveals it.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that needs it: the request headers.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Overwrites the value before its memory is freed, so a later reader of
/// wasm memory (a heap dump, a bug that reads freed memory) cannot find
/// it. Replacing a secret drops the old one, which wipes it too.
impl Drop for Secret {
    fn drop(&mut self) {
        wipe(core::mem::take(&mut self.0).into_bytes());
    }
}

/// Zeroes every byte `bytes` owns, its spare capacity included, without
/// `unsafe`. `black_box` keeps the optimiser from dropping the writes as
/// dead stores to memory about to be freed.
fn wipe(mut bytes: Vec<u8>) -> Vec<u8> {
    let capacity = bytes.capacity();
    bytes.clear();
    bytes.resize(capacity, 0);
    core::hint::black_box(bytes)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Replaces every occurrence of each secret in `text` with `[redacted]`.
///
/// Server messages are echoed into errors; a server (or a proxy in front of
/// it) that quotes a header back must not leak it through us.
///
/// Every byte inside any occurrence is hidden before anything is replaced,
/// so secrets that overlap or contain one another are hidden whole,
/// whatever their order (found by tests/fuzz_secrets.rs).
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut hidden = vec![false; text.len()];
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        // Every start, overlapping ones included (`str::replace` skips those).
        // Bytes, not `&text[start..]`: a str slice pulls the panic's char
        // formatting and Unicode tables into the wasm (bench/README.md).
        for (start, _) in text.char_indices() {
            let rest = text.as_bytes().get(start..).unwrap_or_default();
            if rest.starts_with(secret.as_bytes()) {
                if let Some(covered) = hidden.get_mut(start..start + secret.len()) {
                    covered.fill(true);
                }
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    for (at, ch) in text.char_indices() {
        match (hidden[at], at > 0 && hidden[at - 1]) {
            (false, _) => out.push(ch),
            (true, false) => out.push_str("[redacted]"),
            (true, true) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("eyJhbGciOi.secret-token");
        let shown = format!("{secret:?} {:?}", Some(secret.clone()));
        assert!(!shown.contains("secret-token"), "{shown}");
        assert_eq!(secret.expose(), "eyJhbGciOi.secret-token");
    }

    #[test]
    fn wiping_zeroes_every_byte_the_value_owned() {
        let mut bytes = b"eyJhbGciOi.secret-token".to_vec();
        bytes.reserve(40);
        let capacity = bytes.capacity();
        let wiped = wipe(bytes);
        assert_eq!(wiped.capacity(), capacity, "wiped in place, not copied");
        assert_eq!(wiped.len(), capacity);
        assert!(wiped.iter().all(|b| *b == 0));
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let text = "token abcd1234 rejected for abcd1234 on device dev-xyz-1";
        assert_eq!(
            redact(text, &["abcd1234", "dev-xyz-1"]),
            "token [redacted] rejected for [redacted] on device [redacted]"
        );
    }

    #[test]
    fn redact_ignores_values_too_short_to_be_secrets() {
        assert_eq!(redact("a b c", &["", "a"]), "a b c");
    }

    #[test]
    fn redact_hides_overlapping_and_nested_secrets_whole() {
        // A shorter secret first used to leave the rest of a longer one.
        assert_eq!(
            redact("id abcd-wxyz", &["abcd", "abcd-wxyz"]),
            "id [redacted]"
        );
        assert_eq!(redact("abcdefgh", &["abcdef", "cdefgh"]), "[redacted]");
        assert_eq!(redact("aaaaa", &["aaaa"]), "[redacted]");
    }
}
