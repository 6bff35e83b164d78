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
    redact_echoes::<false>(text, secrets)
}

/// [`redact`], and disguised echoes too: the secret with its case changed,
/// wrapped by a line break, a space or a zero-width character, or
/// base64-encoded (a `Basic` header, a logged blob) in either alphabet at
/// any alignment. For the integrator's subscription key; the device
/// entry's download goes without the encoder and the wider matching.
pub fn redact_disguised(text: &str, secrets: &[&str]) -> String {
    redact_echoes::<true>(text, secrets)
}

/// `DISGUISED` is a constant so that a build that never asks for the wider
/// matching has none of it (a flag argument was not optimised away).
fn redact_echoes<const DISGUISED: bool>(text: &str, secrets: &[&str]) -> String {
    let mut hidden = vec![false; text.len()];
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        // Every start, overlapping ones included (`str::replace` skips those).
        let mut mark = |needle: &[u8]| {
            for (start, _) in text.char_indices() {
                if let Some(end) = echo_end::<DISGUISED>(text.as_bytes(), start, needle) {
                    if let Some(covered) = hidden.get_mut(start..end) {
                        covered.fill(true);
                    }
                }
            }
        };
        mark(secret.as_bytes());
        if DISGUISED {
            for needle in base64_echoes(secret.as_bytes()) {
                mark(&needle);
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

/// Where an echo of `needle` starting at `start` ends: exactly, or when
/// `DISGUISED` with ASCII case ignored and invisible characters skipped
/// between its bytes. Bytes, not `&text[start..]`: a str slice pulls the
/// panic's char formatting and Unicode tables into the wasm (bench/README.md).
fn echo_end<const DISGUISED: bool>(text: &[u8], start: usize, needle: &[u8]) -> Option<usize> {
    if !DISGUISED {
        let end = start + needle.len();
        return (text.get(start..end)? == needle).then_some(end);
    }
    let mut at = start;
    for (index, want) in needle.iter().enumerate() {
        if index > 0 {
            while let Some(skip) = invisible_at(text.get(at..).unwrap_or_default()) {
                at += skip;
            }
        }
        if !text.get(at)?.eq_ignore_ascii_case(want) {
            return None;
        }
        at += 1;
    }
    Some(at)
}

/// The UTF-8 length of a character at the start of `bytes` that a wrapped
/// or decorated echo may carry inside the value: CR, LF, tab and space
/// (server text turns line breaks into spaces before it is scrubbed),
/// U+00AD (soft hyphen), U+200B–U+200D (zero-width space and joiners), U+2060 (word
/// joiner), U+FEFF (zero-width no-break space).
fn invisible_at(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [b'\r' | b'\n' | b'\t' | b' ', ..] => Some(1),
        [0xC2, 0xAD, ..] => Some(2),
        [0xE2, 0x80, 0x8B..=0x8D, ..] | [0xE2, 0x81, 0xA0, ..] | [0xEF, 0xBB, 0xBF, ..] => Some(3),
        _ => None,
    }
}

/// The parts of `secret`'s base64 (standard and URL-safe alphabets) that
/// do not depend on what surrounds it, at each of the three alignments it
/// can have inside a longer encoded value. Fragments under 6 characters
/// (secrets under 6 bytes) would hide ordinary words, so are left out.
fn base64_echoes(secret: &[u8]) -> Vec<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut echoes = Vec::new();
    for offset in 0..3usize {
        let bits = 8 * (offset + secret.len());
        // Characters whose six bits hold only the secret's own bits.
        let (first, last) = ((8 * offset).div_ceil(6), bits / 6);
        if last < first + 6 {
            continue;
        }
        let bit = |at: usize| {
            let byte = at / 8;
            let value = if byte < offset {
                0
            } else {
                secret[byte - offset]
            };
            (value >> (7 - at % 8)) & 1
        };
        let standard: Vec<u8> = (first..last)
            .map(|char| {
                let index = (0..6).fold(0usize, |acc, i| acc << 1 | usize::from(bit(char * 6 + i)));
                ALPHABET[index]
            })
            .collect();
        let url_safe: Vec<u8> = standard
            .iter()
            .map(|&c| match c {
                b'+' => b'-',
                b'/' => b'_',
                other => other,
            })
            .collect();
        if url_safe != standard {
            echoes.push(url_safe);
        }
        echoes.push(standard);
    }
    echoes
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
    fn redact_hides_case_changed_wrapped_and_base64_echoes() {
        let key = "k3y-Secret_0123456789abcdef";
        for echo in [
            key.to_ascii_uppercase(),
            key.to_ascii_lowercase(),
            format!("{}\r\n{}", &key[..10], &key[10..]),
            format!("{}\u{200B}{}\u{FEFF}{}", &key[..3], &key[3..20], &key[20..]),
        ] {
            let out = redact_disguised(&format!("the key {echo} is wrong"), &[key]);
            assert_eq!(redact(&echo, &[key]), echo, "exact matching only");
            assert_eq!(out, "the key [redacted] is wrong", "{echo:?}");
        }
        // Base64, alone and inside a longer encoded value at each alignment,
        // in both alphabets (computed outside this crate:
        // printf '%s' "$text" | base64 -w0).
        for encoded in [
            "azN5LVNlY3JldF8wMTIzNDU2Nzg5YWJjZGVm",         // the key
            "dTprM3ktU2VjcmV0XzAxMjM0NTY3ODlhYmNkZWY=",     // u:key
            "dXM6azN5LVNlY3JldF8wMTIzNDU2Nzg5YWJjZGVm",     // us:key
            "dXNlcjprM3ktU2VjcmV0XzAxMjM0NTY3ODlhYmNkZWY=", // user:key
        ] {
            let out = redact_disguised(&format!("Basic {encoded} refused"), &[key]);
            assert!(redact(&format!("Basic {encoded}"), &[key]).contains(&encoded[8..20]));
            assert!(!out.contains(&encoded[8..20]), "{encoded}: {out}");
            assert!(
                out.starts_with("Basic ") && out.ends_with(" refused"),
                "{out}"
            );
        }
        // The ordinary text around an echo stays.
        assert_eq!(redact_disguised("no secret here", &[key]), "no secret here");
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
