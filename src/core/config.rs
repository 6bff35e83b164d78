//! Client configuration: where Halo Cloud is, which practice and device, and
//! the timing knobs. Everything is validated once, at construction.

use super::chars::is;
use super::error::{ErrorKind, HaloError};
use super::ids::{DeviceId, SiteId};
use super::limits::max_response_bytes;
use super::numbers::{optional_whole_number, whole_number};
use super::retry::RetryPolicy;
use super::token::TokenPolicy;
use serde::Deserialize;

/// Halo Cloud's production host, for `environment: "production"`.
pub const PRODUCTION_BASE_URL: &str = "https://api.haloconnect.io";
/// Halo Cloud's stage (test) host, for `environment: "stage"`; production keys get 401 there.
pub const STAGE_BASE_URL: &str = "https://api.stage.haloconnect.io";
/// The Desktop API (v26.x) prefix; the older Device API's prefix is undocumented.
pub const DEFAULT_PATH_PREFIX: &str = "/desktop";
/// One HTTP attempt's default timeout: just over Halo's 60 s immediate-query limit.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 65_000;
/// An immediate query's default `timeoutMs`, for the whole call: a UI
/// waits at most this long by default, retries included. Halo's spec says
/// it answers an immediate query with 504 after 30 s (other documents give
/// a 60 s execution limit: pass `timeoutMs: 65_000` for those), and an
/// offline practice's `Retry-After: 30` fails at once instead of after
/// three 30 s waits (docs/call-fate.md).
pub const DEFAULT_IMMEDIATE_QUERY_TIMEOUT_MS: u64 = 30_000;
/// How long the integrator's `getToken` may take by default before the renewal fails.
pub const DEFAULT_TOKEN_TIMEOUT_MS: u64 = 30_000;
/// A day: the longest a call's `timeoutMs` or the renewal margin may be.
pub const MAX_CALL_TIMEOUT_MS: u64 = 86_400_000;

/// The options object as a JavaScript caller wrote it (callbacks excluded:
/// the shell keeps those).
/// No `Debug`: it holds the device id as plain text.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptionsInput {
    /// `production` or `stage`; or give `baseUrl` instead (one of the two is required).
    #[cfg_attr(test, ts(optional, type = r#""production" | "stage""#))]
    pub environment: Option<String>,
    /// E.g. a local simulator: `http://127.0.0.1:4010`.
    pub base_url: Option<String>,
    /// The segment before `/sites/…`; default `/desktop` (Desktop API v26).
    pub path_prefix: Option<String>,
    /// The practice database's Halo GUID.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub site_id: Option<String>,
    /// Your id for this device; use `generateDeviceId()` for a new one.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub device_id: Option<String>,
    /// Accept all-digit or short device ids (refused by default as guessable).
    pub allow_weak_device_id: Option<bool>,
    /// Renew this long before expiry; default min(300 000, lifetime / 10).
    pub renew_margin_ms: Option<f64>,
    /// Per-attempt timeout; default 65 000 ms (Halo's immediate limit is 60 s).
    pub attempt_timeout_ms: Option<f64>,
    /// How long `getToken` may take; default 30 000 ms.
    pub token_timeout_ms: Option<f64>,
    /// Retries after the first attempt for retryable failures; default 3.
    pub max_retries: Option<f64>,
    /// The largest response body read, in bytes (1 KiB to 256 MiB); default 48 MiB.
    pub max_response_bytes: Option<f64>,
}

/// Where requests go: `{baseUrl}{pathPrefix}/sites/{siteId}/…`, both parts validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Scheme, host and optional port, without a trailing slash.
    pub base_url: String,
    /// `/desktop` by default: the segment before `/sites/{siteId}/…`.
    pub path_prefix: String,
}

/// The device client's options once validated; no field can be out of range.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Host and path prefix every request is built on.
    pub endpoint: Endpoint,
    /// The practice database's Halo GUID, the `{siteId}` in every path.
    pub site_id: SiteId,
    /// Sent as the `DeviceId` header; must be the id the token was issued for.
    pub device_id: DeviceId,
    /// One HTTP attempt's limit in ms (1 ms to 10 min); retries each get their own.
    pub attempt_timeout_ms: u64,
    /// How long one `getToken` call may take, in ms (1 ms to 10 min).
    pub token_timeout_ms: u64,
    /// Which failures are retried, how often, and how long apart.
    pub retry: RetryPolicy,
    /// The largest response body read, in bytes.
    pub max_response_bytes: u64,
    /// When the device token is renewed, and the backoff after `getToken` fails.
    pub token: TokenPolicy,
}

