//! One HTTP attempt through `fetch` (the injected one or the global one),
//! bounded by a timeout and the caller's `AbortSignal`.
//!
//! What `fetch` hands back belongs to the host and is checked before use:
//! each read goes through a binding that catches, so a test double of the
//! wrong shape or a getter that throws fails the call with a typed error.
//! A response's head and its whole body are copied by two small JS
//! functions (`response_copy.js`) that decide nothing: every check is made
//! here, on the copy. Field by field, with an awaited promise per body
//! chunk, the same reads cost 34 more crossings a call (bench/README.md).
//! Redirects are never followed: one could carry the token or the key to
//! another host.

use super::host::{adopt, check_signal, is_thenable, AbortSignal, Interrupted, Timer, Watch};
use super::js_error::Failure;
use super::names::{self, Name};
use crate::core::error::{ErrorKind, HaloError, Sent};
use crate::core::headers::{ACCEPT, CONTENT_TYPE};
use crate::core::limits::response_within_limit;
use crate::core::origin::origin;
use crate::core::requests::RequestSpec;
use crate::core::responses::redirect_refused;
use js_sys::{Array, Function, JsString, Promise};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, Headers, RequestInit, RequestRedirect, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/wasm/response_copy.js")]
extern "C" {
    /// `[type, status, Retry-After, Content-Length]`, as the host gave them.
    #[wasm_bindgen(js_name = copyHead, catch)]
    fn copy_head(response: &JsValue) -> Result<Array, JsValue>;

    /// `[how it stopped, text or what was thrown or the stray value, bytes]`;
    /// rejects only as a read of the body does.
    #[wasm_bindgen(js_name = copyBody)]
    fn copy_body(response: &JsValue, limit: f64) -> Promise;
}

/// How `copy_body` stopped (its `ENDED`, `THREW`, `NO_STREAM`; the rest
/// are refused).
const BODY_ENDED: f64 = 0.0;
const BODY_THREW: f64 = 2.0;
const BODY_NO_STREAM: f64 = 4.0;

pub(super) struct HttpResponse {
    pub status: u16,
    /// The parsed JSON body, or `undefined` when there was none.
    pub body: JsValue,
    pub retry_after: Option<String>,
    /// The `Response` itself, for the headers an operation reads beside its body.
    pub raw: JsValue,
    /// A 2xx body left unread for its caller to stream (see `send`'s
    /// `stream`); the device wasm streams nothing.
    #[cfg(feature = "integrator")]
    pub opened: Option<OpenBody>,
}

impl HttpResponse {
    pub(super) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub(super) enum AttemptError {
    /// The caller's signal aborted: the call rejects with `signal.reason`;
    /// with how far the request had got, should a deadline turn it into
    /// a timeout.
    Aborted(JsValue, Sent),
    /// A network failure, a timeout or a broken answer, with what the host
    /// threw as the cause.
    Failed(HaloError, Option<JsValue>),
}

impl AttemptError {
    /// The error, saying how far the request got: the failure point decides.
    fn at(self, sent: Sent) -> Self {
        match self {
            AttemptError::Failed(error, cause) => {
                AttemptError::Failed(error.with_sent(sent), cause)
            }
            AttemptError::Aborted(reason, _) => AttemptError::Aborted(reason, sent),
        }
    }
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

fn field(object: &JsValue, key: &'static Name) -> Result<JsValue, AttemptError> {
    names::get(object, key).map_err(|cause| {
        let message = format!("reading {} threw", names::text(key));
        not_a_response(&message, Some(cause))
    })
}

/// A response's `headers` and their own `get`, read once for every header
/// the attempt looks at.
struct ResponseHeaders {
    headers: JsValue,
    get: Function,
}

impl ResponseHeaders {
    fn of(response: &JsValue) -> Result<Self, AttemptError> {
        let headers = field(response, &names::HEADERS)?;
        let get = if headers.is_object() {
            field(&headers, &names::GET)?.dyn_into::<Function>().ok()
        } else {
            None
        };
        let get = get.ok_or_else(|| not_a_response("headers.get is not a function", None))?;
        Ok(Self { headers, get })
    }

