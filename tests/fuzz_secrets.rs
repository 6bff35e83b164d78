//! Fuzz target: secrets (device tokens, device ids, the subscription key)
//! never leak: not through `redact`ed server messages, not through the
//! `Debug` output of any core type that holds one.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::config::{ClientConfig, ClientOptionsInput, Endpoint};
use halo_device::core::ids::{DeviceId, SiteId};
use halo_device::core::integrator::config::{IntegratorConfig, IntegratorOptionsInput};
use halo_device::core::integrator::requests::{GrantType, IntegratorRequests};
use halo_device::core::integrator::responses::TokenResponse;
use halo_device::core::secret::{redact, redact_disguised, Secret};
use halo_device::core::token::{Action, IssuedToken, TokenEngine, TokenPolicy};
use proptest::prelude::*;
use support::{secret_value, uuid};

const MARKER: &str = "[redacted]";

/// Few letters, so that secrets overlap, nest and repeat in the text. No
/// `[`, so that the markers in the output are unambiguous.
fn overlapping_secrets() -> impl Strategy<Value = (String, Vec<String>)> {
    let secrets = prop::collection::vec("[abcd]{0,8}", 0..4);
    secrets.prop_flat_map(|secrets| {
        let piece = prop_oneof![
            "[abcd -]{0,4}",
            prop::sample::select(if secrets.is_empty() {
                vec![String::new()]
            } else {
                secrets.clone()
            }),
        ];
        (
            prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat()),
            Just(secrets),
        )
    })
}

/// Which bytes of `text` lie inside an occurrence (overlapping ones too)
/// of a secret long enough to redact; with `spaces`, also one carrying
/// spaces (a line break a server's text made one) between the secret's
/// characters, never before its first.
fn covered(text: &str, secrets: &[String], spaces: bool) -> Vec<bool> {
    let mut covered = vec![false; text.len()];
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        for (start, _) in text.char_indices() {
            let mut at = start;
            let matched = secret.chars().enumerate().all(|(index, want)| {
                while spaces && index > 0 && text[at..].starts_with(' ') {
                    at += 1;
                }
                let found = text[at..].starts_with(want);
                at += want.len_utf8();
                found
            });
            if matched {
                covered[start..at].fill(true);
            }
        }
    }
    covered
}

