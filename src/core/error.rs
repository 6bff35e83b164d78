//! The error table: every kind of failure the package reports, defined once.
//! Each entry gives the kind's stable `code`, the JavaScript class it
//! becomes, whether retrying may help, the HTTP statuses that mean it, the
//! extra properties it carries, and its documentation. The TypeScript error
//! classes, the code union and the mapping from core errors to classes are
//! generated from this table (see the `generate` test below).

use core::fmt;

/// The extra properties an error kind carries beyond `code`, `status`,
/// `retryable` and `cause`. The wasm shell sets them under these names and
/// the generated TypeScript declares them under the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorField {
    /// `field`: the option or argument at fault.
    Field,
    /// `retryAfterMs`: what `Retry-After` asked for.
    RetryAfterMs,
    /// `queryStatus`, `errorType`, `errorCode`, `errorMessage`: what the
    /// practice said when a query failed.
    QueryFailure,
    /// `reason`: which webhook check failed.
    Reason,
}

/// Whether Halo Cloud may have received the request a failed call made
/// (every error's `sent`): set by the transport from where the failure
/// happened, so a caller knows whether a write may have run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sent {
    /// Nothing left: the call failed before `fetch` was called.
    No,
    /// `fetch` was called and no answer came (a dropped connection, a
    /// timeout, an abort): the request may have reached Halo and run.
    Maybe,
    /// Halo answered: the status (or the body) says what it did.
    Yes,
}

impl Sent {
    /// Every value, in order of how much may have happened.
    pub const ALL: [Sent; 3] = [Sent::No, Sent::Maybe, Sent::Yes];

    /// The `sent` property's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Sent::No => "no",
            Sent::Maybe => "maybe",
            Sent::Yes => "yes",
        }
    }
}

/// JavaScript property names of the extra fields.
pub mod props {
    /// See [`super::ErrorField::Field`].
    pub const FIELD: &str = "field";
    /// See [`super::ErrorField::RetryAfterMs`].
    pub const RETRY_AFTER_MS: &str = "retryAfterMs";
    /// The query's terminal status, e.g. `executionFailed`.
    pub const QUERY_STATUS: &str = "queryStatus";
    /// `http` | `mssql` | `fbsql` | `haloLink`.
    pub const ERROR_TYPE: &str = "errorType";
    /// The database's own error number.
    pub const ERROR_CODE: &str = "errorCode";
    /// The database's own message.
    pub const ERROR_MESSAGE: &str = "errorMessage";
    /// See [`super::ErrorField::Reason`].
    pub const REASON: &str = "reason";
    /// See [`super::Sent`]; on every error.
    pub const SENT: &str = "sent";
    /// How many rows a streamed page had yielded before it failed; on any
    /// error a stream rejects with after its first rows.
    pub const ROWS_RECEIVED: &str = "rowsReceived";
}

macro_rules! error_kinds {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident {
            code: $code:literal,
            class: $class:literal,
            retryable: $retryable:literal,
            statuses: [$($status:literal),*],
            fields: [$($field:ident),*],
            sent: $sent:ident,
            example: $example:literal $(,)?
        }
    )*) => {
        /// What went wrong, as the caller can act on it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in table order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];

            /// The stable `code` property of the JavaScript error.
            pub fn code(self) -> &'static str {
                match self { $(ErrorKind::$kind => $code,)* }
            }

            /// The `name` of the JavaScript error, and of its class.
            pub fn class_name(self) -> &'static str {
                match self { $(ErrorKind::$kind => $class,)* }
            }

            /// Whether the same call, made again later, may succeed.
            pub fn retryable(self) -> bool {
                match self { $(ErrorKind::$kind => $retryable,)* }
            }

            /// The HTTP statuses that mean this kind, whatever the body says.
            pub fn statuses(self) -> &'static [u16] {
                match self { $(ErrorKind::$kind => &[$($status),*],)* }
            }

            /// What `sent` says when nothing set it (a hand-made error, one
            /// made before any request): the kind's usual circumstance.
            pub fn default_sent(self) -> Sent {
                match self { $(ErrorKind::$kind => Sent::$sent,)* }
            }

            /// The extra properties errors of this kind carry.
            pub fn fields(self) -> &'static [ErrorField] {
                match self { $(ErrorKind::$kind => &[$(ErrorField::$field),*],)* }
            }

            #[cfg(all(test, not(target_arch = "wasm32")))]
            fn docs(self) -> (&'static [&'static str], &'static str) {
                match self { $(ErrorKind::$kind => (&[$($doc),*], $example),)* }
            }
        }
    };
}

