//! The token engine: a pure state machine that decides when to ask the
//! integrator's `getToken` for a device token and who gets which token.
//!
//! Guarantees (checked by the model test in tests/model_token_engine.rs):
//! - at most one renewal is in flight, whoever needed it (a call finding no
//!   token, the proactive margin, or a 401);
//! - a token is never handed out once its life (minus a small leeway) is over;
//! - every waiter is settled exactly once: granted a token or failed;
//! - a failed renewal fails its waiters, keeps any still-valid token, and
//!   delays the next attempt with backoff instead of hammering the issuer;
//! - a server that rejects every token gets at most one renewal per
//!   backoff window, not one per call (see [`TokenEngine::rejected`]).
//!
//! Time is a monotonic millisecond count supplied by the caller: expiry is
//! `expires_in` measured from receipt, never the local wall clock.

use super::error::{ErrorKind, HaloError};
use super::header_value::is_plain_header_value;
use super::secret::Secret;
use serde::Deserialize;

/// The shell's handle for one call waiting on a token; each `acquire` gets a fresh one.
pub type WaiterId = u64;
/// Which `getToken` call a result belongs to: a result for a renewal no longer in flight is ignored.
pub type RenewalId = u64;

/// Proactive renewal starts this long before expiry, at most.
pub const MAX_RENEW_MARGIN_MS: f64 = 300_000.0;
/// Tokens are not used in the last moments of their life, to allow for the
/// request's own transit time: min(10 s, lifetime / 20).
const MAX_EXPIRY_LEEWAY_MS: f64 = 10_000.0;

/// When a device token is renewed, and how long a failing `getToken` is left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenPolicy {
    /// `None`: min(300 s, lifetime / 10).
    pub renew_margin_ms: Option<u64>,
    /// The wait after the first failed renewal (default 250 ms); it doubles per failure in a row.
    pub failure_backoff_base_ms: u64,
    /// The longest wait between failed renewals (default 30 s).
    pub failure_backoff_max_ms: u64,
}

impl TokenPolicy {
    /// The wait after the `n`th failure in a row (`n` ≥ 1): the base,
    /// doubling, capped.
    fn backoff_ms(&self, n: u32) -> u64 {
        self.failure_backoff_base_ms
            .saturating_mul(1 << n.saturating_sub(1).min(20))
            .min(self.failure_backoff_max_ms)
    }
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            renew_margin_ms: None,
            failure_backoff_base_ms: 250,
            failure_backoff_max_ms: 30_000,
        }
    }
}

/// The longest `expiresIn` believed. Device tokens live minutes to hours;
/// a larger figure is a unit mistake (ms for s) or garbage, and would push
/// `tokenInfo().expiresAt` past the largest valid `Date`.
pub const MAX_TOKEN_LIFETIME_S: f64 = 365.0 * 24.0 * 3600.0;

/// What `getToken` must resolve with: the token endpoint's fields, camel-cased.
///
/// @example
/// // In your cloud, with `HaloIntegratorClient` from "halo-device/integrator":
/// const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId, deviceId });
/// const issued: IssuedToken = { accessToken, expiresIn }; // send this back to the device
// No `Debug`: it holds the token as plain text.
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "IssuedToken", rename_all = "camelCase")
)]
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IssuedTokenInput {
    /// The device token, sent as `Authorization: Bearer …`; visible ASCII only.
    #[cfg_attr(test, ts(as = "String"))]
    pub access_token: Option<String>,
    /// Seconds, as in the token endpoint's `expires_in`.
    #[cfg_attr(test, ts(as = "f64"))]
    pub expires_in: Option<f64>,
    /// Whether the answer had Halo's own `access_token` in place of
    /// `accessToken`: the token endpoint's body passed through as it came.
    #[cfg_attr(test, ts(skip))]
    #[serde(skip)]
    pub snake_case: bool,
}

