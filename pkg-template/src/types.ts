/** The 32 SQL Server types the SQL Passthrough API documents for parameters. */
export type SqlType =
  | "BigInt" | "Binary" | "Bit" | "Char" | "String" | "Date" | "DateTime" | "DateTime2"
  | "DateTimeOffset" | "Decimal" | "Float" | "Image" | "Int" | "Money" | "NChar" | "NText"
  | "NVarChar" | "Real" | "SmallDateTime" | "SmallInt" | "SmallMoney" | "Structured" | "Text" | "Time"
  | "Timestamp" | "TinyInt" | "Udt" | "UniqueIdentifier" | "VarBinary" | "VarChar" | "Variant" | "Xml";

/** `reader` returns rows; `nonQuery` returns `rowsAffected`; `scalar` the first column of the first row. */
export type ExecutionMode = "reader" | "nonQuery" | "scalar";

export type ParameterDirection = "input" | "output" | "inputOutput" | "returnValue";

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

/** A SQL command exactly as the API names its fields. */
export interface SqlCommand {
  text: string;
  /** Default `reader`. */
  executionMode?: ExecutionMode;
  /** Default `text`; `storedProcedure` is experimental in Halo. */
  type?: "text" | "storedProcedure";
  parameters?: SqlParameter[];
}

/** What `getToken` receives: the ids your cloud needs to ask Halo for a token. */
export interface TokenRequest {
  siteId: string;
  deviceId: string;
}

/** What `getToken` must resolve with: the token endpoint's fields, camel-cased. */
export interface IssuedToken {
  accessToken: string;
  /** Seconds, as in the token endpoint's `expires_in`. */
  expiresIn: number;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HaloRequestEvent {
  type: "request";
  method: string;
  /** The path only; it names the site, never a token or device id. */
  path: string;
  attempt: number;
}

export interface HaloResponseEvent {
  type: "response";
  method: string;
  path: string;
  status: number;
  attempt: number;
  durationMs: number;
}

export interface HaloRetryEvent {
  type: "retry";
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
}

export interface HaloTokenRenewedEvent {
  type: "tokenRenewed";
  renewals: number;
  expiresInMs: number;
  durationMs: number;
}

export interface HaloTokenRenewalFailedEvent {
  type: "tokenRenewalFailed";
  code: string;
  durationMs: number;
}

export type HaloEvent =
  | HaloRequestEvent
  | HaloResponseEvent
  | HaloRetryEvent
  | HaloTokenRenewedEvent
  | HaloTokenRenewalFailedEvent;

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

export interface CallOptions {
  signal?: AbortSignal;
  /** Total time for the call, retries included. */
  timeoutMs?: number;
}

export interface ImmediateQueryOptions extends CallOptions {
  /** The database on multi-database PMSs, e.g. `BPSPatients`. */
  catalogue?: string;
  /** 0–60 000 ms; Halo's default is 30 000. */
  maxTimeInQueueMs?: number;
}

export interface AsyncQueryOptions extends CallOptions {
  catalogue?: string;
  /** 0–7 200 000 ms; Halo's default is 3 600 000. */
  maxTimeInQueueMs?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Default 1 000 ms. */
  pollIntervalMs?: number;
  /** How long to wait for a terminal state; default 2 h 5 min. */
  timeoutMs?: number;
}

export interface FhirSearchOptions extends CallOptions {
  /** `POST` to `_search` with a form body (default: search parameters carry PII), or `GET`. */
  method?: "POST" | "GET";
}

export type Row = Record<string, unknown>;

export interface QueryResultInfo {
  rows?: number;
  rowsAffected?: number;
  size?: number;
  data?: string | null;
  parameters?: ReturnedParameter[] | null;
}

export interface ReturnedParameter {
  name: string;
  direction?: ParameterDirection;
  type?: SqlType;
  value?: string | null;
  size?: number;
}

/** One page of an async query's result, as listed in `result.pages`. */
export interface ResultPageInfo {
  pageNumber: number;
  status?: "queued" | "uploading" | "cached";
  size?: number;
  rows?: { count?: number; rangeStart?: number; rangeEnd?: number };
}

/** The query object Halo returns (the `result.data` blob is decoded into `rows`). */
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

export interface ResultPage<R extends Row = Row> {
  pageNumber: number;
  rows: R[];
  parameters: ReturnedParameter[];
}

export interface RegisteredQueryRegistration {
  /** A label for the registration. */
  name: string;
  command: string | SqlCommand;
  /** How often Halo runs it: at least 60 s. */
  frequencySeconds: number;
  /** For how long: at most 86 400 s (24 h). */
  durationSeconds: number;
}

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

export interface RegisteredQueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
  size?: number;
  parameters: ReturnedParameter[];
}

/** Any FHIR resource; narrow it with your own FHIR types. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

export interface FhirBundle<T extends FhirResource = FhirResource> extends FhirResource {
  resourceType: "Bundle";
  type?: string;
  total?: number;
  entry?: Array<{ fullUrl?: string; resource?: T; search?: { mode?: string } }>;
}

/** Search parameters: an object (arrays repeat a name), `URLSearchParams`, or pairs. */
export type FhirSearchParams =
  | Record<string, string | number | ReadonlyArray<string | number>>
  | URLSearchParams
  | ReadonlyArray<readonly [string, string]>;

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

export interface TokenInfo {
  hasToken: boolean;
  /** A wall-clock estimate of when the current token expires. */
  expiresAt: Date | null;
  /** How many tokens `getToken` has supplied so far. */
  renewals: number;
}
