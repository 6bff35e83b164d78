//! Responses in, typed outcomes out: every documented error shape, the
//! status-to-error mapping, and the query object's terminal states.
//!
//! The host parses JSON (its `JSON.parse` is faster than anything we could
//! ship) and hands us only the fields declared here, so large `data` blobs
//! never cross into the core.

use super::chars::is;
use super::error::{ErrorKind, HaloError, QueryFailure};
use super::http_date::retry_after_ms;
use super::json_source::JsonSource;
use super::retry::MAX_RETRY_AFTER_MS;

/// A number or a name: the flat error body has `"status": 400`, a query
/// object has `"status": "executionFailed"`.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusField {
    /// A number, as an error envelope gives it.
    Code(f64),
    /// A name, as a query object gives it.
    Name(String),
}

/// `{"error":{…}}`: `{statusCode, message}` (expired token) or
/// `{status, statusText, message}` (the OpenAPI envelope).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorEnvelope {
    /// The HTTP status as the expired-token body spells it (`401`).
    pub status_code: Option<f64>,
    /// The HTTP status the OpenAPI envelope repeats.
    pub status: Option<f64>,
    /// The status's reason phrase, e.g. `Unauthorized`.
    pub status_text: Option<String>,
    /// Halo's explanation, e.g. `Invalid token` or `Subscription Key Invalid`.
    pub message: Option<String>,
}

#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
/// Why a query failed at the practice, as its `errorDetails` says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorDetails {
    /// Where it failed: `mssql` or `fbsql` (the SQL, on SQL Server or Firebird), `http` (the transfer), `haloLink` (Halo Link itself).
    pub error_type: Option<String>,
    /// That source's code: a SQL error number (e.g. 2812), or an HTTP status (413 for an oversized result).
    pub error_code: Option<f64>,
    /// That source's own message, e.g. SQL Server's.
    pub error_message: Option<String>,
}

/// The first `issue` of a FHIR `OperationOutcome`, the FHIR API's error body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutcomeIssue {
    /// `fatal`, `error`, `warning` or `information`; Halo sends `fatal`.
    pub severity: Option<String>,
    /// The FHIR issue type; Halo sends `exception`.
    pub code: Option<String>,
    /// Free text for a developer; the message shown when present.
    pub diagnostics: Option<String>,
    /// The coded details; its text is shown when `diagnostics` is absent.
    pub details: Option<OutcomeDetails>,
}

/// An issue's `details` CodeableConcept; only its text is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutcomeDetails {
    /// The human-readable form of the issue's code.
    pub text: Option<String>,
}

/// Every field any documented error body may carry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorBody {
    /// The wrapped envelope, `{"error":{…}}`.
    pub error: Option<ErrorEnvelope>,
    /// An HTTP status (flat envelope) or a query status (failed query object).
    pub status: Option<StatusField>,
    /// The flat envelope's reason phrase, e.g. `Bad Request`.
    pub status_text: Option<String>,
    /// The flat envelope's explanation, e.g. `Halo GUID must be provided.`
    pub message: Option<String>,
    /// A query object that failed at the practice.
    pub error_details: Option<ErrorDetails>,
    /// Deprecated top-level twins of `errorDetails`.
    pub error_code: Option<f64>,
    /// Deprecated twin of `errorDetails.errorMessage`, still read as a fallback.
    pub error_message: Option<String>,
    /// FHIR `OperationOutcome`.
    pub resource_type: Option<String>,
    /// The outcome's issues; only the first is read.
    pub issue: Option<Vec<OutcomeIssue>>,
}

/// The fields of a query object that decide what happened to it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryStatus {
    /// The query's uuid, used to poll it and fetch its result pages.
    pub id: Option<String>,
    /// Its lifecycle state, e.g. `queued`, `successful`, `executionFailed`.
    pub status: Option<String>,
    /// Why it failed, when it did.
    pub error_details: Option<ErrorDetails>,
    /// Deprecated twin of `errorDetails.errorCode`.
    pub error_code: Option<f64>,
    /// Deprecated twin of `errorDetails.errorMessage`.
    pub error_message: Option<String>,
}

fn error_details(source: &impl JsonSource) -> Option<ErrorDetails> {
    let details = source.object("errorDetails")?;
    Some(ErrorDetails {
        error_type: details.text("errorType"),
        error_code: details.number("errorCode"),
        error_message: details.text("errorMessage"),
    })
}