/// A token `getToken` supplied, checked: non-empty, sendable as a header, a sane lifetime.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The device token itself.
    pub token: Secret,
    /// Its lifetime from receipt, in seconds: above 0, at most a year.
    pub expires_in_s: f64,
}

impl IssuedTokenInput {
    /// Refuses, as an auth error, a missing or empty token, one with characters
    /// a header cannot carry, and an `expiresIn` that is not 0 < s ≤ a year.
    pub fn validate(self) -> Result<IssuedToken, HaloError> {
        let snake_case = self.snake_case;
        let token = self.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
            let hint = if snake_case {
                " (not Halo's access_token, expires_in: rename them)"
            } else {
                ""
            };
            HaloError::new(
                ErrorKind::Auth,
                format!("getToken must resolve to {{ accessToken, expiresIn }}: accessToken is missing or empty{hint}"),
            )
        })?;
        // Refused here rather than by `fetch`, whose error would quote it.
        if !is_plain_header_value(&token) {
            return Err(HaloError::new(
                ErrorKind::Auth,
                "getToken resolved to an accessToken that cannot be sent as a header: it may contain only visible ASCII characters (no spaces, line breaks or control characters)",
            ));
        }
        match self.expires_in {
            // Written so that NaN fails too.
            Some(seconds) if seconds > 0.0 && seconds <= MAX_TOKEN_LIFETIME_S => Ok(IssuedToken {
                token: Secret::new(token),
                expires_in_s: seconds,
            }),
            _ => Err(HaloError::new(
                ErrorKind::Auth,
                "getToken must resolve to { accessToken, expiresIn }: expiresIn must be a positive number of seconds, at most a year",
            )),
        }
    }
}

/// A token handed to a call, with the generation a 401 must report back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The device token to send.
    pub token: Secret,
    /// Which token this is: a 401 for an older generation needs no renewal.
    pub generation: u64,
}

/// Why `getToken` is called: its `reason`, so a broker that caches tokens
/// knows when a cached one will not do.
///
/// @example
/// // In the broker: a cached token serves "initial" and "expiring" (when it
/// // still has life), never "rejected": Halo has just refused it.
/// const cached = reason === "rejected" ? undefined : cache.get(deviceId);
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "TokenReason", rename_all = "lowercase")
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalReason {
    /// The client has no token yet.
    Initial,
    /// The current token is in its renewal window, or past its life.
    Expiring,
    /// Halo answered 401 to the current token: a cached copy must not be returned.
    Rejected,
}

impl RenewalReason {
    /// As `getToken` receives it.
    pub fn as_str(self) -> &'static str {
        match self {
            RenewalReason::Initial => "initial",
            RenewalReason::Expiring => "expiring",
            RenewalReason::Rejected => "rejected",
        }
    }
}

/// What the engine asks the shell to do: start `getToken`, or settle a waiter.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Call `getToken` after `delay_ms`, then report with `renewal`'s id.
    StartRenewal {
        /// The id to report the result with.
        renewal: RenewalId,
        /// Ms to wait first: the backoff left after failed renewals, else 0.
        delay_ms: u64,
        /// Why, from the token held when it starts.
        reason: RenewalReason,
    },
    /// Give this waiting call the renewed token.
    Grant {
        /// The call to settle.
        waiter: WaiterId,
        /// The token it gets.
        grant: Grant,
    },
    /// Reject this waiting call: the renewal it waited on failed.
    Fail {
        /// The call to settle.
        waiter: WaiterId,
        /// Why `getToken` failed.
        error: HaloError,
    },
}

/// What `acquire` gives a call: a token now, or a place in the queue.
#[derive(Clone, Debug, PartialEq)]
pub enum Acquired {
    /// A token to send now (a background renewal may start alongside).
    Ready(Grant),
    /// The waiter will be settled by a later `Grant` or `Fail` action.
    Queued,
}

