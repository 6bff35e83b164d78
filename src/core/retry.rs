//! Which failures may be retried, and how long to wait before the next try.

use super::error::{ErrorKind, HaloError, Sent};

/// What a repeat of the request would do, which decides what may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    /// Reading or deleting: sending it twice changes nothing more.
    Idempotent,
    /// Creates a query that runs SQL at the practice: sent again only when the
    /// server shows the first one never ran.
    CreatesQuery,
}

/// The longest `retryAfterMs` an error reports: an hour. A server (or a
/// proxy) may send any `Retry-After`, even one that overflows; an app that
/// schedules its next try from it must not be told to wait for ever.
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// How many times, and how far apart, a retryable failure is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (401 renewals are counted apart).
    pub max_retries: u32,
    /// The first backoff's ceiling (default 250 ms); it doubles each retry.
    pub base_delay_ms: u64,
    /// No backoff's ceiling goes above this (default 10 s).
    pub max_delay_ms: u64,
    /// A `Retry-After` longer than this is not waited out: the call fails
    /// with the rate-limit error and its `retryAfterMs`, and the app decides.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay_ms: 250,
            max_delay_ms: 10_000,
            max_retry_after_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter: uniform in `[0, min(cap, base·2ⁿ)]`.
    /// `random` is in `[0, 1)`, supplied by the host.
    pub fn backoff_ms(&self, retry_index: u32, random: f64) -> u64 {
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1u64 << retry_index.min(30))
            .min(self.max_delay_ms);
        (ceiling as f64 * random.clamp(0.0, 1.0)) as u64
    }

    /// How long to wait before retrying `error`, or `None` if it must not be
    /// retried. A request that creates a query is sent again only when the
    /// server shows it never ran: 429 and 503. After a 504, a 5xx, a dropped
    /// connection or a timeout it may have run, and running SQL twice (an
    /// INSERT, say) is worse than failing.
    pub fn delay_for(
        &self,
        replay: Replay,
        error: &HaloError,
        retry_index: u32,
        random: f64,
    ) -> Option<u64> {
        if retry_index >= self.max_retries {
            return None;
        }
        // A create that may have reached Halo with no answer may have run.
        if replay == Replay::CreatesQuery && error.sent == Sent::Maybe {
            return None;
        }
        let never_ran = matches!(error.kind, ErrorKind::RateLimit)
            || (error.kind == ErrorKind::Unavailable && error.status == Some(503));
        let may_have_ran = matches!(
            error.kind,
            ErrorKind::Unavailable | ErrorKind::Server | ErrorKind::Network | ErrorKind::Timeout
        );
        let allowed = never_ran || (may_have_ran && replay == Replay::Idempotent);
        if !allowed {
            return None;
        }
        match error.retry_after_ms {
            Some(wait) if wait > self.max_retry_after_ms => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff_ms(retry_index, random)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind, status: Option<u16>) -> HaloError {
        let mut error = HaloError::new(kind, "x");
        error.status = status;
        error
    }

    /// Whatever its kind, an answerless attempt of a create is not sent
    /// again; the same error from an attempt known unsent, or answered,
    /// follows its kind.
    #[test]
    fn a_create_that_may_have_reached_halo_is_never_sent_again() {
        let policy = RetryPolicy::default();
        for kind in ErrorKind::ALL {
            let maybe = error(*kind, Some(503)).with_sent(Sent::Maybe);
            assert_eq!(
                policy.delay_for(Replay::CreatesQuery, &maybe, 0, 0.5),
                None,
                "{kind:?}"
            );
        }
        let busy = error(ErrorKind::Unavailable, Some(503));
        assert_eq!(busy.sent, Sent::Yes);
        assert!(policy
            .delay_for(Replay::CreatesQuery, &busy, 0, 0.5)
            .is_some());
        let unanswered = error(ErrorKind::Network, None).with_sent(Sent::Maybe);
        assert!(policy
            .delay_for(Replay::Idempotent, &unanswered, 0, 0.5)
            .is_some());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff_ms(0, 0.999_999), 249);
        assert_eq!(policy.backoff_ms(2, 0.999_999), 999);
        assert_eq!(policy.backoff_ms(40, 0.999_999), 9_999);
        assert_eq!(policy.backoff_ms(3, 0.0), 0);
    }

    #[test]
    fn creating_a_query_is_retried_only_when_it_never_ran() {
        let policy = RetryPolicy::default();
        let retried = |replay, kind, status| {
            policy
                .delay_for(replay, &error(kind, status), 0, 0.5)
                .is_some()
        };
        for replay in [Replay::CreatesQuery, Replay::Idempotent] {
            assert!(retried(replay, ErrorKind::RateLimit, Some(429)));
            assert!(retried(replay, ErrorKind::Unavailable, Some(503)));
        }
        for (kind, status) in [
            (ErrorKind::Unavailable, Some(504)),
            (ErrorKind::Server, Some(500)),
            (ErrorKind::Network, None),
            (ErrorKind::Timeout, None),
        ] {
            assert!(!retried(Replay::CreatesQuery, kind, status), "{kind:?}");
            assert!(retried(Replay::Idempotent, kind, status), "{kind:?}");
        }
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::NotFound,
            ErrorKind::Forbidden,
            ErrorKind::Gone,
            ErrorKind::QueryFailed,
            ErrorKind::Validation,
        ] {
            assert!(!retried(Replay::Idempotent, kind, Some(400)), "{kind:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_limit() {
        let policy = RetryPolicy::default();
        let mut limited = error(ErrorKind::RateLimit, Some(429));
        limited.retry_after_ms = Some(1500);
        assert_eq!(
            policy.delay_for(Replay::CreatesQuery, &limited, 0, 0.9),
            Some(1500)
        );
        limited.retry_after_ms = Some(3_600_000);
        assert_eq!(
            policy.delay_for(Replay::CreatesQuery, &limited, 0, 0.9),
            None
        );
    }

    #[test]
    fn retries_stop_at_the_limit() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let busy = error(ErrorKind::Unavailable, Some(503));
        assert!(policy
            .delay_for(Replay::Idempotent, &busy, 1, 0.5)
            .is_some());
        assert!(policy
            .delay_for(Replay::Idempotent, &busy, 2, 0.5)
            .is_none());
    }
}
