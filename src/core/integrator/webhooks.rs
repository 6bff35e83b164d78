//! Verifying Halo's webhook deliveries: the signature, the freshness of the
//! signed timestamp, and the payload's shape.
//!
//! Halo signs `<raw body>.<X-Halo-Timestamp>` with HMAC-SHA256 under a secret
//! it shares with the integrator. The timestamp is inside the signature, so a
//! captured delivery can only be replayed while that timestamp is fresh; the
//! shell closes that window with a store of notification ids already seen
//! (see [`VerifiedWebhook::remember_until_ms`]).

use super::text::present;
use super::timestamp::parse_iso8601_ms;
use crate::core::error::HaloError;
pub use crate::core::error::WebhookRejection;
use crate::core::ids::{is_uuid, QueryId, SiteId};
use crate::core::numbers::optional_whole_number;
use crate::core::secret::Secret;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The notification id; the same as the payload's `id`.
pub const X_HALO_ID: &str = "X-Halo-Id";
/// When Halo sent this delivery (not when the query finished).
pub const X_HALO_TIMESTAMP: &str = "X-Halo-Timestamp";
/// Lowercase hex HMAC-SHA256 of `<raw body>.<X-Halo-Timestamp>`.
pub const X_HALO_SIGNATURE_256: &str = "X-Halo-Signature-256";
/// How far the signed timestamp may be from the receiver's clock, either way.
pub const DEFAULT_TOLERANCE_S: u64 = 300;
/// The largest body `verifyWebhook` reads, in bytes. Halo's notifications
/// are under 1 KB; anything near this is a forgery, refused before it is
/// copied into wasm (the facade checks the length it can see for free, the
/// core the exact bytes), so a huge body costs neither memory nor time.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 64 << 10;
/// The largest tolerance accepted: a day already lets a captured delivery
/// be replayed for a day, against a replay store that must remember it.
pub const MAX_TOLERANCE_S: u64 = 86_400;

/// The caller's `toleranceSeconds`: whole seconds up to a day, the default
/// when absent.
pub fn tolerance(value: Option<f64>) -> Result<u64, HaloError> {
    Ok(
        optional_whole_number("toleranceSeconds", value, 0, MAX_TOLERANCE_S)?
            .unwrap_or(DEFAULT_TOLERANCE_S),
    )
}

/// The HMAC-SHA256 of `<raw_body>.<timestamp>` under `secret`: the one
/// statement of Halo's signing rule, which signing and verifying share.
fn signed_mac(
    raw_body: &[u8],
    timestamp: &str,
    secret: &Secret,
) -> Result<Hmac<Sha256>, HaloError> {
    if secret.expose().is_empty() {
        return Err(HaloError::validation(
            "secret",
            "secret is required: the webhook signing secret Halo Connect gave you",
        ));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).map_err(|_| {
        HaloError::validation("secret", "secret cannot be used as an HMAC-SHA256 key")
    })?;
    mac.update(raw_body);
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    Ok(mac)
}

/// `X-Halo-Signature-256` for a delivery, as Halo would send it (lowercase
/// hex): for tools that fire test notifications at a receiver, such as the
/// `halo webhook send` command.
pub fn sign_webhook(
    raw_body: &[u8],
    timestamp: &str,
    secret: &Secret,
) -> Result<String, HaloError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = signed_mac(raw_body, timestamp, secret)?
        .finalize()
        .into_bytes();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    Ok(hex)
}

/// Checks `signature_hex` is the HMAC-SHA256 of `<raw_body>.<timestamp>`
/// under `secret`, in constant time. `raw_body` must be the bytes as
/// received: re-serialised JSON would not match. The secret is used as its
/// UTF-8 bytes, as Halo's portal shows it.
pub fn verify_signature(
    raw_body: &[u8],
    timestamp: &str,
    signature_hex: &str,
    secret: &Secret,
) -> Result<(), HaloError> {
    let signature = decode_signature(signature_hex).ok_or_else(|| {
        WebhookRejection::Signature.error(&format!(
            "{X_HALO_SIGNATURE_256} must be 64 hexadecimal characters"
        ))
    })?;
    signed_mac(raw_body, timestamp, secret)?
        .verify_slice(&signature)
        .map_err(|_| {
            let hint = if looks_reserialised(raw_body) {
                "; the body looks parsed and re-serialised: pass the raw body exactly as received (e.g. express.raw({ type: \"application/json\" }), or await request.text())"
            } else {
                ""
            };
        WebhookRejection::Signature.error(&format!(
            "{X_HALO_SIGNATURE_256} does not match the body and timestamp (wrong secret, or the delivery was altered){hint}"
        ))
    })
}