#[derive(Clone, Debug)]
struct Current {
    token: Secret,
    generation: u64,
    received_at_ms: f64,
    /// Halo answered 401 to it: never used again once a renewal may start.
    rejected: bool,
    renew_at_ms: f64,
    usable_until_ms: f64,
    expires_at_ms: f64,
}

/// The state of the client's device token, from `tokenInfo()`; never the
/// token itself.
///
/// @example
/// const { hasToken, expiresAt, renewals } = client.tokenInfo();
/// if (hasToken) console.log(`token #${renewals} expires about ${expiresAt?.toISOString()}`);
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    /// Whether a token is held that may still be sent: not rejected by Halo, not in its last seconds.
    pub has_token: bool,
    /// A wall-clock estimate of when the current token expires.
    // Ms since the Unix epoch here; the shell hands JavaScript a `Date`.
    #[cfg_attr(test, ts(rename = "expiresAt", type = "Date | null"))]
    pub expires_at_ms: Option<f64>,
    /// How many tokens `getToken` has supplied so far.
    pub renewals: u64,
}

/// The one owner of the device token: renews it, hands it out, and settles
/// every call that waits for it.
#[derive(Clone, Debug)]
pub struct TokenEngine {
    policy: TokenPolicy,
    current: Option<Current>,
    generations: u64,
    in_flight: Option<RenewalId>,
    renewal_ids: RenewalId,
    waiters: Vec<WaiterId>,
    consecutive_failures: u32,
    retry_not_before_ms: f64,
    /// Tokens Halo rejected in a row, none since living to its renewal time.
    consecutive_rejections: u32,
    renewals: u64,
}

impl TokenEngine {
    /// Starts with no token; the first `acquire` starts the first renewal.
    pub fn new(policy: TokenPolicy) -> Self {
        Self {
            policy,
            current: None,
            generations: 0,
            in_flight: None,
            renewal_ids: 0,
            waiters: Vec::new(),
            consecutive_failures: 0,
            retry_not_before_ms: f64::NEG_INFINITY,
            consecutive_rejections: 0,
            renewals: 0,
        }
    }

    fn usable(&self, now_ms: f64) -> Option<&Current> {
        self.current
            .as_ref()
            .filter(|c| !c.rejected && now_ms < c.usable_until_ms)
    }

    /// A rejected token still inside its rejection window: handed out
    /// instead of starting a renewal, so the call that meets its 401 fails.
    fn held(&self, now_ms: f64) -> Option<&Current> {
        let window = match self.consecutive_rejections {
            // The first rejection renews at once: a token revoked, or
            // expired early at Halo, is ordinary.
            0 | 1 => 0,
            n => self.policy.backoff_ms(n - 1),
        };
        self.current.as_ref().filter(|c| {
            c.rejected && now_ms < c.received_at_ms + window as f64 && now_ms < c.usable_until_ms
        })
    }

    fn grant(current: &Current) -> Grant {
        Grant {
            token: current.token.clone(),
            generation: current.generation,
        }
    }

    fn start_renewal(&mut self, now_ms: f64) -> Action {
        self.renewal_ids += 1;
        self.in_flight = Some(self.renewal_ids);
        let delay = (self.retry_not_before_ms - now_ms).max(0.0);
        let reason = match &self.current {
            None => RenewalReason::Initial,
            Some(current) if current.rejected => RenewalReason::Rejected,
            Some(_) => RenewalReason::Expiring,
        };
        Action::StartRenewal {
            renewal: self.renewal_ids,
            delay_ms: delay as u64,
            reason,
        }
    }