impl ClientConfig {
    /// Validates the options as JavaScript gave them; the first bad one is
    /// a validation error naming its field.
    pub fn from_input(input: ClientOptionsInput) -> Result<Self, HaloError> {
        let endpoint = Endpoint::from_parts(
            input.environment.as_deref(),
            input.base_url.as_deref(),
            input.path_prefix.as_deref(),
        )?;
        let site_id = SiteId::parse(input.site_id.as_deref().unwrap_or_default())?;
        let device_id = DeviceId::parse(
            input.device_id.as_deref().unwrap_or_default(),
            input.allow_weak_device_id.unwrap_or(false),
        )?;
        let token = TokenPolicy {
            renew_margin_ms: optional_whole_number(
                "renewMarginMs",
                input.renew_margin_ms,
                0,
                MAX_CALL_TIMEOUT_MS,
            )?,
            ..TokenPolicy::default()
        };
        Ok(Self {
            endpoint,
            site_id,
            device_id,
            attempt_timeout_ms: timeout(
                "attemptTimeoutMs",
                input.attempt_timeout_ms,
                DEFAULT_ATTEMPT_TIMEOUT_MS,
            )?,
            token_timeout_ms: timeout(
                "tokenTimeoutMs",
                input.token_timeout_ms,
                DEFAULT_TOKEN_TIMEOUT_MS,
            )?,
            retry: retry_policy(input.max_retries)?,
            max_response_bytes: max_response_bytes(input.max_response_bytes)?,
            token,
        })
    }
}

/// The retry policy with the caller's `maxRetries`, if given (0 to 10).
pub fn retry_policy(max_retries: Option<f64>) -> Result<RetryPolicy, HaloError> {
    let mut retry = RetryPolicy::default();
    if let Some(max) = max_retries {
        retry.max_retries = whole_number("maxRetries", max, 0, 10)? as u32;
    }
    Ok(retry)
}

/// A timeout option: 1 ms to 10 min, `default` when absent.
pub fn timeout(field: &str, value: Option<f64>, default: u64) -> Result<u64, HaloError> {
    Ok(optional_whole_number(field, value, 1, 600_000)?.unwrap_or(default))
}

/// A call's own `timeoutMs`: 1 ms to 24 h, none when absent. Checked
/// because NaN would make a deadline that never comes, and a negative one
/// a call that fails before it starts.
pub fn call_timeout(value: Option<f64>) -> Result<Option<u64>, HaloError> {
    optional_whole_number("timeoutMs", value, 1, MAX_CALL_TIMEOUT_MS)
}

impl Endpoint {
    /// Exactly one of `environment` and `baseUrl`; refuses any other
    /// environment name, and a prefix left out means `/desktop`.
    pub fn from_parts(
        environment: Option<&str>,
        base_url: Option<&str>,
        path_prefix: Option<&str>,
    ) -> Result<Self, HaloError> {
        let base_url = match (environment, base_url) {
            (Some(_), Some(_)) => {
                return Err(HaloError::validation(
                    "baseUrl",
                    "pass either environment or baseUrl, not both",
                ))
            }
            (Some("production"), None) => PRODUCTION_BASE_URL.to_owned(),
            (Some("stage"), None) => STAGE_BASE_URL.to_owned(),
            (Some(other), None) => {
                return Err(HaloError::validation(
                    "environment",
                    format!("environment must be \"production\" or \"stage\"; got \"{other}\""),
                ))
            }
            (None, Some(url)) => validate_base_url(url)?,
            (None, None) => {
                return Err(HaloError::validation(
                    "environment",
                    "environment (\"production\" or \"stage\") or baseUrl is required",
                ))
            }
        };
        let path_prefix = validate_path_prefix(path_prefix.unwrap_or(DEFAULT_PATH_PREFIX))?;
        Ok(Self {
            base_url,
            path_prefix,
        })
    }
}

impl Endpoint {
    /// Adds a hint to a 404 for a request to `path` when `base_url`
    /// already ends in the path's first segment (`https://host/desktop`
    /// with the default `/desktop`): the URL then holds `/desktop/desktop/…`,
    /// which no route matches, and "not found" alone would send the reader
    /// to check ids. Names the segment only, never the base URL.
    pub fn explain(&self, path: &str, mut error: HaloError) -> HaloError {
        let segment = path.split(is('/')).nth(1).unwrap_or_default();
        let repeated = error.kind == ErrorKind::NotFound
            && error.status == Some(404)
            && !segment.is_empty()
            && self
                .base_url
                .rsplit_once(is('/'))
                .is_some_and(|(_, last)| last.eq_ignore_ascii_case(segment));
        if repeated {
            // One text for both doors, pushed rather than formatted: every
            // byte here is downloaded with the wasm.
            let message = &mut error.message;
            message.push_str(" (the URL repeats \"/");
            message.push_str(segment);
            message.push_str("\": baseUrl already ends in it; remove it there, or for the device client set pathPrefix: \"\")");
        }
        error
    }