impl ErrorBody {
    /// The one decoder of error bodies: any documented error shape, the
    /// envelopes, a failed query object, or a FHIR `OperationOutcome`.
    pub fn read(source: &impl JsonSource) -> Self {
        ErrorBody {
            error: source.object("error").map(|error| ErrorEnvelope {
                status_code: error.number("statusCode"),
                status: error.number("status"),
                status_text: error.text("statusText"),
                message: error.text("message"),
            }),
            status: source
                .number("status")
                .map(StatusField::Code)
                .or_else(|| source.text("status").map(StatusField::Name)),
            status_text: source.text("statusText"),
            message: source.text("message"),
            error_details: error_details(source),
            error_code: source.number("errorCode"),
            error_message: source.text("errorMessage"),
            resource_type: source.text("resourceType"),
            // Only the first issue is ever shown: reading the rest would let a
            // huge OperationOutcome cost time for nothing.
            issue: source.first_of_array("issue").map(|first| {
                first
                    .map(|issue| OutcomeIssue {
                        severity: issue.text("severity"),
                        code: issue.text("code"),
                        diagnostics: issue.text("diagnostics"),
                        details: issue.object("details").map(|details| OutcomeDetails {
                            text: details.text("text"),
                        }),
                    })
                    .into_iter()
                    .collect()
            }),
        }
    }
}

impl QueryStatus {
    /// The one decoder of the fields of a query object that decide what
    /// happened to it.
    pub fn read(source: &impl JsonSource) -> Self {
        QueryStatus {
            id: source.text("id"),
            status: source.text("status"),
            error_details: error_details(source),
            error_code: source.number("errorCode"),
            error_message: source.text("errorMessage"),
        }
    }
}

/// Terminal states in which a query failed.
pub const FAILED_QUERY_STATES: [&str; 6] = [
    "executionFailed",
    "uploadFailed",
    "expiredInQueue",
    "initialisationFailedCacheError",
    "initialisationFailedSiteOffline",
    "initialisationFailedSiteUnreachable",
];

/// Where a query stands: still running, done, or failed for good.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryState {
    /// Not finished yet: `initialising`, `queued`, `executing`, `uploading`.
    Pending,
    /// `successful`: its result (or result pages) can be read.
    Succeeded,
    /// A failed terminal state (see [`FAILED_QUERY_STATES`]), or no status at all.
    Failed(HaloError),
}

/// Where a query object stands.
pub fn query_state(query: &QueryStatus) -> QueryState {
    match query.status.as_deref() {
        Some("successful") => QueryState::Succeeded,
        Some(status) if FAILED_QUERY_STATES.contains(&status) => QueryState::Failed(query_failed(
            status,
            query.error_details.as_ref(),
            query.error_code,
            query.error_message.as_deref(),
            None,
        )),
        Some(_) => QueryState::Pending,
        None => QueryState::Failed(HaloError::new(
            ErrorKind::Protocol,
            "Halo Cloud returned a query without a status",
        )),
    }
}

fn query_failed(
    status: &str,
    details: Option<&ErrorDetails>,
    legacy_code: Option<f64>,
    legacy_message: Option<&str>,
    http_status: Option<u16>,
) -> HaloError {
    let error_type = details.and_then(|d| d.error_type.clone());
    let error_code = details
        .and_then(|d| d.error_code)
        .or(legacy_code)
        .map(|c| c as i64);
    let error_message = details
        .and_then(|d| d.error_message.as_deref())
        .or(legacy_message)
        .map(server_text);
    let mut message = format!("the query ended in status {status}");
    if let Some(text) = &error_message {
        message = format!("{message}: {text}");
    }
    if status.starts_with("initialisationFailedSite") {
        message.push_str(" (the practice server is offline or unreachable; try again later)");
    }
    let mut error = HaloError::new(ErrorKind::QueryFailed, message);
    error.status = http_status;
    error.query = Some(Box::new(QueryFailure {
        status: status.to_owned(),
        error_type,
        error_code,
        error_message,
    }));
    error
}

/// Whether a 401 body is Halo's expired-token answer. Only informative: the
/// client renews once on any 401 from a device call, because the exact body
/// is not confirmed by Halo's own reference.
pub fn is_invalid_token(body: &ErrorBody) -> bool {
    server_message(body).is_some_and(|m| m.eq_ignore_ascii_case("invalid token"))
}

