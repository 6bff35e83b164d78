// Types for halo-cloud-simulator's programmatic API (handwritten; the package is plain ES modules).

/** A JSON value, as a fault's `body` may carry. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The column types of the simulated SQL Server tables. */
export type ColumnType = "int" | "decimal" | "string" | "date" | "datetime";

/**
 * One cell: `int` a safe integer, `decimal` a finite number, `string` a string, `date` `"YYYY-MM-DD"`,
 * `datetime` `"YYYY-MM-DDTHH:MM:SS"`; `null` in any column but the first (the primary key).
 */
export type CellValue = string | number | null;

/** An extra table, added to every site's database (option `tables`). */
export interface TableSeed {
  /** `[name, type]` pairs; names are SQL identifiers (`[A-Za-z_][A-Za-z0-9_]*`), unique ignoring case. The first column is the primary key. */
  readonly columns: ReadonlyArray<readonly [name: string, type: ColumnType]>;
  /** Rows as arrays of values in column order; primary keys unique and not null. */
  readonly rows?: ReadonlyArray<ReadonlyArray<CellValue>>;
}

/** Halo's `pmsType`. */
export type PmsType = "BestPractice" | "Zedmed" | "D4w";

/** An extra site (option `sites`): the shape of a `SEEDED_SITES` entry. */
export interface SiteSeed {
  /** The Halo GUID; must not be a seeded site's. */
  readonly id: string;
  readonly pmsType: PmsType;
  /** The PMS ID; at most one authoritative site per PMS type and ID. */
  readonly pmsId: string;
  readonly practiceName: string;
  /** Default `"1.0.0"`. */
  readonly pmsVersion?: string;
  /** Required for `BestPractice` (pairing asks for it); ignored by the other PMSs. */
  readonly pairingCode?: string;
  /** Default `true`. A non-authoritative site is listed but refuses tokens and queries (403). */
  readonly authoritative?: boolean;
}

/** A seeded site as `SEEDED_SITES` lists it. */
export interface SeededSite extends SiteSeed {
  readonly pmsVersion: string;
  readonly authoritative: boolean;
}

export interface SimulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Only `"127.0.0.1"` is accepted. */
  host?: "127.0.0.1";
  /** The only valid `Ocp-Apim-Subscription-Key`. Default `"sim-subscription-key"`. */
  subscriptionKey?: string;
  /** Token lifetime in seconds (`expires_in`). Default 3600. */
  tokenLifetime?: number;
  /** How long each async query state lasts. Default 50. */
  asyncStepMs?: number;
  /** Rows per async result page. Default 100. */
  pageRows?: number;
  /** After this (from `completedAt`), result pages answer 410. Default 24 h. */
  resultRetentionMs?: number;
  /** Multiplies registered-query `frequency`/`duration`; 0.001 makes 60 s take 60 ms. Default 1. */
  registeredTimeScale?: number;
  /**
   * Webhook URL template with `{siteId}`, `{queryId}`, `{source}` (http: or https: only), or several:
   * successive notifications (each copy of a duplicate) go round-robin over them. No webhooks when absent.
   */
  webhookUrl?: string | readonly string[];
  /** HMAC key for `X-Halo-Signature-256`. Default `"sim-webhook-secret"`. */
  webhookSecret?: string;
  /** How notifications are delivered: mode and faults. Default `{ mode: "once" }` with no faults. */
  webhookDelivery?: WebhookDeliverySettings;
  /** Skews the simulator's clock by this much (ms): the `Date` header, token `iat`/`exp` claims, webhook timestamps. Default 0. */
  clockOffsetMs?: number;
  /** Sent as `Retry-After` (seconds) on the simulator's own 503s: an offline site, and 503 faults without their own `retryAfter`. Default none. */
  retryAfterSeconds?: number;
  /**
   * The expired-token 401's body: `"guide"` (default) `{"error":{"statusCode":401,"message":"Invalid token"}}` as
   * Halo's getting-started guide shows it, or `"openapi"` `{"error":{"status":401,"statusText":"Unauthorized","message":"Invalid token"}}`.
   */
  unauthorizedBody?: "guide" | "openapi";
  /**
   * Browser origins allowed to call `/_control` (which has no authentication): `"loopback"` (default: its own
   * and any http(s) origin on 127.0.0.1, localhost or [::1], e.g. a test page on another port), `"self"` (its
   * own only), or a list of exact origins allowed besides its own. Requests without `Origin` (non-browser
   * clients) are served unless marked `Sec-Fetch-Site: cross-site`; `Origin: null` is refused. The public API
   * stays open to every origin.
   */
  controlOrigins?: "loopback" | "self" | readonly string[];
  /** Log requests, faults and webhook attempts (to stderr unless `log` is given). */
  verbose?: boolean;
  /** Receives the verbose log lines. A sink that throws loses that line; the simulator carries on. */
  log?: (line: string) => void;
  /** Extra sites, besides the seeded ones. Validated: `startSimulator` rejects with an error naming the field. */
  sites?: readonly SiteSeed[];
  /** Extra tables in every site's database, keyed by table name. Validated like `sites`. */
  tables?: { readonly [name: string]: TableSeed };
}

