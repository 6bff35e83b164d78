//! Webhook helpers for the integrator's cloud: URL templates and signature
//! verification. The facade keeps the replay store.

use super::convert::{number_arg, string_arg};
use super::fields::{js_string, Fields};
use super::host::wall_clock_ms;
use super::js_error::{to_js, Failure};
use crate::core::error::HaloError;
use crate::core::integrator::webhook_url::expand_webhook_url as expand;
use crate::core::integrator::webhooks::{
    body_within_limit, sign_webhook, tolerance, verify_webhook, WebhookInput, WebhookPayloadInput,
};
use crate::core::secret::Secret;
use js_sys::{ArrayBuffer, DataView, JsString, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;

/// Fills `{siteId}`, `{queryId}` and `{source}` in a webhook URL template.
/// Each argument is checked here: a non-string is a validation error
/// naming it, not wasm-bindgen's untyped "expected a string".
#[wasm_bindgen(js_name = expandWebhookUrl)]
pub fn expand_webhook_url(
    #[wasm_bindgen(unchecked_param_type = "unknown")] template: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] site_id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] query_id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] source: JsValue,
) -> Result<String, JsValue> {
    let expanded = (|| {
        let [template, site_id, query_id, source] = [
            string_arg("template", template)?,
            string_arg("siteId", site_id)?,
            string_arg("queryId", query_id)?,
            string_arg("source", source)?,
        ];
        expand(&template, &site_id, &query_id, &source)
    })();
    expanded.map_err(|error| to_js(Failure::from(error), &[]))
}

/// The body exactly as received: a string (as UTF-8), or the bytes of a
/// `Uint8Array` (a Node `Buffer` is one), an `ArrayBuffer` or a `DataView`.
/// Its size is checked before a byte is copied: a forged gigabyte costs
/// nothing, and cannot exhaust this instance's memory. (A string of `n`
/// UTF-16 units is at least `n` UTF-8 bytes; the core checks the exact
/// count after the copy, which the limit keeps small.)
fn raw_body_bytes(value: &JsValue) -> Result<Vec<u8>, HaloError> {
    if let Some(text) = value.dyn_ref::<JsString>() {
        body_within_limit(text.length() as usize)?;
        return Ok(js_string("rawBody", value)?
            .unwrap_or_default()
            .into_bytes());
    }
    let bytes = if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        body_within_limit(byte_length(value))?;
        bytes.clone()
    } else if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        body_within_limit(byte_length(value))?;
        Uint8Array::new(buffer)
    } else if let Some(view) = value.dyn_ref::<DataView>() {
        body_within_limit(byte_length(value))?;
        Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        )
    } else {
        return Err(HaloError::validation(
            "rawBody",
            "rawBody must be the body exactly as received: a string, Uint8Array, Buffer, ArrayBuffer or DataView",
        ));
    };
    Ok(bytes.to_vec())
}

/// `byteLength` as JavaScript reports it, read as a number: js-sys reads
/// it as a `u32`, which wraps past 4 GiB (a 4 GiB + 10 body would pass as
/// 10 bytes). Anything but a number counts as too large.
fn byte_length(value: &JsValue) -> usize {
    let length = Reflect::get(value, &JsValue::from_str("byteLength"))
        .ok()
        .and_then(|length| length.as_f64())
        .filter(|length| *length >= 0.0);
    // `as` saturates: past usize::MAX is usize::MAX.
    length.map_or(usize::MAX, |length| length as usize)
}

/// The payload's fields, read leniently from the parsed body: a field of
/// the wrong type is absent, and the core names it.
fn parse_payload(raw_body: &[u8]) -> Option<WebhookPayloadInput> {
    let text = core::str::from_utf8(raw_body).ok()?;
    let fields = Fields::lenient(JSON::parse(text).ok().filter(JsValue::is_object)?);
    Some(WebhookPayloadInput {
        id: fields.text("id"),
        occurred_at: fields.text("occurredAt"),
        site_id: fields.text("siteId"),
        query_id: fields.text("queryId"),
        webhook_source: fields.text("webhookSource"),
        source: fields.text("source"),
    })
}

/// The webhook secret argument, which must be a string.
fn secret_arg(secret: JsValue) -> Result<Secret, JsValue> {
    Ok(Secret::new(
        string_arg("secret", secret).map_err(|error| to_js(Failure::from(error), &[]))?,
    ))
}

/// Errors as JavaScript sees them, with the secret scrubbed from their
/// messages should any part of one echo it.
fn rejecter(secret: &Secret) -> impl Fn(HaloError) -> JsValue + Copy + '_ {
    move |error| to_js(Failure::from(error), &[secret.expose()])
}

/// `X-Halo-Signature-256` for `rawBody` sent at `timestamp` (the
/// `X-Halo-Timestamp` value), by the same rule `verifyWebhookRequest` checks:
/// for test notifications (`halo webhook send`), never a second signer.
#[wasm_bindgen(js_name = signWebhookRequest)]
pub fn sign_webhook_request(
    #[wasm_bindgen(unchecked_param_type = "unknown")] raw_body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] timestamp: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] secret: JsValue,
) -> Result<String, JsValue> {
    let secret = secret_arg(secret)?;
    let reject = rejecter(&secret);
    let raw_body = raw_body_bytes(&raw_body).map_err(reject)?;
    let timestamp = string_arg("timestamp", timestamp).map_err(reject)?;
    sign_webhook(&raw_body, &timestamp, &secret).map_err(reject)
}

/// Checks a webhook's headers, HMAC-SHA256 signature, freshness and
/// payload, in that order: the body is parsed only once it is known to be
/// Halo's. Headers that are not strings count as missing.
#[wasm_bindgen(js_name = verifyWebhookRequest, unchecked_return_type = "{ id: string; occurredAt: Date; siteId: string; queryId: string; webhookSource: string; sentAt: Date; rememberUntil: number }")]
pub fn verify_webhook_request(
    #[wasm_bindgen(unchecked_param_type = "unknown")] raw_body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] timestamp: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] signature: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] secret: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] tolerance_s: JsValue,
) -> Result<JsValue, JsValue> {
    let secret = secret_arg(secret)?;
    let reject = rejecter(&secret);
    let tolerance_s = if tolerance_s.is_undefined() {
        None
    } else {
        Some(number_arg("toleranceSeconds", &tolerance_s).map_err(reject)?)
    };
    let raw_body = raw_body_bytes(&raw_body).map_err(reject)?;
    let (timestamp, signature, id) = (timestamp.as_string(), signature.as_string(), id.as_string());
    let verified = verify_webhook(WebhookInput {
        raw_body: &raw_body,
        payload: &parse_payload,
        timestamp_header: timestamp.as_deref(),
        signature_header: signature.as_deref(),
        id_header: id.as_deref(),
        secret: &secret,
        tolerance_s: tolerance(tolerance_s).map_err(reject)?,
        now_ms: wall_clock_ms(),
    })
    .map_err(reject)?;
    let result = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&result, &JsValue::from_str(key), &value);
    };
    let payload = &verified.payload;
    set("id", payload.id.as_str().into());
    set(
        "occurredAt",
        js_sys::Date::new(&payload.occurred_at_ms.into()).into(),
    );
    set("siteId", payload.site_id.as_str().into());
    set("queryId", payload.query_id.as_str().into());
    set("webhookSource", payload.source.as_str().into());
    set(
        "sentAt",
        js_sys::Date::new(&verified.sent_at_ms.into()).into(),
    );
    set("rememberUntil", verified.remember_until_ms.into());
    Ok(result.into())
}