    /// A call needs a token. It gets one now, or is queued for the renewal
    /// this starts (or the one already running).
    pub fn acquire(&mut self, waiter: WaiterId, now_ms: f64) -> (Acquired, Option<Action>) {
        if let Some(current) = self.usable(now_ms) {
            let grant = Self::grant(current);
            let renew_at_ms = current.renew_at_ms;
            if now_ms >= renew_at_ms {
                // It lived to its renewal time: Halo accepts this issuer's tokens.
                self.consecutive_rejections = 0;
            }
            // Renew ahead of expiry in the background, without making
            // this call wait, and without retrying a failing issuer early.
            let due = now_ms >= renew_at_ms
                && self.in_flight.is_none()
                && now_ms >= self.retry_not_before_ms;
            let start = due.then(|| self.start_renewal(now_ms));
            return (Acquired::Ready(grant), start);
        }
        if self.in_flight.is_none() {
            if let Some(held) = self.held(now_ms) {
                return (Acquired::Ready(Self::grant(held)), None);
            }
        }
        self.waiters.push(waiter);
        let start = self.in_flight.is_none().then(|| self.start_renewal(now_ms));
        (Acquired::Queued, start)
    }

    /// `getToken` resolved with a valid token.
    pub fn renewal_succeeded(
        &mut self,
        renewal: RenewalId,
        issued: IssuedToken,
        now_ms: f64,
    ) -> Vec<Action> {
        if self.in_flight != Some(renewal) {
            return Vec::new();
        }
        self.in_flight = None;
        self.consecutive_failures = 0;
        self.retry_not_before_ms = f64::NEG_INFINITY;
        self.generations += 1;
        self.renewals += 1;
        let lifetime = issued.expires_in_s * 1000.0;
        let margin = match self.policy.renew_margin_ms {
            Some(margin) => margin as f64,
            None => MAX_RENEW_MARGIN_MS.min(lifetime / 10.0),
        };
        let current = Current {
            token: issued.token,
            generation: self.generations,
            received_at_ms: now_ms,
            rejected: false,
            renew_at_ms: now_ms + lifetime - margin,
            usable_until_ms: now_ms + lifetime - MAX_EXPIRY_LEEWAY_MS.min(lifetime / 20.0),
            expires_at_ms: now_ms + lifetime,
        };
        let grant = Self::grant(&current);
        self.current = Some(current);
        self.waiters
            .drain(..)
            .map(|waiter| Action::Grant {
                waiter,
                grant: grant.clone(),
            })
            .collect()
    }

    /// `getToken` rejected, timed out, or resolved with something unusable.
    pub fn renewal_failed(
        &mut self,
        renewal: RenewalId,
        error: &HaloError,
        now_ms: f64,
    ) -> Vec<Action> {
        if self.in_flight != Some(renewal) {
            return Vec::new();
        }
        self.in_flight = None;
        self.consecutive_failures += 1;
        let backoff = self.policy.backoff_ms(self.consecutive_failures);
        self.retry_not_before_ms = now_ms + backoff as f64;
        self.waiters
            .drain(..)
            .map(|waiter| Action::Fail {
                waiter,
                error: error.clone(),
            })
            .collect()
    }

    /// Halo answered 401 to a request sent with token `generation`. Only the
    /// current token is rejected: a 401 for an older one says nothing new.
    ///
    /// The first rejection renews at once. Once a renewed token is rejected
    /// too, the issuer's tokens are not what Halo wants (a token for another
    /// site or device, or a server that answers 401 to everything), and a
    /// renewal per call would hammer `getToken`: the next renewal waits
    /// until the rejected token is a backoff window old (the renewal
    /// backoff: 250 ms doubling to 30 s by default). Until then the token
    /// is handed out again (no renewal starts), so the call that met the
    /// 401 retries once and fails with it, without calling `getToken`.
    pub fn rejected(&mut self, generation: u64) {
        if let Some(current) = self
            .current
            .as_mut()
            .filter(|c| c.generation == generation && !c.rejected)
        {
            current.rejected = true;
            self.consecutive_rejections += 1;
        }
    }

