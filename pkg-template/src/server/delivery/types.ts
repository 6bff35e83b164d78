// The result-delivery component's public shapes. The component
// (component.ts) is engine-independent; a backend (stores/memory.ts,
// stores/bullmq.ts) is the durable part: tracked queries, the completion
// queue with its retries and leases, and the delivered marks.
import type { HaloQuery, RegisteredQueryResult, Row } from "../../types.js";

/** Which of Halo's two webhook sources a completion comes from. */
export type CompletionSource = "async" | "registered";

/** A query the integrator's cloud expects a result for. */
export interface TrackedQuery {
  source: CompletionSource;
  siteId: string;
  queryId: string;
  /** When it was started (ms since the epoch); reconciliation measures its age from here. */
  startedAt: number;
  /** Who started it: `"integrator"` (the integrator client) or `"device"` (a device's report). */
  startedBy?: "integrator" | "device";
}

/** How a completion became known. */
export type CompletionVia = "notification" | "reconciliation" | "retry";

/**
 * One unit of delivery work, as the backend stores it. `jobId` deduplicates
 * recording (a duplicate notification records nothing new); `key` is what
 * the handler sees.
 */
export interface CompletionJob {
  jobId: string;
  source: CompletionSource;
  siteId: string;
  queryId: string;
  via: CompletionVia;
  /** The notification's `X-Halo-Id`, when a notification recorded it. */
  notificationId?: string;
  /** A registered query's `lastHash` when reconciliation found it. */
  resultHash?: string;
  recordedAt: number;
}

/**
 * What the handler is told about a completion. `key` is the idempotency
 * key: the same for every delivery of one result, whichever path (a
 * notification, a duplicate, reconciliation, a retry after a crash) led to
 * it. Async: `async:<siteId>:<queryId>`; registered:
 * `registered:<siteId>:<queryId>:<lastHash>` (one key per distinct result).
 */
export interface Completion {
  key: string;
  source: CompletionSource;
  siteId: string;
  queryId: string;
  via: CompletionVia;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * An async query's result: `query` is Halo's query object; `rows()` streams
 * every row of every page, one page download at a time. A page cut or
 * damaged mid-stream makes `rows()` reject, and the attempt fails (and is
 * retried) even if the handler swallowed that error.
 */
export interface AsyncDeliveredResult<R extends object = Row> {
  source: "async";
  query: HaloQuery;
  rowCount: number;
  rows(): AsyncGenerator<R, void, undefined>;
}

/** A registered query's run: the result Halo holds for `hash`. */
export interface RegisteredDeliveredResult<R extends object = Row> extends RegisteredQueryResult<R> {
  source: "registered";
  hash: string;
}

/** What your handler gets: an async query's result or a registered query's run (see `source`). */
export type DeliveredResult<R extends object = Row> = AsyncDeliveredResult<R> | RegisteredDeliveredResult<R>;

/** Your code that stores a result; it must resolve only once the result is safe. */
export type DeliveryHandler = (completion: Completion, result: DeliveredResult) => Promise<void>;

/** A completion that ran out of attempts; `retryParked()` runs it again. */
export interface ParkedCompletion {
  job: CompletionJob;
  attempts: number;
  error: string;
}

/** The component's events; the `type` names what happened. */
export type DeliveryEvent =
  | { type: "tracked"; query: TrackedQuery }
  | { type: "recorded"; job: CompletionJob; duplicate: boolean }
  | { type: "delivered"; completion: Completion }
  | { type: "handlerFailed"; completion: Completion; error: Error; willRetry: boolean }
  | { type: "parked"; job: CompletionJob; error: Error }
  /** A query ended without a result (failed, expired in queue): it goes to `onQueryFailed`. */
  | { type: "queryFailed"; job: CompletionJob | TrackedQuery; queryStatus: string }
  /** The result is close to Halo's expiry (about 24 h after the query ran). */
  | { type: "expiring"; completion: Completion; expiresAt: number }
  /** The result expired before it could be delivered (410 or too old to find): lost to Halo's retention. */
  | { type: "expired"; siteId: string; queryId: string; source: CompletionSource }
  /** A registered query's run was replaced by a newer one before it could be read; the newer one is delivered. */
  | { type: "superseded"; source: "registered"; siteId: string; queryId: string; hash: string }
  | { type: "reconciled"; checked: number; statusCalls: number; found: number };

/** Counters since this process started (each process counts its own). */
export interface DeliveryCounters {
  tracked: number;
  completedByNotification: number;
  completedByReconciliation: number;
  duplicateNotifications: number;
  delivered: number;
  handlerFailures: number;
  parked: number;
  queryFailures: number;
  expiring: number;
  expired: number;
  statusCalls: number;
}

/** How the backend runs delivery work. */
export interface WorkerSettings {
  concurrency: number;
  maxAttempts: number;
  /** Backoff before attempt n+1: min(maxMs, baseMs * 2^(n-1)), with full jitter. */
  backoff: { baseMs: number; maxMs: number };
  /** How long a worker holds a completion before another may take it (a dead worker's lease). */
  leaseMs: number;
}

/** A failed attempt: the backend retries it, or parks it once attempts are used up. */
export type RunJob = (job: CompletionJob, attempt: number) => Promise<void>;

/**
 * The durable part of result delivery. The in-memory backend keeps it in
 * this process; the BullMQ backend in Redis, shared by every receiver.
 */
export interface DeliveryBackend {
  readonly name: string;
  /** Records a tracked query (idempotent). */
  track(query: TrackedQuery): Promise<void>;
  /** Tracked queries, oldest first, at most `limit`. */
  tracked(limit: number): Promise<TrackedQuery[]>;
  untrack(query: Pick<TrackedQuery, "source" | "siteId" | "queryId">): Promise<void>;
  /** Records a completion durably, to run under `settings`; resolves false when `jobId` was already recorded. */
  record(job: CompletionJob, settings: WorkerSettings): Promise<boolean>;
  /** Starts this process's workers. */
  start(run: RunJob, settings: WorkerSettings, onParked: (job: CompletionJob, error: Error) => void): Promise<void>;
  isDelivered(key: string): Promise<boolean>;
  markDelivered(key: string, keepMs: number): Promise<void>;
  pending(): Promise<CompletionJob[]>;
  parked(): Promise<ParkedCompletion[]>;
  /** Re-queues parked completions (all, or the one with `jobId`); resolves how many. */
  retryParked(jobId?: string): Promise<number>;
  close(): Promise<void>;
}
