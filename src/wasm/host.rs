//! Bindings to the host's globals, on `globalThis` so they resolve the same
//! in browsers, workers, Node and Electron's main process (no `window`).
//!
//! The host is untrusted: a test can replace `performance.now`, an app can
//! pass a signal-like object. Every import here that reaches code the host
//! controls is declared with `catch`, because an exception unwinding through
//! wasm would leave the futures executor and our `RefCell`s mid-operation.

use super::js_error::Failure;
use super::names;
use crate::core::call::deadline_error;
use crate::core::error::{ErrorKind, HaloError, Sent};
use js_sys::{Function, Promise};
#[cfg(feature = "device")]
use std::cell::RefCell;
#[cfg(feature = "device")]
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;
pub use web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = globalThis, js_name = clearTimeout, catch)]
    fn clear_timeout(id: &JsValue) -> Result<(), JsValue>;

    // Clocks come back as `JsValue`: a replaced clock may return anything,
    // and an `f64` return would convert it outside the `catch`.
    #[wasm_bindgen(js_namespace = ["globalThis", "performance"], js_name = now, catch)]
    fn performance_now() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Date, js_name = now, catch)]
    fn date_now() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Math, js_name = random, catch)]
    fn math_random() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["globalThis", "crypto"], js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]);

    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = fetch)]
    static GLOBAL_FETCH: Option<Function>;
}

/// The injected `fetch` (Electron's `net.fetch`, a test double), else the
/// global one; an error naming the option where there is neither.
pub(super) fn fetch_or_global(fetch: Option<Function>) -> Result<Function, HaloError> {
    fetch
        .or_else(|| GLOBAL_FETCH.with(Clone::clone))
        .ok_or_else(|| {
            HaloError::validation(
                "fetch",
                "this runtime has no global fetch: pass one in the options",
            )
        })
}

fn finite(read: Result<JsValue, JsValue>) -> Option<f64> {
    read.ok()?.as_f64().filter(|ms| ms.is_finite())
}

/// The last good reading's bits. An atomic rather than a `thread_local`,
/// whose access check would pull panic formatting into the wasm.
static LAST_MONOTONIC: AtomicU64 = AtomicU64::new(0);

/// Monotonic milliseconds: token expiry never trusts the wall clock. A
/// clock that throws, or goes backwards, reads as the last good value:
/// token timing a little stale beats a call that fails on the clock.
pub(super) fn monotonic_ms() -> f64 {
    let last = f64::from_bits(LAST_MONOTONIC.load(Ordering::Relaxed));
    let now = finite(performance_now()).map_or(last, |ms| ms.max(last));
    LAST_MONOTONIC.store(now.to_bits(), Ordering::Relaxed);
    now
}

pub(super) fn wall_clock_ms() -> f64 {
    finite(date_now()).unwrap_or(0.0)
}

/// Uniform in `[0, 1)`, for retry jitter.
pub(super) fn random_unit() -> f64 {
    finite(math_random())
        .filter(|unit| (0.0..1.0).contains(unit))
        .unwrap_or(0.5)
}

#[cfg(feature = "device")]
pub(super) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    get_random_values(&mut bytes);
    bytes
}

/// A timer that calls `handler` after `ms`, cancelled when dropped, so a
/// finished call leaves no timer behind to keep Node's event loop alive.
pub(super) struct Timer {
    id: JsValue,
}

impl Timer {
    pub(super) fn start(handler: &Function, ms: f64) -> Result<Self, JsValue> {
        set_timeout(handler, ms).map(|id| Self { id })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let _ = clear_timeout(&self.id);
    }
}

/// A promise that resolves with `value` after `ms`, or what the host threw
/// when it cannot start a timer: never a promise that rejects, which a
/// wait refused before awaiting it would leave unhandled.
fn after(ms: f64, value: &JsValue) -> Result<(Promise, Timer), JsValue> {
    let mut handler = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        handler = Some(resolve.bind1(&JsValue::NULL, value));
    });
    let timer = match &handler {
        Some(handler) => Timer::start(handler.unchecked_ref(), ms)?,
        None => return Err(JsValue::UNDEFINED),
    };
    Ok((promise, timer))
}

