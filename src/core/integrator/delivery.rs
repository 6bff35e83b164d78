//! Result delivery's decisions, for the integrator's cloud: which tracked
//! query is overdue for a status check, how those checks are batched and
//! spaced (and pushed back by a 429), how long a failed delivery waits
//! before its next attempt, and whether a result is close to Halo's expiry.
//! Pure functions with time as an input; the facade's delivery component
//! (pkg-template/src/server/delivery/) performs the calls they plan.

use super::super::limits::MAX_QUERY_STATUS_IDS;
use super::super::retry::{RetryPolicy, MAX_RETRY_AFTER_MS};

/// One tracked query as the planner sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedQuery {
    /// The site it runs at: status calls are per site.
    pub site_id: String,
    /// When it was started, in ms since the epoch.
    pub started_at_ms: f64,
    /// When reconciliation last asked about it, if ever.
    pub last_checked_ms: Option<f64>,
}

/// How eagerly reconciliation asks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReconcilePolicy {
    /// A query is overdue this long after it started with no completion.
    pub overdue_after_ms: f64,
    /// An overdue query is asked about again at most this often.
    pub recheck_every_ms: f64,
    /// The gap between two status calls, so a backlog is spread out.
    pub batch_spacing_ms: f64,
}

/// One status call: which tracked queries (by their index in the input,
/// all at one site, at most [`MAX_QUERY_STATUS_IDS`]) and when to send it.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusBatch {
    /// The site all of `indices` run at.
    pub site_id: String,
    /// Positions in the planner's input.
    pub indices: Vec<usize>,
    /// Not to be sent before this time (ms since the epoch).
    pub send_at_ms: f64,
}

/// Whether `query` is due for a status check at `now_ms`.
pub fn is_overdue(now_ms: f64, query: &TrackedQuery, policy: &ReconcilePolicy) -> bool {
    let old_enough = now_ms - query.started_at_ms >= policy.overdue_after_ms;
    let not_just_checked = query
        .last_checked_ms
        .is_none_or(|checked| now_ms - checked >= policy.recheck_every_ms);
    old_enough && not_just_checked
}

/// The status calls to make for `tracked` at `now_ms`: the overdue ones,
/// grouped by site in order of first appearance, at most
/// [`MAX_QUERY_STATUS_IDS`] to a call, the calls `batch_spacing_ms` apart
/// starting at `now_ms` or at `not_before_ms` (a 429's end) if later.
pub fn plan_status_batches(
    now_ms: f64,
    tracked: &[TrackedQuery],
    policy: &ReconcilePolicy,
    not_before_ms: f64,
) -> Vec<StatusBatch> {
    let mut by_site: Vec<(&str, Vec<usize>)> = Vec::new();
    for (index, query) in tracked.iter().enumerate() {
        if !is_overdue(now_ms, query, policy) {
            continue;
        }
        match by_site.iter_mut().find(|(site, _)| *site == query.site_id) {
            Some((_, indices)) => indices.push(index),
            None => by_site.push((&query.site_id, vec![index])),
        }
    }
    let start = now_ms.max(not_before_ms);
    let spacing = policy.batch_spacing_ms.max(0.0);
    let mut batches = Vec::new();
    for (site, indices) in by_site {
        for chunk in indices.chunks(MAX_QUERY_STATUS_IDS) {
            let send_at_ms = start + spacing * batches.len() as f64;
            batches.push(StatusBatch {
                site_id: site.to_owned(),
                indices: chunk.to_vec(),
                send_at_ms,
            });
        }
    }
    batches
}

/// When reconciliation may call again after a 429: `Retry-After` if the
/// server said (capped at an hour), else `default_wait_ms`.
pub fn rate_limited_until(now_ms: f64, retry_after_ms: Option<f64>, default_wait_ms: f64) -> f64 {
    let wait = retry_after_ms
        .filter(|wait| wait.is_finite() && *wait >= 0.0)
        .unwrap_or(default_wait_ms)
        .min(MAX_RETRY_AFTER_MS as f64);
    now_ms + wait.max(0.0)
}

/// The wait before delivery attempt `attempt + 1` after `attempt` failed
/// (1-based): exponential from `base_ms`, capped at `max_ms`, full jitter
/// (`random` in `[0, 1)` from the host).
pub fn delivery_backoff_ms(attempt: u32, base_ms: u64, max_ms: u64, random: f64) -> u64 {
    let policy = RetryPolicy {
        base_delay_ms: base_ms,
        max_delay_ms: max_ms,
        ..RetryPolicy::default()
    };
    policy.backoff_ms(attempt.saturating_sub(1), random)
}