/**
 * Webhook delivery: Halo's getting-started guide says each webhook is sent once without retries, its
 * webhooks page that failures are retried with backoff; `mode` picks one. The fault fields are
 * fractions of notifications, chosen by a seeded generator: the n-th notification's fate depends only
 * on `seed` and n (and restarts at `reset()` and whenever `delivery` is configured).
 */
export interface WebhookDeliverySettings {
  /** `"once"` (default): one attempt per copy. `"retry"`: up to 4 attempts, 100/200/400 ms apart, on network errors, timeouts, 5xx, 408, 429. */
  mode?: "once" | "retry";
  /** 0..1: never sent (counted `dropped`). Default 0. */
  drop?: number;
  /** 0..1: sent twice, same id and body, each copy re-stamped and re-signed (counted `duplicated`). Default 0. */
  duplicate?: number;
  /** Each copy waits this long (ms), or a delay drawn from `[min, max]`, before it is sent. Default 0. */
  delayMs?: number | readonly [min: number, max: number];
  /** Notifications made within `reorderWindowMs` of the first are held and sent together in another order. Default false. */
  reorder?: boolean;
  /** The reorder window (ms). Default 50. */
  reorderWindowMs?: number;
  /** 0..1: sent before the result is readable; the query stays `uploading` (pages 404, a registered result unchanged) until `earlyByMs` after the first attempt was answered. Default 0. */
  early?: number;
  /** How long an `early` result stays unreadable after the notification was answered (ms). Default 250. */
  earlyByMs?: number;
  /** Seed of the pseudo-random choices (an integer). Default 1. */
  seed?: number;
}

/** What `configureWebhooks` takes; absent fields stay as they are. */
export interface WebhookConfigChange {
  /** A template, several (round-robin), or `null` for no webhooks. */
  url?: string | readonly string[] | null;
  secret?: string;
  /** Replaces the whole delivery setting (absent fields take their defaults). */
  delivery?: WebhookDeliverySettings;
}

/** The webhook configuration now (the secret is never echoed). */
export interface WebhookConfig {
  urls: string[];
  delivery: Required<Omit<WebhookDeliverySettings, "delayMs">> & { delayMs: number | [min: number, max: number] };
}

/** Webhook counters since start or `reset()`. */
export interface WebhookCounters {
  /** Notifications made (one per successful async query and per changed registered result, while a URL is set). */
  notifications: number;
  /** Copies handed to the network: a duplicated notification counts 2; retries of a copy do not count again. */
  sent: number;
  /** Notifications never sent. */
  dropped: number;
  /** Notifications sent twice. */
  duplicated: number;
  /** Copies a receiver answered with 2xx. */
  delivered: number;
  /** Copies that never got a 2xx (after their one attempt in `once` mode, their last in `retry` mode). */
  failed: number;
}

