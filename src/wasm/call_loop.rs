//! The call loop shared by every endpoint of both clients. Each turn: get
//! the credentials for one attempt, send once, and let the core decide
//! whether to finish, retry after a delay, renew the token, or fail.

use super::bodies::error_body;
use super::events::Events;
use super::host::{live, monotonic_ms, random_unit, sleep, wall_clock_ms, AbortSignal, Deadline};
use super::js_error::Failure;
use super::transport::{send, AttemptError, HttpResponse, SpareController};
use crate::core::call::{Call, Next};
use crate::core::error::Sent;
use crate::core::requests::RequestSpec;
use crate::core::responses::classify_failure;
use crate::core::retry::RetryPolicy;
use js_sys::Function;
use std::cell::Cell;
use std::rc::Rc;

/// How requests leave: the `fetch` to use, the observer, and the timing rules.
pub(super) struct Transport {
    pub fetch: Function,
    pub events: Rc<Events>,
    pub attempt_timeout_ms: u64,
    pub max_response_bytes: u64,
    pub retry: RetryPolicy,
    /// The abort controller the last attempt left unaborted.
    pub spare: SpareController,
}

/// Where an attempt's auth headers come from: a device token (renewable)
/// or the integrator's subscription key (fixed).
pub(super) trait Credentials {
    /// What identifies the credentials an attempt used (a token's
    /// generation), so a 401 drops those and no newer ones.
    type Used;
    /// The auth headers for one attempt.
    async fn attempt(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<(Vec<(&'static str, String)>, Self::Used), Failure>;
    /// Halo answered 401 to the attempt that used `used`.
    fn rejected(&self, used: &Self::Used);
    /// Halo answered the attempt that used `used` with anything but 401.
    fn accepted(&self, _used: &Self::Used) {}
    /// Whether a 401 can be cured by asking for new credentials.
    fn renewable(&self) -> bool;
}

/// How the caller bounded one call.
pub(super) struct Limits {
    pub signal: Option<AbortSignal>,
    /// Total time for the call, all attempts and waits included.
    pub timeout_ms: Option<f64>,
    /// The method's name (an operation's, or the integrator's own), for
    /// the deadline's error.
    pub operation: &'static str,
}

impl Transport {
    pub(super) async fn execute(
        &self,
        credentials: &impl Credentials,
        spec: RequestSpec,
        limits: &Limits,
    ) -> Result<HttpResponse, Failure> {
        self.run(credentials, spec, limits, false).await
    }

    /// Like `execute`, but a 2xx answer's body is left unread, in
    /// `opened`, for the caller to stream.
    #[cfg(feature = "integrator")]
    pub(super) async fn open(
        &self,
        credentials: &impl Credentials,
        spec: RequestSpec,
        limits: &Limits,
    ) -> Result<HttpResponse, Failure> {
        self.run(credentials, spec, limits, true).await
    }

    async fn run(
        &self,
        credentials: &impl Credentials,
        spec: RequestSpec,
        limits: &Limits,
        stream: bool,
    ) -> Result<HttpResponse, Failure> {
        let caller = limits.signal.as_ref();
        let deadline = match limits.timeout_ms {
            None => None,
            Some(ms) => {
                live(caller)?;
                let deadline = Deadline::start(caller, ms, (limits.operation, ms as u64))?;
                Some((deadline, monotonic_ms() + ms))
            }
        };
        let bounded = deadline.as_ref().map(|(deadline, _)| deadline.signal());
        let signal = bounded.as_ref().or(caller);
        let ends_at = deadline.as_ref().map(|(deadline, at)| (*at, deadline));
        let fate = Cell::new(Sent::No);
        // One call site: each `.await` of it would be a copy of its state machine.
        let outcome = self
            .attempts(credentials, spec, signal, ends_at, stream, &fate)
            .await;
        let outcome = match &deadline {
            Some((deadline, _)) => outcome.map_err(|failure| deadline.outcome(failure)),
            None => outcome,
        };
        // The call's attempts, not the error's kind, say what Halo may have
        // received: a token failure after a timed-out attempt is "maybe".
        outcome.map_err(|failure| failure.sent(fate.get()))
    }

    /// The attempts of one call, until the core says it is done; `signal`
    /// ends every wait, `deadline` is when no new attempt may start.
    async fn attempts(
        &self,
        credentials: &impl Credentials,
        spec: RequestSpec,
        signal: Option<&AbortSignal>,
        deadline: Option<(f64, &Deadline)>,
        stream: bool,
        fate: &Cell<Sent>,
    ) -> Result<HttpResponse, Failure> {
        let ends_at = deadline.map(|(at, _)| at);
        let mut call = Call::new(spec.replay, self.retry, ends_at, credentials.renewable());
        let mut number = 0u32;
        loop {
            live(signal)?;
            if let Some((_, deadline)) = deadline.filter(|_| call.expired(monotonic_ms())) {
                // The deadline's own timer is about to fire with this error.
                return Err(deadline.expiry().into());
            }
            let (headers, used) = credentials.attempt(signal).await?;
            number += 1;
            let started = monotonic_ms();
            self.events.emit("request", |e| {
                e.field("method", spec.method.as_str())
                    .field("path", spec.path.as_str())
                    .field("attempt", number)
            });
            let sent = send(
                &self.fetch,
                &spec,
                &headers,
                (self.attempt_timeout_ms, self.max_response_bytes),
                signal,
                stream,
                &self.spare,
            )
            .await;
            let reached = match &sent {
                Ok(_) => Sent::Yes,
                Err(AttemptError::Failed(error, _)) => error.sent,
                Err(AttemptError::Aborted(_, sent)) => *sent,
            };
            fate.set(fate.get().max(reached));
            let (error, cause) = match sent {
                Ok(response) => {
                    self.events.emit("response", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("status", response.status)
                            .field("attempt", number)
                            .field("durationMs", monotonic_ms() - started)
                    });
                    if response.status != 401 {
                        credentials.accepted(&used);
                    }
                    if response.ok() {
                        return Ok(response);
                    }
                    let body = error_body(response.body.clone());
                    let error = classify_failure(
                        response.status,
                        response.retry_after.as_deref(),
                        Some(&body),
                        wall_clock_ms(),
                    );
                    (error, None)
                }
                Err(AttemptError::Aborted(reason, _)) => return Err(Failure::Aborted(reason)),
                Err(AttemptError::Failed(error, cause)) => (error, cause),
            };
            match call.on_failure(error, monotonic_ms(), random_unit()) {
                Next::Retry { delay_ms } => {
                    self.events.emit("retry", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("attempt", number)
                            .field("delayMs", delay_ms as f64)
                    });
                    // A timer the host failed to start only cuts the wait short.
                    if let Err(interrupted) = sleep(delay_ms as f64, signal).await {
                        if let Ok(failure) = interrupted.failure() {
                            return Err(failure);
                        }
                    }
                }
                Next::RenewToken => credentials.rejected(&used),
                Next::Fail(error) => return Err(Failure::Halo(error, cause)),
            }
        }
    }
}
