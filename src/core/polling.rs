//! Waiting for async queries: how long to wait between polls (backoff with
//! jitter, up to a cap, never past the deadline), when a status changed,
//! and, for the integrator's batch wait, which queries are still to ask
//! about. The shell brings the clock and the randomness.

use super::error::{ErrorKind, HaloError};
use super::ids::QueryId;
use super::json_source::JsonSource;
use super::numbers::optional_whole_number;
use super::requests::check_query_id_count;
use super::responses::{query_state, QueryState, QueryStatus};

/// The first wait after an unfinished poll when the caller sets none: our
/// choice; Halo publishes no rate limits.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 1_000;
/// The longest wait between polls when the caller sets none (or the poll
/// interval, if that is longer).
pub const DEFAULT_MAX_POLL_INTERVAL_MS: u64 = 30_000;
/// Async queries may queue for up to 2 h and execute for 5 min.
pub const DEFAULT_WAIT_TIMEOUT_MS: u64 = 2 * 3_600_000 + 5 * 60_000;
/// Each wait is this many times the one before, until the cap: a query
/// that finishes in a second is seen quickly, one that runs for an hour is
/// asked about every 30 s rather than 3,600 times.
pub const BACKOFF_FACTOR: f64 = 1.5;
/// Each wait is shortened by up to this fraction, at random, so clients
/// that started together do not poll together; never lengthened, so a wait
/// never exceeds its step or the cap.
pub const JITTER: f64 = 0.2;
/// How long before the deadline the last poll starts (at most; a tenth of
/// a shorter wait), so that it can answer in time: the wait's deadline is
/// never overrun, and a poll still unanswered at it is cut.
pub const FINAL_POLL_GRACE_MS: f64 = 1_000.0;
/// The bounds of `pollIntervalMs` and `maxPollIntervalMs`.
const INTERVAL_RANGE: (u64, u64) = (10, 600_000);

/// One wait for one or many queries: the growing step between polls and
/// the deadline on the monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitPlan {
    step_ms: f64,
    max_interval_ms: u64,
    deadline_ms: f64,
    timeout_ms: u64,
}

/// What the shell does after a poll that found a query still running.
#[derive(Clone, Debug, PartialEq)]
pub enum PollStep {
    /// Ask again after this many milliseconds.
    Wait(u64),
    /// A `Timeout` error: the deadline has come.
    GiveUp(HaloError),
}

impl WaitPlan {
    /// `pollIntervalMs`, `maxPollIntervalMs` and `timeoutMs` as the caller
    /// gave them (or not); `now_ms` is the monotonic clock.
    pub fn new(
        interval_ms: Option<f64>,
        max_interval_ms: Option<f64>,
        timeout_ms: Option<f64>,
        now_ms: f64,
    ) -> Result<Self, HaloError> {
        let (min, max) = INTERVAL_RANGE;
        let interval_ms = optional_whole_number("pollIntervalMs", interval_ms, min, max)?
            .unwrap_or(DEFAULT_POLL_INTERVAL_MS);
        let max_interval_ms =
            match optional_whole_number("maxPollIntervalMs", max_interval_ms, min, max)? {
                None => DEFAULT_MAX_POLL_INTERVAL_MS.max(interval_ms),
                Some(cap) if cap < interval_ms => {
                    return Err(HaloError::validation(
                        "maxPollIntervalMs",
                        "maxPollIntervalMs must not be less than pollIntervalMs",
                    ))
                }
                Some(cap) => cap,
            };
        let timeout_ms = optional_whole_number("timeoutMs", timeout_ms, 1, 86_400_000)?
            .unwrap_or(DEFAULT_WAIT_TIMEOUT_MS);
        Ok(Self {
            step_ms: interval_ms as f64,
            max_interval_ms,
            deadline_ms: now_ms + timeout_ms as f64,
            timeout_ms,
        })
    }

    /// How long from `now_ms` the shell's timer lets the whole wait run,
    /// polls included: to the deadline, never past it.
    pub fn time_left_ms(&self, now_ms: f64) -> f64 {
        (self.deadline_ms - now_ms).max(0.0)
    }

