//! Runs the core's token engine: performs its `StartRenewal` actions by
//! calling the integrator's `getToken`, and delivers grants and failures to
//! the calls waiting for them.

use super::device_inputs::issued_token;
use super::events::Events;
use super::host::{
    adopt, deferred, monotonic_ms, sleep, wall_clock_ms, within, Abandon, AbortSignal, Settler,
};
use super::js_error::Failure;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::token::{
    get_token_failed, Acquired, Action, Grant, RenewalId, RenewalReason, TokenEngine, TokenInfo,
    TokenPolicy, WaiterId,
};
use js_sys::{Function, Object, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

type Outcome = Result<Grant, (HaloError, Option<JsValue>)>;

pub(super) struct TokenDriver {
    engine: RefCell<TokenEngine>,
    /// Few at a time and short-lived: a vector beats a hash map in size and speed.
    waiters: RefCell<Vec<(WaiterId, Settler<Outcome>)>>,
    next_waiter: Cell<WaiterId>,
    get_token: Function,
    site_id: String,
    device_id: String,
    /// The running renewal's `getToken` signal, aborted when the engine gives it up.
    renewal_signal: RefCell<Option<(RenewalId, Rc<Abandon>)>>,
    timeout_ms: u64,
    events: Rc<Events>,
    /// The newest token's text, kept only to scrub it from error messages.
    latest: RefCell<Option<String>>,
}

impl TokenDriver {
    pub(super) fn new(
        policy: TokenPolicy,
        get_token: Function,
        site_id: &str,
        device_id: &str,
        timeout_ms: u64,
        events: Rc<Events>,
    ) -> Self {
        Self {
            engine: RefCell::new(TokenEngine::new(policy)),
            waiters: RefCell::new(Vec::new()),
            next_waiter: Cell::new(0),
            get_token,
            site_id: site_id.to_owned(),
            device_id: device_id.to_owned(),
            renewal_signal: RefCell::new(None),
            timeout_ms,
            events,
            latest: RefCell::new(None),
        }
    }

    /// A token for one attempt: at once if the current one is valid, else
    /// after the (single, shared) renewal.
    pub(super) async fn token(
        self: &Rc<Self>,
        signal: Option<&AbortSignal>,
    ) -> Result<Grant, Failure> {
        let waiter = self.next_waiter.get() + 1;
        self.next_waiter.set(waiter);
        // Every clock is read before a borrow: the host's clock is JavaScript
        // that may throw or call back into this client.
        let now = monotonic_ms();
        let (acquired, start) = self.engine.borrow_mut().acquire(waiter, now);
        if let Some(Action::StartRenewal {
            renewal,
            delay_ms,
            reason,
        }) = start
        {
            let abandon = Abandon::new().map(Rc::new);
            *self.renewal_signal.borrow_mut() = abandon.clone().map(|a| (renewal, a));
            let renewing = self.clone().renew(renewal, delay_ms, reason, abandon);
            wasm_bindgen_futures::spawn_local(renewing);
        }
        let waiting = match acquired {
            Acquired::Ready(grant) => return Ok(grant),
            Acquired::Queued => {
                let (settler, waiting) = deferred();
                self.waiters.borrow_mut().push((waiter, settler));
                waiting
            }
        };
        match waiting.wait(signal).await {
            Ok(Ok(grant)) => Ok(grant),
            Ok(Err((error, cause))) => Err(Failure::Halo(error, cause)),
            Err(interrupted) => {
                let abandoned = self.engine.borrow_mut().cancel(waiter);
                self.waiters.borrow_mut().retain(|(id, _)| *id != waiter);
                if let Some(renewal) = abandoned {
                    self.abandon(renewal);
                }
                Err(interrupted.failure().unwrap_or_else(|cause| {
                    Failure::Halo(
                        HaloError::new(ErrorKind::Auth, "waiting for a token failed"),
                        Some(cause),
                    )
                }))
            }
        }
    }

    /// Halo answered 401 to a request made with this grant.
    pub(super) fn rejected(&self, grant: &Grant) {
        self.engine.borrow_mut().rejected(grant.generation);
    }

    /// Halo answered a request made with this grant with anything but 401.
    pub(super) fn accepted(&self, grant: &Grant) {
        self.engine.borrow_mut().accepted(grant.generation);
    }

    pub(super) fn info(&self) -> TokenInfo {
        let (now, wall_now) = (monotonic_ms(), wall_clock_ms());
        self.engine.borrow().info(now, wall_now)
    }

    pub(super) fn latest_token(&self) -> Option<String> {
        self.latest.borrow().clone()
    }

    /// Every caller waiting for `renewal` gave up: its `getToken` signal
    /// aborts (taken out first: the abort runs the host's listeners).
    fn abandon(&self, renewal: RenewalId) {
        let abandon = {
            let mut slot = self.renewal_signal.borrow_mut();
            match slot.take() {
                Some((id, abandon)) if id == renewal => Some(abandon),
                other => {
                    *slot = other;
                    None
                }
            }
        };
        if let Some(abandon) = abandon {
            abandon.abort();
        }
    }

    async fn renew(
        self: Rc<Self>,
        renewal: RenewalId,
        delay_ms: u64,
        reason: RenewalReason,
        abandon: Option<Rc<Abandon>>,
    ) {
        let given_up = || abandon.as_ref().is_some_and(|a| a.aborted());
        if delay_ms > 0 {
            // Not raced with the signal: a given-up renewal is dropped below.
            let _ = sleep(delay_ms as f64, None).await;
        }
        if given_up() {
            return;
        }
        let started = monotonic_ms();
        let outcome = self
            .call_get_token(reason, abandon.as_ref().map(|a| a.signal()))
            .await;
        // The engine ignores a given-up renewal's outcome; so do the events.
        if given_up() {
            return;
        }
        // A `getToken` past its bound is given up: its signal tells it, and
        // a `tokenSharing` renewer holding the lease for it, to stop.
        if let (Err((error, _)), Some(abandon)) = (&outcome, &abandon) {
            if error.kind == ErrorKind::Timeout {
                abandon.abort();
            }
        }
        let now = monotonic_ms();
        let actions = match outcome {
            Ok(issued) => {
                *self.latest.borrow_mut() = Some(issued.token.expose().to_owned());
                let expires_in_ms = issued.expires_in_s * 1000.0;
                let actions = self
                    .engine
                    .borrow_mut()
                    .renewal_succeeded(renewal, issued, now);
                let wall_now = wall_clock_ms();
                let renewals = self.engine.borrow().info(now, wall_now).renewals;
                self.events.emit("tokenRenewed", |e| {
                    e.field("renewals", renewals as f64)
                        .field("expiresInMs", expires_in_ms)
                        .field("durationMs", now - started)
                });
                actions
            }
            Err((error, cause)) => {
                self.events.emit("tokenRenewalFailed", |e| {
                    e.field("code", error.kind.code())
                        .field("durationMs", now - started)
                });
                let actions = self
                    .engine
                    .borrow_mut()
                    .renewal_failed(renewal, &error, now);
                return self.deliver(actions, cause);
            }
        };
        self.deliver(actions, None);
    }

    /// Hands grants and failures to the waiting calls; `cause` is what
    /// `getToken` threw, attached to each failure.
    fn deliver(&self, actions: Vec<Action>, cause: Option<JsValue>) {
        for action in actions {
            let (waiter, outcome) = match action {
                Action::Grant { waiter, grant } => (waiter, Ok(grant)),
                Action::Fail { waiter, error } => (waiter, Err((error, cause.clone()))),
                Action::StartRenewal { .. } => continue,
            };
            // Take the settler out before settling: no borrow is held
            // while JavaScript runs.
            let settler = {
                let mut waiters = self.waiters.borrow_mut();
                let index = waiters.iter().position(|(id, _)| *id == waiter);
                index.map(|index| waiters.swap_remove(index).1)
            };
            if let Some(settler) = settler {
                settler.settle(outcome);
            }
        }
    }

    /// `{ siteId, deviceId, reason, signal }`, the argument `getToken` receives.
    fn request(&self, reason: RenewalReason, signal: Option<AbortSignal>) -> JsValue {
        let request = Object::new();
        let _ = Reflect::set(&request, &"siteId".into(), &self.site_id.as_str().into());
        let _ = Reflect::set(
            &request,
            &"deviceId".into(),
            &self.device_id.as_str().into(),
        );
        let _ = Reflect::set(&request, &"reason".into(), &reason.as_str().into());
        if let Some(signal) = signal {
            let _ = Reflect::set(&request, &"signal".into(), &signal);
        }
        request.into()
    }

    async fn call_get_token(
        &self,
        reason: RenewalReason,
        signal: Option<AbortSignal>,
    ) -> Result<crate::core::token::IssuedToken, (HaloError, Option<JsValue>)> {
        let failed = |how: &str, cause: Option<JsValue>| {
            let thrown = cause.as_ref().and_then(thrown_message);
            let network = cause
                .as_ref()
                .is_some_and(|c| c.is_instance_of::<js_sys::TypeError>());
            (get_token_failed(how, thrown.as_deref(), network), cause)
        };
        let returned = self
            .get_token
            .call1(&JsValue::UNDEFINED, &self.request(reason, signal))
            .map_err(|cause| failed("getToken threw", Some(cause)))?;
        let value = match within(adopt(&returned), self.timeout_ms as f64).await {
            Ok(Some(value)) => value,
            Ok(None) => {
                let error = HaloError::new(
                    ErrorKind::Timeout,
                    format!(
                        "could not get a device token: getToken did not settle within {} ms",
                        self.timeout_ms
                    ),
                );
                return Err((error, None));
            }
            Err(cause) => return Err(failed("getToken rejected", Some(cause))),
        };
        issued_token(value)
            .validate()
            .map_err(|error| (error, None))
    }
}

/// The `message` of what `getToken` threw, when it is an `Error`; reading it
/// may run a hostile getter, so a throw reads as no message.
fn thrown_message(cause: &JsValue) -> Option<String> {
    if !cause.is_instance_of::<js_sys::Error>() {
        return None;
    }
    js_sys::Reflect::get(cause, &JsValue::from_str("message"))
        .ok()?
        .as_string()
}