/** What every fault spec may add: which requests it applies to, and how many times. */
export interface FaultMatch {
  /** Only requests with this method (any case). */
  method?: string;
  /**
   * Only request paths containing this text (a plain substring, never compiled as a pattern), or, in
   * process only, matching this `RegExp` (its `g`/`y` flags are dropped). Over `/_control` it is a string.
   */
  path?: string | RegExp;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

/** Answers with `status` (and `body`, else Halo's error envelope for that status) instead of the real answer. */
export interface StatusFault extends FaultMatch {
  status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  body?: JsonValue;
  /** Sent as the `Retry-After` header (a 503 without it gets option `retryAfterSeconds`, when set). */
  retryAfter?: number | string;
  /** Answer the status's reason phrase as `text/plain` (e.g. `Internal Server Error`), as a gateway would, instead of a Halo body. Not with `body`. */
  generic?: boolean;
  /** Wait this long first. */
  delayMs?: number;
  /** Run the real request first (the query is created and executed), then answer with the fault. */
  executeBeforeFault?: boolean;
  drop?: false;
}

/** Destroys the connection without an answer. */
export interface DropFault extends FaultMatch {
  drop: true;
  /** Wait this long first. */
  delayMs?: number;
  /** Run the real request first, then drop the connection. */
  executeBeforeFault?: boolean;
  status?: undefined;
}

/** Waits `delayMs`, then answers normally. */
export interface DelayFault extends FaultMatch {
  delayMs: number;
  status?: undefined;
  drop?: false;
  executeBeforeFault?: false;
}

/** Stalls a streamed result page (other answers ignore it) after some body bytes. */
export interface StallFault extends FaultMatch {
  stallAfterBytes: number;
  /** How long to pause; without it, until `releaseStreams()` or the client leaves. */
  stallMs?: number;
  cutAfterBytes?: undefined;
  status?: undefined;
  drop?: false;
  executeBeforeFault?: false;
}

/** Ends a streamed result page cleanly after this many body bytes (mid-row when the byte falls inside one). */
export interface CutFault extends FaultMatch {
  cutAfterBytes: number;
  stallAfterBytes?: undefined;
  stallMs?: undefined;
  status?: undefined;
  drop?: false;
  executeBeforeFault?: false;
}

/** What `fault()` takes (and `POST /_control/faults`): every fault kind the simulator knows. */
export type FaultSpec = StatusFault | DropFault | DelayFault | StallFault | CutFault;

/** A queued fault, as `faults()` lists it; `times` is what is left. */
export interface Fault {
  method?: string;
  /** The substring, or a RegExp's `String()` form (e.g. `"/^\\/integrator\\/sites\\/[^/]+$/"`). */
  path?: string;
  status?: number;
  body?: JsonValue;
  generic: boolean;
  retryAfter?: string;
  delayMs?: number;
  drop: boolean;
  times: number;
  executeBeforeFault: boolean;
  stallAfterBytes?: number;
  stallMs?: number;
  cutAfterBytes?: number;
}

/** The async states a planned failure can end a query in (the OpenAPI's names). */
export type AsyncFailureState =
  | "initialisationFailedCacheError"
  | "initialisationFailedSiteOffline"
  | "initialisationFailedSiteUnreachable"
  | "uploadFailed";

/**
 * A planned failure: the next `times` queries of that mode created (at `siteId`, or at any site) end in
 * `status` instead of running normally. `initialisationFailed*` end after `initialising` (the SQL never
 * runs); `uploadFailed` after `uploading` (the SQL ran); a registered query in
 * `initialisationFailedCacheError` is created (`{id}`) but never runs. None sends a webhook.
 */
export type QueryFailureSpec =
  | { mode?: "async"; status: AsyncFailureState; siteId?: string; times?: number }
  | { mode: "registered"; status: "initialisationFailedCacheError"; siteId?: string; times?: number };

/** A planned failure as `queryFailures()` lists it; `times` is what is left. */
export interface QueryFailure {
  mode: "async" | "registered";
  status: AsyncFailureState;
  siteId?: string;
  times: number;
}

/** A streamed answer, as `streams()` lists it. */
export interface StreamRecord {
  path: string;
  /** Body bytes sent so far. */
  bytes: number;
  state: "streaming" | "stalled" | "complete" | "cut" | "closed";
}

/** Counters since start or the last `reset()`. */
export interface SimulatorStats {
  /** Every `POST /integrator/token` (issueToken() is not counted). */
  tokenRequests: number;
  /** Token requests by the body's `device_id` (`"(none)"` when absent). */
  tokenRequestsByDevice: Record<string, number>;
  /** Every non-control request, faulted ones included, by `"METHOD /path/{template}"`, e.g. `"POST /desktop/sites/{siteId}/queries/immediate"`; unknown paths under `"METHOD (unmatched)"`. */
  requests: Record<string, number>;
  /** SQL executions by query ID (a registered query counts each run). */
  executions: Record<string, number>;
  executionsTotal: number;
  /** SQL executions by SQL text, whitespace runs collapsed and ends trimmed (see `executionsOf`). */
  executionsBySql: Record<string, number>;
  /** POSTs to `queries/immediate`, `queries/async` and `queries/registered`. */
  createQueryPosts: number;
  /** Webhook notifications and the fates of their copies. */
  webhooks: WebhookCounters;
}

export interface WebhookAttempt {
  /** 1, or 2 for a duplicate's second copy. */
  copy: 1 | 2;
  /** Where this copy went (round-robin). */
  url: string;
  at: string;
  timestamp: string;
  signature: string;
  /** The receiver's status, or `error` when it could not be reached. */
  status?: number;
  error?: string;
}

/** One notification. */
export interface WebhookDelivery {
  id: string;
  /** Where its first copy went; `null` while not yet sent, and for a dropped one. */
  url: string | null;
  /** The raw JSON body that was signed. */
  body: string;
  /** Some copy was answered with 2xx. */
  delivered: boolean;
  /** Never sent (`drop`). */
  dropped: boolean;
  /** Sent twice (`duplicate`). */
  duplicated: boolean;
  /** Sent before its result was readable (`early`). */
  early: boolean;
  attempts: WebhookAttempt[];
}

/** What `issueToken` takes. */
export interface TokenRequest {
  siteId: string;
  deviceId: string;
  /** Seconds; default the simulator's `tokenLifetime`. */
  lifetime?: number;
}

/** What a device's `getToken` returns, as the integrator's cloud would make it from the token endpoint's answer. */
export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
}

