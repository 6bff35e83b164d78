//! One HTTP attempt through `fetch` (the injected one or the global one),
//! bounded by a timeout and the caller's `AbortSignal`.

use super::host::{until_aborted, AbortController, AbortSignal, Interrupted, Timer};
use crate::core::error::{ErrorKind, HaloError};
use crate::core::headers::{ACCEPT, CONTENT_TYPE};
use crate::core::requests::RequestSpec;
use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    type FetchResponse;
    #[wasm_bindgen(method, getter)]
    fn status(this: &FetchResponse) -> u16;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &FetchResponse) -> FetchHeaders;
    #[wasm_bindgen(method)]
    fn text(this: &FetchResponse) -> Promise;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;

    type FetchHeaders;
    #[wasm_bindgen(method)]
    fn get(this: &FetchHeaders, name: &str) -> Option<String>;
}

pub struct HttpResponse {
    pub status: u16,
    /// The parsed JSON body, or `undefined` when there was none.
    pub body: JsValue,
    pub retry_after: Option<String>,
}

impl HttpResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub enum AttemptError {
    /// The caller's signal aborted: the call rejects with `signal.reason`.
    Aborted(JsValue),
    /// A network failure or timeout, with what `fetch` threw as the cause.
    Failed(HaloError, Option<JsValue>),
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn network_error(message: &str) -> HaloError {
    HaloError::new(ErrorKind::Network, message)
}

/// Sends `spec` once with `auth` headers.
pub async fn send(
    fetch: &Function,
    spec: &RequestSpec,
    auth: &[(&'static str, String)],
    timeout_ms: u64,
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, AttemptError> {
    let headers = Object::new();
    set(&headers, ACCEPT, &JsValue::from_str("application/json"));
    for (name, value) in auth {
        set(&headers, name, &JsValue::from_str(value));
    }
    let init = Object::new();
    set(&init, "method", &JsValue::from_str(spec.method.as_str()));
    if let Some(body) = &spec.body {
        set(
            &headers,
            CONTENT_TYPE,
            &JsValue::from_str(body.content_type),
        );
        set(&init, "body", &JsValue::from_str(&body.text));
    }
    set(&init, "headers", &headers);

    let controller = AbortController::new();
    set(&init, "signal", &controller.signal());
    let abort: Function = Reflect::get(&controller, &JsValue::from_str("abort"))
        .map(|f| {
            f.unchecked_into::<Function>()
                .bind0(&controller)
                .unchecked_into()
        })
        .unwrap_or_else(|_| Function::new_no_args(""));
    let _timer = Timer::start(&abort, timeout_ms as f64);
    let timed_out = || {
        let error = HaloError::new(
            ErrorKind::Timeout,
            format!(
                "no response within {timeout_ms} ms ({} {})",
                spec.method.as_str(),
                spec.path
            ),
        );
        AttemptError::Failed(error, None)
    };
    let interrupted = |interruption: Interrupted| {
        match interruption {
        Interrupted::Aborted(reason) => {
            controller.abort(&reason);
            AttemptError::Aborted(reason)
        }
        Interrupted::Rejected(_) if controller.signal().aborted() => timed_out(),
        Interrupted::Rejected(cause) => AttemptError::Failed(
            network_error(&format!(
                "the request could not be completed ({} {}): network error, refused connection or CORS",
                spec.method.as_str(),
                spec.path
            )),
            Some(cause),
        ),
    }
    };

    let pending = fetch
        .call2(&js_sys::global(), &JsValue::from_str(&spec.url), &init)
        .map_err(|cause| {
            AttemptError::Failed(network_error("fetch threw before sending"), Some(cause))
        })?;
    let pending = pending
        .dyn_into::<Promise>()
        .unwrap_or_else(|value| Promise::resolve(&value));
    let response: FetchResponse = until_aborted(pending, signal)
        .await
        .map_err(interrupted)?
        .unchecked_into();
    let text = until_aborted(response.text(), signal)
        .await
        .map_err(interrupted)?;
    let status = response.status();
    let headers = response.headers();
    // The text stays a JS string: a result page can be megabytes, and
    // copying it into wasm memory only to hand it back cost 1.5x the time.
    let empty = text.dyn_ref::<JsString>().is_none_or(|t| t.length() == 0);
    let body = if empty {
        JsValue::UNDEFINED
    } else {
        match parse_json(&text) {
            Ok(parsed) => parsed,
            // A 2xx that is not JSON is a broken contract; an error page
            // in HTML is common and still classified by its status.
            Err(_) if (200..300).contains(&status) => {
                let error = HaloError::new(
                    ErrorKind::Protocol,
                    "Halo Cloud answered with a body that is not JSON",
                )
                .with_status(status);
                return Err(AttemptError::Failed(error, None));
            }
            Err(_) => JsValue::UNDEFINED,
        }
    };
    Ok(HttpResponse {
        status,
        body,
        retry_after: headers.get("Retry-After"),
    })
}
