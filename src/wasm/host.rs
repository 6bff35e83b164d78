//! Bindings to the host's globals, on `globalThis` so they resolve the same
//! in browsers, workers, Node and Electron's main process (no `window`).

use crate::core::error::HaloError;
use js_sys::{Function, Promise};
#[cfg(feature = "device")]
use std::cell::RefCell;
#[cfg(feature = "device")]
use std::rc::Rc;
use wasm_bindgen::prelude::*;
#[cfg(feature = "device")]
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_namespace = globalThis, js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    #[wasm_bindgen(js_namespace = ["globalThis", "performance"], js_name = now)]
    fn performance_now() -> f64;

    #[wasm_bindgen(js_namespace = ["globalThis", "crypto"], js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]);

    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = fetch)]
    static GLOBAL_FETCH: Option<Function>;

    pub type AbortSignal;
    #[wasm_bindgen(method, getter)]
    pub fn aborted(this: &AbortSignal) -> bool;
    #[wasm_bindgen(method, getter)]
    pub fn reason(this: &AbortSignal) -> JsValue;
    #[wasm_bindgen(method, js_name = addEventListener)]
    pub fn add_event_listener(this: &AbortSignal, kind: &str, listener: &Function);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    pub fn remove_event_listener(this: &AbortSignal, kind: &str, listener: &Function);

    pub type AbortController;
    #[wasm_bindgen(constructor, js_namespace = globalThis)]
    pub fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;
    #[wasm_bindgen(method)]
    pub fn abort(this: &AbortController, reason: &JsValue);
}

/// The injected `fetch` (Electron's `net.fetch`, a test double), else the
/// global one; an error naming the option where there is neither.
pub fn fetch_or_global(fetch: Option<Function>) -> Result<Function, HaloError> {
    fetch
        .or_else(|| GLOBAL_FETCH.with(Clone::clone))
        .ok_or_else(|| {
            HaloError::validation(
                "fetch",
                "this runtime has no global fetch: pass one in the options",
            )
        })
}

/// Monotonic milliseconds: token expiry never trusts the wall clock.
pub fn monotonic_ms() -> f64 {
    performance_now()
}

pub fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

/// Uniform in `[0, 1)`, for retry jitter.
pub fn random_unit() -> f64 {
    js_sys::Math::random()
}

#[cfg(feature = "device")]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    get_random_values(&mut bytes);
    bytes
}

/// A timer that calls `handler` after `ms`, cancelled when dropped, so a
/// finished call leaves no timer behind to keep Node's event loop alive.
pub struct Timer {
    id: JsValue,
}

impl Timer {
    pub fn start(handler: &Function, ms: f64) -> Self {
        Self {
            id: set_timeout(handler, ms),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Waits `ms` milliseconds, or less if `signal` aborts.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), Interrupted> {
    let mut timer = None;
    let elapsed = Promise::new(&mut |resolve, _reject| {
        timer = Some(Timer::start(&resolve, ms));
    });
    until_aborted(elapsed, signal).await.map(|_| ())
}

/// Awaits `promise` for at most `ms`; `Ok(None)` when time ran out.
#[cfg(feature = "device")]
pub async fn within(promise: Promise, ms: f64) -> Result<Option<JsValue>, JsValue> {
    let sentinel = JsValue::symbol(Some("halo-device timeout"));
    let mut timer = None;
    let expiry = Promise::new(&mut |resolve, _reject| {
        let handler: Function = resolve.bind1(&JsValue::NULL, &sentinel).unchecked_into();
        timer = Some(Timer::start(&handler, ms));
    });
    let winner = JsFuture::from(Promise::race(&js_sys::Array::of2(&promise, &expiry))).await?;
    Ok((winner != sentinel).then_some(winner))
}

/// A value handed from one task to another, awaited through a JS promise so
/// that the wait can race the caller's `AbortSignal`.
#[cfg(feature = "device")]
pub fn deferred<T>() -> (Settler<T>, Waiting<T>) {
    let slot = Rc::new(RefCell::new(None));
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _reject| resolve = Some(res));
    let resolve = resolve.unwrap_or_else(|| Function::new_no_args(""));
    (
        Settler {
            slot: slot.clone(),
            resolve,
        },
        Waiting { slot, promise },
    )
}

#[cfg(feature = "device")]
pub struct Settler<T> {
    slot: Rc<RefCell<Option<T>>>,
    resolve: Function,
}

#[cfg(feature = "device")]
impl<T> Settler<T> {
    pub fn settle(self, value: T) {
        *self.slot.borrow_mut() = Some(value);
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}

#[cfg(feature = "device")]
pub struct Waiting<T> {
    slot: Rc<RefCell<Option<T>>>,
    promise: Promise,
}

#[cfg(feature = "device")]
impl<T> Waiting<T> {
    pub async fn wait(self, signal: Option<&AbortSignal>) -> Result<T, Interrupted> {
        until_aborted(self.promise, signal).await?;
        let value = self.slot.borrow_mut().take();
        value.ok_or(Interrupted::Rejected(JsValue::UNDEFINED))
    }
}

/// Why a wait ended early.
pub enum Interrupted {
    /// The caller's signal fired; carries `signal.reason`.
    Aborted(JsValue),
    /// The awaited promise rejected.
    Rejected(JsValue),
}

/// Awaits `promise`, or stops as soon as `signal` aborts.
pub async fn until_aborted(
    promise: Promise,
    signal: Option<&AbortSignal>,
) -> Result<JsValue, Interrupted> {
    let Some(signal) = signal else {
        return JsFuture::from(promise).await.map_err(Interrupted::Rejected);
    };
    if signal.aborted() {
        return Err(Interrupted::Aborted(signal.reason()));
    }
    let mut listener = None;
    let on_abort = Promise::new(&mut |_resolve, reject| {
        signal.add_event_listener("abort", &reject);
        listener = Some(reject);
    });
    let raced = Promise::race(&js_sys::Array::of2(&promise, &on_abort));
    let outcome = JsFuture::from(raced).await;
    // A long-lived signal shared by many calls must not collect listeners.
    if let Some(listener) = listener {
        signal.remove_event_listener("abort", &listener);
    }
    if signal.aborted() {
        return Err(Interrupted::Aborted(signal.reason()));
    }
    outcome.map_err(Interrupted::Rejected)
}
