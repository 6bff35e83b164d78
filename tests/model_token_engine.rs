//! Model check of the token engine (`core::token`): random interleavings of
//! calls, time passing, token expiry, 401s (for the current and for older
//! tokens), slow, failing and invalid renewals, late reports from renewals
//! already given up on, and callers aborting. A small model of what the
//! engine promises runs alongside it; proptest shrinks any failure to the
//! shortest sequence of steps.
//!
//! Invariants, checked after every step:
//! - at most one renewal is in flight, and one is in flight whenever a
//!   caller waits (nobody is stranded);
//! - no request is sent with a token known to be expired: a token is
//!   handed out only within its life minus the leeway;
//! - a token is handed out after a 401 for it only while renewals are
//!   held back (a renewed token was rejected too, and the rejected one is
//!   younger than the backoff window), and never while a renewal runs;
//! - a caller waits only when there is no usable (or held) token;
//! - every caller settles exactly once (granted, failed or aborted), and
//!   an aborted caller is never settled again; when the last waiting caller
//!   aborts, its renewal is given up (and reported late, if at all);
//! - each renewal's reason follows the token it replaces: none (initial),
//!   rejected by Halo (rejected), else expiring;
//! - no renewal loop: renewal outcomes never start another renewal, a
//!   background renewal starts only once the token is in its renewal
//!   window, a renewal after failures waits out the backoff, a renewal
//!   after repeated 401s waits out its window, and a 401 for an older
//!   token keeps the current one.
//!
//! `fifty_calls_against_a_server_that_rejects_everything` drives the
//! engine with the call decisions (`core::call`) as the shell does.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::{ErrorKind, HaloError};
use halo_device::core::token::{
    Acquired, Action, IssuedTokenInput, RenewalId, RenewalReason, TokenEngine, TokenPolicy,
    WaiterId, MAX_RENEW_MARGIN_MS,
};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::HashSet;

/// The leeway cap docs/device-client.md documents: min(10 s, lifetime / 20).
const MAX_EXPIRY_LEEWAY_MS: f64 = 10_000.0;

#[derive(Clone, Debug)]
enum Step {
    /// A call needs a token.
    Acquire,
    /// Time passes: a little, a token's lifetime, or hours.
    Advance(u64),
    /// `getToken` resolves, with a valid token or something unusable.
    RenewalResolves {
        access_token: Option<String>,
        expires_in: Option<f64>,
    },
    /// `getToken` rejects, or runs past `tokenTimeoutMs` and is given up on.
    RenewalFails,
    /// A renewal already settled (a slow one given up on) reports late.
    LateReport { succeeded: bool, which: Index },
    /// Halo answers 401 to a request sent with one of the tokens handed out.
    Unauthorized(Index),
    /// A waiting caller aborts.
    AbortWaiting(Index),
    /// A caller that has already settled aborts: nothing may happen.
    AbortSettled(Index),
}

fn step() -> impl Strategy<Value = Step> {
    let expires_in = prop_oneof![
        8 => (1u32..7_200).prop_map(|s| Some(f64::from(s))),
        1 => prop::sample::select(&[0.001, 0.5, 31_536_000.0][..]).prop_map(Some),
        1 => prop::sample::select(&[0.0, -5.0, f64::NAN, f64::INFINITY][..]).prop_map(Some),
        1 => Just(None),
    ];
    let access_token = prop_oneof![
        8 => "[A-Za-z0-9]{8}".prop_map(Some),
        1 => Just(Some(String::new())),
        1 => Just(None),
    ];
    prop_oneof![
        6 => Just(Step::Acquire),
        4 => prop_oneof![0u64..2_000, 0u64..400_000, 0u64..10_000_000].prop_map(Step::Advance),
        3 => (access_token, expires_in).prop_map(|(access_token, expires_in)| Step::RenewalResolves { access_token, expires_in }),
        1 => Just(Step::RenewalFails),
        1 => (any::<bool>(), any::<Index>()).prop_map(|(succeeded, which)| Step::LateReport { succeeded, which }),
        2 => any::<Index>().prop_map(Step::Unauthorized),
        1 => any::<Index>().prop_map(Step::AbortWaiting),
        1 => any::<Index>().prop_map(Step::AbortSettled),
    ]
}

