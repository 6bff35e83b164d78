/**
 * The 32 SQL Server types the SQL Passthrough API documents for parameters.
 *
 * @example
 * const surname: SqlParameter = { name: "@surname", type: "NVarChar", value: "Smith", size: 100 };
 * const born: SqlParameter = { name: "@born", type: "Date", value: "1970-03-14" };
 */
export type SqlType =
  | "BigInt" | "Binary" | "Bit" | "Char" | "String" | "Date" | "DateTime" | "DateTime2"
  | "DateTimeOffset" | "Decimal" | "Float" | "Image" | "Int" | "Money" | "NChar" | "NText"
  | "NVarChar" | "Real" | "SmallDateTime" | "SmallInt" | "SmallMoney" | "Structured" | "Text" | "Time"
  | "Timestamp" | "TinyInt" | "Udt" | "UniqueIdentifier" | "VarBinary" | "VarChar" | "Variant" | "Xml";

/**
 * `reader` returns rows; `nonQuery` returns `rowsAffected`; `scalar` the first column of the first row.
 *
 * @example
 * const { scalar } = await client.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
 * const { rowsAffected } = await client.immediateQuery({
 *   text: "UPDATE Patients SET Phone = @phone WHERE InternalID = @id",
 *   executionMode: "nonQuery",
 *   parameters: [{ name: "@phone", type: "VarChar", value: "0412 345 699" }, { name: "@id", type: "Int", value: "1" }],
 * });
 */
export type ExecutionMode = "reader" | "nonQuery" | "scalar";

/**
 * Which way a parameter's value travels: `input` (the default) into the
 * command; `output`, `inputOutput` and `returnValue` come back in the
 * result's `outputParameters`, as strings.
 *
 * @example
 * const { outputParameters } = await client.immediateQuery({
 *   text: "SELECT @total = COUNT(*) FROM Patients",
 *   executionMode: "nonQuery",
 *   parameters: [{ name: "@total", direction: "output", type: "Int" }],
 * });
 * const total = Number(outputParameters["@total"]);
 */
export type ParameterDirection = "input" | "output" | "inputOutput" | "returnValue";

/**
 * A parameter of a SQL command: its name as written in the SQL, its SQL
 * Server type, and its value as a string.
 *
 * @example
 * const patientId: SqlParameter = { name: "@patientId", type: "Int", value: "1" };
 * await client.immediateQuery({ text: "SELECT * FROM Patients WHERE InternalID = @patientId", parameters: [patientId] });
 */
export interface SqlParameter {
  /** As written in the SQL, e.g. `@patientId`. */
  name: string;
  /** Default `input`. */
  direction?: ParameterDirection;
  type: SqlType;
  /** Values travel as strings, e.g. `"42"` for an `Int`. */
  value?: string | null;
  /** Maximum size in bytes. */
  size?: number;
}

/**
 * A SQL command exactly as the API names its fields. Wherever a command is
 * taken, a plain string is short for `{ text }` (a `reader` query).
 *
 * @example
 * const command: SqlCommand = {
 *   text: "SELECT Firstname, Surname FROM Patients WHERE Postcode = @postcode",
 *   parameters: [{ name: "@postcode", type: "VarChar", value: "2042", size: 4 }],
 * };
 * const { rows } = await client.immediateQuery(command, { catalogue: "BPSPatients" });
 */
export interface SqlCommand {
  text: string;
  /** Default `reader`. */
  executionMode?: ExecutionMode;
  /** Default `text`; `storedProcedure` is experimental in Halo. */
  type?: "text" | "storedProcedure";
  parameters?: SqlParameter[];
}

/**
 * What `getToken` receives: the ids your cloud needs to ask Halo for a token.
 *
 * @example
 * async function getToken({ siteId, deviceId }: TokenRequest): Promise<IssuedToken> {
 *   const response = await fetch("/api/halo-token", { method: "POST", body: JSON.stringify({ siteId, deviceId }) });
 *   return response.json(); // { accessToken, expiresIn }
 * }
 */
export interface TokenRequest {
  siteId: string;
  deviceId: string;
}

