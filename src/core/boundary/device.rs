//! The device client's side of the boundary: its options, what each method
//! takes last, and what each resolves with. Halo's own objects (the query,
//! the registered query) are described as the Desktop API documents them,
//! every field optional but the id where Halo may leave one out.

use crate::core::command::{ParameterDirection, SqlType};
use crate::core::config::ClientOptionsInput;
use crate::core::page_metadata::PageMetadata;
use crate::core::responses::ErrorDetails;
use std::collections::HashMap;
use ts_rs::TS;

/// What `getToken` receives: the ids your cloud needs to ask Halo for a
/// token, why it is asked, and a signal that aborts once no call wants the
/// token any more. A `getToken` that reads only `{ siteId, deviceId }` still works.
///
/// @example
/// async function getToken({ siteId, deviceId, reason, signal }: TokenRequest): Promise<IssuedToken> {
///   const response = await fetch("/api/halo-token", {
///     method: "POST",
///     headers: { "Content-Type": "application/json" },
///     body: JSON.stringify({ siteId, deviceId, reason }), // never in the URL
///     signal,
///   });
///   if (!response.ok) throw new Error(`token service answered HTTP ${response.status}`);
///   return response.json(); // { accessToken, expiresIn }
/// }
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct TokenRequest {
    pub site_id: String,
    pub device_id: String,
    /// `"rejected"`: Halo refused the current token, so a cached token must not come back.
    pub reason: crate::core::token::RenewalReason,
    /// Aborts when every call waiting for this token was aborted or passed
    /// its deadline, or when `getToken` has not settled within
    /// `tokenTimeoutMs`; the renewal's outcome is then ignored.
    #[ts(type = "AbortSignal")]
    pub signal: (),
}

/// The options of `new HaloDeviceClient(…)`: where Halo Cloud is, which
/// practice and device, and how to get a token; the rest tune timing and
/// observability.
///
/// @example
/// const options: HaloDeviceClientOptions = {
///   baseUrl: "http://127.0.0.1:4010", // the simulator; or environment: "stage"
///   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
///   deviceId: generateDeviceId(),
///   getToken, // POSTs { siteId, deviceId } to your cloud, as in TokenRequest's example
///   maxRetries: 2,
/// };
/// const client = new HaloDeviceClient(options);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloDeviceClientOptions {
    /// The plain-data options, which the core validates.
    #[ts(flatten)]
    pub options: ClientOptionsInput,
    /// Asks your cloud for a device token; called once per renewal, never concurrently.
    #[ts(type = "(request: TokenRequest) => Promise<IssuedToken> | IssuedToken")]
    pub get_token: (),
    /// Default `globalThis.fetch`; pass Electron's `net.fetch` or a test double.
    #[ts(optional, type = "FetchLike")]
    pub fetch: Option<()>,
    /// Observability hook; it never receives a token or a device id.
    #[ts(optional, type = "(event: HaloEvent) => void")]
    pub on_event: Option<()>,
    /// Share one token with the clients of this origin, site and device in
    /// other tabs and windows; off by default.
    #[ts(optional)]
    pub token_sharing: Option<TokenSharingOptions>,
    /// Opt-in: told of each async and registered query this client starts,
    /// before the start call returns, e.g. to report it to your cloud
    /// (`createQueryReportHandler` there) so that its result is delivered
    /// even if its webhook never comes. If it fails, the start call rejects
    /// with `HALO_UNAVAILABLE` naming the started query.
    #[ts(
        optional,
        type = "(query: { source: \"async\" | \"registered\"; siteId: string; queryId: string; startedAt: number }) => void | Promise<void>"
    )]
    pub on_query_started: Option<()>,
}

/// `tokenSharing`: clients of one origin, site and device — in other tabs,
/// windows or frames — share one device token instead of each renewing its
/// own. One of them renews (it holds a Web Lock, or without Web Locks a
/// lease from the oldest context) and the others adopt its token over a
/// `BroadcastChannel`; the token never goes to storage. It does not span
/// processes: Electron's main process and its renderers each renew their own.
///
/// @example
/// const client = new HaloDeviceClient({ environment: "stage", siteId, deviceId, getToken, tokenSharing: { channel: "my-app" } });
#[derive(TS)]
pub struct TokenSharingOptions {
    /// Your app's name for the group, 1–100 characters: clients with the
    /// same channel, site and device share a token.
    pub channel: String,
}

