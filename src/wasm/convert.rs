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
/// serde-wasm-bindgen reads a field wherever `obj[key]` finds it, so the
/// value is first copied as its own data only: an `attemptTimeoutMs` or a
/// `grantType` inherited from a polluted `Object.prototype` has no effect.
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
    serde_wasm_bindgen::from_value(own_data(field, &value, 0)?).map_err(|error| {
        HaloError::validation(field, format!("{field} has the wrong shape: {error}"))
    })
}

/// A copy of `value` made of its own string-keyed properties only, on
/// objects without a prototype, arrays and primitives kept as they are. A
/// getter or `Proxy` trap that throws is a validation error naming
/// `field`, never the host's error.
#[cfg(feature = "integrator")]
fn own_data(field: &str, value: &JsValue, depth: u32) -> Result<JsValue, HaloError> {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::JsCast;
    // Inputs are a few levels deep; a cycle or a runaway nesting stops here.
    const MAX_DEPTH: u32 = 16;
    let unreadable = || {
        HaloError::validation(
            field,
            format!("{field} could not be read: a property getter or Proxy threw"),
        )
    };
    if !value.is_object() || value.is_function() {
        return Ok(value.clone());
    }
    if depth > MAX_DEPTH {
        return Err(HaloError::validation(
            field,
            format!("{field} is nested too deeply"),
        ));
    }
    if Array::is_array(value) {
        let copy = Array::new();
        let length = Reflect::get(value, &"length".into()).map_err(|_| unreadable())?;
        for index in 0..length.as_f64().unwrap_or(0.0) as u32 {
            let item = Reflect::get_u32(value, index).map_err(|_| unreadable())?;
            copy.push(&own_data(field, &item, depth + 1)?);
        }
        return Ok(copy.into());
    }
    let object: &Object = value.unchecked_ref();
    let copy = Object::new();
    Object::set_prototype_of(&copy, JsValue::NULL.unchecked_ref());
    for key in Reflect::own_keys(object).map_err(|_| unreadable())?.iter() {
        if !key.is_string() {
            continue;
        }
        let item = Reflect::get(object, &key).map_err(|_| unreadable())?;
        Reflect::set(&copy, &key, &own_data(field, &item, depth + 1)?).map_err(|_| unreadable())?;
    }
    Ok(copy.into())
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
