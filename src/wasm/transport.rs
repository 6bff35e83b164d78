//! One HTTP attempt through `fetch` (the injected one or the global one),
//! bounded by a timeout and the caller's `AbortSignal`.
//!
//! What `fetch` hands back belongs to the host and is checked before use:
//! each read goes through a binding that catches, so a test double of the
//! wrong shape or a getter that throws fails the call with a typed error.
//! Redirects are never followed: one could carry the token or the key to
//! another host.

use super::host::{
    adopt, check_signal, is_thenable, until_aborted, AbortSignal, Interrupted, Timer,
};
use super::js_error::Failure;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::headers::{ACCEPT, CONTENT_TYPE};
use crate::core::limits::response_within_limit;
use crate::core::origin::origin;
use crate::core::requests::RequestSpec;
use crate::core::responses::redirect_refused;
use js_sys::{Array, Function, JsString, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, Headers, RequestInit, RequestRedirect, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;

    type TextDecoder;
    #[wasm_bindgen(constructor, js_namespace = globalThis, catch)]
    fn new() -> Result<TextDecoder, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &TextDecoder, bytes: &Uint8Array) -> Result<JsString, JsValue>;
}

pub(super) struct HttpResponse {
    pub status: u16,
    /// The parsed JSON body, or `undefined` when there was none.
    pub body: JsValue,
    pub retry_after: Option<String>,
}