/// Waits `ms` milliseconds, or less if `signal` aborts.
pub(super) async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), Interrupted> {
    let (elapsed, _timer) = after(ms, &JsValue::UNDEFINED).map_err(Interrupted::Rejected)?;
    until_aborted(&elapsed, signal).await.map(|_| ())
}

/// Awaits `promise` for at most `ms`; `Ok(None)` when time ran out.
#[cfg(feature = "device")]
pub(super) async fn within(promise: Promise, ms: f64) -> Result<Option<JsValue>, JsValue> {
    let sentinel = JsValue::symbol(Some("halo-device timeout"));
    let (expiry, _timer) = after(ms, &sentinel)?;
    let winner = JsFuture::from(Promise::race(&js_sys::Array::of2(&promise, &expiry))).await?;
    Ok((winner != sentinel).then_some(winner))
}

/// Whether `value` is a promise or another thenable.
pub(super) fn is_thenable(value: &JsValue) -> bool {
    value.is_object() && names::get(value, &names::THEN).is_ok_and(|then| then.is_function())
}

/// A promise of our own that settles as `value` does. Awaiting the host's
/// promise directly would call its `then`, which may throw inside wasm;
/// resolving ours with it calls that `then` in a job, where a throw rejects.
pub(super) fn adopt(value: &JsValue) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        let _ = resolve.call1(&JsValue::UNDEFINED, value);
    })
}

