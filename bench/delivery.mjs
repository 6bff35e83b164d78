// 9. Result delivery (issue 21) through the BullMQ backend, against a
// redis-server started here (nothing on disk) and the simulator process:
//   - completions delivered per second: `n` recorded completions of
//     finished async queries, each fetched (getQuery + its streamed page)
//     and handed to a no-op handler, from the first receive() to the last
//     `delivered` event;
//   - baseline in the same run: a plain BullMQ job round trip (add `n`
//     jobs, a no-op worker, same Redis, same node-redis adapter);
//   - reconciliation cost: status calls one reconcile() pass makes for
//     1,000 overdue tracked queries (all finished, notifications never came),
//     and how long the pass takes.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { freePort } from "../scripts/free-port.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../js-tests/scenarios/support.mjs";

async function startRedis() {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "ignore"] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (/Ready to accept connections/.test(line)) break;
  return { url: `redis://127.0.0.1:${port}`, close: async () => (child.kill(), await once(child, "exit")) };
}

/** Finished async queries at one site, `count` of them. */
async function finishedQueries(site, count) {
  const ids = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => site.startAsyncQuery("SELECT TOP 3 InternalID FROM Patients")));
    ids.push(...batch.map((query) => query.id));
    await site.waitForQueries(batch.map((query) => query.id), { pollIntervalMs: 20 });
  }
  return ids;
}

async function plainBullMQ(url, n) {
  const [{ Queue, Worker }, { createClient }] = await Promise.all([import("bullmq"), import("redis")]);
  const clients = [];
  const connect = async () => {
    const client = createClient({ url }).on("error", () => {});
    clients.push(client);
    return client.connect();
  };
  const queue = new Queue("bench-plain", { connection: await connect() });
  let done = 0;
  let finished;
  const all = new Promise((resolve) => (finished = resolve));
  const worker = new Worker("bench-plain", async () => {}, { connection: await connect(), concurrency: 4 });
  worker.on("completed", () => ++done === n && finished());
  await worker.waitUntilReady();
  const start = performance.now();
  for (let i = 0; i < n; i++) await queue.add("job", { i }, { jobId: `plain-${i}`, removeOnComplete: true });
  await all;
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await queue.close();
  // BullMQ leaves connections it was given open.
  await Promise.all(clients.map((client) => client.close()));
  return n / seconds;
}

export async function measureDelivery({ baseUrl, n = 300, pending = 1000, log = () => {} }) {
  const halo = await import("halo-device/integrator");
  const redis = await startRedis();
  try {
    const integrator = new halo.HaloIntegratorClient({ baseUrl, subscriptionKey: SUBSCRIPTION_KEY });
    const site = integrator.site(SITE_ID);
    log(`delivery: ${n} finished queries`);
    const ids = await finishedQueries(site, n);
    log("delivery: plain BullMQ");
    const plainPerSecond = await plainBullMQ(redis.url, n);

    log("delivery: through the component");
    let delivered = 0;
    let finished;
    const all = new Promise((resolve) => (finished = resolve));
    const backend = await halo.createBullMQDeliveryBackend({ url: redis.url, queueName: "bench-delivery" });
    const delivery = halo.createResultDelivery({
      integrator,
      backend,
      reconcile: { everyMs: 0 },
      handler: async (_completion, result) => {
        if (result.source === "async") for await (const _row of result.rows());
      },
      onEvent: (event) => event.type === "delivered" && ++delivered === n && finished(),
    });
    await delivery.start();
    const start = performance.now();
    for (const queryId of ids) await delivery.receive({ id: crypto.randomUUID(), siteId: SITE_ID, queryId, webhookSource: "async" });
    await all;
    const deliveredPerSecond = n / ((performance.now() - start) / 1000);
    await delivery.close();

    // Reconciliation: `pending` finished queries tracked long ago, none notified.
    log(`delivery: reconciling ${pending}`);
    const tracked = await finishedQueries(site, pending);
    const reconciler = halo.createResultDelivery({
      integrator,
      backend: await halo.createBullMQDeliveryBackend({ url: redis.url, queueName: "bench-reconcile" }),
      handler: async () => {},
      reconcile: { everyMs: 0, overdueAfterMs: 0, batchSpacingMs: 0 },
    });
    for (const queryId of tracked) await reconciler.track({ source: "async", siteId: SITE_ID, queryId, startedAt: Date.now() - 3_600_000 });
    const passStart = performance.now();
    const report = await reconciler.reconcile();
    const passMs = performance.now() - passStart;
    await reconciler.close();
    return { n, deliveredPerSecond, plainPerSecond, pending, statusCalls: report.statusCalls, found: report.found, passMs };
  } finally {
    await redis.close();
  }
}