export interface GuidChange {
  oldSiteId: string;
  newSiteId: string;
}

/**
 * A running simulator. Every control method acts in-process on the same state the `/_control` API
 * uses, with the same rules; where `/_control` would answer 4xx, it throws a `SimulatorError`.
 */
export interface Simulator {
  /** `http://127.0.0.1:<port>`: the base URL for both doors (`/desktop/…` and `/integrator/…`). */
  readonly url: string;
  readonly port: number;
  /** The subscription key the Integrator API accepts. */
  readonly subscriptionKey: string;
  /** The simulator's internal state; not a stable API. */
  readonly state: unknown;
  /** Stops listening, closes connections and cancels timers. */
  close(): Promise<void>;
  /** Fresh sites (seed included), data, tokens, queries, faults, counters and webhook log. */
  reset(): void;
  /** Queues a fault; the first queued fault matching a request applies. */
  fault(spec: FaultSpec): Fault;
  /** The faults still queued. */
  faults(): Fault[];
  clearFaults(): void;
  /** A snapshot of the counters. */
  stats(): SimulatorStats;
  /** How many times this SQL text executed (whitespace runs are collapsed and ends trimmed on both sides; case counts). */
  executionsOf(sqlText: string): number;
  /** Expires every issued token, or one device's, now. */
  expireTokens(deviceId?: string): { expired: number };
  /** A token for (site, device), with the token endpoint's site checks. */
  issueToken(request: TokenRequest): TokenGrant;
  /**
   * Takes a site's practice offline (or back): new queries (immediate, async, registered) and FHIR calls
   * answer 503 (with `Retry-After` when `retryAfterSeconds` is set), `getSite` reports `availability:
   * "offline"` with its last heartbeat, async queries still initialising there end in
   * `initialisationFailedSiteOffline`. Status reads, result pages, registered-query reads and tokens keep working.
   */
  setSiteOffline(siteId: string, offline: boolean): { siteId: string; offline: boolean };
  /** Skews the simulator's clock from now on (see option `clockOffsetMs`); `reset()` restores the option's value. */
  setClockOffset(offsetMs: number): { offsetMs: number };
  /** Plans a query failure state (see `QueryFailureSpec`) → the plan as listed. */
  failQueries(spec: QueryFailureSpec): QueryFailure;
  /** The planned failures still queued. */
  queryFailures(): QueryFailure[];
  /** Gives a site a new Halo GUID (random unless given); old-GUID calls get 403. */
  changeSiteGuid(siteId: string, change?: { newSiteId?: string; practiceName?: string }): GuidChange;
  /** The webhook notifications so far, in the order they were made, with every attempt of every copy. */
  webhooks(): WebhookDelivery[];
  /** Changes the webhook URL(s), secret or delivery from now on (e.g. a receiver on port 0 started after the simulator). */
  configureWebhooks(change: WebhookConfigChange): WebhookConfig;
  /** A successful async query with one page of `rows` generated rows (about `rowBytes` JSON bytes each, default 200), made as it is read. */
  generateQuery(siteId: string, page: { rows: number; rowBytes?: number }): string;
  /** Every streamed answer so far. */
  streams(): StreamRecord[];
  /** Resumes every stalled stream. */
  releaseStreams(): { released: number };
}

/** Starts a simulator on 127.0.0.1. Rejects with an `Error` naming the option when one is unknown or invalid. */
export function startSimulator(options?: SimulatorOptions): Promise<Simulator>;

/** Thrown by a control method where `/_control` would answer 4xx. */
export class SimulatorError extends Error {
  readonly name: "SimulatorError";
  /** The HTTP status `/_control` would have answered. */
  readonly status: number;
}

/** The sites every simulator starts with (see README). */
export const SEEDED_SITES: readonly SeededSite[];

/** The `integratorId` on every query. */
export const INTEGRATOR_ID: string;

/** `X-Halo-Signature-256` for a webhook: lowercase hex HMAC-SHA256 of `<rawBody>.<timestamp>`. */
export function signWebhook(rawBody: string, timestamp: string, secret: string): string;
