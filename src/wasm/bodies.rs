//! The fields of response bodies the core needs, read from the value the
//! host's `JSON.parse` produced. Large fields (`result.data`) are never read.

use super::fields::Fields;
#[cfg(feature = "device")]
use crate::core::responses::QueryStatus;
use crate::core::responses::{
    ErrorBody, ErrorDetails, ErrorEnvelope, OutcomeDetails, OutcomeIssue, StatusField,
};
use wasm_bindgen::JsValue;

fn error_details(fields: &Fields) -> Option<ErrorDetails> {
    let details = fields.nested("errorDetails")?;
    Some(ErrorDetails {
        error_type: details.text("errorType"),
        error_code: details.float("errorCode"),
        error_message: details.text("errorMessage"),
    })
}

/// Any documented error shape: the envelopes, a failed query object, or a
/// FHIR `OperationOutcome`.
pub fn error_body(body: JsValue) -> ErrorBody {
    let fields = Fields::lenient(body);
    let status = fields.value("status");
    ErrorBody {
        error: fields.nested("error").map(|error| ErrorEnvelope {
            status_code: error.float("statusCode"),
            status: error.float("status"),
            status_text: error.text("statusText"),
            message: error.text("message"),
        }),
        status: status
            .as_f64()
            .map(StatusField::Code)
            .or_else(|| status.as_string().map(StatusField::Name)),
        status_text: fields.text("statusText"),
        message: fields.text("message"),
        error_details: error_details(&fields),
        error_code: fields.float("errorCode"),
        error_message: fields.text("errorMessage"),
        resource_type: fields.text("resourceType"),
        // Only the first issue is ever shown: reading the rest would let a
        // huge OperationOutcome cost time for nothing.
        issue: fields.array("issue").ok().flatten().map(|issues| {
            issues
                .iter()
                .take(1)
                .map(|issue| {
                    let issue = Fields::lenient(issue);
                    OutcomeIssue {
                        severity: issue.text("severity"),
                        code: issue.text("code"),
                        diagnostics: issue.text("diagnostics"),
                        details: issue.nested("details").map(|details| OutcomeDetails {
                            text: details.text("text"),
                        }),
                    }
                })
                .collect()
        }),
    }
}

/// The fields of a query object that decide what happened to it.
#[cfg(feature = "device")]
pub fn query_status(body: &JsValue) -> QueryStatus {
    let fields = Fields::lenient(body.clone());
    QueryStatus {
        id: fields.text("id"),
        status: fields.text("status"),
        error_details: error_details(&fields),
        error_code: fields.float("errorCode"),
        error_message: fields.text("errorMessage"),
    }
}