/// What every client method takes last: an `AbortSignal`, and a deadline
/// for the whole call, retries included.
///
/// @example
/// const controller = new AbortController();
/// const query = await client.getQuery(queryId, { signal: controller.signal, timeoutMs: 10_000 });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct CallOptions {
    #[ts(optional, type = "AbortSignal")]
    pub signal: Option<()>,
    /// Total time for the call, retries included.
    pub timeout_ms: Option<f64>,
}

/// Options of `immediateQuery`: the database to query and how long the
/// query may wait in Halo's queue, besides the `CallOptions`.
///
/// @example
/// const { rows } = await client.immediateQuery("SELECT * FROM Patients", { catalogue: "BPSPatients", maxTimeInQueueMs: 10_000 });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct ImmediateQueryOptions {
    #[ts(flatten)]
    pub call: CallOptions,
    /// The database on multi-database PMSs, e.g. `BPSPatients`.
    pub catalogue: Option<String>,
    /// 0–60 000 ms; Halo's default is 30 000.
    pub max_time_in_queue_ms: Option<f64>,
}

/// Options of `startAsyncQuery` and `asyncQuery`: the database to query and
/// how long the query may wait in Halo's queue, besides the `CallOptions`.
///
/// @example
/// const { id } = await client.startAsyncQuery("SELECT * FROM Appointments", { catalogue: "BPSPatients", maxTimeInQueueMs: 600_000 });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct AsyncQueryOptions {
    #[ts(flatten)]
    pub call: CallOptions,
    /// The database on multi-database PMSs, e.g. `BPSPatients`.
    pub catalogue: Option<String>,
    /// 0–7 200 000 ms; Halo's default is 3 600 000.
    pub max_time_in_queue_ms: Option<f64>,
}

/// How `waitForQuery` (and so `resultPages`, `asyncQuery` and the
/// integrator's `waitForQueries`) polls: the first wait is
/// `pollIntervalMs`, each next one 1.5 times longer up to
/// `maxPollIntervalMs`, each shortened at random by up to 20 % so clients
/// do not poll in step; the last wait is cut short so the final poll starts
/// at the deadline, and the wait then rejects with `HaloTimeoutError`.
///
/// @example
/// const query = await client.waitForQuery(queryId, {
///   pollIntervalMs: 500,
///   maxPollIntervalMs: 10_000,
///   timeoutMs: 10 * 60_000,
///   onProgress: (query) => console.log(query.status), // "queued", "executing", …
/// });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct WaitOptions {
    #[ts(optional, type = "AbortSignal")]
    pub signal: Option<()>,
    /// The first wait between polls: 10 ms to 10 min, default 1 000 ms.
    pub poll_interval_ms: Option<f64>,
    /// The longest wait between polls: up to 10 min, default 30 000 ms
    /// (or `pollIntervalMs`, if that is longer).
    pub max_poll_interval_ms: Option<f64>,
    /// How long to wait for a terminal state; default 2 h 5 min.
    pub timeout_ms: Option<f64>,
    /// Called with the query object each time a poll finds a status it did
    /// not find before (so once per change, in order; never for a query
    /// Halo does not know). Its return value is ignored, and if it throws
    /// the error is swallowed and the wait goes on, as with `onEvent`.
    #[ts(optional, type = "(query: HaloQuery) => void")]
    pub on_progress: Option<()>,
}

/// Options of `resultPages`: the `WaitOptions`, and the page to start from.
///
/// @example
/// // Resume after a crash that happened while page 4 was being processed.
/// for await (const page of client.resultPages(queryId, { startPage: 4 })) await store(page.rows);
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct ResultPagesOptions {
    #[ts(flatten)]
    pub wait: WaitOptions,
    /// The first page to read: a whole number from 1 (default 1). The pages
    /// before it are skipped; past the last page nothing is yielded.
    pub start_page: Option<f64>,
}

/// How `fhirSearch` sends the search.
#[derive(TS)]
#[ts(rename_all = "UPPERCASE")]
pub enum FhirSearchMethod {
    Post,
    Get,
}

/// Options of `fhirSearch`: the HTTP method, besides the `CallOptions`.
///
/// @example
/// const bundle = await client.fhirSearch("Practitioner", { family: "Connor" }, { method: "GET", timeoutMs: 15_000 });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct FhirSearchOptions {
    #[ts(flatten)]
    pub call: CallOptions,
    /// `POST` to `_search` with a form body (default: search parameters carry PII), or `GET`.
    #[ts(inline)]
    pub method: Option<FhirSearchMethod>,
}