fn policy() -> impl Strategy<Value = TokenPolicy> {
    prop_oneof![
        Just(TokenPolicy::default()),
        (
            prop::option::of(0u64..=86_400_000),
            0u64..=1_000,
            0u64..=60_000
        )
            .prop_map(|(renew_margin_ms, base, max)| TokenPolicy {
                renew_margin_ms,
                failure_backoff_base_ms: base,
                failure_backoff_max_ms: max,
            }),
    ]
}

/// A token as the model knows it.
#[derive(Clone, Debug)]
struct Token {
    value: String,
    generation: u64,
    received_at_ms: f64,
    lifetime_ms: f64,
    rejected: bool,
}

impl Token {
    fn usable_until_ms(&self) -> f64 {
        self.received_at_ms + self.lifetime_ms - MAX_EXPIRY_LEEWAY_MS.min(self.lifetime_ms / 20.0)
    }
}

/// What the engine promises, tracked independently of how it keeps state.
struct Model {
    policy: TokenPolicy,
    now_ms: f64,
    token: Option<Token>,
    generations: u64,
    in_flight: Option<RenewalId>,
    renewals_started: HashSet<RenewalId>,
    renewals_settled: Vec<RenewalId>,
    consecutive_failures: u32,
    last_failure_ms: f64,
    consecutive_rejections: u32,
    waiting: Vec<WaiterId>,
    settled: HashSet<WaiterId>,
    callers: u64,
    generations_sent: Vec<u64>,
}

impl Model {
    fn new(policy: TokenPolicy, start_ms: f64) -> Self {
        Self {
            policy,
            now_ms: start_ms,
            token: None,
            generations: 0,
            in_flight: None,
            renewals_started: HashSet::new(),
            renewals_settled: Vec::new(),
            consecutive_failures: 0,
            last_failure_ms: f64::NEG_INFINITY,
            consecutive_rejections: 0,
            waiting: Vec::new(),
            settled: HashSet::new(),
            callers: 0,
            generations_sent: Vec::new(),
        }
    }

    fn usable(&self) -> Option<&Token> {
        self.token
            .as_ref()
            .filter(|t| !t.rejected && self.now_ms < t.usable_until_ms())
    }

    /// The rejected current token, while renewals are held back for it.
    fn held(&self) -> Option<&Token> {
        let window = match self.consecutive_rejections {
            0 | 1 => 0,
            n => self
                .policy
                .failure_backoff_base_ms
                .saturating_mul(1 << (n - 2).min(20))
                .min(self.policy.failure_backoff_max_ms),
        };
        self.token.as_ref().filter(|t| {
            t.rejected
                && self.in_flight.is_none()
                && self.now_ms < t.received_at_ms + window as f64
                && self.now_ms < t.usable_until_ms()
        })
    }

    /// When the backoff after the last failures ends.
    fn retry_not_before_ms(&self) -> f64 {
        if self.consecutive_failures == 0 {
            return f64::NEG_INFINITY;
        }
        let doublings = (self.consecutive_failures - 1).min(20);
        let backoff = self
            .policy
            .failure_backoff_base_ms
            .saturating_mul(1 << doublings)
            .min(self.policy.failure_backoff_max_ms);
        self.last_failure_ms + backoff as f64
    }

    fn renewal_due(&self, token: &Token) -> bool {
        let margin = match self.policy.renew_margin_ms {
            Some(margin) => margin as f64,
            None => MAX_RENEW_MARGIN_MS.min(token.lifetime_ms / 10.0),
        };
        self.now_ms >= token.received_at_ms + token.lifetime_ms - margin
    }

    fn settle(&mut self, waiter: WaiterId) -> Result<(), TestCaseError> {
        prop_assert!(
            self.settled.insert(waiter),
            "caller {} settled twice",
            waiter
        );
        Ok(())
    }

