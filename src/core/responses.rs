//! Responses in, typed outcomes out: every documented error shape, the
//! status-to-error mapping, and the query object's terminal states.
//!
//! The host parses JSON (its `JSON.parse` is faster than anything we could
//! ship) and hands us only the fields declared here, so large `data` blobs
//! never cross into the core.

use super::error::{ErrorKind, HaloError, QueryFailure};
use super::http_date::retry_after_ms;
use serde::Deserialize;

/// A number or a name: the flat error body has `"status": 400`, a query
/// object has `"status": "executionFailed"`.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusField {
    Code(f64),
    Name(String),
}

/// By hand rather than `#[serde(untagged)]`, whose buffering deserializer
/// would be the largest thing in the wasm.
impl<'de> Deserialize<'de> for StatusField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl serde::de::Visitor<'_> for Either {
            type Value = StatusField;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a status code or name")
            }
            fn visit_f64<E>(self, value: f64) -> Result<StatusField, E> {
                Ok(StatusField::Code(value))
            }
            fn visit_u64<E>(self, value: u64) -> Result<StatusField, E> {
                Ok(StatusField::Code(value as f64))
            }
            fn visit_i64<E>(self, value: i64) -> Result<StatusField, E> {
                Ok(StatusField::Code(value as f64))
            }
            fn visit_str<E>(self, value: &str) -> Result<StatusField, E> {
                Ok(StatusField::Name(value.to_owned()))
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// `{"error":{…}}`: `{statusCode, message}` (expired token) or
/// `{status, statusText, message}` (the OpenAPI envelope).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorEnvelope {
    pub status_code: Option<f64>,
    pub status: Option<f64>,
    pub status_text: Option<String>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorDetails {
    pub error_type: Option<String>,
    pub error_code: Option<f64>,
    pub error_message: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutcomeIssue {
    pub severity: Option<String>,
    pub code: Option<String>,
    pub diagnostics: Option<String>,
    pub details: Option<OutcomeDetails>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutcomeDetails {
    pub text: Option<String>,
}

/// Every field any documented error body may carry.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    pub error: Option<ErrorEnvelope>,
    pub status: Option<StatusField>,
    pub status_text: Option<String>,
    pub message: Option<String>,
    /// A query object that failed at the practice.
    pub error_details: Option<ErrorDetails>,
    /// Deprecated top-level twins of `errorDetails`.
    pub error_code: Option<f64>,
    pub error_message: Option<String>,
    /// FHIR `OperationOutcome`.
    pub resource_type: Option<String>,
    pub issue: Option<Vec<OutcomeIssue>>,
}

/// The fields of a query object that decide what happened to it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryStatus {
    pub id: Option<String>,
    pub status: Option<String>,
    pub error_details: Option<ErrorDetails>,
    pub error_code: Option<f64>,
    pub error_message: Option<String>,
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

#[derive(Clone, Debug, PartialEq)]
pub enum QueryState {
    /// Not finished yet: `initialising`, `queued`, `executing`, `uploading`.
    Pending,
    Succeeded,
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
        .and_then(|d| d.error_message.clone())
        .or_else(|| legacy_message.map(str::to_owned));
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
    let said = body.and_then(server_message);
    let (kind, default, hint) = match status {
        400 => (ErrorKind::BadRequest, "Halo Cloud rejected the request", ""),
        401 => (ErrorKind::Auth, "Halo Cloud rejected the device token", ""),
        403 => (
            ErrorKind::Forbidden,
            "Halo Cloud refused access",
            " (403: the caller's IP is not allowed, the site is not authoritative, or the practice's Halo GUID has changed; re-resolve the GUID from the PMS ID)",
        ),
        404 => (ErrorKind::NotFound, "not found", ""),
        410 => (
            ErrorKind::Gone,
            "the result is gone",
            " (410: result pages expire about 24 hours after the query ran; run it again)",
        ),
        413 => (
            ErrorKind::BadRequest,
            "the result is too large for an immediate query",
            " (413: immediate results are limited to 8 MB; use an async query)",
        ),
        429 => (ErrorKind::RateLimit, "rate limit exceeded", ""),
        503 => (
            ErrorKind::Unavailable,
            "the practice's site could not be contacted",
            "",
        ),
        504 => (
            ErrorKind::Unavailable,
            "the query did not return in time, or the site is offline",
            "",
        ),
        s if (500..600).contains(&s) => (ErrorKind::Server, "Halo Cloud had an internal error", ""),
        s if (400..500).contains(&s) => (ErrorKind::BadRequest, "Halo Cloud rejected the request", ""),
        _ => (ErrorKind::Protocol, "Halo Cloud sent an unexpected response", ""),
    };
    let mut error = HaloError::new(
        kind,
        format!("{} (HTTP {status}){hint}", said.unwrap_or(default)),
    )
    .with_status(status);
    // RFC 9110 gives Retry-After to 429 and 503 alike.
    if status == 429 || status == 503 {
        error.retry_after_ms = retry_after.and_then(|h| retry_after_ms(h, wall_now_ms));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> ErrorBody {
        serde_json::from_str(json).unwrap()
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
    fn a_failed_query_object_is_a_query_failure_with_details() {
        let body = body(
            r#"{"id":"q","status":"executionFailed","errorDetails":{"errorType":"mssql","errorCode":207,"errorMessage":"Invalid column name 'Nope'."}}"#,
        );
        let error = classify_failure(500, None, Some(&body), 0.0);
        assert_eq!(error.kind, ErrorKind::QueryFailed);
        let query = error.query.unwrap();
        assert_eq!(query.status, "executionFailed");
        assert_eq!(query.error_type.as_deref(), Some("mssql"));
        assert_eq!(query.error_code, Some(207));
        assert!(error.message.contains("Invalid column name"));
    }

    #[test]
    fn query_states() {
        let state = |json| query_state(&serde_json::from_str(json).unwrap());
        assert_eq!(state(r#"{"status":"successful"}"#), QueryState::Succeeded);
        assert_eq!(state(r#"{"status":"queued"}"#), QueryState::Pending);
        let QueryState::Failed(error) =
            state(r#"{"status":"expiredInQueue","errorMessage":"waited too long"}"#)
        else {
            panic!("expected a failure");
        };
        assert_eq!(
            error.query.unwrap().error_message.as_deref(),
            Some("waited too long")
        );
        assert!(matches!(state("{}"), QueryState::Failed(e) if e.kind == ErrorKind::Protocol));
    }
}