/// Where a result stands against Halo's retention (about 24 h after the
/// query ran).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expiry {
    /// Well inside the window.
    Fresh,
    /// Within `warn_before_ms` of expiring, at `expires_at_ms`.
    Expiring {
        /// When Halo is expected to drop it.
        expires_at_ms: f64,
    },
    /// Past the window: a fetch is expected to answer 410.
    Expired,
}

/// Whether a result that completed at `completed_at_ms` is fresh, close
/// to expiry, or past it at `now_ms`.
pub fn expiry(now_ms: f64, completed_at_ms: f64, retention_ms: f64, warn_before_ms: f64) -> Expiry {
    let expires_at_ms = completed_at_ms + retention_ms;
    if now_ms >= expires_at_ms {
        Expiry::Expired
    } else if now_ms >= expires_at_ms - warn_before_ms {
        Expiry::Expiring { expires_at_ms }
    } else {
        Expiry::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: ReconcilePolicy = ReconcilePolicy {
        overdue_after_ms: 1_000.0,
        recheck_every_ms: 500.0,
        batch_spacing_ms: 100.0,
    };

    fn query(site: &str, started: f64, checked: Option<f64>) -> TrackedQuery {
        TrackedQuery {
            site_id: site.to_owned(),
            started_at_ms: started,
            last_checked_ms: checked,
        }
    }

    #[test]
    fn only_old_unchecked_queries_are_overdue() {
        assert!(!is_overdue(1_500.0, &query("a", 600.0, None), &POLICY));
        assert!(is_overdue(1_600.0, &query("a", 600.0, None), &POLICY));
        assert!(!is_overdue(
            1_600.0,
            &query("a", 0.0, Some(1_200.0)),
            &POLICY
        ));
        assert!(is_overdue(
            1_700.0,
            &query("a", 0.0, Some(1_200.0)),
            &POLICY
        ));
    }

    #[test]
    fn batches_are_per_site_capped_and_spaced_after_a_rate_limit() {
        let mut tracked: Vec<_> = (0..MAX_QUERY_STATUS_IDS + 1)
            .map(|_| query("a", 0.0, None))
            .collect();
        tracked.push(query("b", 0.0, None));
        tracked.push(query("b", 9_999.0, None));
        let batches = plan_status_batches(2_000.0, &tracked, &POLICY, 5_000.0);
        let sizes: Vec<_> = batches
            .iter()
            .map(|b| (b.site_id.as_str(), b.indices.len(), b.send_at_ms))
            .collect();
        assert_eq!(
            sizes,
            [
                ("a", MAX_QUERY_STATUS_IDS, 5_000.0),
                ("a", 1, 5_100.0),
                ("b", 1, 5_200.0)
            ]
        );
        assert_eq!(batches[2].indices, [MAX_QUERY_STATUS_IDS + 1]);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        assert_eq!(rate_limited_until(10.0, Some(2_000.0), 60_000.0), 2_010.0);
        assert_eq!(rate_limited_until(10.0, None, 60_000.0), 60_010.0);
        assert_eq!(rate_limited_until(0.0, Some(f64::INFINITY), 7.0), 7.0);
        assert_eq!(
            rate_limited_until(0.0, Some(1e12), 7.0),
            MAX_RETRY_AFTER_MS as f64
        );
    }

    #[test]
    fn backoff_doubles_to_its_cap_with_jitter() {
        assert_eq!(delivery_backoff_ms(1, 100, 1_000, 0.999_999), 99);
        assert_eq!(delivery_backoff_ms(3, 100, 1_000, 0.5), 200);
        assert_eq!(delivery_backoff_ms(30, 100, 1_000, 0.5), 500);
        assert_eq!(delivery_backoff_ms(2, 100, 1_000, 0.0), 0);
    }

    #[test]
    fn expiry_warns_before_the_window_closes() {
        assert_eq!(expiry(0.0, 0.0, 100.0, 10.0), Expiry::Fresh);
        assert_eq!(
            expiry(95.0, 0.0, 100.0, 10.0),
            Expiry::Expiring {
                expires_at_ms: 100.0
            }
        );
        assert_eq!(expiry(100.0, 0.0, 100.0, 10.0), Expiry::Expired);
    }
}