impl HttpResponse {
    pub(super) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub(super) enum AttemptError {
    /// The caller's signal aborted: the call rejects with `signal.reason`.
    Aborted(JsValue),
    /// A network failure, a timeout or a broken answer, with what the host
    /// threw as the cause.
    Failed(HaloError, Option<JsValue>),
}

// Not inlined: a dozen error sites share one copy (~0.3 KB of gzipped wasm).
#[inline(never)]
fn failed(kind: ErrorKind, message: &str, cause: Option<JsValue>) -> AttemptError {
    AttemptError::Failed(HaloError::new(kind, message), cause)
}

/// `fetch` settled with something that is not a usable `Response`.
#[inline(never)]
fn not_a_response(what: &str, cause: Option<JsValue>) -> AttemptError {
    let message = format!("fetch did not resolve to a usable Response: {what}");
    failed(ErrorKind::Protocol, &message, cause)
}

fn request_init(
    spec: &RequestSpec,
    auth: &[(&'static str, String)],
    signal: &AbortSignal,
) -> Result<RequestInit, AttemptError> {
    let headers = Headers::new().map_err(|cause| {
        failed(
            ErrorKind::Network,
            "this runtime has no Headers",
            Some(cause),
        )
    })?;
    let mut pairs = vec![(ACCEPT, "application/json")];
    if let Some(body) = &spec.body {
        pairs.push((CONTENT_TYPE, body.content_type));
    }
    pairs.extend(auth.iter().map(|(name, value)| (*name, value.as_str())));
    for (name, value) in pairs {
        // No cause: the runtime's message quotes the value, a token or key.
        // The core has checked every value, so this is a runtime's quirk.
        headers.set(name, value).map_err(|_| {
            let message = format!("the runtime refused the value of the {name} header");
            failed(ErrorKind::Protocol, &message, None)
        })?;
    }
    let init = RequestInit::new();
    init.set_method(spec.method.as_str());
    init.set_headers(&headers);
    if let Some(body) = &spec.body {
        init.set_body(&JsValue::from_str(&body.text));
    }
    init.set_signal(Some(signal));
    init.set_redirect(RequestRedirect::Manual);
    Ok(init)
}

fn field(object: &JsValue, key: &str) -> Result<JsValue, AttemptError> {
    Reflect::get(object, &JsValue::from_str(key))
        .map_err(|cause| not_a_response(&format!("reading {key} threw"), Some(cause)))
}

/// A response header, through the response's own `headers.get`.
fn header(response: &JsValue, name: &str) -> Result<Option<String>, AttemptError> {
    let headers = field(response, "headers")?;
    let get = if headers.is_object() {
        field(&headers, "get")?.dyn_into::<Function>().ok()
    } else {
        None
    };
    let get = get.ok_or_else(|| not_a_response("headers.get is not a function", None))?;
    let value = get
        .call1(&headers, &JsValue::from_str(name))
        .map_err(|cause| not_a_response("headers.get threw", Some(cause)))?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| not_a_response("headers.get returned something other than a string", None))
}

/// A body its `Content-Length` says is too large is refused unread.
fn declared_size_within_limit(
    response: &JsValue,
    limit: u64,
    status: u16,
) -> Result<(), AttemptError> {
    let declared = header(response, "Content-Length")?.and_then(|v| v.trim().parse::<u64>().ok());
    within_limit(declared.unwrap_or(0), limit, status)
}

fn within_limit(bytes: u64, limit: u64, status: u16) -> Result<(), AttemptError> {
    response_within_limit(bytes, limit, status).map_err(|error| AttemptError::Failed(error, None))
}

/// What the response says before its body is read: a redirect ends the
/// attempt here, the rest is checked for the shape of a `Response`.
fn head(response: &JsValue) -> Result<(u16, Option<String>), AttemptError> {
    if !response.is_object() {
        return Err(not_a_response("it is not an object", None));
    }
    // Browsers hide a manual redirect behind status 0 and this type.
    if ResponseType::from_js_value(&field(response, "type")?) == Some(ResponseType::Opaqueredirect)
    {
        return Err(AttemptError::Failed(redirect_refused(None), None));
    }
    let status = field(response, "status")?
        .as_f64()
        .filter(|status| status.fract() == 0.0 && (100.0..600.0).contains(status))
        .ok_or_else(|| not_a_response("its status is not an HTTP status", None))?;
    Ok((status as u16, header(response, "Retry-After")?))
}

/// The promise of the body's text, from the response's own `text()`.
fn start_reading(response: &JsValue) -> Result<js_sys::Promise, AttemptError> {
    let reading = response
        .unchecked_ref::<Response>()
        .text()
        .map_err(|cause| not_a_response("text() threw", Some(cause)))?;
    if !is_thenable(&reading) {
        return Err(not_a_response("text() did not return a promise", None));
    }
    Ok(adopt(&reading))
}

/// The body's text, parsed as JSON; `undefined` when empty.
fn parse_body(text: JsValue, status: u16) -> Result<JsValue, AttemptError> {
    let text = text
        .dyn_into::<JsString>()
        .map_err(|_| not_a_response("text() resolved to something other than a string", None))?;
    // The text stays a JS string: a result page can be megabytes, and
    // copying it into wasm memory only to hand it back cost 1.5x the time.
    if text.length() == 0 {
        return Ok(JsValue::UNDEFINED);
    }
    match parse_json(&text) {
        Ok(parsed) => Ok(parsed),
        // A 2xx that is not JSON is a broken contract; an error page
        // in HTML is common and still classified by its status.
        Err(_) if (200..300).contains(&status) => {
            let error = HaloError::new(
                ErrorKind::Protocol,
                "Halo Cloud answered with a body that is not JSON",
            )
            .with_status(status);
            Err(AttemptError::Failed(error, None))
        }
        Err(_) => Ok(JsValue::UNDEFINED),
    }
}

/// One attempt's own abort controller, aborted by its timer.
struct Attempt<'a> {
    controller: AbortController,
    _timer: Timer,
    timeout_ms: u64,
    /// The most body bytes read (`maxResponseBytes`).
    max_bytes: u64,
    spec: &'a RequestSpec,
}

impl Attempt<'_> {
    /// Why a wait of this attempt ended early, as the attempt's error.
    fn interrupted(&self, interruption: Interrupted) -> AttemptError {
        let cause = match interruption.failure() {
            Ok(Failure::Aborted(reason)) => {
                self.controller.abort_with_reason(&reason);
                return AttemptError::Aborted(reason);
            }
            Ok(Failure::Halo(error, cause)) => return AttemptError::Failed(error, cause),
            Err(cause) => cause,
        };
        let what = format!("({} {})", self.spec.method.as_str(), self.spec.path);
        if check_signal(Some(&self.controller.signal())).is_err() {
            let message = format!("no response within {} ms {what}", self.timeout_ms);
            return failed(ErrorKind::Timeout, &message, None);
        }
        let message = format!(
            "could not reach {} {what}: network error, refused connection or CORS",
            origin(&self.spec.url)
        );
        failed(ErrorKind::Network, &message, Some(cause))
    }
}