    /// Halo answered a request made with this generation with anything but
    /// 401: its tokens are accepted, so a rejection streak is over and the
    /// next 401 (an ordinary expiry, a revocation) renews at once.
    pub fn accepted(&mut self, generation: u64) {
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.generation == generation && !c.rejected)
        {
            self.consecutive_rejections = 0;
        }
    }

    /// The waiter's caller gave up (aborted, or its deadline passed). Its
    /// renewal goes on for the others; when it was the last, nobody wants
    /// the renewal any more: it is given up (its outcome will be ignored,
    /// and the next call starts a fresh one) and returned, so the shell
    /// aborts `getToken`'s signal. A renewal nobody waited for (proactive)
    /// is never given up this way.
    pub fn cancel(&mut self, waiter: WaiterId) -> Option<RenewalId> {
        let before = self.waiters.len();
        self.waiters.retain(|w| *w != waiter);
        let last_left = self.waiters.is_empty() && before > 0;
        if last_left {
            self.in_flight.take()
        } else {
            None
        }
    }

    /// The token's state for `tokenInfo()`: expiry turned from the monotonic
    /// clock (`now_ms`) to the wall clock (`wall_now_ms`).
    pub fn info(&self, now_ms: f64, wall_now_ms: f64) -> TokenInfo {
        let usable = self.usable(now_ms);
        TokenInfo {
            has_token: usable.is_some(),
            // A host clock that gives NaN must not make an invalid `Date`.
            expires_at_ms: usable
                .map(|c| wall_now_ms + (c.expires_at_ms - now_ms))
                .filter(|ms| ms.is_finite()),
            renewals: self.renewals,
        }
    }
}