/**
 * What `getToken` must resolve with: the token endpoint's fields, camel-cased.
 *
 * @example
 * // In your cloud, with `HaloIntegratorClient` from "halo-device/integrator":
 * const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId, deviceId });
 * const issued: IssuedToken = { accessToken, expiresIn }; // send this back to the device
 */
export interface IssuedToken {
  accessToken: string;
  /** Seconds, as in the token endpoint's `expires_in`. */
  expiresIn: number;
}

/**
 * The `fetch` a client sends its requests with: `globalThis.fetch` unless
 * you pass another with the same shape, such as Electron's `net.fetch`.
 *
 * @example
 * import { net } from "electron";
 * const client = new HaloDeviceClient({ environment: "production", siteId, deviceId, getToken, fetch: (url, init) => net.fetch(url, init) });
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Emitted before each attempt of a request (`attempt` counts from 1).
 *
 * @example
 * const onEvent = (event: HaloEvent) => {
 *   if (event.type === "request") console.debug(`${event.method} ${event.path} (attempt ${event.attempt})`);
 * };
 */
export interface HaloRequestEvent {
  type: "request";
  method: string;
  /** The path only; it names the site, never a token or device id. */
  path: string;
  attempt: number;
}

/**
 * Emitted when an attempt gets an HTTP answer, successful or not, with how
 * long it took.
 *
 * @example
 * const onEvent = (event: HaloEvent) => {
 *   if (event.type === "response") console.debug(`${event.method} ${event.path} -> ${event.status} in ${event.durationMs} ms`);
 * };
 */
export interface HaloResponseEvent {
  type: "response";
  method: string;
  path: string;
  status: number;
  attempt: number;
  durationMs: number;
}

/**
 * Emitted when a failed attempt will be retried, after `delayMs`.
 *
 * @example
 * const onEvent = (event: HaloEvent) => {
 *   if (event.type === "retry") console.warn(`retrying ${event.path} in ${event.delayMs} ms (attempt ${event.attempt} failed)`);
 * };
 */
export interface HaloRetryEvent {
  type: "retry";
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
}

/**
 * Emitted when `getToken` supplied a new token: how many so far, how long
 * it lasts, and how long `getToken` took.
 *
 * @example
 * const onEvent = (event: HaloEvent) => {
 *   if (event.type === "tokenRenewed") console.info(`token #${event.renewals}, valid ${Math.round(event.expiresInMs / 1000)} s`);
 * };
 */
export interface HaloTokenRenewedEvent {
  type: "tokenRenewed";
  renewals: number;
  expiresInMs: number;
  durationMs: number;
}

/**
 * Emitted when getting a token failed; `code` is the error's code, e.g.
 * `HALO_AUTH` or `HALO_TIMEOUT`. Calls waiting for the token reject with
 * that error.
 *
 * @example
 * const onEvent = (event: HaloEvent) => {
 *   if (event.type === "tokenRenewalFailed") console.error(`token renewal failed (${event.code}) after ${event.durationMs} ms`);
 * };
 */
export interface HaloTokenRenewalFailedEvent {
  type: "tokenRenewalFailed";
  code: string;
  durationMs: number;
}

/**
 * What `onEvent` receives, told apart by `type`: a request attempt, its
 * response, a retry, or a token renewal that succeeded or failed. No event
 * carries a token or a device id.
 *
 * @example
 * const client = new HaloDeviceClient({
 *   environment: "stage", siteId, deviceId, getToken,
 *   onEvent: (event: HaloEvent) => {
 *     if (event.type === "response" && event.status >= 500) console.warn(`${event.path}: ${event.status}`);
 *     if (event.type === "tokenRenewalFailed") console.error(`token renewal failed: ${event.code}`);
 *   },
 * });
 */
export type HaloEvent =
  | HaloRequestEvent
  | HaloResponseEvent
  | HaloRetryEvent
  | HaloTokenRenewedEvent
  | HaloTokenRenewalFailedEvent;

