//! Waiting for an async query: how often to ask, and when to give up.

use super::error::{ErrorKind, HaloError};
use super::numbers::whole_number;

/// Milliseconds between `getQuery` polls when the caller sets none: our choice; Halo publishes no rate limits.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 1_000;
/// Async queries may queue for up to 2 h and execute for 5 min.
pub const DEFAULT_WAIT_TIMEOUT_MS: u64 = 2 * 3_600_000 + 5 * 60_000;

/// One `waitForQuery`: the poll interval and the deadline on the monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitPlan {
    /// Milliseconds between polls: 10 ms to 10 min, default 1 s.
    pub interval_ms: u64,
    deadline_ms: f64,
    timeout_ms: u64,
}

/// What the shell does after a poll that found the query still running.
#[derive(Clone, Debug, PartialEq)]
pub enum PollStep {
    /// Ask again after this many milliseconds.
    Wait(u64),
    /// A `Timeout` error: the next poll would start after the deadline.
    GiveUp(HaloError),
}

impl WaitPlan {
    /// `interval_ms` and `timeout_ms` as the caller gave them (or not);
    /// `now_ms` is the monotonic clock.
    pub fn new(
        interval_ms: Option<f64>,
        timeout_ms: Option<f64>,
        now_ms: f64,
    ) -> Result<Self, HaloError> {
        let interval_ms = match interval_ms {
            None => DEFAULT_POLL_INTERVAL_MS,
            Some(ms) => whole_number("pollIntervalMs", ms, 10, 600_000)?,
        };
        let timeout_ms = match timeout_ms {
            None => DEFAULT_WAIT_TIMEOUT_MS,
            Some(ms) => whole_number("timeoutMs", ms, 1, 86_400_000)?,
        };
        Ok(Self {
            interval_ms,
            deadline_ms: now_ms + timeout_ms as f64,
            timeout_ms,
        })
    }

    /// After a poll that found the query unfinished: wait, or give up if the
    /// next poll would start after the deadline.
    pub fn after_pending(&self, now_ms: f64) -> PollStep {
        if now_ms + self.interval_ms as f64 > self.deadline_ms {
            PollStep::GiveUp(HaloError::new(
                ErrorKind::Timeout,
                format!("the query did not finish within {} ms", self.timeout_ms),
            ))
        } else {
            PollStep::Wait(self.interval_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_the_interval_until_the_deadline() {
        let plan = WaitPlan::new(Some(100.0), Some(250.0), 1000.0).unwrap();
        assert_eq!(plan.after_pending(1000.0), PollStep::Wait(100));
        assert_eq!(plan.after_pending(1150.0), PollStep::Wait(100));
        assert!(
            matches!(plan.after_pending(1151.0), PollStep::GiveUp(e) if e.kind == ErrorKind::Timeout)
        );
    }

    #[test]
    fn defaults_and_limits() {
        let plan = WaitPlan::new(None, None, 0.0).unwrap();
        assert_eq!(plan.interval_ms, DEFAULT_POLL_INTERVAL_MS);
        assert_eq!(
            WaitPlan::new(Some(5.0), None, 0.0)
                .unwrap_err()
                .field
                .as_deref(),
            Some("pollIntervalMs")
        );
        assert_eq!(
            WaitPlan::new(None, Some(0.0), 0.0)
                .unwrap_err()
                .field
                .as_deref(),
            Some("timeoutMs")
        );
    }
}
