//! The decisions of one API call across its attempts: retry after a delay,
//! renew the token and retry once, or give up. The shell asks; this decides.

use super::error::{ErrorKind, HaloError};
use super::retry::Replay;
use super::retry::RetryPolicy;

/// What the shell does after a failed attempt, as [`Call::on_failure`] decides.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Wait, then send the request again.
    Retry {
        /// Milliseconds to wait: the server's `Retry-After`, or a jittered backoff.
        delay_ms: u64,
    },
    /// Report the token of the failed attempt as rejected, get a token
    /// (the current one, if another call already renewed it), send again.
    RenewToken,
    /// Give up and reject the call with this error: not retryable, retries
    /// spent, the deadline too near, or a 401 again after the renewal.
    Fail(HaloError),
}

/// One API call's retry state across its attempts: retries spent, whether
/// its one 401 renewal is used, and its deadline.
#[derive(Clone, Debug)]
pub struct Call {
    replay: Replay,
    policy: RetryPolicy,
    retries: u32,
    /// Device tokens can be renewed; a subscription key cannot.
    renewable: bool,
    renewed_after_401: bool,
    /// Monotonic ms after which no new attempt starts, if the caller set one.
    deadline_ms: Option<f64>,
}

impl Call {
    /// `replay` says whether a resend could run SQL twice; `deadline_ms` is
    /// monotonic ms; `renewable` is false under a subscription key.
    pub fn new(
        replay: Replay,
        policy: RetryPolicy,
        deadline_ms: Option<f64>,
        renewable: bool,
    ) -> Self {
        Self {
            replay,
            policy,
            retries: 0,
            renewable,
            renewed_after_401: false,
            deadline_ms,
        }
    }

    /// Retries made so far after the first attempt; the resend after a 401
    /// renewal is not counted against `maxRetries`.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Whether the deadline has passed (checked before each attempt).
    pub fn expired(&self, now_ms: f64) -> bool {
        self.deadline_ms.is_some_and(|deadline| now_ms >= deadline)
    }

    /// Decides what follows a failed attempt. `random` is in `[0, 1)`.
    pub fn on_failure(&mut self, error: HaloError, now_ms: f64, random: f64) -> Next {
        if self.renewable && error.kind == ErrorKind::Auth && error.status == Some(401) {
            // Renew once, retry once: a second 401 means the token we are
            // given is wrong, and asking again would loop. (The retry may
            // carry the same token: after repeated 401s the token engine
            // renews at most once per backoff window.)
            if self.renewed_after_401 {
                let mut error = error;
                error.message = format!(
                    "{} again on the retry; check that getToken returns a token issued for this siteId and deviceId in this client's environment",
                    error.message
                );
                return Next::Fail(error);
            }
            self.renewed_after_401 = true;
            return Next::RenewToken;
        }
        match self
            .policy
            .delay_for(self.replay, &error, self.retries, random)
        {
            Some(delay_ms) => {
                if let Some(deadline) = self.deadline_ms {
                    if now_ms + delay_ms as f64 >= deadline {
                        return Next::Fail(error);
                    }
                }
                self.retries += 1;
                Next::Retry { delay_ms }
            }
            None => Next::Fail(error),
        }
    }
}

/// The call's `timeoutMs` ran out: `what` is the operation (or the
/// request), `ms` the deadline, both named so a log says which call and
/// what to raise.
pub fn deadline_error(what: &str, ms: u64) -> HaloError {
    HaloError::new(
        ErrorKind::Timeout,
        format!("{what} did not complete within its deadline of {ms} ms (timeoutMs)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unauthorized() -> HaloError {
        HaloError::new(ErrorKind::Auth, "Invalid token (HTTP 401)").with_status(401)
    }

    #[test]
    fn a_401_renews_once_and_a_second_fails_without_looping() {
        let mut call = Call::new(Replay::CreatesQuery, RetryPolicy::default(), None, true);
        assert_eq!(call.on_failure(unauthorized(), 0.0, 0.5), Next::RenewToken);
        let Next::Fail(error) = call.on_failure(unauthorized(), 0.0, 0.5) else {
            panic!("second 401 must fail");
        };
        assert_eq!(error.kind, ErrorKind::Auth);
        assert!(error.message.contains("again on the retry"));
    }

    #[test]
    fn a_401_with_credentials_that_cannot_be_renewed_fails_at_once() {
        let mut call = Call::new(Replay::Idempotent, RetryPolicy::default(), None, false);
        assert!(
            matches!(call.on_failure(unauthorized(), 0.0, 0.5), Next::Fail(e) if e.status == Some(401))
        );
    }

    #[test]
    fn retries_are_counted_and_bounded() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let mut call = Call::new(Replay::Idempotent, policy, None, true);
        let busy = || HaloError::new(ErrorKind::Unavailable, "x").with_status(503);
        assert!(matches!(
            call.on_failure(busy(), 0.0, 0.5),
            Next::Retry { .. }
        ));
        assert!(matches!(
            call.on_failure(busy(), 0.0, 0.5),
            Next::Retry { .. }
        ));
        assert!(matches!(call.on_failure(busy(), 0.0, 0.5), Next::Fail(_)));
        assert_eq!(call.retries(), 2);
    }

    #[test]
    fn no_retry_is_scheduled_past_the_deadline() {
        let mut call = Call::new(
            Replay::Idempotent,
            RetryPolicy::default(),
            Some(100.0),
            true,
        );
        let mut limited = HaloError::new(ErrorKind::RateLimit, "x").with_status(429);
        limited.retry_after_ms = Some(200);
        assert!(
            matches!(call.on_failure(limited, 0.0, 0.5), Next::Fail(e) if e.kind == ErrorKind::RateLimit)
        );
        assert!(!call.expired(99.0));
        assert!(call.expired(100.0));
        let error = deadline_error("immediateQuery", 30_000);
        assert_eq!(error.kind, ErrorKind::Timeout);
        assert!(error
            .message
            .starts_with("immediateQuery did not complete within its deadline of 30000 ms"));
    }
}