/**
 * The options of `new HaloDeviceClient(…)`: where Halo Cloud is, which
 * practice and device, and how to get a token; the rest tune timing and
 * observability.
 *
 * @example
 * const options: HaloDeviceClientOptions = {
 *   baseUrl: "http://127.0.0.1:4010", // the simulator; or environment: "stage"
 *   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
 *   deviceId: generateDeviceId(),
 *   getToken: async ({ siteId, deviceId }) => (await fetch(`/api/halo-token?site=${siteId}&device=${deviceId}`)).json(),
 *   maxRetries: 2,
 * };
 * const client = new HaloDeviceClient(options);
 */
export interface HaloDeviceClientOptions {
  /** `production` or `stage`; or give `baseUrl` instead (one of the two is required). */
  environment?: "production" | "stage";
  /** E.g. a local simulator: `http://127.0.0.1:4010`. */
  baseUrl?: string;
  /** The segment before `/sites/…`; default `/desktop` (Desktop API v26). */
  pathPrefix?: string;
  /** The practice database's Halo GUID. */
  siteId: string;
  /** Your id for this device; use `generateDeviceId()` for a new one. */
  deviceId: string;
  /** Accept all-digit or short device ids (refused by default as guessable). */
  allowWeakDeviceId?: boolean;
  /** Asks your cloud for a device token; called once per renewal, never concurrently. */
  getToken: (request: TokenRequest) => Promise<IssuedToken> | IssuedToken;
  /** Default `globalThis.fetch`; pass Electron's `net.fetch` or a test double. */
  fetch?: FetchLike;
  /** Observability hook; it never receives a token or a device id. */
  onEvent?: (event: HaloEvent) => void;
  /** Renew this long before expiry; default min(300 000, lifetime / 10). */
  renewMarginMs?: number;
  /** Per-attempt timeout; default 65 000 ms (Halo's immediate limit is 60 s). */
  attemptTimeoutMs?: number;
  /** How long `getToken` may take; default 30 000 ms. */
  tokenTimeoutMs?: number;
  /** Retries after the first attempt for retryable failures; default 3. */
  maxRetries?: number;
}

/**
 * What every client method takes last: an `AbortSignal`, and a deadline
 * for the whole call, retries included.
 *
 * @example
 * const controller = new AbortController();
 * const query = await client.getQuery(queryId, { signal: controller.signal, timeoutMs: 10_000 });
 */
export interface CallOptions {
  signal?: AbortSignal;
  /** Total time for the call, retries included. */
  timeoutMs?: number;
}

/**
 * Options of `immediateQuery`: the database to query and how long the
 * query may wait in Halo's queue, besides the `CallOptions`.
 *
 * @example
 * const { rows } = await client.immediateQuery("SELECT * FROM Patients", { catalogue: "BPSPatients", maxTimeInQueueMs: 10_000 });
 */
export interface ImmediateQueryOptions extends CallOptions {
  /** The database on multi-database PMSs, e.g. `BPSPatients`. */
  catalogue?: string;
  /** 0–60 000 ms; Halo's default is 30 000. */
  maxTimeInQueueMs?: number;
}

/**
 * Options of `startAsyncQuery` and `asyncQuery`: the database to query and
 * how long the query may wait in Halo's queue, besides the `CallOptions`.
 *
 * @example
 * const { id } = await client.startAsyncQuery("SELECT * FROM Appointments", { catalogue: "BPSPatients", maxTimeInQueueMs: 600_000 });
 */
export interface AsyncQueryOptions extends CallOptions {
  /** The database on multi-database PMSs, e.g. `BPSPatients`. */
  catalogue?: string;
  /** 0–7 200 000 ms; Halo's default is 3 600 000. */
  maxTimeInQueueMs?: number;
}

/**
 * How `waitForQuery` (and so `resultPages` and `asyncQuery`) polls: how
 * often, for how long at most, and a signal to stop it.
 *
 * @example
 * const query = await client.waitForQuery(queryId, { pollIntervalMs: 2_000, timeoutMs: 10 * 60_000 });
 */
export interface WaitOptions {
  signal?: AbortSignal;
  /** Default 1 000 ms. */
  pollIntervalMs?: number;
  /** How long to wait for a terminal state; default 2 h 5 min. */
  timeoutMs?: number;
}

