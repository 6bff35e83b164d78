// The result-delivery component: every tracked query's result reaches the
// user's handler at least once, with a stable idempotency key, whether its
// notification came once, twice, early, late or never. Durability and
// leases are the backend's (an existing engine, never a hand-written
// protocol); the decisions are the Rust core's (plan.ts); this file wires
// the two to the Integrator API.
import { HaloError, HaloGoneError, HaloRateLimitError, HaloTimeoutError, HaloUnavailableError, HaloValidationError } from "../../errors.js";
import type { HaloIntegratorClient, HaloIntegratorSite } from "../../integrator-client.js";
import type { VerifiedWebhook } from "../../integrator-types.js";
import type { HaloQuery, Row } from "../../types.js";
import { createMemoryDeliveryBackend } from "../stores/memory.js";
import { expiryOf, failedQueryState, notBeforeAfterRateLimit, planBatches, type PlannedQuery } from "./plan.js";
import type {
  Completion,
  CompletionJob,
  CompletionSource,
  DeliveredResult,
  DeliveryBackend,
  DeliveryCounters,
  DeliveryEvent,
  DeliveryHandler,
  ParkedCompletion,
  TrackedQuery,
} from "./types.js";

/** A registered query's states after which no new run comes. */
const ENDED_REGISTERED = new Set(["completed", "cancelled", "initialisationFailedCacheError"]);

const HOUR = 3_600_000;

/** What `createResultDelivery` takes. Only `integrator` and `handler` are required. */
export interface ResultDeliveryOptions {
  /** Fetches results and asks for statuses with the subscription key. */
  integrator: HaloIntegratorClient;
  /** Stores one result; resolve only when it is safe. Called at least once per result, with `completion.key`. */
  handler: DeliveryHandler;
  /** Where completions are kept; default in this process's memory (`createMemoryDeliveryBackend()`). */
  backend?: DeliveryBackend;
  /** Every event (a throwing listener is ignored). */
  onEvent?: (event: DeliveryEvent) => void;
  /** A tracked query that ended without a result (e.g. `executionFailed`). Default: only the `queryFailed` event. */
  onQueryFailed?: (failure: { source: CompletionSource; siteId: string; queryId: string; queryStatus: string }) => void | Promise<void>;
  /** Attempts before a completion is parked; default 10. */
  maxAttempts?: number;
  /** Backoff between attempts (full jitter); default 1 s doubling to 10 min: ten attempts span about an hour. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Deliveries this process runs at once; default 4. */
  concurrency?: number;
  /** How long one attempt (fetch and handler) may take before it fails; default 5 min. */
  attemptTimeoutMs?: number;
  /** A dead worker's completion is taken by another after this; default 60 s (BullMQ's lock). */
  leaseMs?: number;
  reconcile?: {
    /** A tracked query with no completion this long after its start is asked about; default 10 min. */
    overdueAfterMs?: number;
    /** An overdue query is asked about again at most this often; default 5 min. */
    recheckEveryMs?: number;
    /** Gap between status calls; default 1 s. */
    batchSpacingMs?: number;
    /** How often `start()` reconciles; default 60 s, 0 for never (call `reconcile()` yourself). */
    everyMs?: number;
    /** After a 429 without `Retry-After`; default 60 s. */
    rateLimitWaitMs?: number;
  };
  /** How long Halo keeps a result after the query ran; default 24 h. */
  retentionMs?: number;
  /** An `expiring` event fires for a result delivered this close to expiry; default 4 h. */
  expiryWarningMs?: number;
}

/** What one `reconcile()` pass did. */
export interface ReconcileReport {
  checked: number;
  statusCalls: number;
  /** Completions it recorded (their notifications never came, or not yet). */
  found: number;
  /** Set when a 429 cut the pass short: the next pass waits until then. */
  rateLimitedUntil?: number;
}

/** The component `createResultDelivery` returns. */
export interface ResultDelivery {
  /** Records a query whose result is expected (before its start call returns, when the client has the tracker). */
  track(query: Omit<TrackedQuery, "startedAt"> & { startedAt?: number }): Promise<void>;
  /** Records a verified notification durably; `duplicate` when it was already recorded. Rejects when the backend is down. */
  receive(webhook: Pick<VerifiedWebhook, "id" | "siteId" | "queryId" | "webhookSource">): Promise<{ duplicate: boolean }>;
  /** Starts this process's workers and the reconciliation timer. */
  start(): Promise<void>;
  /** One reconciliation pass now. */
  reconcile(): Promise<ReconcileReport>;
  /** Completions recorded and not yet delivered (waiting, retrying or running). */
  pending(): Promise<CompletionJob[]>;
  /** Completions that ran out of attempts. */
  parked(): Promise<ParkedCompletion[]>;
  /** Runs parked completions again (all, or one by `jobId`); resolves how many. */
  retryParked(jobId?: string): Promise<number>;
  /** Tracked queries with no delivered result yet, oldest first. */
  tracked(limit?: number): Promise<TrackedQuery[]>;
  counters(): DeliveryCounters;
  /** Stops the timer and the workers and closes the backend. */
  close(): Promise<void>;
}

