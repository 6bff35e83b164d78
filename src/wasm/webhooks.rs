//! Webhook helpers for the integrator's cloud: URL templates and signature
//! verification. The facade parses the JSON body and keeps the replay store.

use super::convert::from_js;
use super::host::wall_clock_ms;
use super::js_error::{to_js, Failure};
use crate::core::error::HaloError;
use crate::core::integrator::webhook_url::expand_webhook_url as expand;
use crate::core::integrator::webhooks::{verify_webhook, WebhookInput, WebhookPayloadInput};
use crate::core::secret::Secret;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// Fills `{siteId}`, `{queryId}` and `{source}` in a webhook URL template.
#[wasm_bindgen(js_name = expandWebhookUrl)]
pub fn expand_webhook_url(
    template: &str,
    site_id: &str,
    query_id: &str,
    source: &str,
) -> Result<String, JsValue> {
    expand(template, site_id, query_id, source).map_err(|error| to_js(Failure::from(error), &[]))
}

/// Checks a webhook's headers, HMAC-SHA256 signature, freshness and
/// payload. `payload` is the body parsed by `JSON.parse` (or `undefined` when
/// it was not JSON); `raw_body` is the exact bytes that were signed.
#[wasm_bindgen(js_name = verifyWebhookRequest, unchecked_return_type = "{ id: string; occurredAt: Date; siteId: string; queryId: string; webhookSource: string; sentAt: Date; rememberUntil: number }")]
#[allow(clippy::too_many_arguments)]
pub fn verify_webhook_request(
    raw_body: &[u8],
    #[wasm_bindgen(unchecked_param_type = "unknown")] payload: JsValue,
    timestamp: Option<String>,
    signature: Option<String>,
    id: Option<String>,
    secret: String,
    tolerance_s: f64,
) -> Result<JsValue, JsValue> {
    let secret = Secret::new(secret);
    let reject = |error: HaloError| to_js(Failure::from(error), &[secret.expose()]);
    let payload: Option<WebhookPayloadInput> = if payload.is_object() {
        Some(from_js("payload", payload).map_err(reject)?)
    } else {
        None
    };
    let verified = verify_webhook(WebhookInput {
        raw_body,
        payload,
        timestamp_header: timestamp.as_deref(),
        signature_header: signature.as_deref(),
        id_header: id.as_deref(),
        secret: &secret,
        tolerance_s: if tolerance_s.is_finite() && tolerance_s >= 0.0 {
            tolerance_s as u64
        } else {
            0
        },
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