    fn start(&mut self, action: Option<Action>) -> Result<(), TestCaseError> {
        let Some(action) = action else {
            return Ok(());
        };
        let Action::StartRenewal {
            renewal,
            delay_ms,
            reason,
        } = action
        else {
            return Err(TestCaseError::fail(format!(
                "acquire settled someone: {action:?}"
            )));
        };
        prop_assert!(self.in_flight.is_none(), "a second renewal started");
        prop_assert!(
            self.renewals_started.insert(renewal),
            "renewal id {} reused",
            renewal
        );
        let wait = (self.retry_not_before_ms() - self.now_ms).max(0.0);
        prop_assert_eq!(
            delay_ms,
            wait as u64,
            "the renewal waits out the backoff, no longer"
        );
        prop_assert!(delay_ms <= self.policy.failure_backoff_max_ms);
        let expected = match &self.token {
            None => RenewalReason::Initial,
            Some(token) if token.rejected => RenewalReason::Rejected,
            Some(_) => RenewalReason::Expiring,
        };
        prop_assert_eq!(reason, expected, "the renewal's reason");
        self.in_flight = Some(renewal);
        Ok(())
    }

    fn acquire(&mut self, engine: &mut TokenEngine) -> Result<(), TestCaseError> {
        self.callers += 1;
        let caller = self.callers;
        let (acquired, start) = engine.acquire(caller, self.now_ms);
        match acquired {
            Acquired::Ready(grant) => {
                let usable = self.usable().cloned();
                let token = usable.clone().or_else(|| self.held().cloned()).ok_or_else(|| {
                    TestCaseError::fail(
                        "a token was handed out with none usable (expired, or rejected and not held)",
                    )
                })?;
                prop_assert_eq!(grant.generation, token.generation);
                prop_assert_eq!(grant.token.expose(), token.value.as_str());
                if usable.is_some() && self.renewal_due(&token) {
                    self.consecutive_rejections = 0;
                }
                let due = usable.is_some()
                    && self.in_flight.is_none()
                    && self.renewal_due(&token)
                    && self.now_ms >= self.retry_not_before_ms();
                prop_assert_eq!(
                    start.is_some(),
                    due,
                    "a background renewal starts exactly when due"
                );
                self.generations_sent.push(grant.generation);
                self.settle(caller)?;
            }
            Acquired::Queued => {
                prop_assert!(
                    self.usable().is_none() && self.held().is_none(),
                    "a caller waited although a token was usable"
                );
                prop_assert_eq!(
                    start.is_some(),
                    self.in_flight.is_none(),
                    "a waiter needs exactly one renewal"
                );
                self.waiting.push(caller);
            }
        }
        self.start(start)
    }

    /// Applies a renewal's outcome: every waiter, and only they, is settled.
    fn settle_waiters(
        &mut self,
        actions: Vec<Action>,
        issued: Option<&Token>,
        error: Option<&HaloError>,
    ) -> Result<(), TestCaseError> {
        let mut settled: Vec<WaiterId> = Vec::new();
        for action in actions {
            match (action, issued, error) {
                (Action::Grant { waiter, grant }, Some(token), None) => {
                    prop_assert_eq!(grant.generation, token.generation);
                    prop_assert_eq!(grant.token.expose(), token.value.as_str());
                    self.generations_sent.push(grant.generation);
                    settled.push(waiter);
                }
                (Action::Fail { waiter, error: got }, None, Some(error)) => {
                    prop_assert_eq!(&got, error);
                    settled.push(waiter);
                }
                (action, ..) => {
                    return Err(TestCaseError::fail(format!(
                        "a renewal outcome gave {action:?}"
                    )));
                }
            }
        }
        let mut waiting = std::mem::take(&mut self.waiting);
        waiting.sort_unstable();
        settled.sort_unstable();
        prop_assert_eq!(
            &settled,
            &waiting,
            "exactly the waiting callers are settled"
        );
        for waiter in settled {
            self.settle(waiter)?;
        }
        Ok(())
    }