/// Whether a body that failed its signature looks like what a framework
/// makes of Halo's: `String(object)`, or JSON that was parsed and
/// stringified again (pretty-printed, or any JSON object at all, since
/// the mismatch says the bytes changed). Only a hint: the rejection
/// stands either way.
fn looks_reserialised(raw_body: &[u8]) -> bool {
    let body = raw_body.trim_ascii();
    body.starts_with(b"[object ") || body.first() == Some(&b'{') && body.last() == Some(&b'}')
}

/// Refuses a body over [`MAX_WEBHOOK_BODY_BYTES`], as a payload rejection:
/// nothing that large is one of Halo's notifications.
pub fn body_within_limit(bytes: usize) -> Result<(), HaloError> {
    if bytes <= MAX_WEBHOOK_BODY_BYTES {
        return Ok(());
    }
    Err(WebhookRejection::Payload.error(&format!(
        "the body is larger than {MAX_WEBHOOK_BODY_BYTES} bytes (Halo's notifications are under 1 KB)"
    )))
}

/// 64 hex digits, either case; Halo sends lowercase.
fn decode_signature(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim().as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
    }
    Some(bytes)
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|v| v as u8)
}

/// Refuses a timestamp more than `tolerance_s` older or newer than `now_ms`
/// (both ms since the Unix epoch).
pub fn check_freshness(timestamp_ms: f64, now_ms: f64, tolerance_s: u64) -> Result<(), HaloError> {
    let age_ms = now_ms - timestamp_ms;
    let tolerance_ms = tolerance_s as f64 * 1000.0;
    // Written so that a NaN clock fails too.
    if age_ms.abs() <= tolerance_ms {
        return Ok(());
    }
    let detail = if age_ms > 0.0 {
        format!(
            "{X_HALO_TIMESTAMP} is {} s old, more than the {tolerance_s} s allowed (a replayed delivery, or a clock out of sync)",
            (age_ms / 1000.0) as u64
        )
    } else if age_ms < 0.0 {
        format!(
            "{X_HALO_TIMESTAMP} is {} s in the future, more than the {tolerance_s} s allowed (a clock out of sync?)",
            (-age_ms / 1000.0) as u64
        )
    } else {
        "the current time is not a number".to_owned()
    };
    Err(WebhookRejection::Timestamp.error(&detail))
}

/// Which kind of query finished.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "lowercase"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookSource {
    /// An async query finished successfully.
    Async,
    /// A registered query produced a new result.
    Registered,
}

impl WebhookSource {
    /// `async` or `registered`, as in the payload and the `{source}` placeholder.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookSource::Async => "async",
            WebhookSource::Registered => "registered",
        }
    }
}

/// The payload as the host's `JSON.parse` read it, before validation.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookPayloadInput {
    /// The notification id (a UUID).
    pub id: Option<String>,
    /// When the query finished, ISO 8601 with offset.
    pub occurred_at: Option<String>,
    /// The Halo GUID the query ran on.
    pub site_id: Option<String>,
    /// The query that finished.
    pub query_id: Option<String>,
    /// `async` or `registered`.
    pub webhook_source: Option<String>,
    /// The older name of `webhook_source`, read only when that is absent.
    pub source: Option<String>,
}

/// A validated notification.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookPayload {
    /// The notification id, lowercase: the key for the replay store.
    pub id: String,
    /// When the query finished, ms since the Unix epoch.
    pub occurred_at_ms: f64,
    /// The Halo GUID the query ran on.
    pub site_id: SiteId,
    /// The query to fetch results for.
    pub query_id: QueryId,
    /// Which kind of query finished.
    pub source: WebhookSource,
}

