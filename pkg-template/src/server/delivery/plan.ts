// Result delivery's decisions come from the Rust core (src/core/integrator/
// delivery.rs, through the integrator wasm): which tracked query is overdue,
// how status calls are batched and spaced, backoff, expiry. This module only
// adapts them to the component's shapes.
import { deliveryBackoffMs, isFailedQueryState, planStatusBatches, rateLimitedUntil, resultExpiry, statusBatchLimit } from "../../wasm/halo_integrator.js";
import { integratorWasm } from "../../integrator-init.js";
import { fromCore } from "../../errors.js";
import type { TrackedQuery } from "./types.js";

/** A tracked query with when reconciliation last asked about it. */
export interface PlannedQuery extends TrackedQuery {
  lastCheckedMs?: number;
}

export interface ReconcileTiming {
  overdueAfterMs: number;
  recheckEveryMs: number;
  batchSpacingMs: number;
}

/** One status call: the queries (at one site) and when to send it. */
export interface PlannedBatch<Q extends PlannedQuery> {
  siteId: string;
  queries: Q[];
  sendAtMs: number;
}

/** The status calls to make now for `tracked` (see `plan_status_batches`). */
export function planBatches<Q extends PlannedQuery>(nowMs: number, tracked: Q[], timing: ReconcileTiming, notBeforeMs: number): PlannedBatch<Q>[] {
  integratorWasm.assertReady();
  try {
    const batches = planStatusBatches(
      nowMs,
      tracked.map((query) => query.siteId),
      Float64Array.from(tracked, (query) => query.startedAt),
      Float64Array.from(tracked, (query) => query.lastCheckedMs ?? Number.NaN),
      timing.overdueAfterMs,
      timing.recheckEveryMs,
      timing.batchSpacingMs,
      notBeforeMs,
    );
    return batches.map((batch) => ({ siteId: batch.siteId, sendAtMs: batch.sendAtMs, queries: batch.indices.map((index) => tracked[index]!) }));
  } catch (error) {
    throw fromCore(error);
  }
}

/** The status endpoint's limit of query ids in one call. */
export const statusLimit = (): number => statusBatchLimit();

/** Whether an async query's status is a terminal failure (the core's list). */
export const failedQueryState = (status: string): boolean => isFailedQueryState(status);

/** After a 429: when the next status call may go out. */
export const notBeforeAfterRateLimit = (nowMs: number, retryAfterMs: number | undefined, defaultWaitMs: number): number =>
  rateLimitedUntil(nowMs, retryAfterMs ?? Number.NaN, defaultWaitMs);

/** The wait before the next attempt after `attempt` (1-based) failed. */
export const backoffDelay = (attempt: number, backoff: { baseMs: number; maxMs: number }, random: number): number =>
  deliveryBackoffMs(attempt, backoff.baseMs, backoff.maxMs, random);

/** `"fresh"`, the expiry time while close to it, or `"expired"`. */
export function expiryOf(nowMs: number, completedAtMs: number, retentionMs: number, warnBeforeMs: number): "fresh" | "expired" | number {
  const at = resultExpiry(nowMs, completedAtMs, retentionMs, warnBeforeMs);
  return at === Number.POSITIVE_INFINITY ? "fresh" : at === Number.NEGATIVE_INFINITY ? "expired" : at;
}
