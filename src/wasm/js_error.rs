//! Core errors become real JavaScript `Error` objects with a stable `name`
//! and `code`; the TypeScript facade re-creates them as its classes.

use crate::core::config::Endpoint;
use crate::core::error::{props, HaloError, Sent};
// The integrator holds the subscription key, which a proxy may echo
// disguised (upper-cased, wrapped, base64 in a `Basic` header); the
// device's download goes without that matching (about 1 KB of gzip).
#[cfg(not(feature = "integrator"))]
use crate::core::secret::redact;
#[cfg(feature = "integrator")]
use crate::core::secret::redact_disguised as redact;
use js_sys::{Error, Reflect};
use wasm_bindgen::JsValue;

/// A failed call, as the shell carries it back to JavaScript.
pub(super) enum Failure {
    Halo(HaloError, Option<JsValue>),
    /// Rejects with the abort signal's reason, unchanged, as `fetch` does.
    Aborted(JsValue),
}

impl Failure {
    /// The failure with the endpoint's explanation of a 404, if it has one
    /// (see `Endpoint::explain`); `path` is the request's.
    pub(super) fn explained(self, endpoint: &Endpoint, path: &str) -> Self {
        match self {
            Failure::Halo(error, cause) => Failure::Halo(endpoint.explain(path, error), cause),
            aborted => aborted,
        }
    }

    /// [`Failure::explained`] for the integrator's own endpoints (see [`Endpoint::explain_integrator`]).
    #[cfg(feature = "integrator")]
    pub(super) fn explained_integrator(self, endpoint: &Endpoint, path: &str) -> Self {
        match self {
            Failure::Halo(error, cause) => {
                Failure::Halo(endpoint.explain_integrator(path, error), cause)
            }
            aborted => aborted,
        }
    }
}

impl Failure {
    /// The failure, saying what Halo may have received (an abort rejects
    /// with the signal's reason, which carries nothing).
    pub(super) fn sent(self, sent: Sent) -> Self {
        match self {
            Failure::Halo(error, cause) => Failure::Halo(error.with_sent(sent), cause),
            aborted => aborted,
        }
    }
}

impl From<HaloError> for Failure {
    fn from(error: HaloError) -> Self {
        Failure::Halo(error, None)
    }
}

fn set(target: &JsValue, key: &str, value: JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

/// The JS value a call rejects with. `secrets` are scrubbed from the message:
/// a server or a `getToken` that echoes them must not leak them through us.
pub(super) fn to_js(failure: Failure, secrets: &[&str]) -> JsValue {
    let (error, cause) = match failure {
        Failure::Aborted(reason) => return reason,
        Failure::Halo(error, cause) => (error, cause),
    };
    let js = Error::new(&redact(&error.message, secrets));
    js.set_name(error.kind.class_name());
    let js = JsValue::from(js);
    set(&js, "code", error.kind.code().into());
    set(&js, "retryable", error.retryable().into());
    set(&js, props::SENT, error.sent.as_str().into());
    if let Some(rows) = error.rows_received {
        set(&js, props::ROWS_RECEIVED, (rows as f64).into());
    }
    if let Some(status) = error.status {
        set(&js, "status", status.into());
    }
    if let Some(field) = &error.field {
        set(&js, props::FIELD, field.as_str().into());
    }
    if let Some(ms) = error.retry_after_ms {
        set(&js, props::RETRY_AFTER_MS, (ms as f64).into());
    }
    if let Some(query) = &error.query {
        set(&js, props::QUERY_STATUS, query.status.as_str().into());
        if let Some(kind) = &query.error_type {
            set(&js, props::ERROR_TYPE, kind.as_str().into());
        }
        if let Some(code) = query.error_code {
            set(&js, props::ERROR_CODE, (code as f64).into());
        }
        if let Some(message) = &query.error_message {
            set(&js, props::ERROR_MESSAGE, redact(message, secrets).into());
        }
    }
    if let Some(reason) = error.reason {
        set(&js, props::REASON, reason.as_str().into());
    }
    if let Some(cause) = cause {
        set(&js, "cause", scrubbed(cause, secrets, MAX_CAUSE_DEPTH));
    }
    js
}

/// How many causes deep a chain that quoted a secret is rebuilt; deeper
/// causes are dropped.
const MAX_CAUSE_DEPTH: u32 = 3;
/// How far into a thrown value secrets are looked for: `util.inspect` and
/// `JSON.stringify` show nested properties, so a value is kept only if
/// every string in it (a key, a `message`, a `stack`) was searched.
const MAX_SEARCH_DEPTH: u32 = 8;
/// How many values one search may read; a bigger value is not kept.
const MAX_SEARCH_VALUES: u32 = 512;

/// A cause (what `getToken`, `fetch` or the runtime threw) as a rejection
/// may carry it: as it is when none of `secrets` is anywhere in it, else a
/// new `Error` with the message and name scrubbed and its own cause
/// scrubbed the same way, to `depth` levels. A thrown error quoting the
/// token ("bad token eyJ…") must not leak what the message scrubbing hides.
fn scrubbed(cause: JsValue, secrets: &[&str], depth: u32) -> JsValue {
    let mut budget = MAX_SEARCH_VALUES;
    if !quotes_a_secret(&cause, secrets, MAX_SEARCH_DEPTH, &mut budget) {
        return cause;
    }
    let text = |key: &str| {
        Reflect::get(&cause, &JsValue::from_str(key))
            .ok()
            .and_then(|value| value.as_string())
    };
    let message = cause.as_string().or_else(|| text("message")).map_or_else(
        || "(a value that quoted a secret, removed)".to_owned(),
        |message| redact(&message, secrets),
    );
    let replacement = Error::new(&message);
    if let Some(name) = text("name") {
        replacement.set_name(&redact(&name, secrets));
    }
    let inner = Reflect::get(&cause, &JsValue::from_str("cause"))
        .ok()
        .filter(|inner| !inner.is_undefined());
    if let Some(inner) = inner.filter(|_| depth > 1) {
        set(&replacement, "cause", scrubbed(inner, secrets, depth - 1));
    }
    replacement.into()
}

/// Whether any string in `value` (keys included, own properties, `depth`
/// levels down) contains a secret. A value that cannot be searched in full
/// (too deep, too big, a getter or proxy that throws) counts as quoting one.
fn quotes_a_secret(value: &JsValue, secrets: &[&str], depth: u32, budget: &mut u32) -> bool {
    if let Some(text) = value.as_string() {
        return redact(&text, secrets) != text;
    }
    if !value.is_object() && !value.is_function() {
        return false;
    }
    if depth == 0 || *budget == 0 {
        return true;
    }
    *budget -= 1;
    let Ok(keys) = Reflect::own_keys(value) else {
        return true;
    };
    keys.iter().any(|key| {
        quotes_a_secret(&key, secrets, depth, budget)
            || Reflect::get(value, &key).map_or(true, |inner| {
                quotes_a_secret(&inner, secrets, depth - 1, budget)
            })
    })
}