/// Base64 with padding, standard or URL-safe: written here, not taken
/// from the crate, so the test does not share the code it checks.
fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet: &[u8] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn redaction_hides_every_secret_whole_in_any_order((text, secrets) in overlapping_secrets(), disguised in any::<bool>()) {
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let redact = if disguised { redact_disguised } else { redact };
        let out = redact(&text, &refs);
        let reversed: Vec<&str> = refs.iter().rev().copied().collect();
        prop_assert_eq!(&out, &redact(&text, &reversed), "the order of the secrets does not matter");
        let chunks: Vec<&str> = out.split(MARKER).collect();
        for chunk in &chunks {
            prop_assert!(text.contains(chunk), "{:?} is not from the text", chunk);
            for secret in refs.iter().filter(|s| s.len() >= 4) {
                prop_assert!(!chunk.contains(secret), "{:?} survives in {:?}", secret, out);
                // Nor split by spaces, as a server's wrapped message has it.
                prop_assert!(!disguised || !chunk.replace(' ', "").contains(secret), "{:?} survives in {:?}", secret, out);
            }
        }
        // Exactly the covered bytes are gone, one marker per covered run.
        let covered = covered(&text, &secrets, disguised);
        let kept: usize = chunks.iter().map(|c| c.len()).sum();
        prop_assert_eq!(kept, covered.iter().filter(|c| !**c).count());
        let runs = covered.iter().enumerate().filter(|(i, c)| **c && (*i == 0 || !covered[i - 1])).count();
        prop_assert_eq!(chunks.len() - 1, runs);
    }

    #[test]
    fn redaction_of_arbitrary_text_never_panics(text in support::text(), secrets in prop::collection::vec(support::text(), 0..3)) {
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        redact(&text, &refs);
    }

    #[test]
    fn debug_output_never_shows_a_secret(
        token in secret_value(),
        device in secret_value(),
        key in "[a-f0-9]{32}",
        site in uuid(),
        lifetime_s in 1.0f64..86_400.0,
    ) {
        let device_id = DeviceId::parse(&device, false).unwrap();
        let site_id = SiteId::parse(&site).unwrap();
        let secret = Secret::new(token.clone());

        let mut engine = TokenEngine::new(TokenPolicy::default());
        let (_, start) = engine.acquire(1, 0.0);
        let Some(Action::StartRenewal { renewal, .. }) = start else {
            return Err(TestCaseError::fail("the first call starts a renewal"));
        };
        let issued = IssuedToken { token: secret.clone(), expires_in_s: lifetime_s };
        let granted = engine.renewal_succeeded(renewal, issued.clone(), 0.0);
        let ready = engine.acquire(2, 1.0);

        let config = ClientConfig::from_input(ClientOptionsInput {
            environment: Some("stage".into()),
            site_id: Some(site),
            device_id: Some(device.clone()),
            ..ClientOptionsInput::default()
        })
        .unwrap();
        let integrator = IntegratorConfig::from_input(
            IntegratorOptionsInput { environment: Some("stage".into()), ..IntegratorOptionsInput::default() },
            Secret::new(key.clone()),
        )
        .unwrap();
        let endpoint = Endpoint::from_parts(Some("stage"), None, None).unwrap();
        let token_request = IntegratorRequests::new(endpoint)
            .issue_device_token(&site_id, &device_id, GrantType::Device);
        let response: TokenResponse = serde_json::from_value(
            serde_json::json!({ "access_token": token, "expires_in": lifetime_s }),
        )
        .unwrap();
        let validated = response.clone().validate().unwrap();

        let shown = format!(
            "{secret:?} {device_id:?} {engine:?} {granted:?} {ready:?} {issued:?} {config:?} \
             {integrator:?} {token_request:?} {:?} {response:?} {validated:?}",
            token_request.body,
        );
        for value in [&token, &device, &key] {
            prop_assert!(!shown.contains(value.as_str()), "{} leaked: {}", value, shown);
        }
    }

    #[test]
    fn changed_echoes_of_a_secret_are_hidden_too(
        secret in secret_value(),
        before in "[ -~]{0,6}",
        after in "[ -~]{0,6}",
        echo in 0..5u8,
        split in any::<prop::sample::Index>(),
        url_safe in any::<bool>(),
    ) {
        let cut = split.index(secret.len() - 1) + 1;
        let shown = match echo {
            0 => secret.to_ascii_uppercase(),
            1 => format!("{}\n{}", &secret[..cut], &secret[cut..]),
            2 => format!("{}\u{200B}{}", &secret[..cut], &secret[cut..]),
            // Inside a longer encoded value (a Basic header), at any alignment.
            _ => base64(format!("{before}{secret}{after}").as_bytes(), url_safe),
        };
        let text = format!("{before}[{shown}]{after}");
        let out = redact_disguised(&text, &[secret.as_str()]);
        prop_assert_eq!(redact(&text, &[secret.as_str()]), text.clone(), "plain redaction matches exact echoes only");
        if echo < 3 {
            prop_assert!(out.contains("[[redacted]]"), "{:?} -> {:?}", text, out);
        } else {
            // The characters that encode only the secret's own bits are gone.
            let (start, end) = ((8 * before.len()).div_ceil(6), 8 * (before.len() + secret.len()) / 6);
            let own = &shown[start..end];
            prop_assert!(!out.contains(own), "{:?} survives in {:?}", own, out);
            prop_assert!(out.contains("[redacted]"), "{:?}", out);
        }
    }
}
