// The durable delivery backend: BullMQ on Redis, through node-redis (the
// one Redis client library the package uses; BullMQ's own node-redis
// adapter). BullMQ does the queue work: a job id per completion
// (deduplication), attempts with our backoff, a lock per running job and
// stalled-job recovery when a worker dies. Beside its queue, Redis holds
// the tracked queries (a sorted set), the delivered keys and the recorded
// marks (SET NX PX): records, not a queue or lease protocol.
//
// bullmq and redis are optional peer dependencies of halo-device/integrator:
// loaded here with a dynamic import, so the entry works without them.
import { HaloValidationError } from "../../errors.js";
import { createRedisSeenStore, type RedisSetClient } from "./redis-seen.js";
import { backoffDelay } from "../delivery/plan.js";
import type { CompletionJob, DeliveryBackend, ParkedCompletion, TrackedQuery } from "../delivery/types.js";

// The parts of node-redis and BullMQ used here, declared structurally: the
// package's declarations must not name optional dependencies' types.
interface RedisClient extends RedisSetClient {
  connect(): Promise<unknown>;
  on(event: "error", listener: (error: Error) => void): unknown;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { condition?: "NX"; expiration: { type: "PX"; value: number } }): Promise<string | null>;
  zAdd(key: string, members: { score: number; value: string }[], options: { condition: "NX" }): Promise<number>;
  zRem(key: string, members: string[]): Promise<number>;
  zRangeWithScores(key: string, start: number, stop: number): Promise<{ value: string; score: number }[]>;
  close(): Promise<void>;
  destroy(): void;
}
interface RedisModule {
  createClient(options: Record<string, unknown>): RedisClient;
}
interface BullJob {
  id?: string;
  data: CompletionJob;
  attemptsMade: number;
  failedReason?: string;
  opts: { attempts?: number };
  retry(state: "failed", options: { resetAttemptsMade: boolean; resetAttemptsStarted: boolean }): Promise<void>;
  updateData(data: CompletionJob): Promise<void>;
}
interface BullQueue {
  add(name: string, data: CompletionJob, options: Record<string, unknown>): Promise<unknown>;
  getJobs(states: string[], start?: number, end?: number): Promise<(BullJob | undefined)[]>;
  getJob(id: string): Promise<BullJob | undefined>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): unknown;
}
interface BullWorker {
  on(event: "failed", listener: (job: BullJob | undefined, error: Error) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}
interface BullModule {
  Queue: new (name: string, options: Record<string, unknown>) => BullQueue;
  Worker: new (name: string, processor: (job: BullJob) => Promise<void>, options: Record<string, unknown>) => BullWorker;
}

/** What `createBullMQDeliveryBackend` takes. */
export interface BullMQDeliveryOptions {
  /** `redis://host:port`; every connection is made from it. */
  url: string;
  /** The BullMQ queue's name; default `"halo-delivery"`. Receivers sharing one Redis and one name share the work. */
  queueName?: string;
  /** Prefix of every key (BullMQ's and ours); default `"halo"`. */
  prefix?: string;
  /** How long a command waits for Redis before failing (so a webhook is answered 5xx quickly); default 3 s. */
  commandTimeoutMs?: number;
  /** Told of connection errors (Redis down, reconnecting); default nothing. */
  onError?: (error: Error) => void;
}

// A literal specifier would make tsc resolve (and type-check) the optional
// packages; a variable keeps them out of the build and the bundle.
const load = (name: string): Promise<unknown> => import(name);

async function optional<T>(name: string): Promise<T> {
  try {
    return (await load(name)) as T;
  } catch (cause) {
    throw new HaloValidationError(`the BullMQ delivery backend needs the optional peer dependencies bullmq and redis: npm install bullmq redis (${name} did not load)`, {
      code: "HALO_VALIDATION",
      retryable: false,
      field: "backend",
      cause,
    });
  }
}

const trackedMember = (query: Pick<TrackedQuery, "source" | "siteId" | "queryId">) => `${query.source}|${query.siteId}|${query.queryId}`;

function withTimeout<T>(running: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer ${what} within ${ms} ms`)), ms);
    running.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * A durable `DeliveryBackend` on BullMQ and Redis: every receiver process
 * given the same `url` and `queueName` shares the completions, each run by
 * one worker at a time; a worker that dies mid-delivery loses its lock and
 * its completion is taken by another after `leaseMs`.
 *
 * @example
 * const delivery = createResultDelivery({ integrator, handler, backend: await createBullMQDeliveryBackend({ url: process.env.REDIS_URL! }) });
 * await delivery.start();
 */
export async function createBullMQDeliveryBackend(options: BullMQDeliveryOptions): Promise<DeliveryBackend> {
  const url = options?.url;
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new HaloValidationError("url must be a redis:// or rediss:// URL", { code: "HALO_VALIDATION", retryable: false, field: "url" });
  }
  const [bullmq, redisModule] = await Promise.all([optional<BullModule>("bullmq"), optional<RedisModule>("redis")]);
  const queueName = options.queueName ?? "halo-delivery";
  const prefix = options.prefix ?? "halo";
  const commandTimeoutMs = options.commandTimeoutMs ?? 3_000;
  const onError = (error: Error) => {
    try {
      options.onError?.(error);
    } catch {
      // A logging hook must not take the backend down.
    }
  };
  const keys = { tracked: `${prefix}:${queueName}:tracked`, delivered: `${prefix}:${queueName}:delivered:`, recorded: `${prefix}:${queueName}:recorded:` };
  // Reconnects forever with a capped delay: a Redis restart must not end the receiver.
  const socket = { connectTimeout: 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) };
  // Every client made here, closed by close(): BullMQ leaves a connection it was given open.
  const clients: RedisClient[] = [];
  const connect = async (offlineQueue: boolean) => {
    const client = redisModule.createClient({ url, disableOfflineQueue: !offlineQueue, socket });
    // Without a listener, a dropped connection's "error" event ends the process.
    client.on("error", onError);
    clients.push(client);
    await client.connect();
    return client;
  };
  // Commands and the queue's writes fail at once while Redis is down (the
  // webhook is answered 5xx); the worker's connection queues and retries.
  const commands = await connect(false);
  const recorded = createRedisSeenStore(commands, { prefix: keys.recorded });
  const queue = new bullmq.Queue(queueName, { connection: await connect(false), prefix });
  queue.on("error", onError);
  await queue.waitUntilReady();
  let worker: BullWorker | undefined;
  const timed = <T>(running: Promise<T>, what: string) => withTimeout(running, commandTimeoutMs, what);

  return {
    name: "bullmq",
    async track(query) {
      await timed(commands.zAdd(keys.tracked, [{ score: query.startedAt, value: trackedMember(query) }], { condition: "NX" }), "ZADD");
    },
    async tracked(limit) {
      const entries = await timed(commands.zRangeWithScores(keys.tracked, 0, limit - 1), "ZRANGE");
      return entries.flatMap(({ value, score }) => {
        const [source, siteId, queryId] = value.split("|");
        return (source === "async" || source === "registered") && siteId && queryId ? [{ source, siteId, queryId, startedAt: score }] : [];
      });
    },
    async untrack(query) {
      await timed(commands.zRem(keys.tracked, [trackedMember(query)]), "ZREM");
    },
    async record(job, settings) {
      // The job first, then the mark: a mark never exists without its job,
      // and a crash between the two only makes a redelivery look new (the
      // job id still deduplicates it).
      const jobOptions = {
        jobId: job.jobId,
        attempts: settings.maxAttempts,
        backoff: { type: "halo" },
        // Kept for two days, so a late duplicate finds its job and records nothing.
        removeOnComplete: { age: 48 * 3_600 },
        removeOnFail: false,
      };
      await timed(queue.add("completion", job, jobOptions), "the job's ADD");
      return !(await timed(Promise.resolve(recorded.seen(job.jobId, Date.now() + 48 * 3_600_000)), "the record's SET"));
    },
    async start(run, settings, onParked) {
      if (worker !== undefined) return;
      worker = new bullmq.Worker(queueName, (job) => run(job.data, job.attemptsMade + 1), {
        connection: await connect(true),
        prefix,
        concurrency: settings.concurrency,
        lockDuration: settings.leaseMs,
        stalledInterval: Math.max(500, Math.floor(settings.leaseMs / 2)),
        // A completion whose workers keep dying is parked after as many stalls as attempts.
        maxStalledCount: settings.maxAttempts,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, settings.backoff, Math.random()) },
      });
      worker.on("error", onError);
      worker.on("failed", (job, error) => {
        if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) onParked(job.data, error);
      });
      await worker.waitUntilReady();
    },
    async isDelivered(key) {
      return (await timed(commands.get(`${keys.delivered}${key}`), "GET")) !== null;
    },
    async markDelivered(key, keepMs) {
      await timed(commands.set(`${keys.delivered}${key}`, "1", { expiration: { type: "PX", value: Math.max(1, Math.ceil(keepMs)) } }), "SET");
    },
    async pending() {
      const jobs = await queue.getJobs(["waiting", "active", "delayed", "prioritized"]);
      return jobs.flatMap((job) => (job === undefined ? [] : [job.data]));
    },
    async parked(): Promise<ParkedCompletion[]> {
      const jobs = await queue.getJobs(["failed"]);
      return jobs.flatMap((job) => (job === undefined ? [] : [{ job: job.data, attempts: job.attemptsMade, error: job.failedReason ?? "" }]));
    },
    async retryParked(jobId) {
      const jobs = jobId === undefined ? await queue.getJobs(["failed"]) : [await queue.getJob(jobId)];
      let count = 0;
      for (const job of jobs) {
        if (job === undefined) continue;
        await job.updateData({ ...job.data, via: "retry" });
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        count += 1;
      }
      return count;
    },
    async close() {
      await worker?.close();
      await queue.close();
      await Promise.all(clients.map((client) => client.close().catch(() => client.destroy())));
    },
  };
}