/// The most of a server's message that an error repeats.
pub const MAX_SERVER_TEXT_CHARS: usize = 500;

/// A server's message as it may appear in an error: without terminal
/// escapes, control characters or bidirectional overrides (a message can
/// reach a log or a terminal), line breaks as spaces, and at most
/// [`MAX_SERVER_TEXT_CHARS`] characters. A cut ends at a space, so a
/// secret the server echoed is never left half there for the scrubber to
/// miss.
pub fn server_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_SERVER_TEXT_CHARS * 4));
    let mut chars = raw.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        let blank = match c {
            '\u{1b}' | '\u{9b}' => {
                skip_escape(c, &mut chars);
                continue;
            }
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => true,
            c if c.is_control() || is_bidi_control(c) => continue,
            c => c.is_whitespace(),
        };
        if blank && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if count == MAX_SERVER_TEXT_CHARS {
            let cut = out.rfind(is(' ')).unwrap_or(0);
            out.truncate(cut);
            out.push('…');
            return out;
        }
        out.push(if blank { ' ' } else { c });
        count += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// Skips the rest of an escape sequence that began with `first`: CSI
/// (`ESC [` or U+009B, up to a final byte), OSC (`ESC ]`, up to BEL or
/// `ESC \`), or a two-character escape.
fn skip_escape(first: char, chars: &mut core::iter::Peekable<core::str::Chars<'_>>) {
    let kind = if first == '\u{9b}' {
        Some('[')
    } else {
        chars.next()
    };
    match kind {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Marks that reorder displayed text (the "Trojan Source" characters).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What the server said, if anything; of a FHIR `OperationOutcome`, only
/// the first issue.
fn server_message(body: &ErrorBody) -> Option<&str> {
    body.error
        .as_ref()
        .and_then(|e| e.message.as_deref())
        .or(body.message.as_deref())
        .or(body.error_message.as_deref())
        .or_else(|| {
            let issue = body.issue.as_ref()?.first()?;
            issue
                .diagnostics
                .as_deref()
                .or_else(|| issue.details.as_ref()?.text.as_deref())
        })
        .filter(|m| !m.trim().is_empty())
}

/// Turns a non-2xx response into the matching typed error.
///
/// `wall_now_ms` is needed only to read a `Retry-After` given as a date.
/// A redirect, which is never followed: it could carry the token or the key
/// to a host the caller never named. `status` is `None` where the runtime
/// hides it (a browser's `opaqueredirect`). Not retried: it would redirect again.
pub fn redirect_refused(status: Option<u16>) -> HaloError {
    let shown = status.map_or("(opaqueredirect)".to_owned(), |s| format!("(HTTP {s})"));
    let error = HaloError::new(
        ErrorKind::Protocol,
        format!("Halo Cloud answered with a redirect {shown}, which this client never follows"),
    );
    match status {
        Some(status) => error.with_status(status),
        None => error,
    }
}

/// The error for a non-2xx answer: its kind from the status, Halo's own
/// message (sanitised) or a hint, and for 429/503 the `Retry-After`, capped.
/// Redirects are refused; a failed query object becomes a query failure.
pub fn classify_failure(
    status: u16,
    retry_after: Option<&str>,
    body: Option<&ErrorBody>,
    wall_now_ms: f64,
) -> HaloError {
    if (300..400).contains(&status) {
        return redirect_refused(Some(status));
    }
    if let Some(body) = body {
        if let Some(StatusField::Name(state)) = &body.status {
            if FAILED_QUERY_STATES.contains(&state.as_str()) {
                return query_failed(
                    state,
                    body.error_details.as_ref(),
                    body.error_code,
                    body.error_message.as_deref(),
                    Some(status),
                );
            }
        }
    }
    let said = body.and_then(server_message).map(server_text);
    let kind = ErrorKind::of_status(status);
    let (default, hint) = match status {
        401 => ("Halo Cloud rejected the device token", ""),
        403 => (
            "Halo Cloud refused access",
            " (403: the caller's IP is not allowed, the site is not authoritative, or the practice's Halo GUID has changed; re-resolve the GUID from the PMS ID)",
        ),
        404 => ("not found", ""),
        410 => (
            "the result is gone",
            " (410: result pages expire about 24 hours after the query ran; run it again)",
        ),
        413 => (
            "the result is too large for an immediate query",
            " (413: immediate results are limited to 8 MB; use an async query)",
        ),
        429 => ("rate limit exceeded", ""),
        503 => ("the practice's site could not be contacted", ""),
        504 => ("the query did not return in time, or the site is offline", ""),
        _ => match kind {
            ErrorKind::Server => ("Halo Cloud had an internal error", ""),
            ErrorKind::BadRequest => ("Halo Cloud rejected the request", ""),
            _ => ("Halo Cloud sent an unexpected response", ""),
        },
    };
    let mut error = HaloError::new(
        kind,
        format!(
            "{} (HTTP {status}){hint}",
            said.as_deref().filter(|s| !s.is_empty()).unwrap_or(default)
        ),
    )
    .with_status(status);
    // RFC 9110 gives Retry-After to 429 and 503 alike.
    if status == 429 || status == 503 {
        error.retry_after_ms = retry_after
            .and_then(|h| retry_after_ms(h, wall_now_ms))
            .map(|ms| ms.min(MAX_RETRY_AFTER_MS));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::json_source::test_json as json;

    fn body(json: &str) -> ErrorBody {
        ErrorBody::read(&json::Json::parse(json))
    }

    #[test]
    fn redirects_are_protocol_errors_naming_the_status_and_never_retried() {
        for status in [301, 302, 303, 307, 308] {
            let error = classify_failure(status, None, None, 0.0);
            assert_eq!(error.kind, ErrorKind::Protocol);
            assert_eq!(error.status, Some(status));
            assert!(error.message.contains(&format!("(HTTP {status})")));
            assert!(!error.retryable());
        }
        let hidden = redirect_refused(None);
        assert_eq!((hidden.kind, hidden.status), (ErrorKind::Protocol, None));
        assert!(hidden.message.contains("opaqueredirect"));
    }

    #[test]
    fn all_three_documented_error_shapes_give_their_message() {
        for json in [
            r#"{"error":{"statusCode":401,"message":"Invalid token"}}"#,
            r#"{"error":{"status":401,"statusText":"Unauthorized","message":"Invalid token"}}"#,
            r#"{"status":401,"statusText":"Unauthorized","message":"Invalid token"}"#,
        ] {
            let body = body(json);
            assert!(is_invalid_token(&body), "{json}");
            let error = classify_failure(401, None, Some(&body), 0.0);
            assert_eq!(error.kind, ErrorKind::Auth);
            assert_eq!(error.message, "Invalid token (HTTP 401)");
            assert_eq!(error.status, Some(401));
        }
    }

    #[test]
    fn operation_outcomes_give_their_diagnostics() {
        let body = body(
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Patient/9 not found"}]}"#,
        );
        let error = classify_failure(404, None, Some(&body), 0.0);
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(error.message.starts_with("Patient/9 not found"));
    }

    #[test]
    fn server_text_loses_escapes_and_controls_and_is_capped() {
        assert_eq!(
            server_text("\u{1b}[31mred\u{1b}[0m\r\nnext\u{0}line\u{1b}]0;title\u{7} end\u{202e}"),
            "red nextline end"
        );
        assert_eq!(
            server_text("\u{9b}2Jclear \u{1b}cx\tdone  "),
            "clear x done"
        );
        let long = format!("{} {}", "word ".repeat(99), "secret-token-".repeat(10));
        let capped = server_text(&long);
        assert!(capped.chars().count() <= MAX_SERVER_TEXT_CHARS + 1);
        assert!(capped.ends_with("word…"), "{capped}");
        assert!(
            !capped.contains("secret"),
            "a cut secret stays whole or gone"
        );
        assert_eq!(server_text(&"x".repeat(1_000)), "…");
    }

    #[test]
    fn error_messages_carry_only_clean_server_text() {
        let hostile = r#"{"error":{"status":400,"message":"bad\u001b[2J\r\nInjected: yes\u0000"}}"#;
        let error = classify_failure(400, None, Some(&body(hostile)), 0.0);
        assert_eq!(error.message, "bad Injected: yes (HTTP 400)");
        let long = format!(r#"{{"message":"{}"}}"#, "a ".repeat(5_000));
        let error = classify_failure(500, None, Some(&body(&long)), 0.0);
        assert!(
            error.message.len() < MAX_SERVER_TEXT_CHARS + 40,
            "{}",
            error.message
        );
        let outcome = body(
            r#"{"resourceType":"OperationOutcome","issue":[{"diagnostics":"first\nissue"},{"diagnostics":"second"}]}"#,
        );
        let error = classify_failure(404, None, Some(&outcome), 0.0);
        assert_eq!(error.message, "first issue (HTTP 404)");
        let failed = body(
            r#"{"status":"executionFailed","errorDetails":{"errorType":"mssql","errorMessage":"Invalid\u001b[31m column\r\n"}}"#,
        );
        let error = classify_failure(500, None, Some(&failed), 0.0);
        assert_eq!(
            error.query.clone().unwrap().error_message.as_deref(),
            Some("Invalid column")
        );
        assert!(
            error.message.ends_with("Invalid column"),
            "{}",
            error.message
        );
        let blank = body(r#"{"message":"\u001b[0m\r\n"}"#);
        assert_eq!(
            classify_failure(400, None, Some(&blank), 0.0).message,
            "Halo Cloud rejected the request (HTTP 400)"
        );
    }

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, ErrorKind::BadRequest),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (410, ErrorKind::Gone),
            (418, ErrorKind::BadRequest),
            (429, ErrorKind::RateLimit),
            (500, ErrorKind::Server),
            (502, ErrorKind::Server),
            (503, ErrorKind::Unavailable),
            (504, ErrorKind::Unavailable),
            (302, ErrorKind::Protocol),
        ];
        for (status, kind) in cases {
            assert_eq!(
                classify_failure(status, None, None, 0.0).kind,
                kind,
                "{status}"
            );
        }
        assert!(classify_failure(403, None, None, 0.0)
            .message
            .contains("Halo GUID has changed"));
        assert!(classify_failure(410, None, None, 0.0)
            .message
            .contains("24 hours"));
    }

    #[test]
    fn rate_limits_and_unavailability_carry_retry_after() {
        assert_eq!(
            classify_failure(429, Some("2"), None, 0.0).retry_after_ms,
            Some(2000)
        );
        assert_eq!(
            classify_failure(429, Some("later"), None, 0.0).retry_after_ms,
            None
        );
        assert_eq!(
            classify_failure(503, Some("2"), None, 0.0).retry_after_ms,
            Some(2000)
        );
        assert_eq!(
            classify_failure(500, Some("2"), None, 0.0).retry_after_ms,
            None
        );
    }

    #[test]
    fn retry_after_is_reported_up_to_an_hour() {
        let reported = |header| classify_failure(429, Some(header), None, 0.0).retry_after_ms;
        assert_eq!(reported("3600"), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(reported("86400"), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(reported("99999999999999999999"), Some(MAX_RETRY_AFTER_MS));
        let far = "Fri, 31 Dec 9999 23:59:59 GMT";
        let error = classify_failure(503, Some(far), None, 0.0);
        assert_eq!(error.retry_after_ms, Some(MAX_RETRY_AFTER_MS));
    }

    #[test]
    fn a_failed_query_object_is_a_query_failure_with_details() {
        let body = body(
            r#"{"id":"q","status":"executionFailed","errorDetails":{"errorType":"mssql","errorCode":207,"errorMessage":"Invalid column name 'Nope'."}}"#,
        );
        let error = classify_failure(500, None, Some(&body), 0.0);
        assert_eq!(error.kind, ErrorKind::QueryFailed);
        let query = error.query.clone().unwrap();
        assert_eq!(query.status, "executionFailed");
        assert_eq!(query.error_type.as_deref(), Some("mssql"));
        assert_eq!(query.error_code, Some(207));
        assert!(error.message.contains("Invalid column name"));
    }

    #[test]
    fn query_states() {
        let state = |json| query_state(&QueryStatus::read(&json::Json::parse(json)));
        assert_eq!(state(r#"{"status":"successful"}"#), QueryState::Succeeded);
        assert_eq!(state(r#"{"status":"queued"}"#), QueryState::Pending);
        let QueryState::Failed(error) =
            state(r#"{"status":"expiredInQueue","errorMessage":"waited too long"}"#)
        else {
            panic!("expected a failure");
        };
        assert_eq!(
            error.query.clone().unwrap().error_message.as_deref(),
            Some("waited too long")
        );
        assert!(matches!(state("{}"), QueryState::Failed(e) if e.kind == ErrorKind::Protocol));
    }
}
