//! Fuzz target: incoming webhook deliveries (raw body, parsed payload,
//! `X-Halo-*` headers) and the ISO 8601 timestamps they carry. A delivery
//! is accepted only with the right HMAC over the exact bytes; anything else
//! is a typed rejection, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::{ErrorKind, HaloError};
use halo_device::core::integrator::timestamp::parse_iso8601_ms;
use halo_device::core::integrator::webhooks::{
    verify_webhook, VerifiedWebhook, WebhookInput, WebhookPayloadInput,
};
use halo_device::core::secret::Secret;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;
use support::{shaped, text, text_or, uuid, uuid_like, Shape};

const TOLERANCE_S: u64 = 300;
/// 2001-01-01 to 2100-12-31, in seconds since the Unix epoch.
const FROM_S: i64 = 978_307_200;
const UNTIL_S: i64 = 4_133_980_799;

static PAYLOAD: Shape = Shape::Object(&[
    ("id", Shape::Text(&["7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"])),
    (
        "occurredAt",
        Shape::Text(&["2026-03-05T14:30:00.0000000+00:00"]),
    ),
    (
        "siteId",
        Shape::Text(&["3f2504e0-4f89-41d3-9a0c-0305e82c3301"]),
    ),
    (
        "queryId",
        Shape::Text(&["0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"]),
    ),
    ("webhookSource", Shape::Text(&["async", "registered"])),
    ("source", Shape::Text(&["async", "registered"])),
]);

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), written independently of the core's inverse.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// An instant written as .NET's round-trip format would, at some offset,
/// with 0 to 7 fractional digits; and the milliseconds it denotes.
fn iso8601() -> impl Strategy<Value = (String, f64)> {
    (
        FROM_S..=UNTIL_S,
        "[0-9]{0,7}",
        -(23 * 60 + 59)..=(23 * 60 + 59i64),
        prop::sample::select(&["T", "t"][..]),
    )
        .prop_map(|(utc_s, fraction, offset_min, t)| {
            let local = utc_s + offset_min * 60;
            let (year, month, day) = civil_from_days(local.div_euclid(86_400));
            let second_of_day = local.rem_euclid(86_400);
            // UTC is written `Z` or `+00:00`; the fraction's length picks one.
            let zone = match offset_min {
                0 if fraction.len() % 2 == 0 => "Z".to_owned(),
                _ => {
                    let sign = if offset_min < 0 { '-' } else { '+' };
                    format!(
                        "{sign}{:02}:{:02}",
                        offset_min.abs() / 60,
                        offset_min.abs() % 60
                    )
                }
            };
            let dot = if fraction.is_empty() { "" } else { "." };
            let text = format!(
                "{year:04}-{month:02}-{day:02}{t}{:02}:{:02}:{:02}{dot}{fraction}{zone}",
                second_of_day / 3600,
                second_of_day / 60 % 60,
                second_of_day % 60,
            );
            let millis: i64 = format!("{fraction:0<3}")[..3].parse().unwrap();
            (text, (utc_s * 1000 + millis) as f64)
        })
}

fn sign(secret: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A genuine delivery: a documented payload, signed, received within the
/// tolerance.
#[derive(Clone, Debug)]
struct Delivery {
    secret: String,
    body: Vec<u8>,
    timestamp: String,
    signature: String,
    now_ms: f64,
}

impl Delivery {
    fn verify(&self) -> Result<VerifiedWebhook, HaloError> {
        let secret = Secret::new(self.secret.clone());
        verify_webhook(WebhookInput {
            raw_body: &self.body,
            payload: &|body| serde_json::from_slice(body).ok(),
            timestamp_header: Some(&self.timestamp),
            signature_header: Some(&self.signature),
            id_header: None,
            secret: &secret,
            tolerance_s: TOLERANCE_S,
            now_ms: self.now_ms,
        })
    }
}

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        "[ -~]{1,40}",
        (uuid(), uuid(), uuid(), iso8601(), prop::sample::select(&["async", "registered"][..])),
        iso8601(),
        -(TOLERANCE_S as f64 * 1000.0)..=(TOLERANCE_S as f64 * 1000.0),
    )
        .prop_map(|(secret, (id, site, query, (occurred, _), source), (timestamp, sent_ms), skew)| {
            let body = serde_json::json!({
                "id": id, "occurredAt": occurred, "siteId": site, "queryId": query, "webhookSource": source,
            })
            .to_string()
            .into_bytes();
            let signature = sign(&secret, &body, &timestamp);
            Delivery { secret, body, timestamp, signature, now_ms: sent_ms + skew }
        })
}

fn assert_rejected(result: Result<VerifiedWebhook, HaloError>) -> Result<(), TestCaseError> {
    let error = result
        .err()
        .ok_or_else(|| TestCaseError::fail("a tampered delivery was accepted"))?;
    prop_assert_eq!(error.kind, ErrorKind::WebhookVerification);
    prop_assert!(error.reason.is_some(), "{}", error.message);
    Ok(())
}