/// A value handed from one task to another, awaited through a JS promise so
/// that the wait can race the caller's `AbortSignal`.
#[cfg(feature = "device")]
pub(super) fn deferred<T>() -> (Settler<T>, Waiting<T>) {
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
pub(super) struct Settler<T> {
    slot: Rc<RefCell<Option<T>>>,
    resolve: Function,
}

#[cfg(feature = "device")]
impl<T> Settler<T> {
    pub(super) fn settle(self, value: T) {
        *self.slot.borrow_mut() = Some(value);
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}

#[cfg(feature = "device")]
pub(super) struct Waiting<T> {
    slot: Rc<RefCell<Option<T>>>,
    promise: Promise,
}

#[cfg(feature = "device")]
impl<T> Waiting<T> {
    pub(super) async fn wait(self, signal: Option<&AbortSignal>) -> Result<T, Interrupted> {
        until_aborted(&self.promise, signal).await?;
        let value = self.slot.borrow_mut().take();
        value.ok_or(Interrupted::Rejected(JsValue::UNDEFINED))
    }
}

/// Why a wait ended early.
pub(super) enum Interrupted {
    /// The caller's signal fired; carries `signal.reason`.
    Aborted(JsValue),
    /// Reading the caller's signal threw (a signal-like object, a getter
    /// that throws); carries what it threw.
    Unusable(JsValue),
    /// The awaited promise rejected.
    Rejected(JsValue),
}

impl Interrupted {
    /// The call's failure when the caller's signal ended the wait; `Err`
    /// with the cause when the awaited promise rejected, which each wait
    /// interprets itself.
    pub(super) fn failure(self) -> Result<Failure, JsValue> {
        match self {
            Interrupted::Aborted(reason) => Ok(Failure::Aborted(reason)),
            Interrupted::Unusable(cause) => Ok(unusable_signal(cause)),
            Interrupted::Rejected(cause) => Err(cause),
        }
    }
}

fn unusable_signal(cause: JsValue) -> Failure {
    let message = "options.signal is not a usable AbortSignal: reading it threw";
    // Found before anything is sent (a wait after a send says otherwise).
    let error = HaloError::new(ErrorKind::Protocol, message).with_sent(Sent::No);
    Failure::Halo(error, Some(cause))
}

/// `check_signal`, as the call's failure.
pub(super) fn live(signal: Option<&AbortSignal>) -> Result<(), Failure> {
    // `check_signal` never reports a rejection: it awaits nothing.
    check_signal(signal)
        .map_err(|interrupted| interrupted.failure().unwrap_or_else(Failure::Aborted))
}

/// Fails when the caller's `signal` has aborted, or cannot be read: it is
/// read through `Reflect`, which catches, since it may be any object.
pub(super) fn check_signal(signal: Option<&AbortSignal>) -> Result<(), Interrupted> {
    let Some(signal) = signal else {
        return Ok(());
    };
    let read = |key| names::get(signal, key).map_err(Interrupted::Unusable);
    if read(&names::ABORTED)?.is_truthy() {
        return Err(Interrupted::Aborted(read(&names::REASON)?));
    }
    Ok(())
}

/// A call's deadline (`timeoutMs`), raced by every wait of the call: the
/// token wait, each attempt and its body, each backoff. The timer and the
/// caller's signal both abort one signal of ours, which the call's waits
/// take in place of the caller's; `outcome` then tells the two apart.
pub(super) struct Deadline {
    controller: AbortController,
    expired: JsValue,
    /// The operation and its deadline, for the error it rejects with.
    what: &'static str,
    limit_ms: u64,
    caller: Option<(AbortSignal, Function)>,
    _timer: Timer,
}

impl Deadline {
    /// Fires in `ms`; `(what, limit_ms)` name the operation and the
    /// deadline the caller set, for the error.
    pub(super) fn start(
        caller: Option<&AbortSignal>,
        ms: f64,
        (what, limit_ms): (&'static str, u64),
    ) -> Result<Self, Failure> {
        let broken = |message: &str, cause| {
            let error = HaloError::new(ErrorKind::Network, message).with_sent(Sent::No);
            Failure::Halo(error, Some(cause))
        };
        let no_controller = |cause| broken("this runtime has no AbortController", cause);
        let controller = AbortController::new().map_err(no_controller)?;
        let abort: Function = names::get(&controller, &names::ABORT)
            .map_err(no_controller)?
            .unchecked_into();
        let expired = JsValue::symbol(Some("halo-device deadline"));
        let on_time = abort.bind1(&controller, &expired);
        let timer = Timer::start(on_time.unchecked_ref(), ms)
            .map_err(|cause| broken("setTimeout threw", cause))?;
        let caller = match caller {
            None => None,
            Some(signal) => {
                let listener: Function = abort.bind0(&controller).unchecked_into();
                signal
                    .add_event_listener_with_callback("abort", &listener)
                    .map_err(unusable_signal)?;
                Some((signal.clone(), listener))
            }
        };
        Ok(Self {
            controller,
            expired,
            what,
            limit_ms,
            caller,
            _timer: timer,
        })
    }

    pub(super) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// What the call rejects with when the deadline fires.
    pub(super) fn expiry(&self) -> HaloError {
        deadline_error(self.what, self.limit_ms)
    }

    /// The call's failure as its caller sees it: our signal's abort is a
    /// timeout when the deadline fired, else the caller's own abort.
    pub(super) fn outcome(&self, failure: Failure) -> Failure {
        match failure {
            Failure::Aborted(reason) if reason == self.expired => self.expiry().into(),
            Failure::Aborted(reason) => {
                let caller = self.caller.as_ref().map(|(signal, _)| signal);
                live(caller).err().unwrap_or(Failure::Aborted(reason))
            }
            other => other,
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        // A long-lived signal shared by many calls must not collect listeners.
        if let Some((signal, listener)) = &self.caller {
            let _ = signal.remove_event_listener_with_callback("abort", listener);
        }
    }
}

/// A signal of ours to hand the host (`getToken`'s), aborted when we no
/// longer want what it is for. The abort goes through `Reflect` and a
/// catching call: the signal's listeners are the host's code.
#[cfg(feature = "device")]
pub(super) struct Abandon {
    controller: AbortController,
}

#[cfg(feature = "device")]
impl Abandon {
    /// `None` in a runtime without `AbortController`.
    pub(super) fn new() -> Option<Self> {
        AbortController::new()
            .ok()
            .map(|controller| Self { controller })
    }

    pub(super) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    pub(super) fn aborted(&self) -> bool {
        check_signal(Some(&self.signal())).is_err()
    }

    pub(super) fn abort(&self) {
        let abort = names::get(&self.controller, &names::ABORT);
        if let Some(abort) = abort.ok().and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = abort.call0(&self.controller);
        }
    }
}

/// The caller's signal (and an attempt's own, aborted by its timer),
/// listened to before the work they bound is started: a signal that cannot
/// be listened to fails the call before anything is sent, and every wait
/// of the work is raced against both, whatever the host does with them.
pub(super) struct Watch {
    /// Resolves (never rejects: it may never be awaited) when either
    /// signal aborts.
    stop: Promise,
    listener: Function,
    caller: Option<AbortSignal>,
    own: Option<AbortSignal>,
}

impl Watch {
    pub(super) fn start(
        caller: Option<&AbortSignal>,
        own: Option<&AbortSignal>,
    ) -> Result<Self, Interrupted> {
        check_signal(caller)?;
        let mut listener = None;
        let stop = Promise::new(&mut |resolve, _reject| listener = Some(resolve));
        let watch = Self {
            stop,
            listener: listener.unwrap_or_else(|| Function::new_no_args("")),
            caller: caller.cloned(),
            own: own.cloned(),
        };
        // Dropped on a refusal: removing a listener never added is a no-op.
        #[expect(
            clippy::manual_flatten,
            reason = "size: `.flatten()` adds an iterator to the device wasm"
        )]
        for signal in [&watch.caller, &watch.own] {
            if let Some(signal) = signal {
                signal
                    .add_event_listener_with_callback("abort", &watch.listener)
                    .map_err(Interrupted::Unusable)?;
            }
        }
        Ok(watch)
    }

    /// `work` raced against both signals, to await and hand to `finish`
    /// (two plain calls around one `.await`: an async fn here would add a
    /// state machine to every wait of the wasm).
    pub(super) fn race(&self, work: &Promise) -> JsFuture {
        JsFuture::from(Promise::race(&js_sys::Array::of2(work, &self.stop)))
    }

    /// What a raced wait came to: the caller's abort is `Aborted`, the own
    /// signal's (the attempt's timer) a `Rejected` with no cause, which the
    /// attempt reads as its timeout, whatever the work did meanwhile.
    pub(super) fn finish(&self, outcome: Result<JsValue, JsValue>) -> Result<JsValue, Interrupted> {
        check_signal(self.caller.as_ref())?;
        if check_signal(self.own.as_ref()).is_err() {
            return Err(Interrupted::Rejected(JsValue::UNDEFINED));
        }
        outcome.map_err(Interrupted::Rejected)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // A long-lived signal shared by many calls must not collect listeners.
        #[expect(
            clippy::manual_flatten,
            reason = "size: `.flatten()` adds an iterator to the device wasm"
        )]
        for signal in [&self.caller, &self.own] {
            if let Some(signal) = signal {
                let _ = signal.remove_event_listener_with_callback("abort", &self.listener);
            }
        }
    }
}

/// Awaits `promise`, one of ours that never rejects (a timer, a value
/// handed between tasks), or stops as soon as `signal` aborts. A host's
/// promise is awaited through a `Watch` started before the host was called,
/// so that a refused signal leaves nothing of the host's unhandled.
async fn until_aborted(
    promise: &Promise,
    signal: Option<&AbortSignal>,
) -> Result<JsValue, Interrupted> {
    let watch = Watch::start(signal, None)?;
    watch.finish(watch.race(promise).await)
}