    fn get(&self, name: &JsValue) -> Result<Option<String>, AttemptError> {
        let value = self
            .get
            .call1(&self.headers, name)
            .map_err(|cause| not_a_response("headers.get threw", Some(cause)))?;
        header_text(value)
    }
}

/// What `headers.get` returned: absent, or a string.
fn header_text(value: JsValue) -> Result<Option<String>, AttemptError> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| not_a_response("headers.get returned something other than a string", None))
}

/// A response header, through the response's own `headers.get`.
pub(super) fn header(response: &JsValue, name: &str) -> Result<Option<String>, AttemptError> {
    ResponseHeaders::of(response)?.get(&JsValue::from_str(name))
}

/// A body its `Content-Length` says is too large is refused unread.
fn declared_size_within_limit(
    content_length: Option<&str>,
    limit: u64,
    status: u16,
) -> Result<(), AttemptError> {
    let declared = content_length.and_then(|v| v.trim().parse::<u64>().ok());
    within_limit(declared.unwrap_or(0), limit, status)
}

fn within_limit(bytes: u64, limit: u64, status: u16) -> Result<(), AttemptError> {
    response_within_limit(bytes, limit, status).map_err(|error| AttemptError::Failed(error, None))
}

/// What the response says before its body is read.
struct Head {
    status: u16,
    retry_after: Option<String>,
    content_length: Option<String>,
}

/// The response's head, copied in one crossing: a redirect ends the
/// attempt here, the rest is checked for the shape of a `Response`.
fn head(response: &JsValue) -> Result<Head, AttemptError> {
    if !response.is_object() {
        return Err(not_a_response("it is not an object", None));
    }
    let copy = copy_head(response)
        .map_err(|cause| not_a_response("reading its fields threw", Some(cause)))?;
    // Browsers hide a manual redirect behind status 0 and this type.
    if ResponseType::from_js_value(&copy.get(0)) == Some(ResponseType::Opaqueredirect) {
        return Err(AttemptError::Failed(redirect_refused(None), None));
    }
    let status = copy
        .get(1)
        .as_f64()
        .filter(|status| status.fract() == 0.0 && (100.0..600.0).contains(status))
        .ok_or_else(|| not_a_response("its status is not an HTTP status", None))?;
    Ok(Head {
        status: status as u16,
        retry_after: header_text(copy.get(2))?,
        content_length: header_text(copy.get(3))?,
    })
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

/// An attempt's abort controller with its signal and bound `abort`.
struct Controller {
    controller: AbortController,
    signal: AbortSignal,
    abort: Function,
    /// How many attempts have used it.
    uses: u8,
}

/// A controller is lent to at most this many attempts in a row: in Node,
/// `new AbortController().signal` costs more than the rest of an attempt's
/// setup, and `fetch` implementations that leave a listener on the signal
/// until their request is collected stay under Node's warning threshold (10).
const CONTROLLER_USES: u8 = 8;

/// The controller a finished attempt left unaborted, for the next one.
/// Concurrent attempts each take their own: one is kept, the rest dropped.
#[derive(Default)]
pub(super) struct SpareController(Cell<Option<Controller>>);

impl SpareController {
    fn take(&self) -> Result<Controller, JsValue> {
        if let Some(spare) = self.0.take() {
            return Ok(spare);
        }
        let controller = AbortController::new()?;
        let abort = names::get(&controller, &names::ABORT)?
            .unchecked_into::<Function>()
            .bind0(&controller)
            .unchecked_into();
        Ok(Controller {
            signal: controller.signal(),
            controller,
            abort,
            uses: 0,
        })
    }

    /// Keeps `used` for the next attempt if nothing aborted it.
    fn give_back(&self, mut used: Controller) {
        used.uses += 1;
        if used.uses < CONTROLLER_USES && check_signal(Some(&used.signal)).is_ok() {
            self.0.set(Some(used));
        }
    }
}

/// One attempt's abort controller, aborted by its timer, and the watch
/// that races each of its waits against that abort and the caller's.
struct Attempt<'a> {
    controller: AbortController,
    // Dropped before the timer: a firing timer finds no listener.
    watch: Watch,
    _timer: Timer,
    timeout_ms: u64,
    /// The most body bytes read (`maxResponseBytes`).
    max_bytes: u64,
    spec: &'a RequestSpec,
}

