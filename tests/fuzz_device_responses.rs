//! Fuzz target: Device API response bodies (error envelopes, query objects)
//! and the status-to-error mapping. Whatever the server sends, the core
//! must produce the documented typed error, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::ErrorKind;
use halo_device::core::http_date::retry_after_ms;
use halo_device::core::responses::{
    classify_failure, is_invalid_token, query_state, ErrorBody, QueryState, QueryStatus,
    StatusField, FAILED_QUERY_STATES,
};
use halo_device::core::retry::MAX_RETRY_AFTER_MS;
use proptest::prelude::*;
use support::{shaped, shaped_text, text, text_or, Json, Shape};

const QUERY_STATES: &[&str] = &[
    "executionFailed",
    "uploadFailed",
    "expiredInQueue",
    "initialisationFailedCacheError",
    "initialisationFailedSiteOffline",
    "initialisationFailedSiteUnreachable",
    "successful",
    "initialising",
    "queued",
    "executing",
    "uploading",
];
const MESSAGES: &[&str] = &[
    "Invalid token",
    "INVALID TOKEN",
    "",
    "   ",
    "Patient/9 not found",
];

const ERROR_DETAILS: Shape = Shape::Object(&[
    (
        "errorType",
        Shape::Text(&["mssql", "fbsql", "http", "haloLink"]),
    ),
    ("errorCode", Shape::Number),
    ("errorMessage", Shape::Text(MESSAGES)),
]);

/// Every field of the three documented error shapes, the FHIR
/// OperationOutcome and a failed query object, in one schema.
static ERROR_BODY: Shape = Shape::Object(&[
    (
        "error",
        Shape::Object(&[
            ("statusCode", Shape::Number),
            ("status", Shape::Number),
            ("statusText", Shape::Text(&["Unauthorized"])),
            ("message", Shape::Text(MESSAGES)),
        ]),
    ),
    (
        "status",
        Shape::Either(&Shape::Number, &Shape::Text(QUERY_STATES)),
    ),
    ("statusText", Shape::Text(&["Unauthorized", "Bad Request"])),
    ("message", Shape::Text(MESSAGES)),
    ("errorDetails", ERROR_DETAILS),
    ("errorCode", Shape::Number),
    ("errorMessage", Shape::Text(MESSAGES)),
    ("resourceType", Shape::Text(&["OperationOutcome"])),
    (
        "issue",
        Shape::Array(&Shape::Object(&[
            ("severity", Shape::Text(&["error", "fatal"])),
            ("code", Shape::Text(&["not-found", "invalid"])),
            ("diagnostics", Shape::Text(MESSAGES)),
            ("details", Shape::Object(&[("text", Shape::Text(MESSAGES))])),
        ])),
    ),
]);

static QUERY_STATUS: Shape = Shape::Object(&[
    ("id", Shape::Text(&["0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"])),
    ("status", Shape::Text(QUERY_STATES)),
    ("errorDetails", ERROR_DETAILS),
    ("errorCode", Shape::Number),
    ("errorMessage", Shape::Text(MESSAGES)),
]);

/// The documented statuses, every other HTTP status, and nonsense ones.
fn http_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(&[400, 401, 403, 404, 410, 413, 429, 500, 502, 503, 504][..]),
        100..600u16,
        any::<u16>(),
    ]
}

fn retry_after_header() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text_or(&[
        "0",
        "2",
        " 120 ",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "99999999999999999999999",
    ]))
}

fn wall_clock_ms() -> impl Strategy<Value = f64> {
    prop_oneof![0.0..4e12, any::<f64>()]
}

/// The error kind of a non-2xx status, as docs/errors.md's table has it.
fn kind_for(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        410 => ErrorKind::Gone,
        429 => ErrorKind::RateLimit,
        503 | 504 => ErrorKind::Unavailable,
        500..=599 => ErrorKind::Server,
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::Protocol,
    }
}

fn failed_state(body: Option<&ErrorBody>) -> Option<&str> {
    match body?.status.as_ref()? {
        StatusField::Name(state) if FAILED_QUERY_STATES.contains(&state.as_str()) => Some(state),
        _ => None,
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn error_body_text_decodes_or_is_refused(json in shaped_text(&ERROR_BODY)) {
        if let Ok(value) = serde_json::from_str(&json) {
            is_invalid_token(&ErrorBody::read(&Json(value)));
        }
    }

    #[test]
    fn every_failure_becomes_the_documented_typed_error(
        status in http_status(),
        retry_after in retry_after_header(),
        body in prop::option::of(shaped(&ERROR_BODY)),
        wall_now_ms in wall_clock_ms(),
    ) {
        let body: Option<ErrorBody> = body.map(|json| ErrorBody::read(&Json(json)));
        let error = classify_failure(status, retry_after.as_deref(), body.as_ref(), wall_now_ms);
        prop_assert_eq!(error.status, Some(status));
        prop_assert!(!error.message.trim().is_empty());
        prop_assert!(error.field.is_none());
        // A redirect's body is never read: it is a redirect, whatever it says.
        let redirect = (300..400).contains(&status);
        match failed_state(body.as_ref()).filter(|_| !redirect) {
            Some(state) => {
                prop_assert_eq!(error.kind, ErrorKind::QueryFailed);
                let query = error.query.clone().expect("a failed query carries its details");
                prop_assert_eq!(query.status.as_str(), state);
                prop_assert!(error.retry_after_ms.is_none());
            }
            None => {
                prop_assert_eq!(error.kind, kind_for(status));
                prop_assert!(error.query.is_none());
                let expected_http = format!("(HTTP {status})");
                prop_assert!(error.message.contains(&expected_http), "{}", error.message);
                let expected_wait = match (status, retry_after.as_deref()) {
                    // Reported up to the documented hour.
                    (429 | 503, Some(header)) => retry_after_ms(header, wall_now_ms)
                        .map(|ms| ms.min(MAX_RETRY_AFTER_MS)),
                    _ => None,
                };
                prop_assert_eq!(error.retry_after_ms, expected_wait);
            }
        }
    }

    #[test]
    fn query_status_text_decodes_or_is_refused(json in shaped_text(&QUERY_STATUS)) {
        if let Ok(value) = serde_json::from_str(&json) {
            let _ = query_state(&QueryStatus::read(&Json(value)));
        }
    }

    #[test]
    fn every_query_object_has_exactly_one_state(json in shaped(&QUERY_STATUS), status in prop::option::of(text())) {
        let mut query = QueryStatus::read(&Json(json));
        // Half the time, a status no schema value would give.
        if status.is_some() {
            query.status = status;
        }
        let state = query_state(&query);
        match query.status.as_deref() {
            None => prop_assert!(matches!(state, QueryState::Failed(ref e) if e.kind == ErrorKind::Protocol)),
            Some("successful") => prop_assert_eq!(state, QueryState::Succeeded),
            Some(failed) if FAILED_QUERY_STATES.contains(&failed) => {
                let QueryState::Failed(error) = state else {
                    return Err(TestCaseError::fail(format!("{failed} must be a failure")));
                };
                prop_assert_eq!(error.kind, ErrorKind::QueryFailed);
                prop_assert_eq!(error.query.clone().map(|q| q.status), Some(failed.to_owned()));
            }
            Some(_) => prop_assert_eq!(state, QueryState::Pending),
        }
    }
}