/// One byte replaced by another: the smallest tampering there is.
fn replace_byte(bytes: &mut [u8], at: prop::sample::Index, by: u8) -> bool {
    let at = at.index(bytes.len());
    let changed = bytes[at] != by;
    bytes[at] = by;
    changed
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn iso8601_instants_parse_to_their_milliseconds((text, ms) in iso8601()) {
        prop_assert_eq!(parse_iso8601_ms(&text), Some(ms), "{}", text);
    }

    #[test]
    fn iso8601_garbage_is_refused_without_panicking(
        (text, _) in iso8601(),
        at in any::<prop::sample::Index>(),
        by in prop::sample::select(&b"0123456789+-:.TZz \xff"[..]),
        other in support::text(),
    ) {
        parse_iso8601_ms(&other);
        let mut bytes = text.clone().into_bytes();
        if replace_byte(&mut bytes, at, by) {
            if let Ok(mutated) = String::from_utf8(bytes) {
                // Accepted only if still a well-formed instant.
                if let Some(ms) = parse_iso8601_ms(&mutated) {
                    prop_assert!(ms.is_finite() && ms.fract() == 0.0, "{mutated}");
                }
            }
        }
    }

    #[test]
    fn genuine_deliveries_are_accepted(delivery in delivery()) {
        let verified = delivery.verify().map_err(|e| TestCaseError::fail(e.message.clone()))?;
        let payload: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
        let lowercase = |field: &str| payload[field].as_str().map(str::to_ascii_lowercase);
        prop_assert_eq!(Some(verified.payload.id), lowercase("id"));
        prop_assert_eq!(Some(verified.payload.site_id.as_str().to_owned()), lowercase("siteId"));
        prop_assert_eq!(verified.remember_until_ms, verified.sent_at_ms + TOLERANCE_S as f64 * 1000.0);
    }

    #[test]
    fn any_changed_byte_of_body_timestamp_or_signature_is_rejected(
        delivery in delivery(),
        at in any::<prop::sample::Index>(),
        by in any::<u8>(),
        ascii in 0x21u8..0x7f,
    ) {
        let mut body = delivery.clone();
        if replace_byte(&mut body.body, at, by) {
            assert_rejected(body.verify())?;
        }
        let mut timestamp = delivery.clone().timestamp.into_bytes();
        if replace_byte(&mut timestamp, at, ascii) {
            let tampered = Delivery { timestamp: String::from_utf8(timestamp).unwrap(), ..delivery.clone() };
            assert_rejected(tampered.verify())?;
        }
        let mut signature = delivery.signature.clone().into_bytes();
        let position = at.index(signature.len());
        // Hex digits are read in either case: only a different digit is a change.
        if replace_byte(&mut signature, at, ascii) && !signature[position].eq_ignore_ascii_case(&delivery.signature.as_bytes()[position]) {
            let tampered = Delivery { signature: String::from_utf8(signature).unwrap(), ..delivery };
            assert_rejected(tampered.verify())?;
        }
    }

    #[test]
    fn arbitrary_deliveries_are_typed_rejections(
        body in prop_oneof![prop::collection::vec(any::<u8>(), 0..64), shaped(&PAYLOAD).prop_map(|v| v.to_string().into_bytes())],
        timestamp in prop::option::of(text_or(&["2026-03-05T14:30:05.1234567+00:00", " "])),
        signature in prop::option::of(prop_oneof!["[0-9a-fA-F]{64}", text()]),
        id in prop::option::of(uuid_like()),
        secret in text_or(&["whsec_test_0123456789", ""]),
        tolerance_s in prop_oneof![Just(TOLERANCE_S), any::<u64>()],
        now_ms in prop_oneof![Just(1_772_721_005_123.0), any::<f64>()],
        sign_it in any::<bool>(),
    ) {
        // Half the deliveries carry the right HMAC, so that the checks after
        // the signature (timestamp, payload, X-Halo-Id) see arbitrary input too.
        let signature = match (&timestamp, sign_it && !secret.is_empty()) {
            (Some(timestamp), true) => Some(sign(&secret, &body, timestamp)),
            _ => signature,
        };
        let key = Secret::new(secret.clone());
        let result = verify_webhook(WebhookInput {
            raw_body: &body,
            payload: &|body| serde_json::from_slice::<WebhookPayloadInput>(body).ok(),
            timestamp_header: timestamp.as_deref(),
            signature_header: signature.as_deref(),
            id_header: id.as_deref(),
            secret: &key,
            tolerance_s,
            now_ms,
        });
        match result {
            Ok(verified) => {
                let (timestamp, signature) = (timestamp.unwrap(), signature.unwrap());
                prop_assert!(signature.trim().eq_ignore_ascii_case(&sign(&secret, &body, &timestamp)));
                prop_assert!((now_ms - verified.sent_at_ms).abs() <= tolerance_s as f64 * 1000.0);
            }
            Err(error) if error.kind == ErrorKind::Validation => {
                prop_assert_eq!(error.field.as_deref(), Some("secret"));
            }
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::WebhookVerification);
                prop_assert!(error.reason.is_some(), "{}", error.message);
                if secret.len() >= 8 {
                    prop_assert!(!error.message.contains(&secret));
                }
            }
        }
    }
}
