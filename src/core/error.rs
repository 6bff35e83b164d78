//! The one error type of the core. Each kind maps to one JavaScript class
//! (`HaloValidationError`, …) with a stable `code`.

use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input, caught before anything was sent.
    Validation,
    /// 401, or a token the integrator's `getToken` could not supply.
    Auth,
    /// 403: IP not allowed, non-authoritative site, or the Halo GUID changed.
    Forbidden,
    NotFound,
    /// 410: result pages expire after about 24 hours.
    Gone,
    /// 429.
    RateLimit,
    /// 503 or 504.
    Unavailable,
    /// The query reached the practice and failed there (`executionFailed`, …).
    QueryFailed,
    /// 400 or another 4xx the server rejected.
    BadRequest,
    /// 500, 502 and other 5xx.
    Server,
    /// `fetch` rejected: DNS, refused or dropped connection, CORS.
    Network,
    /// An attempt, a token request or the whole call ran out of time.
    Timeout,
    /// The server answered with something the API does not document.
    Protocol,
    /// An incoming webhook failed verification: a missing header, a bad
    /// signature, a stale or future timestamp, a replay or a malformed payload.
    WebhookVerification,
    /// The wasm instance trapped and can no longer be used.
    Internal,
}

impl ErrorKind {
    /// The stable `code` property of the JavaScript error.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "HALO_VALIDATION",
            ErrorKind::Auth => "HALO_AUTH",
            ErrorKind::Forbidden => "HALO_FORBIDDEN",
            ErrorKind::NotFound => "HALO_NOT_FOUND",
            ErrorKind::Gone => "HALO_GONE",
            ErrorKind::RateLimit => "HALO_RATE_LIMIT",
            ErrorKind::Unavailable => "HALO_UNAVAILABLE",
            ErrorKind::QueryFailed => "HALO_QUERY_FAILED",
            ErrorKind::BadRequest => "HALO_BAD_REQUEST",
            ErrorKind::Server => "HALO_SERVER",
            ErrorKind::Network => "HALO_NETWORK",
            ErrorKind::Timeout => "HALO_TIMEOUT",
            ErrorKind::Protocol => "HALO_PROTOCOL",
            ErrorKind::WebhookVerification => "HALO_WEBHOOK",
            ErrorKind::Internal => "HALO_INTERNAL",
        }
    }

    /// The `name` of the JavaScript error class.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Validation => "HaloValidationError",
            ErrorKind::Auth => "HaloAuthError",
            ErrorKind::Forbidden => "HaloForbiddenError",
            ErrorKind::NotFound => "HaloNotFoundError",
            ErrorKind::Gone => "HaloGoneError",
            ErrorKind::RateLimit => "HaloRateLimitError",
            ErrorKind::Unavailable => "HaloUnavailableError",
            ErrorKind::QueryFailed => "HaloQueryFailedError",
            ErrorKind::Network => "HaloNetworkError",
            ErrorKind::Timeout => "HaloTimeoutError",
            ErrorKind::WebhookVerification => "HaloWebhookError",
            ErrorKind::BadRequest
            | ErrorKind::Server
            | ErrorKind::Protocol
            | ErrorKind::Internal => "HaloError",
        }
    }

    /// Whether the same call, made again later, may succeed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimit
                | ErrorKind::Unavailable
                | ErrorKind::Server
                | ErrorKind::Network
                | ErrorKind::Timeout
        )
    }
}

/// What the practice's database or Halo Link said when a query failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryFailure {
    /// The query's terminal status, e.g. `executionFailed`.
    pub status: String,
    /// `http` | `mssql` | `fbsql` | `haloLink`, when the server said.
    pub error_type: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaloError {
    pub kind: ErrorKind,
    pub message: String,
    pub status: Option<u16>,
    /// For validation errors: the option or argument at fault, e.g. `command.text`.
    pub field: Option<String>,
    pub retry_after_ms: Option<u64>,
    /// Boxed: rare, and it would make every `Result` in the crate large.
    pub query: Option<Box<QueryFailure>>,
}

impl HaloError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            field: None,
            retry_after_ms: None,
            query: None,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::Validation, message);
        error.field = Some(field.to_owned());
        error
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn retryable(&self) -> bool {
        self.kind.retryable()
    }
}

impl fmt::Display for HaloError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HaloError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_code() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::Auth,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::Gone,
            ErrorKind::RateLimit,
            ErrorKind::Unavailable,
            ErrorKind::QueryFailed,
            ErrorKind::BadRequest,
            ErrorKind::Server,
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Protocol,
            ErrorKind::WebhookVerification,
            ErrorKind::Internal,
        ];
        let mut codes: Vec<_> = kinds.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
    }

    #[test]
    fn validation_errors_name_their_field_and_are_not_retryable() {
        let error = HaloError::validation("siteId", "siteId must be a Halo GUID");
        assert_eq!(error.field.as_deref(), Some("siteId"));
        assert!(!error.retryable());
        assert_eq!(error.kind.class_name(), "HaloValidationError");
    }

    #[test]
    fn webhook_errors_have_their_own_class_and_are_not_retryable() {
        let kind = ErrorKind::WebhookVerification;
        assert_eq!(kind.code(), "HALO_WEBHOOK");
        assert_eq!(kind.class_name(), "HaloWebhookError");
        // A forged or stale delivery stays forged when verified again.
        assert!(!kind.retryable());
    }
}