    /// The wait's `timeoutMs`.
    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms
    }

    /// After a poll that found a query unfinished: wait the current step,
    /// shortened by up to [`JITTER`] as `random` (in `[0, 1)`; anything
    /// else counts as 0) says, and clipped so the next poll starts at the
    /// deadline at the latest; give up once the deadline has come.
    pub fn after_pending(&mut self, now_ms: f64, random: f64) -> PollStep {
        let left_ms = self.deadline_ms - now_ms;
        if left_ms.is_nan() || left_ms < 1.0 {
            return PollStep::GiveUp(HaloError::new(
                ErrorKind::Timeout,
                format!("the query did not finish within {} ms", self.timeout_ms),
            ));
        }
        let random = if (0.0..1.0).contains(&random) {
            random
        } else {
            0.0
        };
        let jittered = (self.step_ms * (1.0 - JITTER * random)).max(1.0);
        self.step_ms = (self.step_ms * BACKOFF_FACTOR).min(self.max_interval_ms as f64);
        // The last poll starts early enough to answer by the deadline (a
        // tenth of a short wait); once too near for that, the last wait
        // ends at the deadline.
        let lead_ms = FINAL_POLL_GRACE_MS.min(self.timeout_ms as f64 / 10.0);
        let until_last = left_ms - lead_ms;
        let latest = if until_last >= 1.0 {
            until_last
        } else {
            left_ms
        };
        PollStep::Wait(jittered.min(latest.ceil()) as u64)
    }
}

/// `resultPages`'s `startPage`: a whole number from 1, default 1.
pub fn start_page(value: Option<f64>) -> Result<u32, HaloError> {
    Ok(optional_whole_number("startPage", value, 1, u64::from(u32::MAX))?.unwrap_or(1) as u32)
}

/// The last status seen of each query waited for, so `onProgress` hears
/// about changes, not polls.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusWatch {
    seen: Vec<Option<String>>,
}

impl StatusWatch {
    /// A watch over `count` queries, none seen yet.
    pub fn new(count: usize) -> Self {
        Self {
            seen: vec![None; count],
        }
    }

    /// Whether query `index` now has a status it did not have at the last poll.
    pub fn changed(&mut self, index: usize, status: Option<&str>) -> bool {
        match (self.seen.get_mut(index), status) {
            (Some(seen), Some(status)) if seen.as_deref() != Some(status) => {
                *seen = Some(status.to_owned());
                true
            }
            _ => false,
        }
    }
}

/// One entry of a batch status answer, as far as waiting cares.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchEntry {
    /// Halo does not know the query at this site: finished, reported as `notFound`.
    NotFound,
    /// The query, with its status (a failed query is finished, not an error).
    Found(QueryStatus),
}

impl BatchEntry {
    /// `{ queryId, status: "found", query }` (the query with its `status`)
    /// or `{ queryId, status: "notFound" }`, with the query id lower-cased;
    /// anything else is a protocol error: a found query without a status
    /// cannot be judged finished or not.
    pub fn read(source: &impl JsonSource) -> Result<(String, BatchEntry), HaloError> {
        let broken = || {
            HaloError::new(
                ErrorKind::Protocol,
                "a batch status result is not { queryId, status: \"found\", query } or { queryId, status: \"notFound\" }",
            )
        };
        let id = source.text("queryId").ok_or_else(broken)?;
        let entry = match source.text("status").as_deref() {
            Some("notFound") => BatchEntry::NotFound,
            Some("found") => {
                let query = source.object("query").ok_or_else(broken)?;
                let query = QueryStatus::read(&query);
                if query.status.is_none() {
                    return Err(broken());
                }
                BatchEntry::Found(query)
            }
            _ => return Err(broken()),
        };
        Ok((id.to_ascii_lowercase(), entry))
    }

    /// Whether waiting for this query is over: not found, or in a terminal state.
    pub fn finished(&self) -> bool {
        match self {
            BatchEntry::NotFound => true,
            BatchEntry::Found(query) => !matches!(query_state(query), QueryState::Pending),
        }
    }
}

/// One batch status answer's entries as read so far: a query named twice
/// must get the same answer both times, or which one holds is a guess.
#[derive(Debug, Default)]
pub struct BatchAnswer {
    entries: Vec<(String, BatchEntry)>,
}