error_kinds! {
    /// Bad input, caught before anything was sent. `field` names the culprit.
    Validation {
        code: "HALO_VALIDATION",
        class: "HaloValidationError",
        retryable: false,
        statuses: [],
        fields: [Field],
        sent: No,
        example: "try { await client.getResultPage(queryId, 0); }\ncatch (error) { if (error instanceof HaloValidationError) console.error(`invalid ${error.field}`); } // \"pageNumber\"",
    }
    /// 401 after one renewal, or `getToken` failed to supply a usable token.
    Auth {
        code: "HALO_AUTH",
        class: "HaloAuthError",
        retryable: false,
        statuses: [401],
        fields: [],
        sent: Yes,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\"); }\ncatch (error) { if (error instanceof HaloAuthError) console.error(\"check the token service:\", error.message, error.cause); }",
    }
    /// 403: IP not allowed, non-authoritative site, or the practice's Halo GUID changed.
    Forbidden {
        code: "HALO_FORBIDDEN",
        class: "HaloForbiddenError",
        retryable: false,
        statuses: [403],
        fields: [],
        sent: Yes,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\"); }\ncatch (error) { if (error instanceof HaloForbiddenError) await askCloudToRecoverSite(siteId); } // it calls integrator.recoverFromGuidChange",
    }
    /// 404: no such query, registered query, site or FHIR resource.
    NotFound {
        code: "HALO_NOT_FOUND",
        class: "HaloNotFoundError",
        retryable: false,
        statuses: [404],
        fields: [],
        sent: Yes,
        example: "try { await client.fhirRead(\"Patient\", \"999\"); }\ncatch (error) { if (error instanceof HaloNotFoundError) console.log(\"no such patient\"); }",
    }
    /// 410: result pages expire about 24 hours after the query ran.
    Gone {
        code: "HALO_GONE",
        class: "HaloGoneError",
        retryable: false,
        statuses: [410],
        fields: [],
        sent: Yes,
        example: "try { await client.getResultPage(queryId, 1); }\ncatch (error) { if (error instanceof HaloGoneError) queryId = (await client.startAsyncQuery(sql)).id; } // expired: run it again",
    }
    /// 429. `retryAfterMs` is what `Retry-After` said, when it said something.
    RateLimit {
        code: "HALO_RATE_LIMIT",
        class: "HaloRateLimitError",
        retryable: true,
        statuses: [429],
        fields: [RetryAfterMs],
        sent: Yes,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\"); }\ncatch (error) { if (error instanceof HaloRateLimitError) await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 60_000)); }",
    }
    /// 503 (the practice could not be contacted) or 504 (no answer in time).
    /// `retryAfterMs` is what a 503's `Retry-After` said.
    Unavailable {
        code: "HALO_UNAVAILABLE",
        class: "HaloUnavailableError",
        retryable: true,
        statuses: [503, 504],
        fields: [RetryAfterMs],
        sent: Yes,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\"); }\ncatch (error) { if (error instanceof HaloUnavailableError) showBanner(\"The practice's server is offline; try again later\"); }",
    }
    /// The query reached the practice and failed there.
    QueryFailed {
        code: "HALO_QUERY_FAILED",
        class: "HaloQueryFailedError",
        retryable: false,
        statuses: [],
        fields: [QueryFailure],
        sent: Yes,
        example: "try { await client.immediateQuery(\"SELECT * FROM NoSuchTable\"); }\ncatch (error) { if (error instanceof HaloQueryFailedError) console.error(error.queryStatus, error.errorType, error.errorCode, error.errorMessage); }",
    }
    /// 400 or another 4xx the server rejected.
    BadRequest {
        code: "HALO_BAD_REQUEST",
        class: "HaloError",
        retryable: false,
        statuses: [400, 413],
        fields: [],
        sent: Yes,
        example: "",
    }
    /// 500, 502 and other 5xx.
    Server {
        code: "HALO_SERVER",
        class: "HaloError",
        retryable: true,
        statuses: [],
        fields: [],
        sent: Yes,
        example: "",
    }
    /// `fetch` failed: DNS, refused or dropped connection, CORS.
    Network {
        code: "HALO_NETWORK",
        class: "HaloNetworkError",
        retryable: true,
        statuses: [],
        fields: [],
        sent: Maybe,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\"); }\ncatch (error) { if (error instanceof HaloNetworkError) showBanner(\"Cannot reach Halo Cloud: check the connection\"); }",
    }
    /// An attempt, a token request or the whole call ran out of time.
    Timeout {
        code: "HALO_TIMEOUT",
        class: "HaloTimeoutError",
        retryable: true,
        statuses: [],
        fields: [],
        sent: Maybe,
        example: "try { await client.immediateQuery(\"SELECT * FROM Patients\", { timeoutMs: 15_000 }); }\ncatch (error) { if (error instanceof HaloTimeoutError) showBanner(\"The practice is slow to answer; try again later\"); }",
    }
    /// The server (or the host's `fetch`) answered with something the API
    /// does not document.
    Protocol {
        code: "HALO_PROTOCOL",
        class: "HaloError",
        retryable: false,
        statuses: [],
        fields: [],
        sent: Maybe,
        example: "",
    }
    /// A webhook request that must not be trusted; `reason` says which check failed.
    WebhookVerification {
        code: "HALO_WEBHOOK",
        class: "HaloWebhookError",
        retryable: false,
        statuses: [],
        fields: [Reason],
        sent: No,
        example: "try { hook = await verifyWebhook({ rawBody, headers: request.headers, secret }); }\ncatch (error) { if (error instanceof HaloWebhookError) return response.writeHead(401).end(); }",
    }
    /// The client was closed with `close()`; create a new one.
    Closed {
        code: "HALO_CLOSED",
        class: "HaloError",
        retryable: false,
        statuses: [],
        fields: [],
        sent: No,
        example: "",
    }
    /// A browser entry was used before `await init()`.
    NotInitialised {
        code: "HALO_NOT_INITIALISED",
        class: "HaloError",
        retryable: false,
        statuses: [],
        fields: [],
        sent: No,
        example: "",
    }
    /// `init()` could not load the wasm: the URL, the HTTP status and the
    /// content type it got are in the message (often an HTML page served
    /// in place of the file, or a CSP without `'wasm-unsafe-eval'`).
    Load {
        code: "HALO_LOAD",
        class: "HaloError",
        retryable: false,
        statuses: [],
        fields: [],
        sent: No,
        example: "",
    }
    /// The wasm instance trapped and can no longer be used: every call on it
    /// fails at once; load the page (or restart the process) again.
    Internal {
        code: "HALO_INTERNAL",
        class: "HaloError",
        retryable: false,
        statuses: [],
        fields: [],
        sent: Maybe,
        example: "",
    }
}