/// The body as text, read no further than the size limit: chunk by chunk
/// through its stream when the response has one (a real `Response`), so a
/// body that never says its length is cancelled at the limit instead of
/// filling memory; through `text()` otherwise, checked once read.
async fn read_body(
    response: &JsValue,
    status: u16,
    attempt: &Attempt<'_>,
    signal: Option<&AbortSignal>,
) -> Result<JsValue, AttemptError> {
    let body = field(response, "body")?;
    let get_reader = if body.is_object() {
        field(&body, "getReader")?.dyn_into::<Function>().ok()
    } else {
        None
    };
    let Some(get_reader) = get_reader else {
        let text = until_aborted(start_reading(response)?, signal)
            .await
            .map_err(|interruption| attempt.interrupted(interruption))?;
        let units = text.dyn_ref::<JsString>().map_or(0, JsString::length);
        within_limit(u64::from(units), attempt.max_bytes, status)?;
        return Ok(text);
    };
    let reader = get_reader
        .call0(&body)
        .map_err(|cause| not_a_response("body.getReader() threw", Some(cause)))?;
    let read = field(&reader, "read")?
        .dyn_into::<Function>()
        .map_err(|_| not_a_response("its body reader has no read()", None))?;
    let chunks = Array::new();
    let mut total = 0u64;
    loop {
        let pending = read
            .call0(&reader)
            .map_err(|cause| not_a_response("reading its body threw", Some(cause)))?;
        if !is_thenable(&pending) {
            return Err(not_a_response(
                "its body reader did not return a promise",
                None,
            ));
        }
        let step = until_aborted(adopt(&pending), signal)
            .await
            .map_err(|interruption| attempt.interrupted(interruption))?;
        if field(&step, "done")?.is_truthy() {
            break;
        }
        let chunk = field(&step, "value")?
            .dyn_into::<Uint8Array>()
            .map_err(|_| not_a_response("a body chunk is not bytes", None))?;
        total += u64::from(chunk.length());
        within_limit(total, attempt.max_bytes, status)?;
        chunks.push(&chunk);
    }
    let bytes = Uint8Array::new_with_length(u32::try_from(total).unwrap_or(u32::MAX));
    let mut offset = 0u32;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        bytes.set(&chunk, offset);
        offset += chunk.length();
    }
    let decoder = TextDecoder::new()
        .map_err(|cause| not_a_response("this runtime has no TextDecoder", Some(cause)))?;
    decoder
        .decode(&bytes)
        .map(JsValue::from)
        .map_err(|cause| not_a_response("its body could not be decoded", Some(cause)))
}

/// Sends `spec` once with `auth` headers, reading at most `max_bytes` of body.
pub(super) async fn send(
    fetch: &Function,
    spec: &RequestSpec,
    auth: &[(&'static str, String)],
    (timeout_ms, max_bytes): (u64, u64),
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, AttemptError> {
    let no_controller = |cause| {
        failed(
            ErrorKind::Network,
            "this runtime has no AbortController",
            Some(cause),
        )
    };
    let controller = AbortController::new().map_err(no_controller)?;
    let init = request_init(spec, auth, &controller.signal())?;
    let abort: Function = Reflect::get(&controller, &JsValue::from_str("abort"))
        .map_err(no_controller)?
        .unchecked_into::<Function>()
        .bind0(&controller)
        .unchecked_into();
    let timer = Timer::start(&abort, timeout_ms as f64)
        .map_err(|cause| failed(ErrorKind::Network, "setTimeout threw", Some(cause)))?;
    let attempt = Attempt {
        controller,
        _timer: timer,
        timeout_ms,
        max_bytes,
        spec,
    };

    let pending = fetch
        .call2(&js_sys::global(), &JsValue::from_str(&spec.url), &init)
        .map_err(|cause| {
            failed(
                ErrorKind::Network,
                "fetch threw before sending",
                Some(cause),
            )
        })?;
    if !is_thenable(&pending) {
        return Err(failed(
            ErrorKind::Protocol,
            "fetch did not return a promise",
            None,
        ));
    }
    let response = until_aborted(adopt(&pending), signal)
        .await
        .map_err(|interruption| attempt.interrupted(interruption))?;
    // A response refused here is not read: free its connection.
    let (status, retry_after) = head(&response).inspect_err(|_| attempt.controller.abort())?;
    if (300..400).contains(&status) {
        // Its body is of no use, and reading it would keep the connection.
        attempt.controller.abort();
        return Ok(HttpResponse {
            status,
            body: JsValue::UNDEFINED,
            retry_after,
        });
    }
    declared_size_within_limit(&response, max_bytes, status)
        .inspect_err(|_| attempt.controller.abort())?;
    let text = read_body(&response, status, &attempt, signal)
        .await
        .inspect_err(|_| attempt.controller.abort())?;
    Ok(HttpResponse {
        status,
        body: parse_body(text, status)?,
        retry_after,
    })
}