/**
 * Options of `fhirSearch`: the HTTP method, besides the `CallOptions`.
 *
 * @example
 * const bundle = await client.fhirSearch("Practitioner", { family: "Connor" }, { method: "GET", timeoutMs: 15_000 });
 */
export interface FhirSearchOptions extends CallOptions {
  /** `POST` to `_search` with a form body (default: search parameters carry PII), or `GET`. */
  method?: "POST" | "GET";
}

/**
 * One result row: column name → value, as decoded from Halo's JSON. Query
 * methods take a row type parameter for typed rows.
 *
 * @example
 * type Patient = { InternalID: number; Surname: string };
 * const { rows } = await client.immediateQuery<Patient>("SELECT InternalID, Surname FROM Patients");
 * rows[0]?.Surname; // "Smith"
 */
export type Row = Record<string, unknown>;

/**
 * The `result` of a query object as Halo sends it: counts, size, the
 * base64 `data` and the returned parameters. The client's query methods
 * decode `data` for you; `decodeRows` does it by hand.
 *
 * @example
 * const query = await client.waitForQuery(queryId);
 * console.log(`${query.result?.rows ?? 0} rows, ${query.result?.size ?? 0} bytes`);
 */
export interface QueryResultInfo {
  rows?: number;
  rowsAffected?: number;
  size?: number;
  data?: string | null;
  parameters?: ReturnedParameter[] | null;
}

/**
 * A parameter as Halo returns it with a result; its value is still a string.
 *
 * @example
 * const { parameters } = await client.getResultPage(queryId, 1);
 * for (const { name, direction, value } of parameters) console.log(name, direction, value);
 */
export interface ReturnedParameter {
  name: string;
  direction?: ParameterDirection;
  type?: SqlType;
  value?: string | null;
  size?: number;
}

/**
 * One page of an async query's result, as listed in `result.pages`.
 *
 * @example
 * const query = await client.waitForQuery(queryId);
 * for (const page of query.result?.pages ?? []) console.log(page.pageNumber, page.status, page.rows?.count);
 */
export interface ResultPageInfo {
  pageNumber: number;
  status?: "queued" | "uploading" | "cached";
  size?: number;
  rows?: { count?: number; rangeStart?: number; rangeEnd?: number };
}

/**
 * The query object Halo returns (the `result.data` blob is decoded into `rows`).
 *
 * @example
 * const query = await client.getQuery(queryId);
 * if (query.status === "successful") console.log(`done at ${query.completedAt}: ${query.result?.rows} rows`);
 */
export interface HaloQuery {
  id: string;
  integratorId?: string;
  siteId?: string;
  mode?: "immediate" | "async";
  status: string;
  maxTimeInQueue?: number;
  commandSize?: number;
  requestSize?: number;
  createdAt?: string;
  updatedAt?: string;
  completedAt?: string;
  resultSize?: number;
  statusTiming?: Record<string, { startTime?: string; endTime?: string }>;
  metrics?: { sqlExecutionDuration?: number };
  result?: QueryResultInfo & { pages?: ResultPageInfo[] };
  errorDetails?: { errorType?: string; errorCode?: number; errorMessage?: string };
}

/**
 * One decoded page of an async query's result, from `getResultPage` or
 * `resultPages`.
 *
 * @example
 * const { pageNumber, rows, parameters } = await client.getResultPage(queryId, 1);
 */
export interface ResultPage<R extends Row = Row> {
  pageNumber: number;
  rows: R[];
  parameters: ReturnedParameter[];
}

/**
 * What `createRegisteredQuery` takes: a label, the SQL, and how often and
 * for how long Halo runs it.
 *
 * @example
 * const registration: RegisteredQueryRegistration = {
 *   name: "appointments-today",
 *   command: "SELECT * FROM Appointments WHERE Status = 'Booked'",
 *   frequencySeconds: 300,
 *   durationSeconds: 8 * 3600,
 * };
 * const { id } = await client.createRegisteredQuery(registration);
 */
export interface RegisteredQueryRegistration {
  /** A label for the registration. */
  name: string;
  command: string | SqlCommand;
  /** How often Halo runs it: at least 60 s. */
  frequencySeconds: number;
  /** For how long: at most 86 400 s (24 h). */
  durationSeconds: number;
}