impl WebhookPayload {
    /// Checks every field Halo documents as required.
    pub fn parse(input: WebhookPayloadInput) -> Result<Self, HaloError> {
        let reject = |detail: &str| WebhookRejection::Payload.error(detail);
        let id = input
            .id
            .filter(|id| is_uuid(id))
            .map(|id| id.to_ascii_lowercase())
            .ok_or_else(|| reject("id must be a UUID"))?;
        let site_id = input
            .site_id
            .and_then(|id| SiteId::parse(&id).ok())
            .ok_or_else(|| reject("siteId must be a Halo GUID (a UUID)"))?;
        let query_id = input
            .query_id
            .and_then(|id| QueryId::parse("queryId", &id).ok())
            .ok_or_else(|| reject("queryId must be a UUID"))?;
        let occurred_at_ms = input
            .occurred_at
            .as_deref()
            .and_then(parse_iso8601_ms)
            .ok_or_else(|| reject("occurredAt must be an ISO 8601 date-time with an offset"))?;
        let source = match input.webhook_source.or(input.source).as_deref() {
            Some("async") => WebhookSource::Async,
            Some("registered") => WebhookSource::Registered,
            _ => return Err(reject("webhookSource must be \"async\" or \"registered\"")),
        };
        Ok(Self {
            id,
            occurred_at_ms,
            site_id,
            query_id,
            source,
        })
    }
}

/// Reads the payload out of the raw body; `None` if it is not a JSON object.
pub type PayloadParser<'a> = &'a dyn Fn(&[u8]) -> Option<WebhookPayloadInput>;

/// One delivery as the shell received it.
pub struct WebhookInput<'a> {
    /// The body exactly as received.
    pub raw_body: &'a [u8],
    /// The host's JSON parser, as for every response. Called only once the
    /// signature and timestamp are good: an unsigned body is never parsed,
    /// so a forgery is refused for its signature whatever it contains.
    pub payload: PayloadParser<'a>,
    /// `X-Halo-Timestamp`.
    pub timestamp_header: Option<&'a str>,
    /// `X-Halo-Signature-256`.
    pub signature_header: Option<&'a str>,
    /// `X-Halo-Id`; checked against the payload when present.
    pub id_header: Option<&'a str>,
    /// The integrator's webhook signing secret.
    pub secret: &'a Secret,
    /// See [`DEFAULT_TOLERANCE_S`].
    pub tolerance_s: u64,
    /// The receiver's wall clock, ms since the Unix epoch.
    pub now_ms: f64,
}

/// A delivery that is authentic, fresh and well formed.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedWebhook {
    /// The notification.
    pub payload: WebhookPayload,
    /// The signed `X-Halo-Timestamp`, ms since the Unix epoch.
    pub sent_at_ms: f64,
    /// Until when the replay store must remember `payload.id`: after that a
    /// replay of this delivery fails the freshness check by itself.
    pub remember_until_ms: f64,
}