const idPart = (text: string) => text.replace(/\+/g, "-").replace(/\//g, "_").replace(/[=:]/g, "");

/** The job id that deduplicates recording (no `:`: BullMQ refuses it in custom ids). */
function jobIdOf(source: CompletionSource, siteId: string, queryId: string, suffix?: string): string {
  return [source, siteId, queryId, ...(suffix === undefined ? [] : [idPart(suffix)])].join(".");
}

/** Anything a handler throws, as an `Error` the events can carry. */
function asError(thrown: unknown, what: string): Error {
  if (thrown instanceof Error) return thrown;
  let shown: string;
  try {
    shown = typeof thrown === "string" ? JSON.stringify(thrown.slice(0, 200)) : typeof thrown;
  } catch {
    shown = "a value";
  }
  return new HaloValidationError(`${what} threw a non-Error (${shown}); throw an Error so that its cause is kept`, {
    code: "HALO_VALIDATION",
    retryable: true,
    field: "handler",
    cause: thrown,
  });
}

function positive(name: string, value: unknown, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new HaloValidationError(`${name} must be a ${zeroAllowed ? "non-negative" : "positive"} finite number of milliseconds (or count)`, {
      code: "HALO_VALIDATION",
      retryable: false,
      field: name,
    });
  }
  return value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Races an attempt against its timeout, so no attempt stays unsettled. */
function withTimeout<T>(running: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new HaloTimeoutError(`${what} took longer than attemptTimeoutMs (${ms} ms)`, { code: "HALO_TIMEOUT", retryable: true })),
      ms,
    );
    running.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * Durable result delivery: give it your handler and every tracked query's
 * result reaches it at least once, keyed by `completion.key`. Notifications
 * enter through `receive()` (or `createWebhookHandler`), the queries you
 * start through `track()` (or a `HaloIntegratorClient` given `tracker`),
 * and `reconcile()` asks Halo about the ones whose notification never came.
 *
 * @example
 * const delivery = createResultDelivery({
 *   integrator,
 *   backend: await createBullMQDeliveryBackend({ url: process.env.REDIS_URL! }),
 *   handler: async (completion, result) => {
 *     if (result.source === "async") for await (const row of result.rows()) await save(completion.key, row);
 *     else await saveAll(completion.key, result.rows);
 *   },
 * });
 * await delivery.start();
 */