    /// `production` or `stage` when the base URL is one of Halo's, else `None`
    /// (a simulator, a proxy): what a server logs to say which Halo it talks to.
    pub fn environment(&self) -> Option<&'static str> {
        match self.base_url.as_str() {
            PRODUCTION_BASE_URL => Some("production"),
            STAGE_BASE_URL => Some("stage"),
            _ => None,
        }
    }

    /// [`Endpoint::explain`] for the integrator's own endpoints (token, sites),
    /// where the day-one mistakes show: a 401 can only mean the subscription
    /// key, so it says which Halo refused it, as stage and production keys
    /// differ; a 404 for a site (the token endpoint's or get-site's) says to
    /// check the GUID and the environment. Kept apart from `explain` so the
    /// device wasm carries none of it.
    pub fn explain_integrator(&self, path: &str, error: HaloError) -> HaloError {
        let mut error = self.explain(path, error);
        if error.status == Some(404) && names_a_site(path) {
            error.message.push_str(
                " (404: check the site's GUID and the environment, stage or production; re-resolve the GUID from the PMS ID)",
            );
        }
        if error.status == Some(401) {
            error.message = format!(
                "{} (401: the subscription key was refused by {} at {}; stage and production keys differ: use this environment's key)",
                error.message,
                self.environment().map_or("Halo Cloud", |name| if name == "stage" { "Halo Cloud stage" } else { "Halo Cloud production" }),
                self.base_url,
            );
        }
        error
    }
}

/// Whether a 404 for `path` is about a site: the token endpoint's (its
/// `site_id`) or get-site's, `/integrator/sites/{siteId}` (not the site
/// list, whose 404 is about the PMS ID).
fn names_a_site(path: &str) -> bool {
    path == "/integrator/token"
        || path
            .strip_prefix("/integrator/sites/")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(is('/')))
}

/// Never quotes the URL back: a mistyped one can still hold a password.
fn validate_base_url(url: &str) -> Result<String, HaloError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let trimmed = url.trim_end_matches(is('/'));
    let authority = rest.map(|rest| rest.split(is('/')).next().unwrap_or_default());
    // Bytes, not a char pattern: `str::contains` brings a `Searcher` into
    // the device wasm (~0.25 KB), and these characters are all ASCII.
    if authority.is_some_and(|authority| authority.bytes().any(|b| b == b'@')) {
        // `fetch` refuses such URLs anyway, quoting them in its error; and
        // Halo authenticates by header, never by URL.
        return Err(HaloError::validation(
            "baseUrl",
            "baseUrl must not contain a user name or password (user:password@)",
        ));
    }
    let valid = match rest {
        Some(rest) => {
            let host = rest.split(is('/')).next().unwrap_or_default();
            !host.is_empty()
                // URL parsers read `\` as `/` and drop dot segments: the
                // URL must go where it reads.
                && !rest.bytes().any(|b| matches!(b, b'?' | b'#' | b' ' | b'\\'))
                && !rest.split(is('/')).skip(1).any(is_dot_segment)
                && rest.bytes().all(|b| b.is_ascii_graphic())
        }
        None => false,
    };
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(HaloError::validation(
            "baseUrl",
            "baseUrl must be an http(s) URL without a query or fragment, such as http://127.0.0.1:4010",
        ))
    }
}

/// `.` or `..`, also percent-encoded, as the URL standard recognises them.
/// Read token by token rather than with `str::replace`, whose substring
/// search costs the wasm a kilobyte.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

