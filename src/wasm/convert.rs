//! Reading JavaScript arguments into core input types, and turning a call
//! into the promise JavaScript awaits.

use super::fields::js_string;
use super::js_error::{to_js, Failure};
use crate::core::error::HaloError;
use js_sys::Promise;
#[cfg(feature = "integrator")]
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

/// Reads a JS value into a core input type; `undefined` and `null` give its
/// default, a wrong shape a validation error naming `field`. (The device
/// entry reads its inputs with `fields` instead, which costs far less wasm.)
#[cfg(feature = "integrator")]
#[expect(
    clippy::disallowed_methods,
    reason = "integrator only (the feature gate): servers, where serde's size matters less than reading whole option objects"
)]
pub(crate) fn from_js<T: DeserializeOwned + Default>(
    field: &str,
    value: JsValue,
) -> Result<T, HaloError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|error| {
        HaloError::validation(field, format!("{field} has the wrong shape: {error}"))
    })
}

pub(super) fn string_arg(field: &str, value: JsValue) -> Result<String, HaloError> {
    js_string(field, &value)?
        .ok_or_else(|| HaloError::validation(field, format!("{field} must be a string")))
}

/// A number argument, read without JavaScript's coercions: `"2"`, `true`
/// or `[2]` are refused like any other option of the wrong type.
pub(super) fn number_arg(field: &str, value: &JsValue) -> Result<f64, HaloError> {
    value
        .as_f64()
        .ok_or_else(|| HaloError::validation(field, format!("{field} must be a number")))
}

pub(super) type Pending = Pin<Box<dyn Future<Output = Result<JsValue, Failure>>>>;

/// What a client scrubs from the messages of its errors.
pub(super) trait Secrets {
    fn secrets(&self) -> Vec<String>;
}

/// Runs one call with the client's shared state, as the promise JavaScript
/// awaits; it rejects with a JS error scrubbed of the state's secrets.
pub(super) fn run<S, F, Fut>(shared: &Rc<S>, call: F) -> Promise
where
    S: Secrets + 'static,
    F: FnOnce(Rc<S>) -> Fut,
    Fut: Future<Output = Result<JsValue, Failure>> + 'static,
{
    let pending: Pending = Box::pin(call(shared.clone()));
    let shared = shared.clone();
    promise(pending, Box::new(move || shared.secrets()))
}

/// The promise of a call, rejecting with a scrubbed JS error. `secrets`
/// is asked only on failure, for the values to scrub from the message. One
/// non-generic `future_to_promise` serves every method: each generic copy
/// of it costs the wasm about 2 KB.
pub(super) fn promise(pending: Pending, secrets: Box<dyn Fn() -> Vec<String>>) -> Promise {
    future_to_promise(async move {
        pending.await.map_err(|failure| {
            let secrets = secrets();
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            to_js(failure, &secrets)
        })
    })
}