/// Verifies a delivery in order: the body's size, required headers, signature, freshness,
/// payload, then `X-Halo-Id`. Nothing unsigned is trusted before the
/// signature is checked. The replay check (has `payload.id` been seen?)
/// is left to the shell, which owns the store.
pub fn verify_webhook(input: WebhookInput<'_>) -> Result<VerifiedWebhook, HaloError> {
    body_within_limit(input.raw_body.len())?;
    let (timestamp, signature) = match (
        present(input.timestamp_header),
        present(input.signature_header),
    ) {
        (Some(timestamp), Some(signature)) => (timestamp, signature),
        (timestamp, signature) => {
            let missing: Vec<&str> = [
                (X_HALO_TIMESTAMP, timestamp),
                (X_HALO_SIGNATURE_256, signature),
            ]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
            return Err(
                WebhookRejection::Headers.error(&format!("missing {}", missing.join(" and ")))
            );
        }
    };
    verify_signature(input.raw_body, timestamp, signature, input.secret)?;
    let sent_at_ms = parse_iso8601_ms(timestamp.trim()).ok_or_else(|| {
        WebhookRejection::Timestamp.error(&format!(
            "{X_HALO_TIMESTAMP} must be an ISO 8601 date-time with an offset"
        ))
    })?;
    check_freshness(sent_at_ms, input.now_ms, input.tolerance_s)?;
    let payload = (input.payload)(input.raw_body).ok_or_else(|| {
        WebhookRejection::Payload.error("the body is not a JSON object of the documented shape")
    })?;
    let payload = WebhookPayload::parse(payload)?;
    if let Some(id_header) = present(input.id_header) {
        if !id_header.trim().eq_ignore_ascii_case(&payload.id) {
            return Err(WebhookRejection::Headers
                .error(&format!("{X_HALO_ID} does not match the payload's id")));
        }
    }
    Ok(VerifiedWebhook {
        payload,
        sent_at_ms,
        remember_until_ms: sent_at_ms + input.tolerance_s as f64 * 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    const SECRET: &str = "whsec_test_0123456789";
    const ID: &str = "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6";
    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const QUERY: &str = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";
    const BODY: &str = r#"{"id":"7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6","occurredAt":"2026-03-05T14:30:00.0000000+00:00","siteId":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","queryId":"0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d","webhookSource":"async"}"#;
    const TIMESTAMP: &str = "2026-03-05T14:30:05.1234567+00:00";
    /// HMAC-SHA256 of `BODY.TIMESTAMP` under `SECRET`, made outside this crate:
    /// python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_0123456789",
    ///   BODY + b"." + b"2026-03-05T14:30:05.1234567+00:00", hashlib.sha256).hexdigest())'
    const SIGNATURE: &str = "59908720b72ffc6203ac164f2fff88555e713bf76812703d5c4e5ae522cbb102";
    /// TIMESTAMP in ms since the Unix epoch.
    const SENT_AT_MS: f64 = 1_772_721_005_123.0;

    fn secret() -> Secret {
        Secret::new(SECRET)
    }

    /// Signs like Halo does, for bodies other than the fixed vector.
    fn sign(body: &str, timestamp: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{body}.{timestamp}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn payload_of(body: &[u8]) -> Option<WebhookPayloadInput> {
        serde_json::from_slice(body).ok()
    }

    fn verify(
        body: &str,
        timestamp: Option<&str>,
        signature: Option<&str>,
        id: Option<&str>,
        now_ms: f64,
    ) -> Result<VerifiedWebhook, HaloError> {
        let secret = secret();
        verify_webhook(WebhookInput {
            raw_body: body.as_bytes(),
            payload: &payload_of,
            timestamp_header: timestamp,
            signature_header: signature,
            id_header: id,
            secret: &secret,
            tolerance_s: DEFAULT_TOLERANCE_S,
            now_ms,
        })
    }

    fn rejection(result: Result<VerifiedWebhook, HaloError>) -> WebhookRejection {
        let error = result.unwrap_err();
        assert_eq!(
            error.kind,
            ErrorKind::WebhookVerification,
            "{}",
            error.message
        );
        assert!(!error.message.contains(SECRET));
        error.reason.unwrap()
    }

    #[test]
    fn the_fixed_vector_verifies_and_so_does_the_test_signer() {
        assert_eq!(sign(BODY, TIMESTAMP), SIGNATURE);
        assert!(verify_signature(BODY.as_bytes(), TIMESTAMP, SIGNATURE, &secret()).is_ok());
        let upper = SIGNATURE.to_ascii_uppercase();
        assert!(verify_signature(BODY.as_bytes(), TIMESTAMP, &upper, &secret()).is_ok());
    }

    #[test]
    fn a_good_delivery_yields_its_typed_payload() {
        let verified = verify(
            BODY,
            Some(TIMESTAMP),
            Some(SIGNATURE),
            Some(ID),
            SENT_AT_MS + 1000.0,
        )
        .unwrap();
        assert_eq!(verified.sent_at_ms, SENT_AT_MS);
        assert_eq!(verified.remember_until_ms, SENT_AT_MS + 300_000.0);
        let payload = verified.payload;
        assert_eq!(payload.id, ID);
        assert_eq!(payload.site_id.as_str(), SITE);
        assert_eq!(payload.query_id.as_str(), QUERY);
        assert_eq!(payload.source, WebhookSource::Async);
        assert_eq!(payload.occurred_at_ms, 1_772_721_000_000.0);
    }

    #[test]
    fn the_id_header_is_optional_and_compared_case_insensitively() {
        let now = SENT_AT_MS;
        assert!(verify(BODY, Some(TIMESTAMP), Some(SIGNATURE), None, now).is_ok());
        let upper = ID.to_ascii_uppercase();
        assert!(verify(BODY, Some(TIMESTAMP), Some(SIGNATURE), Some(&upper), now).is_ok());
        let other = Some("00000000-0000-4000-8000-000000000000");
        let result = verify(BODY, Some(TIMESTAMP), Some(SIGNATURE), other, now);
        assert_eq!(rejection(result), WebhookRejection::Headers);
    }

    #[test]
    fn a_wrong_secret_fails_the_signature() {
        let error = verify_signature(
            BODY.as_bytes(),
            TIMESTAMP,
            SIGNATURE,
            &Secret::new("whsec_other"),
        )
        .unwrap_err();
        assert_eq!(error.reason, Some(WebhookRejection::Signature));
        assert!(error.message.contains("does not match"));
    }

    #[test]
    fn a_tampered_body_or_timestamp_fails_the_signature() {
        let tampered = BODY.replace("async", "registered");
        let result = verify(
            &tampered,
            Some(TIMESTAMP),
            Some(SIGNATURE),
            None,
            SENT_AT_MS,
        );
        assert_eq!(rejection(result), WebhookRejection::Signature);
        let later = "2026-03-05T14:31:05.1234567+00:00";
        let result = verify(BODY, Some(later), Some(SIGNATURE), None, SENT_AT_MS);
        assert_eq!(rejection(result), WebhookRejection::Signature);
    }

    #[test]
    fn malformed_signatures_are_refused_before_any_hmac() {
        for bad in [
            &SIGNATURE[..63],
            &format!("{SIGNATURE}0"),
            &format!("sha256={}", &SIGNATURE[7..]),
            &SIGNATURE.replace('9', "g"),
            &format!("{}é", &SIGNATURE[..62]),
        ] {
            let error = verify_signature(BODY.as_bytes(), TIMESTAMP, bad, &secret()).unwrap_err();
            assert_eq!(error.reason, Some(WebhookRejection::Signature), "{bad}");
            assert!(error.message.contains("64 hexadecimal"), "{bad}");
        }
    }

    #[test]
    fn signing_matches_the_independent_vector_and_verifies() {
        let signature = sign_webhook(BODY.as_bytes(), TIMESTAMP, &secret()).unwrap();
        assert_eq!(signature, SIGNATURE);
        verify_signature(BODY.as_bytes(), TIMESTAMP, &signature, &secret()).unwrap();
        let other = sign_webhook(BODY.as_bytes(), TIMESTAMP, &Secret::new("whsec_other")).unwrap();
        assert_ne!(other, SIGNATURE);
        let error = sign_webhook(BODY.as_bytes(), TIMESTAMP, &Secret::new("")).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("secret"));
    }

    #[test]
    fn an_empty_secret_is_a_configuration_error() {
        let error =
            verify_signature(BODY.as_bytes(), TIMESTAMP, SIGNATURE, &Secret::new("")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Validation);
        assert_eq!(error.field.as_deref(), Some("secret"));
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let tolerance_ms = DEFAULT_TOLERANCE_S as f64 * 1000.0;
        let at = |now| verify(BODY, Some(TIMESTAMP), Some(SIGNATURE), None, now);
        assert!(at(SENT_AT_MS + tolerance_ms).is_ok());
        assert!(at(SENT_AT_MS - tolerance_ms).is_ok());
        let stale = at(SENT_AT_MS + tolerance_ms + 1.0).unwrap_err();
        assert_eq!(stale.reason, Some(WebhookRejection::Timestamp));
        assert!(stale.message.contains("old"), "{}", stale.message);
        let future = at(SENT_AT_MS - tolerance_ms - 1.0).unwrap_err();
        assert_eq!(future.reason, Some(WebhookRejection::Timestamp));
        assert!(future.message.contains("future"), "{}", future.message);
    }

    #[test]
    fn freshness_honours_the_tolerance_and_refuses_a_nan_clock() {
        assert!(check_freshness(0.0, 10_000.0, 10).is_ok());
        assert!(check_freshness(0.0, 10_001.0, 10).is_err());
        assert!(check_freshness(10_001.0, 0.0, 10).is_err());
        assert!(check_freshness(0.0, 1.0, 0).is_err());
        let error = check_freshness(0.0, f64::NAN, 300).unwrap_err();
        assert_eq!(error.reason, Some(WebhookRejection::Timestamp));
    }

    #[test]
    fn an_unreadable_timestamp_is_refused_after_the_signature() {
        let timestamp = "yesterday";
        let signature = sign(BODY, timestamp);
        let result = verify(BODY, Some(timestamp), Some(&signature), None, SENT_AT_MS);
        assert_eq!(rejection(result), WebhookRejection::Timestamp);
        // Unsigned, the same header fails on the signature first.
        let result = verify(BODY, Some(timestamp), Some(SIGNATURE), None, SENT_AT_MS);
        assert_eq!(rejection(result), WebhookRejection::Signature);
    }

    #[test]
    fn missing_headers_are_named() {
        for (timestamp, signature, named) in [
            (None, Some(SIGNATURE), "missing X-Halo-Timestamp"),
            (Some(TIMESTAMP), None, "missing X-Halo-Signature-256"),
            (Some(" "), Some(SIGNATURE), "missing X-Halo-Timestamp"),
            (
                None,
                None,
                "missing X-Halo-Timestamp and X-Halo-Signature-256",
            ),
        ] {
            let error = verify(BODY, timestamp, signature, None, SENT_AT_MS).unwrap_err();
            assert_eq!(error.reason, Some(WebhookRejection::Headers));
            assert!(error.message.ends_with(named), "{}", error.message);
        }
    }

    #[test]
    fn a_forged_body_is_never_parsed_whatever_it_holds() {
        let parsed = core::cell::Cell::new(false);
        let parser = |_: &[u8]| {
            parsed.set(true);
            None
        };
        let secret = secret();
        for body in [BODY, "", "not json", r#"{"id":5,"siteId":[]}"#, "[1,2]"] {
            let error = verify_webhook(WebhookInput {
                raw_body: body.as_bytes(),
                payload: &parser,
                timestamp_header: Some(TIMESTAMP),
                signature_header: Some(&sign(body, "2026-03-05T14:30:06+00:00")),
                id_header: Some(ID),
                secret: &secret,
                tolerance_s: DEFAULT_TOLERANCE_S,
                now_ms: SENT_AT_MS,
            })
            .unwrap_err();
            assert_eq!(error.reason, Some(WebhookRejection::Signature));
        }
        assert!(!parsed.get(), "an unsigned body was parsed");
    }

    #[test]
    fn a_body_over_the_limit_is_refused_before_anything_else() {
        let huge = "x".repeat(MAX_WEBHOOK_BODY_BYTES + 1);
        let error = verify(&huge, None, None, None, SENT_AT_MS).unwrap_err();
        assert_eq!(error.reason, Some(WebhookRejection::Payload));
        assert!(error.message.contains("65536 bytes"), "{}", error.message);
        assert!(body_within_limit(MAX_WEBHOOK_BODY_BYTES).is_ok());
        // At the limit, the usual checks run: here, the missing headers.
        let full = "x".repeat(MAX_WEBHOOK_BODY_BYTES);
        let error = verify(&full, None, None, None, SENT_AT_MS).unwrap_err();
        assert_eq!(error.reason, Some(WebhookRejection::Headers));
    }

    #[test]
    fn a_mismatch_on_a_reserialised_body_says_to_pass_the_raw_body() {
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(BODY).unwrap())
                .unwrap();
        for body in [pretty.as_str(), "[object Object]", BODY] {
            let error = verify_signature(
                body.as_bytes(),
                TIMESTAMP,
                &sign(body, "2026-03-05T14:30:06+00:00"),
                &secret(),
            )
            .unwrap_err();
            assert!(error.message.contains("express.raw"), "{}", error.message);
        }
        let error = verify_signature(b"not json", TIMESTAMP, SIGNATURE, &secret()).unwrap_err();
        assert!(!error.message.contains("raw body"), "{}", error.message);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_facade_reads_the_body_limit_from_the_core() {
        crate::generated_files::check_generated(
            "pkg-template/src/generated/webhook-limits.ts",
            &format!(
                "// Generated by `cargo test` from MAX_WEBHOOK_BODY_BYTES in\n\
                 // src/core/integrator/webhooks.rs: do not edit.\n\n\
                 /**\n * The largest webhook body `verifyWebhook` reads, in bytes: a larger one is\n \
                 * refused (`HaloWebhookError`, reason `payload`) before it is copied into\n \
                 * wasm. Halo's notifications are under 1 KB. Give your body parser the same\n \
                 * limit so it stops reading there.\n *\n \
                 * @example\n \
                 * app.post(\"/halo/webhook\", express.raw({{ type: \"application/json\", limit: MAX_WEBHOOK_BODY_BYTES }}), handler);\n \
                 */\nexport const MAX_WEBHOOK_BODY_BYTES = {MAX_WEBHOOK_BODY_BYTES};\n"
            ),
        );
    }

    #[test]
    fn the_tolerance_is_whole_seconds_up_to_a_day() {
        assert_eq!(tolerance(None).unwrap(), DEFAULT_TOLERANCE_S);
        assert_eq!(tolerance(Some(0.0)).unwrap(), 0);
        for bad in [f64::NAN, -1.0, 1.5, f64::INFINITY, 86_401.0] {
            let error = tolerance(Some(bad)).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("toleranceSeconds"), "{bad}");
        }
    }

    #[test]
    fn a_signed_but_malformed_payload_is_refused() {
        let good: serde_json::Value = serde_json::from_str(BODY).unwrap();
        for (field, value, complaint) in [
            ("id", serde_json::json!("not-a-uuid"), "id must be a UUID"),
            ("id", serde_json::Value::Null, "id must be a UUID"),
            ("siteId", serde_json::json!("12345"), "siteId must be"),
            ("queryId", serde_json::json!(""), "queryId must be"),
            (
                "occurredAt",
                serde_json::json!("2026-03-05T14:30:00"),
                "occurredAt",
            ),
            (
                "webhookSource",
                serde_json::json!("immediate"),
                "webhookSource",
            ),
            ("webhookSource", serde_json::Value::Null, "webhookSource"),
        ] {
            let mut body = good.clone();
            body[field] = value;
            let body = body.to_string();
            let signature = sign(&body, TIMESTAMP);
            let error =
                verify(&body, Some(TIMESTAMP), Some(&signature), None, SENT_AT_MS).unwrap_err();
            assert_eq!(error.reason, Some(WebhookRejection::Payload), "{field}");
            assert!(error.message.contains(complaint), "{}", error.message);
        }
    }

    #[test]
    fn a_body_that_is_not_a_payload_object_is_refused() {
        for body in ["[]", "not json", "{\"id\":5}"] {
            let signature = sign(body, TIMESTAMP);
            let result = verify(body, Some(TIMESTAMP), Some(&signature), None, SENT_AT_MS);
            assert_eq!(rejection(result), WebhookRejection::Payload, "{body}");
        }
    }

    #[test]
    fn the_older_source_field_is_read_when_webhook_source_is_absent() {
        let body = BODY.replace("\"webhookSource\":\"async\"", "\"source\":\"registered\"");
        let signature = sign(&body, TIMESTAMP);
        let verified = verify(&body, Some(TIMESTAMP), Some(&signature), None, SENT_AT_MS).unwrap();
        assert_eq!(verified.payload.source, WebhookSource::Registered);
        // When both are present, the current name wins.
        let both = BODY.replace(
            "\"webhookSource\"",
            "\"source\":\"registered\",\"webhookSource\"",
        );
        let payload = WebhookPayload::parse(payload_of(both.as_bytes()).unwrap()).unwrap();
        assert_eq!(payload.source, WebhookSource::Async);
    }

    #[test]
    fn payload_ids_are_normalised_to_lowercase() {
        let mut input = payload_of(BODY.as_bytes()).unwrap();
        input.id = Some(ID.to_ascii_uppercase());
        input.site_id = Some(SITE.to_ascii_uppercase());
        input.query_id = Some(QUERY.to_ascii_uppercase());
        let payload = WebhookPayload::parse(input).unwrap();
        assert_eq!(payload.id, ID);
        assert_eq!(payload.site_id.as_str(), SITE);
        assert_eq!(payload.query_id.as_str(), QUERY);
    }

    #[test]
    fn webhook_sources_name_themselves_as_in_the_payload() {
        assert_eq!(WebhookSource::Async.as_str(), "async");
        assert_eq!(WebhookSource::Registered.as_str(), "registered");
    }
}