/// One result row: column name → value, as decoded from Halo's JSON. Query
/// methods take a row type parameter for typed rows.
///
/// @example
/// interface Patient { InternalID: number; Surname: string }
/// const { rows } = await client.immediateQuery<Patient>("SELECT InternalID, Surname FROM Patients");
/// rows[0]?.Surname; // "Smith"
#[derive(TS)]
#[ts(type = "Record<string, unknown>")]
pub struct Row;

/// The `result` of a query object as Halo sends it: counts, size, the
/// base64 `data` and the returned parameters. The client's query methods
/// decode `data` for you; `decodeRows` does it by hand.
///
/// @example
/// const query = await client.waitForQuery(queryId);
/// console.log(`${query.result?.rows ?? 0} rows, ${query.result?.size ?? 0} bytes`);
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct QueryResultInfo {
    pub rows: Option<u64>,
    pub rows_affected: Option<u64>,
    pub size: Option<u64>,
    #[ts(optional = nullable)]
    pub data: Option<String>,
    #[ts(optional = nullable)]
    pub parameters: Option<Vec<ReturnedParameter>>,
}

/// A parameter as Halo returns it with a result; its value is still a string.
///
/// @example
/// const { parameters } = await client.getResultPage(queryId, 1);
/// for (const { name, direction, value } of parameters) console.log(name, direction, value);
#[derive(TS)]
#[ts(optional_fields)]
pub struct ReturnedParameter {
    #[ts(optional = false)]
    pub name: String,
    pub direction: Option<ParameterDirection>,
    #[ts(rename = "type")]
    pub sql_type: Option<SqlType>,
    #[ts(optional = nullable)]
    pub value: Option<String>,
    pub size: Option<u64>,
}

/// Where a result page is on its way to being downloadable.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub enum PageStatus {
    Queued,
    Uploading,
    Cached,
}

/// Which rows a result page holds.
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct PageRows {
    pub count: Option<u64>,
    pub range_start: Option<u64>,
    pub range_end: Option<u64>,
}

/// One page of an async query's result, as listed in `result.pages`.
///
/// @example
/// const query = await client.waitForQuery(queryId);
/// for (const page of query.result?.pages ?? []) console.log(page.pageNumber, page.status, page.rows?.count);
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct ResultPageInfo {
    #[ts(optional = false)]
    pub page_number: u32,
    #[ts(inline)]
    pub status: Option<PageStatus>,
    pub size: Option<u64>,
    #[ts(inline)]
    pub rows: Option<PageRows>,
}

/// How a query was started.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub enum QueryMode {
    Immediate,
    Async,
}

/// When a query entered and left one status.
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct StatusTime {
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// How long the database took.
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct QueryMetrics {
    pub sql_execution_duration: Option<f64>,
}

/// A query's `result`: the counts and data, and, for async queries, the pages.
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct HaloQueryResult {
    #[ts(flatten)]
    pub info: QueryResultInfo,
    pub pages: Option<Vec<ResultPageInfo>>,
}

/// One query's answer in `getQueryStatuses`: `"found"` with the query
/// object, or `"notFound"` (an id Halo does not know for this site).
///
/// @example
/// for (const entry of await site.getQueryStatuses([first, second])) {
///   if (entry.status === "found") console.log(entry.queryId, entry.query.status);
///   else console.log(entry.queryId, "not found");
/// }
#[derive(TS)]
#[ts(tag = "status", rename_all = "camelCase")]
pub enum QueryStatusResult {
    Found {
        #[ts(rename = "queryId")]
        query_id: String,
        // Boxed: the boundary types are never built, only rendered, but
        // clippy weighs the variants all the same.
        query: Box<HaloQuery>,
    },
    NotFound {
        #[ts(rename = "queryId")]
        query_id: String,
    },
}

/// The query object Halo returns (the `result.data` blob is decoded into `rows`).
///
/// @example
/// const query = await client.getQuery(queryId);
/// if (query.status === "successful") console.log(`done at ${query.completedAt}: ${query.result?.rows} rows`);
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct HaloQuery {
    #[ts(optional = false)]
    pub id: String,
    pub integrator_id: Option<String>,
    pub site_id: Option<String>,
    #[ts(inline)]
    pub mode: Option<QueryMode>,
    #[ts(optional = false)]
    pub status: String,
    pub max_time_in_queue: Option<f64>,
    pub command_size: Option<u64>,
    pub request_size: Option<u64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub completed_at: Option<String>,
    pub result_size: Option<u64>,
    #[ts(inline)]
    pub status_timing: Option<HashMap<String, StatusTime>>,
    #[ts(inline)]
    pub metrics: Option<QueryMetrics>,
    #[ts(inline)]
    pub result: Option<HaloQueryResult>,
    #[ts(inline)]
    pub error_details: Option<ErrorDetails>,
}

/// One decoded page of an async query's result, from `getResultPage` or
/// `resultPages`.
///
/// @example
/// const { pageNumber, rows, parameters } = await client.getResultPage(queryId, 1);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct ResultPage<R = Row> {
    pub page_number: u32,
    pub rows: Vec<R>,
    pub parameters: Vec<ReturnedParameter>,
    /// What Halo's response headers said about the page, when it sent them.
    #[ts(optional)]
    pub metadata: Option<PageMetadata>,
}