impl BatchAnswer {
    /// Reads the next entry (see [`BatchEntry::read`]); a query already
    /// answered differently in this answer is a protocol error.
    pub fn read(&mut self, source: &impl JsonSource) -> Result<(String, BatchEntry), HaloError> {
        let (id, entry) = BatchEntry::read(source)?;
        match self.entries.iter().find(|(known, _)| *known == id) {
            Some((_, earlier)) if *earlier != entry => {
                return Err(HaloError::new(
                    ErrorKind::Protocol,
                    format!("a batch status answer names query {id} twice, with different answers"),
                ))
            }
            Some(_) => {}
            None => self.entries.push((id.clone(), entry.clone())),
        }
        Ok((id, entry))
    }
}

/// `waitForQueries`: the queries waited for, in the caller's order, and
/// which of them are finished.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchWait {
    ids: Vec<QueryId>,
    finished: Vec<bool>,
}

impl BatchWait {
    /// Validates the ids: at least one, at most [`MAX_QUERY_STATUS_IDS`](super::limits::MAX_QUERY_STATUS_IDS) (so
    /// each poll is one batch call), each a query id, none twice.
    pub fn new(query_ids: &[String]) -> Result<Self, HaloError> {
        check_query_id_count(query_ids.len())?;
        if query_ids.is_empty() {
            return Err(HaloError::validation(
                "queryIds",
                "queryIds must name at least one query",
            ));
        }
        let mut ids: Vec<QueryId> = Vec::with_capacity(query_ids.len());
        for (index, id) in query_ids.iter().enumerate() {
            let field = format!("queryIds[{index}]");
            let id = QueryId::parse(&field, id)?;
            if ids.contains(&id) {
                return Err(HaloError::validation(
                    &field,
                    format!("{field} names a query already in the list"),
                ));
            }
            ids.push(id);
        }
        let finished = vec![false; ids.len()];
        Ok(Self { ids, finished })
    }

    /// The ids to ask about in the next batch call: the unfinished ones.
    pub fn unfinished(&self) -> Vec<String> {
        self.ids
            .iter()
            .zip(&self.finished)
            .filter(|(_, done)| !**done)
            .map(|(id, _)| id.as_str().to_owned())
            .collect()
    }

    /// Where `query_id` (lower-case, from [`BatchEntry::read`]) is in the
    /// caller's list, marking it finished if `entry` is; an id that was not
    /// asked about is a protocol error.
    pub fn record(&mut self, query_id: &str, entry: &BatchEntry) -> Result<usize, HaloError> {
        let index = self
            .ids
            .iter()
            .position(|id| id.as_str() == query_id)
            .ok_or_else(|| {
                HaloError::new(
                    ErrorKind::Protocol,
                    "a batch status answer named a query that was not asked about",
                )
            })?;
        if let Some(done) = self.finished.get_mut(index) {
            *done |= entry.finished();
        }
        Ok(index)
    }

    /// How many queries are waited for.
    pub fn count(&self) -> usize {
        self.ids.len()
    }

