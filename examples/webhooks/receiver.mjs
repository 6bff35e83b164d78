#!/usr/bin/env node
// A webhook receiver in the integrator's cloud, on halo-device's result
// delivery: each notification from Halo Cloud is verified (signature, age,
// payload), recorded durably, then acknowledged; workers fetch the result
// (every page of an async result, streamed; or the registered query's
// result) and hand it to `handle` below, retrying with backoff; and
// reconciliation asks Halo about tracked queries whose notification never
// came. Nothing is lost when a notification is dropped, duplicated or early,
// when this process dies mid-delivery, or when Redis drops for a while.
//
//   HALO_BASE_URL=… HALO_SUBSCRIPTION_KEY=… HALO_WEBHOOK_SECRET=… PORT=… [REDIS_URL=redis://…] node examples/webhooks/receiver.mjs
//
// With REDIS_URL the completions live in Redis (BullMQ), shared by every
// copy of the receiver behind a load balancer: any copy may record a
// notification and any copy's workers deliver it, one at a time. Without
// it they live in this process's memory (development only).
//
// POST /halo/queries takes a device's report of a query it started (the
// device client's onQueryStarted); this example accepts any report for a
// GUID-shaped site: authorize against your sessions in yours.
//
// First stdout line: "webhook receiver listening on http://127.0.0.1:<port> (replays remembered in …)";
// then one line per delivered result: "delivered <source> <siteId> <queryId> <rows>".
// Events (recorded, retries, parked, …) go to stderr, one line each.
import { serve } from "@hono/node-server";
import {
  HaloIntegratorClient,
  createBullMQDeliveryBackend,
  createQueryReportHandler,
  createResultDelivery,
  createWebhookHandler,
} from "halo-device/integrator";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const secret = process.env.HALO_WEBHOOK_SECRET ?? "sim-webhook-secret";
const redisUrl = process.env.REDIS_URL;
// Optional tuning (the defaults suit production): how soon reconciliation
// asks about a query with no notification, and how fast retries come.
const overdueAfterMs = Number(process.env.HALO_RECONCILE_AFTER_MS ?? 600_000);
const fast = process.env.HALO_DELIVERY_FAST === "1";

const integrator = new HaloIntegratorClient({ baseUrl, subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key" });

/**
 * Your code: store the result where it belongs, keyed by `completion.key`
 * (the same key for every delivery of one result), so a second delivery
 * overwrites instead of adding. Here it counts the rows and prints a line.
 */
async function handle(completion, result) {
  console.error(`handling ${completion.key} (attempt ${completion.attempt})`);
  let rows = 0;
  if (result.source === "async") {
    // One row at a time, however large the page.
    for await (const _row of result.rows()) rows += 1;
  } else {
    rows = result.rows.length;
  }
  console.error(`stored ${rows} row(s) under ${completion.key}`);
  console.log(`delivered ${completion.source} ${completion.siteId} ${completion.queryId} ${rows}`);
}

const backend = redisUrl
  ? await createBullMQDeliveryBackend({ url: redisUrl, onError: (error) => console.error(`redis: ${error.message}`) })
  : undefined;
const delivery = createResultDelivery({
  integrator,
  handler: handle,
  ...(backend ? { backend } : {}),
  onEvent: (event) => {
    const about = "job" in event ? event.job : "completion" in event ? event.completion : "query" in event ? event.query : event;
    const ids = "siteId" in about ? ` ${about.source} ${about.siteId} ${about.queryId}` : "";
    const error = "error" in event ? `: ${event.error.message}` : "";
    console.error(`event ${event.type}${ids}${event.type === "recorded" && event.duplicate ? " (duplicate)" : ""}${error}`);
  },
  ...(fast ? { backoff: { baseMs: 50, maxMs: 1_000 }, leaseMs: 2_000, attemptTimeoutMs: 10_000, maxAttempts: 30 } : {}),
  reconcile: { overdueAfterMs, recheckEveryMs: Math.max(500, overdueAfterMs / 2), everyMs: Math.max(500, Math.min(60_000, overdueAfterMs / 2)), batchSpacingMs: fast ? 20 : 1_000 },
});
await delivery.start();

const receive = createWebhookHandler({
  delivery,
  secret,
  onRefused: ({ status, reason }) => console.error(`refused ${status} (${reason})`),
});
const report = createQueryReportHandler({ delivery, authorize: () => true });

const server = serve({
  port: Number(process.env.PORT ?? 0),
  hostname: "127.0.0.1",
  fetch: (request) => (new URL(request.url).pathname === "/halo/queries" ? report(request) : receive(request)),
});
server.once("listening", () => {
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  console.log(`webhook receiver listening on http://127.0.0.1:${port} (replays remembered in ${redisUrl ? "Redis" : "memory"})`);
});

const stop = async () => {
  server.close();
  // A job cut short is redelivered after its lease; never hang on the way out.
  await Promise.race([delivery.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