impl<'a> Attempt<'a> {
    /// The timer is started and the signals listened to before anything
    /// is sent: a caller's signal that cannot be listened to fails here.
    fn start(
        (controller, abort): (&AbortController, &Function),
        signal: Option<&AbortSignal>,
        (timeout_ms, max_bytes): (u64, u64),
        spec: &'a RequestSpec,
    ) -> Result<Self, AttemptError> {
        let timer = Timer::start(abort, timeout_ms as f64)
            .map_err(|cause| failed(ErrorKind::Network, "setTimeout threw", Some(cause)))?;
        let own = controller.signal();
        // A start only checks signals: it never reports a rejection.
        let watch = Watch::start(signal, Some(&own)).map_err(|interruption| match interruption
            .failure()
            .unwrap_or_else(Failure::Aborted)
        {
            Failure::Aborted(reason) => AttemptError::Aborted(reason, Sent::No),
            Failure::Halo(error, cause) => AttemptError::Failed(error, cause),
        })?;
        Ok(Self {
            controller: controller.clone(),
            watch,
            _timer: timer,
            timeout_ms,
            max_bytes,
            spec,
        })
    }

    /// `work` (adopted, so it has a rejection handler) raced against the
    /// caller's signal and the attempt's timer, to await and hand to
    /// `ended`: an injected `fetch` or body that ignores its signal still
    /// ends at the attempt timeout.
    fn race(&self, work: &Promise) -> wasm_bindgen_futures::JsFuture {
        self.watch.race(work)
    }

    /// What a raced wait came to, as the attempt's result.
    fn ended(&self, outcome: Result<JsValue, JsValue>) -> Result<JsValue, AttemptError> {
        self.watch
            .finish(outcome)
            .map_err(|interruption| self.interrupted(interruption))
    }