impl ErrorKind {
    /// The kind an HTTP error status means, before the body is read.
    pub fn of_status(status: u16) -> ErrorKind {
        if let Some(kind) = Self::ALL.iter().find(|k| k.statuses().contains(&status)) {
            return *kind;
        }
        match status {
            500..=599 => ErrorKind::Server,
            400..=499 => ErrorKind::BadRequest,
            _ => ErrorKind::Protocol,
        }
    }
}

/// Why a webhook delivery was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookRejection {
    /// A required header is missing, or `X-Halo-Id` disagrees with the payload.
    Headers,
    /// The signature is malformed or does not match.
    Signature,
    /// The timestamp is unreadable, too old or too far ahead.
    Timestamp,
    /// The notification id was seen before (decided by the shell's store).
    Replay,
    /// The body is not a valid notification.
    Payload,
}

impl WebhookRejection {
    /// Every reason, in documentation order.
    pub const ALL: [WebhookRejection; 5] = [
        WebhookRejection::Headers,
        WebhookRejection::Signature,
        WebhookRejection::Timestamp,
        WebhookRejection::Replay,
        WebhookRejection::Payload,
    ];

    /// The `reason` property's value.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookRejection::Headers => "headers",
            WebhookRejection::Signature => "signature",
            WebhookRejection::Timestamp => "timestamp",
            WebhookRejection::Replay => "replay",
            WebhookRejection::Payload => "payload",
        }
    }

    /// The error for this reason: `webhook rejected (<reason>): <detail>`.
    pub fn error(self, detail: &str) -> HaloError {
        let mut error = HaloError::new(
            ErrorKind::WebhookVerification,
            format!("webhook rejected ({}): {detail}", self.as_str()),
        );
        error.reason = Some(self);
        error
    }
}

/// What the practice's database or Halo Link said when a query failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryFailure {
    /// The query's terminal status, e.g. `executionFailed`.
    pub status: String,
    /// `http` | `mssql` | `fbsql` | `haloLink`, when the server said.
    pub error_type: Option<String>,
    /// The database's error number, when the server said.
    pub error_code: Option<i64>,
    /// The database's message, when the server said.
    pub error_message: Option<String>,
}

/// A failure of one call, with the fields its kind carries (read and set
/// through `Deref`). Boxed: every `Result` of the crate carries one, and a
/// pointer instead of about 60 bytes makes each `?` and each return smaller
/// (bench/README.md, "Size levers").
#[derive(Clone, PartialEq, Eq)]
pub struct HaloError(Box<HaloErrorFields>);

