//! Result delivery's decisions for the facade's delivery component
//! (pkg-template/src/server/delivery/): the core plans, the facade calls.

use super::js_error::{to_js, Failure};
use crate::core::error::HaloError;
use crate::core::integrator::delivery::{
    delivery_backoff_ms, expiry, plan_status_batches, rate_limited_until, Expiry, ReconcilePolicy,
    TrackedQuery,
};
use crate::core::limits::MAX_QUERY_STATUS_IDS;
use crate::core::responses::FAILED_QUERY_STATES;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

fn set(target: &Object, key: &str, value: JsValue) {
    // A fresh plain object: defining a property cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

/// The status calls reconciliation makes now: `siteIds[i]`, `startedAtMs[i]`
/// and `lastCheckedMs[i]` (NaN: never) describe tracked query `i`; each
/// call names its queries by index.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = planStatusBatches, unchecked_return_type = "{ siteId: string; indices: number[]; sendAtMs: number }[]")]
pub fn plan_status_batches_js(
    now_ms: f64,
    site_ids: Vec<String>,
    started_at_ms: Vec<f64>,
    last_checked_ms: Vec<f64>,
    overdue_after_ms: f64,
    recheck_every_ms: f64,
    batch_spacing_ms: f64,
    not_before_ms: f64,
) -> Result<JsValue, JsValue> {
    if site_ids.len() != started_at_ms.len() || site_ids.len() != last_checked_ms.len() {
        let error =
            HaloError::validation("tracked", "the tracked queries' columns differ in length");
        return Err(to_js(Failure::from(error), &[]));
    }
    let tracked: Vec<TrackedQuery> = site_ids
        .into_iter()
        .zip(started_at_ms)
        .zip(last_checked_ms)
        .map(|((site_id, started_at_ms), checked)| TrackedQuery {
            site_id,
            started_at_ms,
            last_checked_ms: (!checked.is_nan()).then_some(checked),
        })
        .collect();
    let policy = ReconcilePolicy {
        overdue_after_ms,
        recheck_every_ms,
        batch_spacing_ms,
    };
    let batches = Array::new();
    for batch in plan_status_batches(now_ms, &tracked, &policy, not_before_ms) {
        let entry = Object::new();
        set(&entry, "siteId", batch.site_id.as_str().into());
        let indices: Array = batch
            .indices
            .iter()
            .map(|&i| JsValue::from(i as u32))
            .collect();
        set(&entry, "indices", indices.into());
        set(&entry, "sendAtMs", batch.send_at_ms.into());
        batches.push(&entry);
    }
    Ok(batches.into())
}

/// The most query ids one status call carries.
#[wasm_bindgen(js_name = statusBatchLimit)]
pub fn status_batch_limit() -> u32 {
    MAX_QUERY_STATUS_IDS as u32
}

/// Whether an async query's status is a terminal failure (no result will
/// come): the core's one list, so the component never spells it again.
#[wasm_bindgen(js_name = isFailedQueryState)]
pub fn is_failed_query_state(status: &str) -> bool {
    FAILED_QUERY_STATES.contains(&status)
}

/// When reconciliation may call again after a 429 (NaN: no `Retry-After`).
#[wasm_bindgen(js_name = rateLimitedUntil)]
pub fn rate_limited_until_js(now_ms: f64, retry_after_ms: f64, default_wait_ms: f64) -> f64 {
    rate_limited_until(
        now_ms,
        (!retry_after_ms.is_nan()).then_some(retry_after_ms),
        default_wait_ms,
    )
}

/// The wait before the next delivery attempt after `attempt` failed.
#[wasm_bindgen(js_name = deliveryBackoffMs)]
pub fn delivery_backoff_ms_js(attempt: u32, base_ms: f64, max_ms: f64, random: f64) -> f64 {
    delivery_backoff_ms(
        attempt,
        base_ms.max(0.0) as u64,
        max_ms.max(0.0) as u64,
        random,
    ) as f64
}

/// Where a result stands against Halo's retention: the expiry time while
/// it is close, `Infinity` while fresh, `-Infinity` once past.
#[wasm_bindgen(js_name = resultExpiry)]
pub fn result_expiry(
    now_ms: f64,
    completed_at_ms: f64,
    retention_ms: f64,
    warn_before_ms: f64,
) -> f64 {
    match expiry(now_ms, completed_at_ms, retention_ms, warn_before_ms) {
        Expiry::Fresh => f64::INFINITY,
        Expiry::Expiring { expires_at_ms } => expires_at_ms,
        Expiry::Expired => f64::NEG_INFINITY,
    }
}