/// The error of a `getToken` that threw or rejected: `how` it failed, and
/// the thrown error's own message (cleaned like server text; the shell
/// scrubs secrets from it), so the app sees why. A failure to reach the
/// token service (`network`: the host's `TypeError` from `fetch`) may pass,
/// so that error is retryable; the rest are not.
pub fn get_token_failed(how: &str, thrown: Option<&str>, network: bool) -> HaloError {
    let said = thrown
        .map(super::responses::server_text)
        .filter(|text| !text.is_empty())
        .map(|text| format!(": {text}"))
        .unwrap_or_default();
    let mut error = HaloError::new(
        ErrorKind::Auth,
        format!("could not get a device token: {how}{said}"),
    );
    if network {
        error.retryable_override = Some(true);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_get_token_says_why_and_is_retryable_only_when_unreachable() {
        let error = get_token_failed("getToken rejected", Some("broker said 503\r\nx"), false);
        assert_eq!(error.kind, ErrorKind::Auth);
        assert_eq!(
            error.message,
            "could not get a device token: getToken rejected: broker said 503 x"
        );
        assert!(!error.retryable());
        assert!(get_token_failed("getToken rejected", Some("fetch failed"), true).retryable());
        let silent = get_token_failed("getToken threw", None, false);
        assert_eq!(
            silent.message,
            "could not get a device token: getToken threw"
        );
    }

    fn issued(token: &str, expires_in_s: f64) -> IssuedToken {
        IssuedToken {
            token: Secret::new(token),
            expires_in_s,
        }
    }

    fn start_id(action: Option<Action>) -> RenewalId {
        match action {
            Some(Action::StartRenewal { renewal, .. }) => renewal,
            other => panic!("expected a renewal to start, got {other:?}"),
        }
    }

    /// t1 issued at 0 and rejected; the renewal that rejection starts at
    /// once (at 1) brings t2 at 2.
    fn renewed_after_a_rejection() -> TokenEngine {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let first = start_id(engine.acquire(1, 0.0).1);
        engine.renewal_succeeded(first, issued("t1", 3600.0), 0.0);
        engine.rejected(1);
        let second = start_id(engine.acquire(2, 1.0).1);
        engine.renewal_succeeded(second, issued("t2", 3600.0), 2.0);
        engine
    }

    #[test]
    fn concurrent_callers_share_one_renewal() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let (first, start) = engine.acquire(1, 0.0);
        assert_eq!(first, Acquired::Queued);
        let renewal = start_id(start);
        for waiter in 2..=1000 {
            let (acquired, start) = engine.acquire(waiter, 1.0);
            assert_eq!(acquired, Acquired::Queued);
            assert!(start.is_none(), "no second renewal");
        }
        let actions = engine.renewal_succeeded(renewal, issued("t1", 3600.0), 5.0);
        assert_eq!(actions.len(), 1000);
        assert!(actions
            .iter()
            .all(|a| matches!(a, Action::Grant { grant, .. } if grant.generation == 1)));
    }

    #[test]
    fn proactive_renewal_does_not_block_while_the_token_is_valid() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let renewal = start_id(engine.acquire(1, 0.0).1);
        engine.renewal_succeeded(renewal, issued("t1", 1000.0), 0.0);
        // Margin is min(300 s, 100 s) = 100 s: renewal due at 900 s.
        let (acquired, start) = engine.acquire(2, 899_000.0);
        assert!(matches!(acquired, Acquired::Ready(_)) && start.is_none());
        let (acquired, start) = engine.acquire(3, 900_000.0);
        assert!(matches!(
            acquired,
            Acquired::Ready(Grant { generation: 1, .. })
        ));
        let background = start_id(start);
        let (acquired, start) = engine.acquire(4, 900_001.0);
        assert!(matches!(acquired, Acquired::Ready(_)) && start.is_none());
        let actions = engine.renewal_succeeded(background, issued("t2", 1000.0), 901_000.0);
        assert!(actions.is_empty(), "nobody was waiting");
        assert!(matches!(
            engine.acquire(5, 901_000.0).0,
            Acquired::Ready(Grant { generation: 2, .. })
        ));
    }

    #[test]
    fn an_expired_token_is_never_handed_out() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let renewal = start_id(engine.acquire(1, 0.0).1);
        engine.renewal_succeeded(renewal, issued("t1", 60.0), 0.0);
        // Leeway min(10 s, 3 s) = 3 s: usable until 57 s.
        assert!(matches!(engine.acquire(2, 56_999.0).0, Acquired::Ready(_)));
        assert_eq!(engine.acquire(3, 57_000.0).0, Acquired::Queued);
    }

    #[test]
    fn a_failed_renewal_fails_every_waiter_then_recovers_with_backoff() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let renewal = start_id(engine.acquire(1, 0.0).1);
        engine.acquire(2, 0.0);
        let error = HaloError::new(ErrorKind::Auth, "issuer down");
        let actions = engine.renewal_failed(renewal, &error, 10.0);
        assert_eq!(actions.len(), 2);
        assert!(actions
            .iter()
            .all(|a| matches!(a, Action::Fail { error: e, .. } if e.message == "issuer down")));
        let (acquired, start) = engine.acquire(3, 20.0);
        assert_eq!(acquired, Acquired::Queued);
        match start {
            Some(Action::StartRenewal {
                renewal, delay_ms, ..
            }) => {
                assert_eq!(delay_ms, 240, "backoff of 250 ms from the failure at 10 ms");
                let actions = engine.renewal_succeeded(renewal, issued("t", 60.0), 300.0);
                assert_eq!(actions.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_401_on_an_old_generation_keeps_the_newer_token() {
        let mut engine = renewed_after_a_rejection();
        engine.rejected(1);
        assert!(matches!(
            engine.acquire(3, 3.0),
            (Acquired::Ready(Grant { generation: 2, .. }), None)
        ));
    }

    #[test]
    fn a_token_that_was_accepted_ends_the_rejection_streak() {
        let mut engine = renewed_after_a_rejection();
        // t2 worked before Halo rejected it: an expiry, not a server that
        // rejects everything, so the next call renews at once.
        engine.accepted(2);
        engine.rejected(2);
        assert!(matches!(
            engine.acquire(3, 3.0),
            (Acquired::Queued, Some(_))
        ));
    }

    #[test]
    fn after_a_renewed_token_is_rejected_renewals_wait_a_window() {
        let mut engine = renewed_after_a_rejection();
        engine.rejected(2);
        engine.rejected(2);
        // The renewed token was rejected too: held for 250 ms from receipt.
        for now in [3.0, 251.0] {
            assert!(matches!(
                engine.acquire(3, now),
                (Acquired::Ready(Grant { generation: 2, .. }), None)
            ));
        }
        assert!(!engine.info(3.0, 0.0).has_token, "a held token is no token");
        let third = start_id(engine.acquire(4, 252.0).1);
        engine.renewal_succeeded(third, issued("t3", 3600.0), 260.0);
        engine.rejected(3);
        // The window doubles.
        assert!(matches!(engine.acquire(5, 759.0).0, Acquired::Ready(_)));
        let fourth = start_id(engine.acquire(6, 760.0).1);
        engine.renewal_succeeded(fourth, issued("t4", 1000.0), 760.0);
        // A token that lives to its renewal time ends the streak.
        let background = start_id(engine.acquire(7, 901_000.0).1);
        engine.renewal_succeeded(background, issued("t5", 3600.0), 901_000.0);
        engine.rejected(5);
        assert_eq!(engine.acquire(8, 901_001.0).0, Acquired::Queued);
    }

    fn start_reason(action: Option<Action>) -> (RenewalId, RenewalReason) {
        match action {
            Some(Action::StartRenewal {
                renewal, reason, ..
            }) => (renewal, reason),
            other => panic!("expected a renewal to start, got {other:?}"),
        }
    }

    #[test]
    fn each_renewal_says_why_from_the_token_it_replaces() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let (first, reason) = start_reason(engine.acquire(1, 0.0).1);
        assert_eq!(reason, RenewalReason::Initial);
        // A getToken that failed leaves no token: still the first.
        engine.renewal_failed(first, &HaloError::new(ErrorKind::Auth, "down"), 1.0);
        let (again, reason) = start_reason(engine.acquire(2, 300.0).1);
        assert_eq!(reason, RenewalReason::Initial);
        engine.renewal_succeeded(again, issued("t1", 1000.0), 300.0);
        let (proactive, reason) = start_reason(engine.acquire(3, 900_300.0).1);
        assert_eq!(reason, RenewalReason::Expiring);
        engine.renewal_succeeded(proactive, issued("t2", 1000.0), 900_301.0);
        engine.rejected(2);
        let (after_401, reason) = start_reason(engine.acquire(4, 900_302.0).1);
        assert_eq!(reason, RenewalReason::Rejected);
        engine.renewal_succeeded(after_401, issued("t3", 60.0), 900_303.0);
        // Past its life without a renewal: expiring too, not initial.
        let (_, reason) = start_reason(engine.acquire(5, 2_000_000.0).1);
        assert_eq!(reason, RenewalReason::Expiring);
        assert_eq!(RenewalReason::Rejected.as_str(), "rejected");
    }

    #[test]
    fn a_renewal_is_given_up_when_its_last_waiter_leaves() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let (renewal, _) = start_reason(engine.acquire(1, 0.0).1);
        engine.acquire(2, 0.0);
        assert_eq!(engine.cancel(1), None, "one caller still waits");
        assert_eq!(engine.cancel(1), None, "a second abort changes nothing");
        assert_eq!(engine.cancel(2), Some(renewal));
        assert_eq!(engine.cancel(2), None);
        // Its late token is ignored; the next call starts afresh, at once
        // (an abort is no failure: no backoff).
        let late = engine.renewal_succeeded(renewal, issued("late", 60.0), 5.0);
        assert!(late.is_empty() && !engine.info(5.0, 0.0).has_token);
        match engine.acquire(3, 6.0) {
            (Acquired::Queued, Some(Action::StartRenewal { delay_ms: 0, .. })) => {}
            other => panic!("{other:?}"),
        }
        // A proactive renewal nobody waits for is not given up by a stray abort.
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let (first, _) = start_reason(engine.acquire(1, 0.0).1);
        engine.renewal_succeeded(first, issued("t1", 1000.0), 0.0);
        let (background, _) = start_reason(engine.acquire(2, 900_000.0).1);
        assert_eq!(engine.cancel(1), None);
        assert_eq!(
            engine
                .renewal_succeeded(background, issued("t2", 1000.0), 900_001.0)
                .len(),
            0
        );
        assert!(matches!(
            engine.acquire(3, 900_002.0).0,
            Acquired::Ready(Grant { generation: 2, .. })
        ));
    }

    #[test]
    fn stale_renewal_reports_are_ignored() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let renewal = start_id(engine.acquire(1, 0.0).1);
        let error = HaloError::new(ErrorKind::Timeout, "slow");
        engine.renewal_failed(renewal, &error, 1.0);
        assert!(engine
            .renewal_succeeded(renewal, issued("late", 60.0), 2.0)
            .is_empty());
        assert!(!engine.info(2.0, 0.0).has_token);
    }

    #[test]
    fn halos_own_snake_case_body_gets_a_hint() {
        let snake = IssuedTokenInput {
            snake_case: true,
            ..IssuedTokenInput::default()
        };
        let error = snake.validate().unwrap_err();
        assert!(error.message.contains("access_token"), "{}", error.message);
        let plain = IssuedTokenInput::default().validate().unwrap_err();
        assert!(!plain.message.contains("access_token"), "{}", plain.message);
    }

    #[test]
    fn issued_tokens_are_validated() {
        let input = |token: Option<&str>, expires: Option<f64>| IssuedTokenInput {
            access_token: token.map(str::to_owned),
            expires_in: expires,
            snake_case: false,
        };
        assert!(input(Some("t"), Some(60.0)).validate().is_ok());
        assert!(input(Some("t"), Some(MAX_TOKEN_LIFETIME_S))
            .validate()
            .is_ok());
        for bad in [
            input(None, Some(60.0)),
            input(Some(""), Some(60.0)),
            input(Some("t"), None),
            input(Some("t"), Some(0.0)),
            input(Some("t"), Some(f64::NAN)),
            input(Some("t"), Some(-60.0)),
            input(Some("t"), Some(f64::INFINITY)),
            input(Some("t"), Some(MAX_TOKEN_LIFETIME_S + 1.0)),
            input(Some("t"), Some(1e300)),
        ] {
            assert_eq!(bad.validate().unwrap_err().kind, ErrorKind::Auth);
        }
        for unsendable in [
            "s3cr3t\r\nX-Injected: 1",
            "s3cr3t en",
            "s3cr3t\0",
            "s3cr3t\u{7f}",
            "s3cr3tö",
        ] {
            let error = input(Some(unsendable), Some(60.0)).validate().unwrap_err();
            assert_eq!(error.kind, ErrorKind::Auth);
            assert!(!error.message.contains("s3cr3t"), "{}", error.message);
        }
    }

    #[test]
    fn info_reports_wall_clock_expiry_without_the_token() {
        let mut engine = TokenEngine::new(TokenPolicy::default());
        let renewal = start_id(engine.acquire(1, 1000.0).1);
        engine.renewal_succeeded(renewal, issued("secret-token-value", 60.0), 1000.0);
        let info = engine.info(2000.0, 1_700_000_000_000.0);
        assert_eq!(
            info,
            TokenInfo {
                has_token: true,
                expires_at_ms: Some(1_700_000_059_000.0),
                renewals: 1
            }
        );
        assert!(!format!("{engine:?}").contains("secret-token-value"));
    }
}