/// The fields of a [`HaloError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaloErrorFields {
    /// Which row of the error table this is.
    pub kind: ErrorKind,
    /// Says what failed and, where it helps, what to do; never a secret.
    pub message: String,
    /// The HTTP status, when Halo Cloud answered.
    pub status: Option<u16>,
    /// For validation errors: the option or argument at fault, e.g. `command.text`.
    pub field: Option<String>,
    /// How long the server asked us to wait (429, 503).
    pub retry_after_ms: Option<u64>,
    /// Boxed: rare, and it would make every `Result` in the crate large.
    pub query: Option<Box<QueryFailure>>,
    /// For webhook errors: which check failed.
    pub reason: Option<WebhookRejection>,
    /// Overrides the kind's retryable default for this one error: a token
    /// service that could not be reached may answer next time.
    pub retryable_override: Option<bool>,
    /// Whether Halo may have received the request; the kind's default
    /// until the transport or the call loop says.
    pub sent: Sent,
    /// For a streamed page that failed after yielding rows: how many.
    pub rows_received: Option<u64>,
}

impl HaloError {
    /// An error of `kind` with no extra fields.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(HaloErrorFields {
            kind,
            message: message.into(),
            status: None,
            field: None,
            retry_after_ms: None,
            query: None,
            reason: None,
            retryable_override: None,
            sent: kind.default_sent(),
            rows_received: None,
        }))
    }

    /// A `HaloValidationError` naming the option or argument at fault.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::Validation, message);
        error.field = Some(field.to_owned());
        error
    }

    /// The same error, recording the HTTP status the server answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The same error, saying whether Halo may have received the request.
    pub fn with_sent(mut self, sent: Sent) -> Self {
        self.sent = sent;
        self
    }

    /// Whether the same call, made again later, may succeed.
    pub fn retryable(&self) -> bool {
        self.retryable_override.unwrap_or(self.kind.retryable())
    }
}

impl std::ops::Deref for HaloError {
    type Target = HaloErrorFields;

    fn deref(&self) -> &HaloErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for HaloError {
    fn deref_mut(&mut self) -> &mut HaloErrorFields {
        &mut self.0
    }
}

impl fmt::Debug for HaloError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for HaloError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HaloError {}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod generate;

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the size lever: every `Result<_, HaloError>` of the crate
    /// carries one pointer, not the fields (bench/README.md, "Size levers").
    #[test]
    fn an_error_is_one_pointer() {
        use std::mem::size_of;
        assert_eq!(size_of::<HaloError>(), size_of::<usize>());
        assert_eq!(size_of::<Result<(), HaloError>>(), size_of::<usize>());
    }

    #[test]
    fn codes_and_class_names_are_unique_where_they_must_be() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        // A class serves one kind, except the generic `HaloError`.
        let mut classes: Vec<_> = ErrorKind::ALL
            .iter()
            .map(|k| k.class_name())
            .filter(|c| *c != "HaloError")
            .collect();
        let named = classes.len();
        classes.sort_unstable();
        classes.dedup();
        assert_eq!(classes.len(), named);
    }

    #[test]
    fn statuses_name_one_kind_each_and_ranges_fall_back() {
        let mut statuses: Vec<u16> = ErrorKind::ALL
            .iter()
            .flat_map(|k| k.statuses().iter().copied())
            .collect();
        let listed = statuses.len();
        statuses.sort_unstable();
        statuses.dedup();
        assert_eq!(statuses.len(), listed);
        assert_eq!(ErrorKind::of_status(401), ErrorKind::Auth);
        assert_eq!(ErrorKind::of_status(504), ErrorKind::Unavailable);
        assert_eq!(ErrorKind::of_status(502), ErrorKind::Server);
        assert_eq!(ErrorKind::of_status(418), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::of_status(302), ErrorKind::Protocol);
    }

    #[test]
    fn validation_errors_name_their_field_and_are_not_retryable() {
        let error = HaloError::validation("siteId", "siteId must be a Halo GUID");
        assert_eq!(error.field.as_deref(), Some("siteId"));
        assert!(!error.retryable());
        assert_eq!(error.kind.class_name(), "HaloValidationError");
    }

    #[test]
    fn webhook_errors_carry_their_reason_as_a_field() {
        for reason in WebhookRejection::ALL {
            let error = reason.error("detail");
            assert_eq!(error.reason, Some(reason));
            assert_eq!(error.kind.class_name(), "HaloWebhookError");
            // A forged or stale delivery stays forged when verified again.
            assert!(!error.retryable());
        }
    }
}