    /// Why a wait of this attempt ended early, as the attempt's error. The
    /// work it waited for is abandoned, so it is aborted (a no-op if it
    /// already settled): no request is left running unseen.
    fn interrupted(&self, interruption: Interrupted) -> AttemptError {
        let timed_out = check_signal(Some(&self.controller.signal())).is_err();
        let cause = match interruption.failure() {
            Ok(Failure::Aborted(reason)) => {
                self.controller.abort_with_reason(&reason);
                return AttemptError::Aborted(reason, Sent::Maybe);
            }
            Ok(Failure::Halo(error, cause)) => {
                self.controller.abort();
                return AttemptError::Failed(error, cause);
            }
            Err(cause) => cause,
        };
        self.controller.abort();
        let what = format!("({} {})", self.spec.method.as_str(), self.spec.path);
        if timed_out {
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

/// A response body's own stream reader: what `body.getReader()` returned
/// and its `read`, both the host's and called through bindings that catch.
#[cfg(feature = "integrator")]
pub(super) struct BodyReader {
    reader: JsValue,
    read: Function,
}

#[cfg(feature = "integrator")]
impl BodyReader {
    /// The body's reader, or `None` when the response has no body stream
    /// (an injected `fetch` may resolve to an object with `text()` only).
    fn of(response: &JsValue) -> Result<Option<BodyReader>, AttemptError> {
        let body = field(response, &names::BODY)?;
        let get_reader = if body.is_object() {
            field(&body, &names::GET_READER)?
                .dyn_into::<Function>()
                .ok()
        } else {
            None
        };
        let Some(get_reader) = get_reader else {
            return Ok(None);
        };
        let reader = get_reader
            .call0(&body)
            .map_err(|cause| not_a_response("body.getReader() threw", Some(cause)))?;
        let read = field(&reader, &names::READ)?
            .dyn_into::<Function>()
            .map_err(|_| not_a_response("its body reader has no read()", None))?;
        Ok(Some(BodyReader { reader, read }))
    }

    /// The promise of the next step (`{ done, value }`). Not async, like
    /// `chunk`: awaited in place, they add no state machine of their own.
    fn step(&self) -> Result<js_sys::Promise, AttemptError> {
        let pending = self
            .read
            .call0(&self.reader)
            .map_err(|cause| not_a_response("reading its body threw", Some(cause)))?;
        if !is_thenable(&pending) {
            return Err(not_a_response(
                "its body reader did not return a promise",
                None,
            ));
        }
        Ok(adopt(&pending))
    }

    /// A step's bytes, `None` at the end of the body.
    fn chunk(step: &JsValue) -> Result<Option<js_sys::Uint8Array>, AttemptError> {
        if field(step, &names::DONE)?.is_truthy() {
            return Ok(None);
        }
        field(step, &names::VALUE)?
            .dyn_into::<js_sys::Uint8Array>()
            .map(Some)
            .map_err(|_| not_a_response("a body chunk is not bytes", None))
    }
}

/// A body read whole by `text()`, checked against the limit: a JS string
/// of `n` UTF-16 units holds at least `n` UTF-8 bytes.
fn text_within_limit(text: &JsValue, limit: u64, status: u16) -> Result<(), AttemptError> {
    let units = text.dyn_ref::<JsString>().map_or(0, JsString::length);
    within_limit(u64::from(units), limit, status)
}

/// The body as text, read no further than the size limit: chunk by chunk
/// through its stream when the response has one (a real `Response`), so a
/// body that never says its length is cancelled at the limit instead of
/// filling memory; through `text()` otherwise, checked once read. The
/// chunks are read and decoded by `copy_body`, in one awaited promise.
async fn read_body(
    response: &JsValue,
    status: u16,
    attempt: &Attempt<'_>,
) -> Result<JsValue, AttemptError> {
    // `copy_body` stops reading once past the limit (the caller aborts
    // the rest): whether it was over is decided here, by the core.
    let copying = copy_body(response, attempt.max_bytes as f64);
    let copy: Array = attempt
        .ended(attempt.race(&copying).await)?
        .unchecked_into();
    let stopped = copy.get(0).as_f64();
    if stopped == Some(BODY_NO_STREAM) {
        let reading = start_reading(response)?;
        let text = attempt.ended(attempt.race(&reading).await)?;
        text_within_limit(&text, attempt.max_bytes, status)?;
        return Ok(text);
    }
    let bytes = copy.get(2).as_f64().unwrap_or(f64::INFINITY);
    within_limit(bytes as u64, attempt.max_bytes, status)?;
    let payload = copy.get(1);
    match stopped {
        Some(BODY_ENDED) if payload.is_string() => Ok(payload),
        Some(BODY_THREW) => Err(not_a_response("reading its body threw", Some(payload))),
        _ => Err(not_a_response(
            "its body reader answered something other than bytes",
            None,
        )),
    }
}

/// A 2xx response whose body is left for its caller to read chunk by
/// chunk (a streamed page): no whole-body limit applies, the reader does
/// its own accounting.
#[cfg(feature = "integrator")]
pub(super) struct OpenBody {
    response: JsValue,
    reader: Option<BodyReader>,
    controller: AbortController,
    abort: Function,
    status: u16,
    /// What a body read whole (no stream to read it by) may weigh.
    max_bytes: u64,
    /// For a body without a stream, read whole by `text()`: whether it was.
    read_whole: std::cell::Cell<bool>,
}

#[cfg(feature = "integrator")]
impl OpenBody {
    /// The answer's status.
    pub(super) fn status(&self) -> u16 {
        self.status
    }

    /// The next chunk, `None` at the end. Each wait is bounded by
    /// `idle_ms` (a server that stalls mid-body is a timeout) and `signal`.
    pub(super) async fn next_chunk(
        &self,
        spec: &RequestSpec,
        idle_ms: u64,
        signal: Option<&AbortSignal>,
    ) -> Result<Option<Vec<u8>>, AttemptError> {
        let limits = (idle_ms, self.max_bytes);
        let attempt = Attempt::start((&self.controller, &self.abort), signal, limits, spec)?;
        let chunk = match &self.reader {
            Some(reader) => {
                let step = reader.step()?;
                let step = attempt.ended(attempt.race(&step).await)?;
                BodyReader::chunk(&step)?.map(|chunk| chunk.to_vec())
            }
            None if self.read_whole.replace(true) => None,
            None => {
                let reading = start_reading(&self.response)?;
                let text = attempt.ended(attempt.race(&reading).await)?;
                text_within_limit(&text, self.max_bytes, self.status)?;
                Some(text.as_string().unwrap_or_default().into_bytes())
            }
        };
        Ok(chunk)
    }

    /// Stops the body and closes its connection.
    pub(super) fn cancel(&self) {
        if let Some(reader) = &self.reader {
            if let Ok(cancel) = field(&reader.reader, &names::CANCEL) {
                if let Ok(cancel) = cancel.dyn_into::<Function>() {
                    if let Ok(cancelling) = cancel.call0(&reader.reader) {
                        // Its rejection (a body already errored) is of no interest.
                        let cancelling = adopt(&cancelling);
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = wasm_bindgen_futures::JsFuture::from(cancelling).await;
                        });
                    }
                }
            }
        }
        self.controller.abort();
    }
}

/// Sends `spec` once with `auth` headers, reading at most `max_bytes` of
/// body. With `stream`, a 2xx answer's body is left unread, in `opened`.
/// Every error says how far the request got (`sent`): everything the
/// attempt needs, the caller's signal included, is checked before `fetch`
/// is called; from then on the request may have left; once a status is
/// read, Halo answered.
pub(super) async fn send(
    fetch: &Function,
    spec: &RequestSpec,
    auth: &[(&'static str, String)],
    limits: (u64, u64),
    signal: Option<&AbortSignal>,
    #[cfg_attr(not(feature = "integrator"), allow(unused_variables))] stream: bool,
    spare: &SpareController,
) -> Result<HttpResponse, AttemptError> {
    let no_controller = |cause| {
        failed(
            ErrorKind::Network,
            "this runtime has no AbortController",
            Some(cause),
        )
    };
    let unsent = |error: AttemptError| error.at(Sent::No);
    let lent = spare.take().map_err(no_controller).map_err(unsent)?;
    let init = request_init(spec, auth, &lent.signal).map_err(unsent)?;
    let attempt =
        Attempt::start((&lent.controller, &lent.abort), signal, limits, spec).map_err(unsent)?;

    let maybe = |error: AttemptError| error.at(Sent::Maybe);
    let pending = fetch
        .call2(&js_sys::global(), &JsValue::from_str(&spec.url), &init)
        .map_err(|cause| maybe(failed(ErrorKind::Network, "fetch threw", Some(cause))))?;
    if !is_thenable(&pending) {
        // Nothing to wait for or abort but the controller it was handed.
        attempt.controller.abort();
        let error = failed(ErrorKind::Protocol, "fetch did not return a promise", None);
        return Err(maybe(error));
    }
    let pending = adopt(&pending);
    let response = attempt.ended(attempt.race(&pending).await).map_err(maybe)?;
    // A response refused here is not read: free its connection.
    let head = head(&response)
        .inspect_err(|_| attempt.controller.abort())
        .map_err(maybe)?;

    let answered = |error: AttemptError| {
        attempt.controller.abort();
        error.at(Sent::Yes)
    };
    let Head {
        status,
        retry_after,
        content_length,
    } = head;
    if (300..400).contains(&status) {
        // Its body is of no use, and reading it would keep the connection.
        attempt.controller.abort();
        return Ok(HttpResponse {
            status,
            body: JsValue::UNDEFINED,
            retry_after,
            raw: response,
            #[cfg(feature = "integrator")]
            opened: None,
        });
    }
    #[cfg(feature = "integrator")]
    if stream && (200..300).contains(&status) {
        let reader = BodyReader::of(&response).map_err(answered)?;
        let opened = OpenBody {
            response,
            reader,
            controller: attempt.controller.clone(),
            abort: lent.abort,
            status,
            max_bytes: attempt.max_bytes,
            read_whole: std::cell::Cell::new(false),
        };
        return Ok(HttpResponse {
            status,
            body: JsValue::UNDEFINED,
            retry_after,
            // A stream's headers are read through `opened`.
            raw: JsValue::UNDEFINED,
            opened: Some(opened),
        });
    }
    declared_size_within_limit(content_length.as_deref(), attempt.max_bytes, status)
        .map_err(answered)?;
    let text = read_body(&response, status, &attempt)
        .await
        .map_err(answered)?;
    let body = parse_body(text, status).map_err(answered)?;
    // The timer goes first: it would abort the controller lent on.
    drop(attempt);
    spare.give_back(lent);
    Ok(HttpResponse {
        status,
        body,
        retry_after,
        raw: response,
        #[cfg(feature = "integrator")]
        opened: None,
    })
}
