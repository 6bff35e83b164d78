// The in-memory delivery backend: one process (tests, development). What
// it holds dies with the process, so it guarantees delivery only while the
// process lives; the BullMQ backend is the durable one.
import { backoffDelay } from "../delivery/plan.js";
import type { CompletionJob, DeliveryBackend, ParkedCompletion, RunJob, TrackedQuery, WorkerSettings } from "../delivery/types.js";

interface Entry {
  job: CompletionJob;
  state: "waiting" | "active" | "done" | "parked";
  attempts: number;
  runAt: number;
  error: string;
}

/** How long a delivered job stays known, so a late duplicate records nothing (Halo's results live about 24 h). */
const KEEP_DONE_MS = 48 * 3_600_000;

const trackedKey = (query: Pick<TrackedQuery, "source" | "siteId" | "queryId">) => `${query.source}:${query.siteId}:${query.queryId}`;

/**
 * A `DeliveryBackend` in this process's memory: completions are retried
 * with backoff and jitter, at most `concurrency` at once, each by one
 * worker; one that runs out of attempts is parked.
 *
 * @example
 * const delivery = createResultDelivery({ integrator, handler, backend: createMemoryDeliveryBackend() });
 */
export function createMemoryDeliveryBackend(): DeliveryBackend {
  const jobs = new Map<string, Entry>();
  const trackedQueries = new Map<string, TrackedQuery>();
  const delivered = new Map<string, number>();
  let worker: { run: RunJob; settings: WorkerSettings; onParked: (job: CompletionJob, error: Error) => void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let active = 0;
  let closed = false;

  const prune = (now: number) => {
    for (const [id, entry] of jobs) if (entry.state === "done" && entry.runAt + KEEP_DONE_MS < now) jobs.delete(id);
    for (const [key, until] of delivered) if (until < now) delivered.delete(key);
  };

  function schedule(): void {
    if (closed || worker === undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const entry of jobs.values()) {
      if (entry.state !== "waiting") continue;
      if (entry.runAt <= now && active < worker.settings.concurrency) runEntry(entry);
      else next = Math.min(next, entry.runAt);
    }
    if (next !== Infinity) {
      timer = setTimeout(schedule, Math.max(0, next - Date.now()));
      // A server's listener keeps the process alive; pending retries alone should not.
      (timer as unknown as { unref?: () => void }).unref?.();
    }
  }

  function runEntry(entry: Entry): void {
    const current = worker;
    if (current === undefined) return;
    entry.state = "active";
    entry.attempts += 1;
    active += 1;
    // The runner reports every failure as a rejection (never a throw past it).
    current.run(entry.job, entry.attempts).then(
      () => {
        entry.state = "done";
        entry.runAt = Date.now();
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        entry.error = failure.message;
        if (entry.attempts >= current.settings.maxAttempts) {
          entry.state = "parked";
          current.onParked(entry.job, failure);
        } else {
          entry.state = "waiting";
          entry.runAt = Date.now() + backoffDelay(entry.attempts, current.settings.backoff, Math.random());
        }
      },
    ).finally(() => {
      active -= 1;
      schedule();
    });
  }

  return {
    name: "memory",
    async track(query) {
      trackedQueries.set(trackedKey(query), { ...query });
    },
    async tracked(limit) {
      return [...trackedQueries.values()].sort((a, b) => a.startedAt - b.startedAt).slice(0, limit);
    },
    async untrack(query) {
      trackedQueries.delete(trackedKey(query));
    },
    async record(job) {
      const now = Date.now();
      prune(now);
      if (jobs.has(job.jobId)) return false;
      jobs.set(job.jobId, { job: { ...job }, state: "waiting", attempts: 0, runAt: now, error: "" });
      queueMicrotask(schedule);
      return true;
    },
    async start(run, settings, onParked) {
      worker = { run, settings, onParked };
      schedule();
    },
    async isDelivered(key) {
      return (delivered.get(key) ?? -1) >= Date.now();
    },
    async markDelivered(key, keepMs) {
      delivered.set(key, Date.now() + keepMs);
    },
    async pending() {
      return [...jobs.values()].filter((entry) => entry.state === "waiting" || entry.state === "active").map((entry) => ({ ...entry.job }));
    },
    async parked(): Promise<ParkedCompletion[]> {
      return [...jobs.values()].filter((entry) => entry.state === "parked").map((entry) => ({ job: { ...entry.job }, attempts: entry.attempts, error: entry.error }));
    },
    async retryParked(jobId) {
      let count = 0;
      for (const entry of jobs.values()) {
        if (entry.state !== "parked" || (jobId !== undefined && entry.job.jobId !== jobId)) continue;
        Object.assign(entry, { state: "waiting", attempts: 0, runAt: Date.now() });
        entry.job.via = "retry";
        count += 1;
      }
      schedule();
      return count;
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