/// What `createRegisteredQuery` takes: a label, the SQL, and how often and
/// for how long Halo runs it.
///
/// @example
/// const registration: RegisteredQueryRegistration = {
///   name: "appointments-today",
///   command: "SELECT * FROM Appointments WHERE Status = 'Booked'",
///   frequencySeconds: 300,
///   durationSeconds: 8 * 3600,
/// };
/// const { id } = await client.createRegisteredQuery(registration);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct RegisteredQueryRegistration {
    /// A label for the registration.
    pub name: String,
    #[ts(type = "string | SqlCommand")]
    pub command: (),
    /// How often Halo runs it: at least 60 s.
    pub frequency_seconds: f64,
    /// For how long: at most 86 400 s (24 h).
    pub duration_seconds: f64,
}

/// Where a registered query is in its life.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub enum RegisteredQueryStatus {
    InitialisationFailedCacheError,
    Enabled,
    Cancelled,
    Completed,
}

/// How a registered query's runs went.
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields = nullable)]
pub struct RegisteredQueryMetrics {
    pub last_succeeded_at: Option<String>,
    pub last_failed_at: Option<String>,
    pub last_execution_duration: Option<f64>,
    #[ts(optional)]
    pub execution_succeeded_count: Option<u64>,
    #[ts(optional)]
    pub execution_failed_count: Option<u64>,
    #[ts(optional)]
    pub result_size_sum: Option<u64>,
    #[ts(optional)]
    pub request_size: Option<u64>,
}

/// A registered query as Halo reports it: its status, schedule and
/// execution metrics.
///
/// @example
/// const registered = await client.getRegisteredQuery(id);
/// if (registered.status === "enabled") console.log(`last ran ${registered.metrics?.lastSucceededAt}`);
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct RegisteredQuery {
    #[ts(optional = false)]
    pub id: String,
    pub name: Option<String>,
    #[ts(inline)]
    pub status: Option<RegisteredQueryStatus>,
    pub frequency: Option<f64>,
    pub duration: Option<f64>,
    pub created_at: Option<String>,
    #[ts(optional = nullable)]
    pub completed_at: Option<String>,
    /// A hash of the last good result; results upload only when it changes.
    #[ts(optional = nullable)]
    pub last_hash: Option<String>,
    #[ts(optional = nullable, inline)]
    pub last_error_details: Option<ErrorDetails>,
    #[ts(inline)]
    pub metrics: Option<RegisteredQueryMetrics>,
}

/// The latest result of a registered query, decoded, from
/// `getRegisteredQueryResult`.
///
/// @example
/// const { rows, rowCount } = await client.getRegisteredQueryResult(id);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct RegisteredQueryResult<R = Row> {
    pub rows: Vec<R>,
    pub row_count: u64,
    #[ts(optional)]
    pub size: Option<u64>,
    pub parameters: Vec<ReturnedParameter>,
}

/// What `immediateQuery` and `asyncQuery` resolve with: the decoded rows,
/// the counts, the scalar and output parameters, and Halo's query object.
///
/// @example
/// const { queryId, rows, rowCount } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
/// const { scalar } = await client.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct QueryResult<R = Row> {
    pub query_id: String,
    /// The decoded rows (`[]` for `nonQuery`).
    pub rows: Vec<R>,
    pub row_count: u64,
    /// For `nonQuery` commands.
    #[ts(optional)]
    pub rows_affected: Option<u64>,
    /// For `scalar` commands: the first column of the first row.
    #[ts(optional, type = "unknown")]
    pub scalar: Option<()>,
    /// Output, input-output and return-value parameters by name, as Halo sent them.
    #[ts(type = "Record<string, string | null>")]
    pub output_parameters: HashMap<String, Option<String>>,
    pub query: HaloQuery,
}