fn validate_path_prefix(prefix: &str) -> Result<String, HaloError> {
    let trimmed = prefix.trim_end_matches(is('/'));
    let valid = trimmed.is_empty()
        || trimmed.strip_prefix('/').is_some_and(|rest| {
            rest.split(is('/')).all(|segment| {
                !segment.is_empty()
                    && segment != ".."
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
        });
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(HaloError::validation(
            "pathPrefix",
            format!("pathPrefix must look like /desktop; got \"{prefix}\""),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const DEVICE: &str = "device-0123456789abcdef";

    fn input() -> ClientOptionsInput {
        ClientOptionsInput {
            environment: Some("stage".into()),
            site_id: Some(SITE.into()),
            device_id: Some(DEVICE.into()),
            ..ClientOptionsInput::default()
        }
    }

    #[test]
    fn environments_map_to_documented_base_urls() {
        let config = ClientConfig::from_input(input()).unwrap();
        assert_eq!(config.endpoint.base_url, STAGE_BASE_URL);
        assert_eq!(config.endpoint.path_prefix, "/desktop");
        let production = Endpoint::from_parts(Some("production"), None, None).unwrap();
        assert_eq!(production.base_url, PRODUCTION_BASE_URL);
    }

    #[test]
    fn a_base_url_loses_its_trailing_slash() {
        let endpoint =
            Endpoint::from_parts(None, Some("http://127.0.0.1:4010/"), Some("/device/")).unwrap();
        assert_eq!(endpoint.base_url, "http://127.0.0.1:4010");
        assert_eq!(endpoint.path_prefix, "/device");
    }

    #[test]
    fn bad_endpoints_name_their_field() {
        let cases = [
            (None, None, None, "environment"),
            (Some("dev"), None, None, "environment"),
            (Some("stage"), Some("http://x"), None, "baseUrl"),
            (None, Some("ftp://x"), None, "baseUrl"),
            (None, Some("http://"), None, "baseUrl"),
            (None, Some("http://x/?a=1"), None, "baseUrl"),
            // Found by tests/fuzz_requests.rs: what a URL parser would move.
            (None, Some("https://x\\y"), None, "baseUrl"),
            (None, Some("https://x/a/../b"), None, "baseUrl"),
            (None, Some("https://x/%2E%2e"), None, "baseUrl"),
            (None, Some("https://x/."), None, "baseUrl"),
            (Some("stage"), None, Some("desktop"), "pathPrefix"),
            (Some("stage"), None, Some("/a/../b"), "pathPrefix"),
        ];
        for (environment, base_url, prefix, field) in cases {
            let error = Endpoint::from_parts(environment, base_url, prefix).unwrap_err();
            assert_eq!(
                error.field.as_deref(),
                Some(field),
                "{environment:?} {base_url:?} {prefix:?}"
            );
        }
    }

    #[test]
    fn a_base_url_with_credentials_is_refused_without_echoing_it() {
        for url in [
            "https://user:hunter2-secret@api.example.com",
            "http://hunter2-secret@127.0.0.1:4010/halo",
            "https://:hunter2-secret@x",
        ] {
            let error = Endpoint::from_parts(None, Some(url), None).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("baseUrl"), "{url}");
            assert!(!error.message.contains("hunter2"), "{}", error.message);
        }
        // An `@` in the path is no credential.
        assert!(Endpoint::from_parts(None, Some("https://x/@team"), None).is_ok());
        // Nor is any other refused base URL echoed.
        let error = Endpoint::from_parts(None, Some("ftp://hunter2-secret"), None).unwrap_err();
        assert!(!error.message.contains("hunter2"), "{}", error.message);
    }

    #[test]
    fn a_404_for_a_site_says_to_check_the_guid_and_the_environment() {
        let not_found =
            || HaloError::new(ErrorKind::NotFound, "Site not found. (HTTP 404)").with_status(404);
        let stage = Endpoint::from_parts(Some("stage"), None, None).unwrap();
        let hint = "check the site's GUID and the environment, stage or production; re-resolve the GUID from the PMS ID";
        for path in [
            "/integrator/token",
            "/integrator/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        ] {
            let message = stage.explain_integrator(path, not_found()).message.clone();
            assert!(
                message.ends_with(&format!("(404: {hint})")),
                "{path}: {message}"
            );
        }
        // Not a site's 404: a query's, a FHIR resource's, the site list's;
        // and never on the device's door.
        for path in [
            "/integrator/sites/x/queries/0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d",
            "/integrator/sites/x/fhir/Patient/12",
            "/integrator/sites",
        ] {
            assert!(
                !stage
                    .explain_integrator(path, not_found())
                    .message
                    .contains(hint),
                "{path}"
            );
        }
        assert!(!stage
            .explain("/integrator/token", not_found())
            .message
            .contains(hint));
        let forbidden = HaloError::new(ErrorKind::Forbidden, "no (HTTP 403)").with_status(403);
        assert_eq!(
            stage
                .explain_integrator("/integrator/token", forbidden)
                .message,
            "no (HTTP 403)"
        );
    }

    #[test]
    fn a_refused_key_names_the_environment_and_base_url_and_says_keys_differ() {
        let refused =
            || HaloError::new(ErrorKind::Auth, "Access denied (HTTP 401)").with_status(401);
        let stage = Endpoint::from_parts(Some("stage"), None, None).unwrap();
        assert_eq!(stage.environment(), Some("stage"));
        assert_eq!(
            stage.explain_integrator("/integrator/sites", refused()).message,
            "Access denied (HTTP 401) (401: the subscription key was refused by Halo Cloud stage at https://api.stage.haloconnect.io; stage and production keys differ: use this environment's key)"
        );
        let production = Endpoint::from_parts(Some("production"), None, None).unwrap();
        assert_eq!(production.environment(), Some("production"));
        assert!(production
            .explain_integrator("/integrator/token", refused())
            .message
            .contains("refused by Halo Cloud production at https://api.haloconnect.io;"));
        let local = Endpoint::from_parts(None, Some("http://127.0.0.1:4010/"), None).unwrap();
        assert_eq!(local.environment(), None);
        assert!(local
            .explain_integrator("/integrator/token", refused())
            .message
            .contains("refused by Halo Cloud at http://127.0.0.1:4010;"));
        // The device door never gets the key's hint.
        assert_eq!(
            stage.explain("/integrator/token", refused()).message,
            "Access denied (HTTP 401)"
        );
    }

    #[test]
    fn a_404_hints_at_a_base_url_that_already_ends_in_the_prefix() {
        let not_found =
            || HaloError::new(ErrorKind::NotFound, "not found (HTTP 404)").with_status(404);
        let doubled = Endpoint::from_parts(None, Some("https://host/Desktop/"), None).unwrap();
        let path = "/desktop/sites/x/queries/immediate";
        let message = doubled.explain(path, not_found()).message.clone();
        assert!(
            message.starts_with("not found (HTTP 404) (the URL repeats \"/desktop\""),
            "{message}"
        );
        assert!(
            message.contains("pathPrefix") && !message.contains("host"),
            "{message}"
        );
        // The integrator's fixed `/integrator` alike.
        let integrator = Endpoint::from_parts(None, Some("https://host/integrator"), None).unwrap();
        let message = integrator
            .explain("/integrator/sites", not_found())
            .message
            .clone();
        assert!(message.contains("repeats \"/integrator\""), "{message}");
        // Nothing to say: a well-formed base URL, or another failure.
        let plain = Endpoint::from_parts(None, Some("https://host/proxy"), None).unwrap();
        assert_eq!(
            plain
                .explain("/desktop/sites/x/queries/1", not_found())
                .message,
            "not found (HTTP 404)"
        );
        let forbidden = HaloError::new(ErrorKind::Forbidden, "no (HTTP 403)").with_status(403);
        assert_eq!(doubled.explain(path, forbidden).message, "no (HTTP 403)");
        let bare = Endpoint::from_parts(None, Some("https://host"), Some("")).unwrap();
        assert_eq!(
            bare.explain("/sites/x", not_found()).message,
            "not found (HTTP 404)"
        );
    }

    #[test]
    fn timing_options_are_validated() {
        let mut options = input();
        options.attempt_timeout_ms = Some(0.0);
        let error = ClientConfig::from_input(options).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("attemptTimeoutMs"));
    }

    #[test]
    fn every_numeric_option_refuses_nan_negative_and_infinity() {
        type Set = fn(&mut ClientOptionsInput, f64);
        let options: [(&str, Set); 5] = [
            ("attemptTimeoutMs", |o, v| o.attempt_timeout_ms = Some(v)),
            ("tokenTimeoutMs", |o, v| o.token_timeout_ms = Some(v)),
            ("renewMarginMs", |o, v| o.renew_margin_ms = Some(v)),
            ("maxRetries", |o, v| o.max_retries = Some(v)),
            ("maxResponseBytes", |o, v| o.max_response_bytes = Some(v)),
        ];
        for (field, set) in options {
            for bad in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY, 1.5] {
                let mut options = input();
                set(&mut options, bad);
                let error = ClientConfig::from_input(options).unwrap_err();
                assert_eq!(error.field.as_deref(), Some(field), "{field} = {bad}");
            }
        }
    }

    #[test]
    fn a_call_timeout_is_a_whole_number_of_milliseconds_up_to_a_day() {
        assert_eq!(call_timeout(None).unwrap(), None);
        assert_eq!(call_timeout(Some(5_000.0)).unwrap(), Some(5_000));
        for bad in [f64::NAN, -1.0, 0.0, f64::INFINITY, 0.5, 86_400_001.0] {
            let error = call_timeout(Some(bad)).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("timeoutMs"), "{bad}");
        }
    }
}