export function createResultDelivery(options: ResultDeliveryOptions): ResultDelivery {
  const { integrator, handler } = options ?? ({} as Partial<ResultDeliveryOptions>);
  if (typeof handler !== "function") {
    throw new HaloValidationError("handler must be a function (completion, result) => Promise<void>", { code: "HALO_VALIDATION", retryable: false, field: "handler" });
  }
  if (typeof integrator !== "object" || integrator === null || typeof integrator.site !== "function") {
    throw new HaloValidationError("integrator must be a HaloIntegratorClient", { code: "HALO_VALIDATION", retryable: false, field: "integrator" });
  }
  const backend = options.backend ?? createMemoryDeliveryBackend();
  const reconcileOptions = options.reconcile ?? {};
  const settings = {
    concurrency: positive("concurrency", options.concurrency, 4),
    maxAttempts: positive("maxAttempts", options.maxAttempts, 10),
    backoff: { baseMs: positive("backoff.baseMs", options.backoff?.baseMs, 1_000), maxMs: positive("backoff.maxMs", options.backoff?.maxMs, 600_000) },
    leaseMs: positive("leaseMs", options.leaseMs, 60_000),
  };
  const attemptTimeoutMs = positive("attemptTimeoutMs", options.attemptTimeoutMs, 300_000);
  const timing = {
    overdueAfterMs: positive("reconcile.overdueAfterMs", reconcileOptions.overdueAfterMs, 600_000, true),
    recheckEveryMs: positive("reconcile.recheckEveryMs", reconcileOptions.recheckEveryMs, 300_000, true),
    batchSpacingMs: positive("reconcile.batchSpacingMs", reconcileOptions.batchSpacingMs, 1_000, true),
  };
  const reconcileEveryMs = positive("reconcile.everyMs", reconcileOptions.everyMs, 60_000, true);
  const rateLimitWaitMs = positive("reconcile.rateLimitWaitMs", reconcileOptions.rateLimitWaitMs, 60_000);
  const retentionMs = positive("retentionMs", options.retentionMs, 24 * HOUR);
  const expiryWarningMs = positive("expiryWarningMs", options.expiryWarningMs, 4 * HOUR, true);
  // A delivered key is remembered past Halo's retention: no later path can find the result again.
  const keepDeliveredMs = retentionMs * 2;

  const counters: DeliveryCounters = {
    tracked: 0,
    completedByNotification: 0,
    completedByReconciliation: 0,
    duplicateNotifications: 0,
    delivered: 0,
    handlerFailures: 0,
    parked: 0,
    queryFailures: 0,
    expiring: 0,
    expired: 0,
    statusCalls: 0,
  };
  const emit = (event: DeliveryEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not fail a delivery.
    }
  };
  const lastChecked = new Map<string, number>();
  let notBefore = 0;
  let reconcileTimer: ReturnType<typeof setInterval> | undefined;
  let reconciling: Promise<ReconcileReport> | undefined;
  let closed = false;

  async function queryFailed(source: CompletionSource, siteId: string, queryId: string, queryStatus: string, job: CompletionJob | TrackedQuery) {
    counters.queryFailures += 1;
    emit({ type: "queryFailed", job, queryStatus });
    try {
      await options.onQueryFailed?.({ source, siteId, queryId, queryStatus });
    } catch (thrown) {
      throw asError(thrown, "onQueryFailed");
    }
    await backend.untrack({ source, siteId, queryId });
  }

  function expired(job: CompletionJob) {
    counters.expired += 1;
    emit({ type: "expired", siteId: job.siteId, queryId: job.queryId, source: job.source });
  }

  async function callHandler(completion: Completion, result: DeliveredResult): Promise<void> {
    try {
      // `then` also catches a handler that throws synchronously or returns no promise.
      await Promise.resolve().then(() => handler(completion, result));
    } catch (thrown) {
      const error = asError(thrown, "the delivery handler");
      counters.handlerFailures += 1;
      emit({ type: "handlerFailed", completion, error, willRetry: completion.attempt < settings.maxAttempts });
      throw error;
    }
  }

  async function finish(completion: Completion): Promise<void> {
    await backend.markDelivered(completion.key, keepDeliveredMs);
    counters.delivered += 1;
    emit({ type: "delivered", completion });
  }

  function warnIfExpiring(completion: Completion, completedAt: string | undefined) {
    const at = completedAt === undefined ? Number.NaN : Date.parse(completedAt);
    if (Number.isNaN(at)) return;
    const state = expiryOf(Date.now(), at, retentionMs, expiryWarningMs);
    if (typeof state === "number") {
      counters.expiring += 1;
      emit({ type: "expiring", completion, expiresAt: state });
    }
  }

  async function deliverAsync(job: CompletionJob, attempt: number, site: HaloIntegratorSite): Promise<void> {
    const completion: Completion = { key: `async:${job.siteId}:${job.queryId}`, source: "async", siteId: job.siteId, queryId: job.queryId, via: job.via, attempt };
    if (await backend.isDelivered(completion.key)) return;
    let query: HaloQuery;
    try {
      query = await site.getQuery(job.queryId);
    } catch (error) {
      if (error instanceof HaloGoneError) return expired(job);
      throw error;
    }
    if (query.status !== "successful") {
      if (failedQueryState(query.status)) return queryFailed("async", job.siteId, job.queryId, query.status, job);
      // The notification came before the result was readable: try again after the backoff.
      throw new HaloUnavailableError(`query ${job.queryId} is not finished yet (${query.status})`, { code: "HALO_UNAVAILABLE", retryable: true });
    }
    warnIfExpiring(completion, query.completedAt);
    let streamFailure: unknown;
    const pages = query.result?.pages ?? [];
    const result: DeliveredResult = {
      source: "async",
      query,
      rowCount: query.result?.rows ?? 0,
      async *rows() {
        try {
          for (const { pageNumber } of pages) yield* site.streamResultPage<Row>(job.queryId, pageNumber);
        } catch (error) {
          // Kept: the attempt fails even if the handler swallows this.
          streamFailure = error;
          throw error;
        }
      },
    };
    try {
      await callHandler(completion, result);
    } catch (error) {
      if ((streamFailure ?? error) instanceof HaloGoneError) return expired(job);
      throw error;
    }
    if (streamFailure !== undefined) {
      if (streamFailure instanceof HaloGoneError) return expired(job);
      throw streamFailure;
    }
    await finish(completion);
  }

  async function deliverRegistered(job: CompletionJob, attempt: number, site: HaloIntegratorSite): Promise<void> {
    const before = await site.getRegisteredQuery(job.queryId);
    const hash = before.lastHash;
    if (typeof hash !== "string" || hash === "") {
      throw new HaloUnavailableError(`registered query ${job.queryId} has no result yet`, { code: "HALO_UNAVAILABLE", retryable: true });
    }
    if (job.resultHash !== undefined && job.resultHash !== hash) emit({ type: "superseded", source: "registered", siteId: job.siteId, queryId: job.queryId, hash: job.resultHash });
    const completion: Completion = { key: `registered:${job.siteId}:${job.queryId}:${hash}`, source: "registered", siteId: job.siteId, queryId: job.queryId, via: job.via, attempt };
    if (await backend.isDelivered(completion.key)) return;
    const latest = await site.getRegisteredQueryResult(job.queryId);
    // Halo keeps only the latest run: a result read while a newer run
    // replaced it could be either, so it is read again on the next attempt.
    if ((await site.getRegisteredQuery(job.queryId)).lastHash !== hash) {
      throw new HaloUnavailableError(`registered query ${job.queryId} ran again while its result was read`, { code: "HALO_UNAVAILABLE", retryable: true });
    }
    await callHandler(completion, { ...latest, source: "registered", hash });
    await finish(completion);
  }

  async function run(job: CompletionJob, attempt: number): Promise<void> {
    const site = integrator.site(job.siteId);
    try {
      const delivering = job.source === "async" ? deliverAsync(job, attempt, site) : deliverRegistered(job, attempt, site);
      await withTimeout(delivering, attemptTimeoutMs, `delivering ${job.source} query ${job.queryId}`);
    } finally {
      site.close();
    }
  }

  async function record(job: CompletionJob): Promise<boolean> {
    const fresh = await backend.record(job, settings);
    emit({ type: "recorded", job, duplicate: !fresh });
    return fresh;
  }

  async function reconcileBatch(siteId: string, queries: PlannedQuery[], report: ReconcileReport): Promise<void> {
    const site = integrator.site(siteId);
    try {
      const now = Date.now();
      for (const query of queries) lastChecked.set(`${query.source}:${query.siteId}:${query.queryId}`, now);
      report.checked += queries.length;
      if (queries[0]?.source === "registered") {
        for (const query of queries) {
          counters.statusCalls += 1;
          report.statusCalls += 1;
          const registered = await site.getRegisteredQuery(query.queryId);
          const hash = registered.lastHash;
          const key = `registered:${siteId}:${query.queryId}:${hash}`;
          const deliveredAlready = typeof hash !== "string" || hash === "" || (await backend.isDelivered(key));
          if (!deliveredAlready) {
            const job: CompletionJob = { jobId: jobIdOf("registered", siteId, query.queryId, `h-${hash}`), source: "registered", siteId, queryId: query.queryId, via: "reconciliation", resultHash: hash, recordedAt: Date.now() };
            if (await record(job)) {
              counters.completedByReconciliation += 1;
              report.found += 1;
            }
          } else if (ENDED_REGISTERED.has(registered.status ?? "")) {
            await backend.untrack(query);
          }
        }
        return;
      }
      counters.statusCalls += 1;
      report.statusCalls += 1;
      const statuses = await site.getQueryStatuses(queries.map((query) => query.queryId));
      const byId = new Map(queries.map((query) => [query.queryId, query]));
      for (const entry of statuses) {
        const query = byId.get(entry.queryId);
        if (query === undefined) continue;
        if (entry.status === "notFound") {
          if (Date.now() - query.startedAt > retentionMs) {
            expired({ jobId: jobIdOf("async", siteId, query.queryId), source: "async", siteId, queryId: query.queryId, via: "reconciliation", recordedAt: Date.now() });
            await backend.untrack(query);
          }
          continue;
        }
        const status = entry.query.status;
        if (status === "successful") {
          const job: CompletionJob = { jobId: jobIdOf("async", siteId, query.queryId), source: "async", siteId, queryId: query.queryId, via: "reconciliation", recordedAt: Date.now() };
          if (await record(job)) {
            counters.completedByReconciliation += 1;
            report.found += 1;
          }
          await backend.untrack(query);
        } else if (failedQueryState(status)) {
          await queryFailed("async", siteId, query.queryId, status, query);
        }
      }
    } finally {
      site.close();
    }
  }

  async function reconcilePass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, statusCalls: 0, found: 0 };
    if (Date.now() < notBefore) return { ...report, rateLimitedUntil: notBefore };
    const tracked = (await backend.tracked(100_000)).map((query) => ({ ...query, lastCheckedMs: lastChecked.get(`${query.source}:${query.siteId}:${query.queryId}`) }));
    // Registered queries have no batch status call: one read each, planned
    // and spaced the same way after the async batches.
    const asyncBatches = planBatches(Date.now(), tracked.filter((query) => query.source === "async"), timing, notBefore);
    const registeredBatches = planBatches(Date.now(), tracked.filter((query) => query.source === "registered"), timing, notBefore);
    const start = Date.now();
    const offset = asyncBatches.length * timing.batchSpacingMs;
    const batches = [...asyncBatches, ...registeredBatches.map((batch) => ({ ...batch, sendAtMs: batch.sendAtMs + offset }))];
    for (const batch of batches) {
      if (closed) break;
      await sleep(batch.sendAtMs - Math.max(Date.now(), start));
      try {
        await reconcileBatch(batch.siteId, batch.queries, report);
      } catch (error) {
        if (error instanceof HaloRateLimitError) {
          notBefore = notBeforeAfterRateLimit(Date.now(), error.retryAfterMs, rateLimitWaitMs);
          report.rateLimitedUntil = notBefore;
          break;
        }
        // Another failure (the site offline, a network fault) skips this
        // batch; the next pass asks again.
        if (!(error instanceof HaloError)) throw error;
      }
    }
    emit({ type: "reconciled", checked: report.checked, statusCalls: report.statusCalls, found: report.found });
    return report;
  }

  return {
    async track(query) {
      const entry: TrackedQuery = { source: query.source, siteId: query.siteId, queryId: query.queryId, startedAt: query.startedAt ?? Date.now(), ...(query.startedBy === undefined ? {} : { startedBy: query.startedBy }) };
      if (entry.source !== "async" && entry.source !== "registered") {
        throw new HaloValidationError('source must be "async" or "registered"', { code: "HALO_VALIDATION", retryable: false, field: "source" });
      }
      await backend.track(entry);
      counters.tracked += 1;
      emit({ type: "tracked", query: entry });
    },
    async receive(webhook) {
      const source: CompletionSource = webhook.webhookSource === "registered" ? "registered" : "async";
      // Async: one job per query, so every notification of it is one
      // completion; registered: one per notification (each run notifies).
      const jobId = source === "async" ? jobIdOf(source, webhook.siteId, webhook.queryId) : jobIdOf(source, webhook.siteId, webhook.queryId, `n-${webhook.id}`);
      const job: CompletionJob = { jobId, source, siteId: webhook.siteId, queryId: webhook.queryId, via: "notification", notificationId: webhook.id, recordedAt: Date.now() };
      const fresh = await record(job);
      if (fresh) counters.completedByNotification += 1;
      else counters.duplicateNotifications += 1;
      // Recorded durably, so reconciliation need not ask about it (a
      // failure here only costs one status call later).
      if (source === "async") await backend.untrack(job).catch(() => undefined);
      return { duplicate: !fresh };
    },
    async start() {
      await backend.start(run, settings, (job, error) => {
        counters.parked += 1;
        emit({ type: "parked", job, error });
      });
      if (reconcileEveryMs > 0 && reconcileTimer === undefined) {
        reconcileTimer = setInterval(() => {
          // A pass that fails (the backend down) is tried again on the next tick.
          this.reconcile().catch(() => undefined);
        }, reconcileEveryMs);
        (reconcileTimer as unknown as { unref?: () => void }).unref?.();
      }
    },
    reconcile() {
      // One pass at a time: a slow pass and the timer must not double the calls.
      reconciling ??= reconcilePass().finally(() => {
        reconciling = undefined;
      });
      return reconciling;
    },
    pending: () => backend.pending(),
    parked: () => backend.parked(),
    retryParked: (jobId) => backend.retryParked(jobId),
    tracked: (limit = 1_000) => backend.tracked(limit),
    counters: () => ({ ...counters }),
    async close() {
      closed = true;
      if (reconcileTimer !== undefined) clearInterval(reconcileTimer);
      await backend.close();
    },
  };
}