    fn renewal_resolves(
        &mut self,
        engine: &mut TokenEngine,
        input: IssuedTokenInput,
    ) -> Result<(), TestCaseError> {
        let Some(renewal) = self.in_flight.take() else {
            return Ok(());
        };
        self.renewals_settled.push(renewal);
        let value = input.access_token.clone().unwrap_or_default();
        match input.validate() {
            Ok(issued) => {
                self.generations += 1;
                let token = Token {
                    value,
                    generation: self.generations,
                    received_at_ms: self.now_ms,
                    lifetime_ms: issued.expires_in_s * 1000.0,
                    rejected: false,
                };
                let actions = engine.renewal_succeeded(renewal, issued, self.now_ms);
                self.consecutive_failures = 0;
                self.settle_waiters(actions, Some(&token), None)?;
                self.token = Some(token);
            }
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::Auth);
                self.fail(engine, renewal, error)?;
            }
        }
        Ok(())
    }

    fn fail(
        &mut self,
        engine: &mut TokenEngine,
        renewal: RenewalId,
        error: HaloError,
    ) -> Result<(), TestCaseError> {
        let actions = engine.renewal_failed(renewal, &error, self.now_ms);
        self.consecutive_failures += 1;
        self.last_failure_ms = self.now_ms;
        self.settle_waiters(actions, None, Some(&error))
    }

    fn apply(&mut self, engine: &mut TokenEngine, step: Step) -> Result<(), TestCaseError> {
        match step {
            Step::Acquire => self.acquire(engine)?,
            Step::Advance(ms) => self.now_ms += ms as f64,
            Step::RenewalResolves {
                access_token,
                expires_in,
            } => self.renewal_resolves(
                engine,
                IssuedTokenInput {
                    access_token,
                    expires_in,
                    snake_case: false,
                },
            )?,
            Step::RenewalFails => {
                if let Some(renewal) = self.in_flight.take() {
                    self.renewals_settled.push(renewal);
                    let error =
                        HaloError::new(ErrorKind::Timeout, "getToken did not settle in time");
                    self.fail(engine, renewal, error)?;
                }
            }
            Step::LateReport { succeeded, which } => {
                // A settled renewal, or an id the engine never gave out.
                let renewal = match self.renewals_settled.len() {
                    0 => RenewalId::MAX,
                    n => self.renewals_settled[which.index(n)],
                };
                let actions = if succeeded {
                    let late = IssuedTokenInput {
                        access_token: Some("late".into()),
                        expires_in: Some(3600.0),
                        snake_case: false,
                    };
                    engine.renewal_succeeded(renewal, late.validate().unwrap(), self.now_ms)
                } else {
                    let error = HaloError::new(ErrorKind::Auth, "late failure");
                    engine.renewal_failed(renewal, &error, self.now_ms)
                };
                prop_assert!(
                    actions.is_empty(),
                    "a late report changed something: {:?}",
                    actions
                );
            }
            Step::Unauthorized(which) => {
                if !self.generations_sent.is_empty() {
                    let generation =
                        self.generations_sent[which.index(self.generations_sent.len())];
                    engine.rejected(generation);
                    if let Some(token) = self
                        .token
                        .as_mut()
                        .filter(|t| t.generation == generation && !t.rejected)
                    {
                        token.rejected = true;
                        self.consecutive_rejections += 1;
                    }
                }
            }
            Step::AbortWaiting(which) => {
                if !self.waiting.is_empty() {
                    let caller = self.waiting.remove(which.index(self.waiting.len()));
                    let abandoned = engine.cancel(caller);
                    // The last waiter gone: nobody wants the renewal, which
                    // is given up like a settled one (its reports ignored).
                    let expected = if self.waiting.is_empty() {
                        self.in_flight.take()
                    } else {
                        None
                    };
                    prop_assert_eq!(abandoned, expected, "the renewal given up");
                    self.renewals_settled.extend(expected);
                    self.settle(caller)?;
                }
            }
            Step::AbortSettled(which) => {
                if self.callers > 0 {
                    let caller = which.index(self.callers as usize) as u64 + 1;
                    if self.settled.contains(&caller) {
                        prop_assert_eq!(
                            engine.cancel(caller),
                            None,
                            "a settled caller gave up a renewal"
                        );
                    }
                }
            }
        }
        self.check(engine)
    }

    fn check(&self, engine: &TokenEngine) -> Result<(), TestCaseError> {
        prop_assert!(
            self.waiting.is_empty() || self.in_flight.is_some(),
            "callers wait with no renewal in flight"
        );
        let info = engine.info(self.now_ms, 0.0);
        prop_assert_eq!(info.has_token, self.usable().is_some());
        prop_assert_eq!(info.renewals, self.generations);
        Ok(())
    }

    /// Lets the last renewal succeed: afterwards nobody may still wait.
    fn finish(&mut self, engine: &mut TokenEngine) -> Result<(), TestCaseError> {
        let valid = IssuedTokenInput {
            access_token: Some("final".into()),
            expires_in: Some(3600.0),
            snake_case: false,
        };
        self.renewal_resolves(engine, valid)?;
        prop_assert!(self.waiting.is_empty());
        prop_assert_eq!(
            self.settled.len() as u64,
            self.callers,
            "every caller settled exactly once"
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn random_interleavings_keep_every_guarantee(
        policy in policy(),
        start_ms in prop_oneof![Just(0.0), 0.0..1e10],
        steps in prop::collection::vec(step(), 0..200),
    ) {
        let mut engine = TokenEngine::new(policy);
        let mut model = Model::new(policy, start_ms);
        for step in steps {
            model.apply(&mut engine, step)?;
        }
        model.finish(&mut engine)?;
    }
}

/// What a call against a server that answers 401 to everything costs: the
/// shell's loop (`src/wasm/call_loop.rs`, `token_driver.rs`) over the core's
/// decisions, one call after another, each request taking `request_ms`.
/// Returns how many times `getToken` was called.
fn get_token_calls_for_fifty_rejected_calls(request_ms: f64) -> u32 {
    use halo_device::core::call::{Call, Next};
    use halo_device::core::retry::{Replay, RetryPolicy};

    let mut engine = TokenEngine::new(TokenPolicy::default());
    let mut now = 0.0;
    let mut get_token_calls = 0;
    for waiter in 1..=50 {
        let mut call = Call::new(Replay::Idempotent, RetryPolicy::default(), None, true);
        let mut requests = 0;
        loop {
            let grant = match engine.acquire(waiter, now) {
                (Acquired::Ready(grant), None) => grant,
                (
                    Acquired::Queued,
                    Some(Action::StartRenewal {
                        renewal, delay_ms, ..
                    }),
                ) => {
                    now += delay_ms as f64;
                    get_token_calls += 1;
                    let issued = IssuedTokenInput {
                        access_token: Some(format!("token-{get_token_calls}")),
                        expires_in: Some(3600.0),
                        snake_case: false,
                    };
                    match engine
                        .renewal_succeeded(renewal, issued.validate().unwrap(), now)
                        .pop()
                    {
                        Some(Action::Grant { grant, .. }) => grant,
                        other => panic!("the waiter was not granted: {other:?}"),
                    }
                }
                other => panic!("unexpected {other:?}"),
            };
            requests += 1;
            now += request_ms;
            let unauthorized =
                HaloError::new(ErrorKind::Auth, "Invalid token (HTTP 401)").with_status(401);
            match call.on_failure(unauthorized, now, 0.5) {
                Next::RenewToken => engine.rejected(grant.generation),
                Next::Fail(error) => {
                    assert_eq!(error.status, Some(401));
                    break;
                }
                Next::Retry { .. } => panic!("a 401 is not retried with backoff"),
            }
        }
        assert_eq!(requests, 2, "each call: one request, one retry");
    }
    get_token_calls
}

#[test]
fn fifty_calls_against_a_server_that_rejects_everything() {
    // Back to back: the first token, one renewal after the first 401, then
    // the renewed token is held for its window (250 ms).
    assert_eq!(get_token_calls_for_fifty_rejected_calls(1.0), 2);
    // A call every 200 ms (10 s in all): windows of 250 ms doubling to 30 s
    // allow one renewal each: 250, 500, 1000, 2000, 4000 ms…
    let spaced = get_token_calls_for_fifty_rejected_calls(100.0);
    assert!(spaced <= 8, "{spaced} getToken calls for 50 calls");
}