/**
 * A registered query as Halo reports it: its status, schedule and
 * execution metrics.
 *
 * @example
 * const registered = await client.getRegisteredQuery(id);
 * if (registered.status === "enabled") console.log(`last ran ${registered.metrics?.lastSucceededAt}`);
 */
export interface RegisteredQuery {
  id: string;
  name?: string;
  status?: "initialisationFailedCacheError" | "enabled" | "cancelled" | "completed";
  frequency?: number;
  duration?: number;
  createdAt?: string;
  completedAt?: string | null;
  /** A hash of the last good result; results upload only when it changes. */
  lastHash?: string | null;
  lastErrorDetails?: { errorType?: string; errorCode?: number; errorMessage?: string } | null;
  metrics?: {
    lastSucceededAt?: string | null;
    lastFailedAt?: string | null;
    lastExecutionDuration?: number | null;
    executionSucceededCount?: number;
    executionFailedCount?: number;
    resultSizeSum?: number;
    requestSize?: number;
  };
}

/**
 * The latest result of a registered query, decoded, from
 * `getRegisteredQueryResult`.
 *
 * @example
 * const { rows, rowCount } = await client.getRegisteredQueryResult(id);
 */
export interface RegisteredQueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
  size?: number;
  parameters: ReturnedParameter[];
}

/**
 * Any FHIR resource; narrow it with your own FHIR types.
 *
 * @example
 * interface Patient extends FhirResource { resourceType: "Patient"; birthDate?: string }
 * const patient = await client.fhirRead<Patient>("Patient", "1");
 */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/**
 * A FHIR `Bundle`, as `fhirSearch` resolves with: the matching resources
 * are in `entry[].resource`.
 *
 * @example
 * const bundle = await client.fhirSearch("Patient", { family: "Smith" });
 * const patients = (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
 */
export interface FhirBundle<T extends FhirResource = FhirResource> extends FhirResource {
  resourceType: "Bundle";
  type?: string;
  total?: number;
  entry?: Array<{ fullUrl?: string; resource?: T; search?: { mode?: string } }>;
}

/**
 * Search parameters: an object (arrays repeat a name), `URLSearchParams`, or pairs.
 *
 * @example
 * await client.fhirSearch("Patient", { family: "Smith", gender: "male" });
 * await client.fhirSearch("Patient", { birthdate: ["ge1970-01-01", "lt1980-01-01"] });
 * await client.fhirSearch("Patient", new URLSearchParams("given=Jane"));
 * await client.fhirSearch("Patient", [["identifier", "2123456701"]]);
 */
export type FhirSearchParams =
  | Record<string, string | number | ReadonlyArray<string | number>>
  | URLSearchParams
  | ReadonlyArray<readonly [string, string]>;

/**
 * What `immediateQuery` and `asyncQuery` resolve with: the decoded rows,
 * the counts, the scalar and output parameters, and Halo's query object.
 *
 * @example
 * const { queryId, rows, rowCount } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
 * const { scalar } = await client.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
 */
export interface QueryResult<R extends Row = Row> {
  queryId: string;
  /** The decoded rows (`[]` for `nonQuery`). */
  rows: R[];
  rowCount: number;
  /** For `nonQuery` commands. */
  rowsAffected?: number;
  /** For `scalar` commands: the first column of the first row. */
  scalar?: unknown;
  /** Output, input-output and return-value parameters by name, as Halo sent them. */
  outputParameters: Record<string, string | null>;
  query: HaloQuery;
}

/**
 * The state of the client's device token, from `tokenInfo()`; never the
 * token itself.
 *
 * @example
 * const { hasToken, expiresAt, renewals } = client.tokenInfo();
 * if (hasToken) console.log(`token #${renewals} expires about ${expiresAt?.toISOString()}`);
 */
export interface TokenInfo {
  hasToken: boolean;
  /** A wall-clock estimate of when the current token expires. */
  expiresAt: Date | null;
  /** How many tokens `getToken` has supplied so far. */
  renewals: number;
}
