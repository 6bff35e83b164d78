//! Core errors become real JavaScript `Error` objects with a stable `name`
//! and `code`; the TypeScript facade re-creates them as its classes.

use crate::core::config::Endpoint;
use crate::core::error::{props, HaloError};
use crate::core::secret::redact;
use js_sys::{Error, Reflect};
use wasm_bindgen::JsValue;

/// A failed call, as the shell carries it back to JavaScript.
pub enum Failure {
    Halo(HaloError, Option<JsValue>),
    /// Rejects with the abort signal's reason, unchanged, as `fetch` does.
    Aborted(JsValue),
}

impl Failure {
    /// The failure with the endpoint's explanation of a 404, if it has one
    /// (see `Endpoint::explain`); `path` is the request's.
    pub fn explained(self, endpoint: &Endpoint, path: &str) -> Self {
        match self {
            Failure::Halo(error, cause) => Failure::Halo(endpoint.explain(path, error), cause),
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
pub fn to_js(failure: Failure, secrets: &[&str]) -> JsValue {
    let (error, cause) = match failure {
        Failure::Aborted(reason) => return reason,
        Failure::Halo(error, cause) => (error, cause),
    };
    let js = Error::new(&redact(&error.message, secrets));
    js.set_name(error.kind.class_name());
    let js = JsValue::from(js);
    set(&js, "code", error.kind.code().into());
    set(&js, "retryable", error.retryable().into());
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
        set(&js, "cause", cause);
    }
    js
}