    /// Whether every query is finished.
    pub fn done(&self) -> bool {
        self.finished.iter().all(|done| *done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json_source::test_json::Json;
    use crate::core::limits::MAX_QUERY_STATUS_IDS;

    fn new_plan(interval: Option<f64>, cap: Option<f64>, timeout: f64) -> WaitPlan {
        WaitPlan::new(interval, cap, Some(timeout), 1000.0).unwrap()
    }

    fn waits(plan: &mut WaitPlan, now: f64, random: f64, count: usize) -> Vec<u64> {
        (0..count)
            .map(|_| match plan.after_pending(now, random) {
                PollStep::Wait(ms) => ms,
                PollStep::GiveUp(error) => panic!("gave up: {error:?}"),
            })
            .collect()
    }

    #[test]
    fn backs_off_by_the_factor_up_to_the_cap() {
        let mut plan = new_plan(Some(100.0), Some(1_000.0), 1e6);
        assert_eq!(
            waits(&mut plan, 1000.0, 0.0, 8),
            [100, 150, 225, 337, 506, 759, 1000, 1000]
        );
    }

    #[test]
    fn the_default_cap_is_30_s_or_the_interval() {
        let mut plan = new_plan(None, None, 86_400_000.0);
        let steps = waits(&mut plan, 1000.0, 0.0, 20);
        assert_eq!(steps[0], DEFAULT_POLL_INTERVAL_MS);
        assert_eq!(*steps.last().unwrap(), DEFAULT_MAX_POLL_INTERVAL_MS);
        assert!(steps.iter().all(|ms| *ms <= DEFAULT_MAX_POLL_INTERVAL_MS));
        let mut slow = new_plan(Some(60_000.0), None, 86_400_000.0);
        assert_eq!(waits(&mut slow, 1000.0, 0.0, 2), [60_000, 60_000]);
    }

    #[test]
    fn jitter_only_shortens_a_wait_by_up_to_a_fifth() {
        let mut low = new_plan(Some(1_000.0), Some(1_000.0), 1e6);
        assert_eq!(waits(&mut low, 1000.0, 0.999_999, 2), [800, 800]);
        let mut mid = new_plan(Some(1_000.0), None, 1e6);
        assert_eq!(waits(&mut mid, 1000.0, 0.5, 2), [900, 1350]);
        // A broken random source (NaN, out of range) means no jitter.
        for bad in [f64::NAN, -0.5, 1.0, 7.0, f64::INFINITY] {
            let mut plan = new_plan(Some(1_000.0), None, 1e6);
            assert_eq!(waits(&mut plan, 1000.0, bad, 1), [1000], "{bad}");
        }
    }

    #[test]
    fn in_a_long_wait_the_last_poll_starts_in_time_to_answer_by_the_deadline() {
        let mut plan = new_plan(Some(5_000.0), None, 10_000.0);
        // Started at 1 000: the deadline is at 11 000.
        assert_eq!(plan.after_pending(1_000.0, 0.0), PollStep::Wait(5_000));
        // 5 s left: the next poll starts a grace before the deadline.
        assert_eq!(plan.after_pending(6_000.0, 0.0), PollStep::Wait(4_000));
        assert_eq!(plan.time_left_ms(10_000.0), 1_000.0);
        assert_eq!(plan.time_left_ms(13_000.0), 0.0);
    }

    #[test]
    fn the_last_poll_starts_in_time_then_the_last_wait_ends_at_the_deadline() {
        let mut plan = new_plan(Some(100.0), None, 250.0);
        assert_eq!(plan.after_pending(1000.0, 0.0), PollStep::Wait(100));
        // The deadline is at 1 250; the last poll starts a tenth of the
        // wait (25 ms) before it, not in its last instant.
        assert_eq!(plan.after_pending(1100.0, 0.0), PollStep::Wait(125));
        // Too near for another poll to answer: the wait ends at the deadline.
        assert_eq!(plan.after_pending(1230.5, 0.0), PollStep::Wait(20));
        for now in [1250.0, 1300.0, f64::NAN] {
            let PollStep::GiveUp(error) = plan.after_pending(now, 0.0) else {
                panic!("waited past the deadline at {now}");
            };
            assert_eq!(error.kind, ErrorKind::Timeout);
            assert!(error.message.contains("250 ms"));
        }
    }

    #[test]
    fn options_are_checked() {
        let field = |interval, cap, timeout| {
            WaitPlan::new(interval, cap, timeout, 0.0)
                .unwrap_err()
                .field
                .clone()
                .unwrap()
        };
        assert_eq!(field(Some(5.0), None, None), "pollIntervalMs");
        assert_eq!(field(Some(10.5), None, None), "pollIntervalMs");
        assert_eq!(field(None, Some(f64::NAN), None), "maxPollIntervalMs");
        assert_eq!(field(Some(500.0), Some(400.0), None), "maxPollIntervalMs");
        assert_eq!(field(None, Some(700_000.0), None), "maxPollIntervalMs");
        assert_eq!(field(None, None, Some(0.0)), "timeoutMs");
        assert!(WaitPlan::new(Some(500.0), Some(500.0), None, 0.0).is_ok());
    }

    #[test]
    fn start_pages_are_whole_numbers_from_1() {
        assert_eq!(start_page(None), Ok(1));
        assert_eq!(start_page(Some(3.0)), Ok(3));
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 5e9] {
            assert_eq!(
                start_page(Some(bad)).unwrap_err().field.as_deref(),
                Some("startPage"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_status_counts_as_a_change_once() {
        let mut watch = StatusWatch::new(2);
        let seen: Vec<bool> = [
            (0, Some("queued")),
            (0, Some("queued")),
            (1, Some("queued")),
            (0, None),
            (0, Some("executing")),
            (0, Some("executing")),
            (0, Some("successful")),
            (2, Some("queued")),
        ]
        .into_iter()
        .map(|(index, status)| watch.changed(index, status))
        .collect();
        assert_eq!(seen, [true, false, true, false, true, false, true, false]);
    }

    const A: &str = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";
    const B: &str = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";

    #[test]
    fn a_batch_answer_may_repeat_a_query_only_with_the_same_answer() {
        let mut answer = BatchAnswer::default();
        let found = r#"{"queryId":"%","status":"found","query":{"status":"queued"}}"#;
        let found = found.replace('%', A);
        assert!(answer.read(&Json::parse(&found)).is_ok());
        assert!(
            answer.read(&Json::parse(&found)).is_ok(),
            "an identical repeat"
        );
        let upper = found
            .replace(A, &A.to_ascii_uppercase())
            .replace("queued", "successful");
        let error = answer.read(&Json::parse(&upper)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Protocol);
        assert!(error.message.contains("twice"), "{}", error.message);
        let not_found = format!(r#"{{"queryId":"{A}","status":"notFound"}}"#);
        assert!(answer.read(&Json::parse(&not_found)).is_err());
    }

    #[test]
    fn a_found_query_without_a_status_is_a_protocol_error() {
        for query in [r#"{}"#, r#"{"status":null}"#, r#"{"status":7}"#] {
            let json = format!(r#"{{"queryId":"{A}","status":"found","query":{query}}}"#);
            assert_eq!(
                entry(&json).unwrap_err().kind,
                ErrorKind::Protocol,
                "{query}"
            );
        }
    }

    fn entry(json: &str) -> Result<(String, BatchEntry), HaloError> {
        BatchEntry::read(&Json::parse(json))
    }

    #[test]
    fn batch_entries_are_found_or_not_found() {
        let (id, found) = entry(&format!(
            r#"{{"queryId":"{}","status":"found","query":{{"status":"queued"}}}}"#,
            A.to_uppercase()
        ))
        .unwrap();
        assert_eq!(id, A);
        assert!(!found.finished());
        let failed = entry(&format!(
            r#"{{"queryId":"{A}","status":"found","query":{{"status":"executionFailed"}}}}"#
        ))
        .unwrap()
        .1;
        assert!(
            failed.finished(),
            "a failed query is finished, not an error"
        );
        assert_eq!(
            entry(&format!(r#"{{"queryId":"{A}","status":"notFound"}}"#))
                .unwrap()
                .1,
            BatchEntry::NotFound
        );
        for broken in [
            r#"{"status":"notFound"}"#.to_owned(),
            format!(r#"{{"queryId":"{A}","status":"found"}}"#),
            format!(r#"{{"queryId":"{A}","status":"lost"}}"#),
            "[]".to_owned(),
        ] {
            assert_eq!(
                entry(&broken).unwrap_err().kind,
                ErrorKind::Protocol,
                "{broken}"
            );
        }
    }

    #[test]
    fn a_batch_wait_asks_only_about_unfinished_queries() {
        let mut wait = BatchWait::new(&[A.to_owned(), B.to_uppercase()]).unwrap();
        assert_eq!(wait.unfinished(), [A, B]);
        let pending = entry(&format!(
            r#"{{"queryId":"{B}","status":"found","query":{{"status":"executing"}}}}"#
        ))
        .unwrap();
        assert_eq!(wait.record(&pending.0, &pending.1), Ok(1));
        assert_eq!(wait.record(A, &BatchEntry::NotFound), Ok(0));
        assert_eq!(wait.unfinished(), [B]);
        assert!(!wait.done());
        let done = entry(&format!(
            r#"{{"queryId":"{B}","status":"found","query":{{"status":"successful"}}}}"#
        ))
        .unwrap();
        wait.record(&done.0, &done.1).unwrap();
        assert!(wait.done());
        let stranger = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        assert_eq!(
            wait.record(stranger, &BatchEntry::NotFound)
                .unwrap_err()
                .kind,
            ErrorKind::Protocol
        );
    }

    #[test]
    fn batch_ids_are_checked() {
        let field = |ids: &[&str]| {
            let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
            BatchWait::new(&ids).unwrap_err().field.clone().unwrap()
        };
        assert_eq!(field(&[]), "queryIds");
        assert_eq!(field(&[A, "nope"]), "queryIds[1]");
        assert_eq!(field(&[A, B, &A.to_uppercase()]), "queryIds[2]");
        assert_eq!(field(&[A; MAX_QUERY_STATUS_IDS + 1]), "queryIds");
    }
}
