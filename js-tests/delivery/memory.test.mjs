// Result delivery with the in-memory backend, in one process, against the
// simulator: every tracked query's result reaches the handler although a
// third of the notifications are dropped on the way, handlers fail (some
// throwing non-Errors), a notification arrives twice, a result page is cut
// mid-stream, and the store is down when a notification arrives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { serve } from "@hono/node-server";
import * as halo from "halo-device/integrator";
import { HaloDeviceClient } from "halo-device";
import { SEEDED_SITES, startSimulator } from "../../simulator/index.mjs";
import { fault } from "../scenarios/support.mjs";
import { KEY } from "../integrator/support.mjs";

const SECRET = "delivery-memory-secret";
const SITES = SEEDED_SITES.filter((site) => site.authoritative).slice(0, 3).map((site) => site.id);
const FAST = { backoff: { baseMs: 5, maxMs: 40 }, reconcile: { overdueAfterMs: 150, recheckEveryMs: 50, batchSpacingMs: 5, everyMs: 60 } };

let simulator;
let front;
/** What the front door does with each notification before the receiver sees it. */
let route = () => "forward";
let receive = async () => new Response(null, { status: 503 });
const notifications = [];

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(20);
  }
}

before(async () => {
  // The front door stands in for the network and load balancer in front of the receiver.
  front = serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const copy = request.clone();
      const body = await copy.text();
      notifications.push(body);
      if (route(JSON.parse(body)) === "drop") return new Response(null, { status: 204 });
      return receive(request);
    },
  });
  await new Promise((resolve) => front.once("listening", resolve));
  simulator = await startSimulator({
    subscriptionKey: KEY,
    webhookUrl: `http://127.0.0.1:${front.address().port}/halo/{source}`,
    webhookSecret: SECRET,
    asyncStepMs: 5,
    pageRows: 2,
    registeredTimeScale: 0.001,
  });
});

after(async () => {
  await simulator?.close();
  await new Promise((resolve) => front.close(resolve));
});

function setUp(options = {}) {
  const events = [];
  const calls = [];
  const integrator = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY });
  const delivery = halo.createResultDelivery({
    integrator,
    ...FAST,
    onEvent: (event) => events.push(event),
    handler: async (completion, result) => {
      const rows = [];
      if (result.source === "async") for await (const row of result.rows()) rows.push(row);
      else rows.push(...result.rows);
      calls.push({ completion, rows });
      await options.handler?.(completion, rows);
    },
    ...options.delivery,
  });
  receive = halo.createWebhookHandler({ delivery, secret: SECRET });
  const tracked = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY, tracker: delivery });
  return { delivery, events, calls, tracked };
}

test("every result is delivered once notifications are dropped and handlers fail, with one key per result", async () => {
  let n = 0;
  route = () => (n++ % 3 === 0 ? "drop" : "forward");
  const failures = new Map();
  const thrown = ["a string", undefined, { not: "an error" }, 42];
  const { delivery, events, calls, tracked } = setUp({
    // Every other result fails its first two attempts, throwing anything.
    handler: async (completion) => {
      const count = failures.get(completion.key) ?? 0;
      if (count < 2 && completion.queryId.charCodeAt(completion.queryId.length - 1) % 2 === 0) {
        failures.set(completion.key, count + 1);
        throw thrown[count % thrown.length];
      }
    },
  });
  await delivery.start();
  const started = [];
  for (let i = 0; i < 24; i++) {
    const site = tracked.site(SITES[i % SITES.length]);
    started.push({ siteId: SITES[i % SITES.length], queryId: (await site.startAsyncQuery(`SELECT InternalID, Surname FROM Patients WHERE InternalID > ${i % 3}`)).id });
  }
  const registered = await tracked.site(SITES[0]).createRegisteredQuery({ name: "delivery-test", command: "SELECT InternalID FROM Patients", frequencySeconds: 60, durationSeconds: 600 });
  assert.equal((await delivery.tracked()).length >= 1, true, "the client tracked what it started");

  const delivered = () => new Set(calls.map((call) => `${call.completion.source}:${call.completion.siteId}:${call.completion.queryId}`));
  await until(() => started.every((q) => delivered().has(`async:${q.siteId}:${q.queryId}`)) && delivered().has(`registered:${SITES[0]}:${registered.id}`), "every result");

  const counters = delivery.counters();
  assert.ok(counters.completedByReconciliation > 0, `dropped notifications were found by reconciliation: ${JSON.stringify(counters)}`);
  assert.ok(counters.completedByNotification > 0);
  assert.ok(counters.handlerFailures > 0 && counters.parked === 0, JSON.stringify(counters));
  // Each result's rows are whole: the handler saw every page.
  for (const call of calls.filter((c) => c.completion.source === "async")) assert.ok(call.rows.length > 0);
  // A non-Error throw reaches the events as a typed error that keeps it as its cause.
  const nonError = events.find((event) => event.type === "handlerFailed" && event.error.cause === "a string");
  assert.ok(nonError, "a thrown string is reported");
  assert.equal(nonError.error.name, "HaloValidationError");
  assert.equal(nonError.error.field, "handler");
  // The key is the same however the result came.
  const keys = calls.map((call) => call.completion.key);
  for (const call of calls) {
    const expected = call.completion.source === "async" ? `async:${call.completion.siteId}:${call.completion.queryId}` : new RegExp(`^registered:${call.completion.siteId}:${call.completion.queryId}:.+`);
    if (typeof expected === "string") assert.equal(call.completion.key, expected);
    else assert.match(call.completion.key, expected);
  }
  assert.equal(new Set(keys).size, started.length + 1, "one key per result");
  await until(async () => (await delivery.pending()).length === 0, "the queue to drain");
  await delivery.close();
});

test("a duplicate notification is acknowledged and ignored; a forgery, a GET and an oversize body are refused", async () => {
  route = () => "forward";
  const { delivery, calls, tracked } = setUp();
  await delivery.start();
  const site = tracked.site(SITES[1]);
  const { id } = await site.startAsyncQuery("SELECT InternalID FROM Patients");
  await until(() => calls.some((call) => call.completion.queryId === id), "the delivery");
  const sent = simulator.webhooks().find((hook) => hook.body.includes(id));
  const last = sent.attempts.at(-1);
  const again = () =>
    fetch(`http://127.0.0.1:${front.address().port}/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Halo-Id": sent.id, "X-Halo-Timestamp": last.timestamp, "X-Halo-Signature-256": last.signature },
      body: sent.body,
    });
  assert.equal((await again()).status, 204, "a duplicate is acknowledged");
  assert.equal(delivery.counters().duplicateNotifications, 1);
  await wait(100);
  assert.equal(calls.filter((call) => call.completion.queryId === id).length, 1, "and not delivered again");

  const url = `http://127.0.0.1:${front.address().port}/`;
  const forged = await fetch(url, { method: "POST", headers: { "X-Halo-Id": sent.id, "X-Halo-Timestamp": last.timestamp, "X-Halo-Signature-256": "0".repeat(64) }, body: sent.body });
  assert.equal(forged.status, 401);
  const huge = await receive(new Request(url, { method: "POST", body: "x".repeat(70_000) }));
  assert.equal(huge.status, 413);
  assert.equal((await receive(new Request(url, { method: "GET" }))).status, 405);
  await delivery.close();
});

test("with the store down a notification is answered 503 and not marked seen: its redelivery is recorded", async () => {
  route = () => "forward";
  const backend = halo.createMemoryDeliveryBackend();
  let down = true;
  const flaky = { ...backend, record: (job) => (down ? Promise.reject(new Error("store unreachable")) : backend.record(job)) };
  const { delivery, calls } = setUp({ delivery: { backend: flaky, reconcile: { everyMs: 0 } } });
  await delivery.start();
  const integrator = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY });
  const { id } = await integrator.site(SITES[2]).startAsyncQuery("SELECT InternalID FROM Patients");
  await until(() => simulator.webhooks().some((hook) => hook.body.includes(id) && hook.attempts.length > 0), "the notification");
  const sent = simulator.webhooks().find((hook) => hook.body.includes(id));
  assert.equal(sent.attempts[0].status, 503);
  assert.equal(delivery.counters().completedByNotification, 0);
  down = false;
  const first = sent.attempts[0];
  const replayed = await fetch(`http://127.0.0.1:${front.address().port}/`, {
    method: "POST",
    headers: { "X-Halo-Id": sent.id, "X-Halo-Timestamp": first.timestamp, "X-Halo-Signature-256": first.signature },
    body: sent.body,
  });
  assert.equal(replayed.status, 204, "the same notification is accepted once the store is back");
  await until(() => calls.some((call) => call.completion.queryId === id), "its delivery");
  await delivery.close();
});

test("a result page cut mid-stream fails the attempt even when the handler swallows the error; the retry delivers every row", async () => {
  let swallowed = 0;
  const events = [];
  const integrator = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY });
  const seen = [];
  const delivery = halo.createResultDelivery({
    integrator,
    ...FAST,
    onEvent: (event) => events.push(event),
    handler: async (completion, result) => {
      const rows = [];
      try {
        for await (const row of result.rows()) rows.push(row);
      } catch (error) {
        swallowed += 1; // a careless handler: the component must not mark this delivered
        assert.equal(error.code, "HALO_PROTOCOL");
      }
      seen.push({ completion, rows: rows.length, expected: result.rowCount });
    },
  });
  route = () => "drop"; // this query's completion is handed in below, after its fault is set
  await delivery.start();
  const { id } = await integrator.site(SITES[0]).startAsyncQuery("SELECT InternalID FROM Patients");
  await fault(simulator.url, { path: `${id}/results/2/stream`, cutAfterBytes: 5, times: 1 });
  await delivery.receive({ id: "0b7c6f0e-9d3a-4c51-8e2f-4a1b2c3d4e5f", siteId: SITES[0], queryId: id, webhookSource: "async" });
  await until(() => events.some((event) => event.type === "delivered" && event.completion.queryId === id), "the delivery");
  // Only this query's deliveries: earlier tests' notifications may still arrive.
  const mine = seen.filter((entry) => entry.completion.queryId === id);
  assert.equal(swallowed, 1);
  assert.equal(mine.length, 2, "the cut attempt, then the whole retry");
  assert.ok(mine[0].rows < mine[0].expected);
  assert.equal(mine[1].rows, mine[1].expected);
  // (An attempt before the query finished may come first: it fails before the handler.)
  assert.ok(mine[1].completion.attempt > mine[0].completion.attempt);
  await delivery.close();
});

test("a completion that runs out of attempts is parked with an event and delivered by retryParked()", async () => {
  route = () => "forward";
  let broken = true;
  const { delivery, events, calls, tracked } = setUp({
    delivery: { maxAttempts: 2 },
    handler: async () => {
      if (broken) throw new Error("database offline");
    },
  });
  await delivery.start();
  const { id } = await tracked.site(SITES[1]).startAsyncQuery("SELECT InternalID FROM Patients");
  await until(async () => (await delivery.parked()).length === 1, "the park");
  assert.ok(events.some((event) => event.type === "parked" && event.job.queryId === id && event.error.message === "database offline"), JSON.stringify(events.map((e) => [e.type, e.job?.queryId, e.error?.message])));
  broken = false;
  assert.equal(await delivery.retryParked(), 1);
  await until(() => events.some((event) => event.type === "delivered" && event.completion.queryId === id), "the retried delivery");
  assert.equal(calls.at(-1).completion.via, "retry");
  assert.equal((await delivery.parked()).length, 0);
  await delivery.close();
});

test("a device reports the queries it starts to the server kit's endpoint, which tracks them when authorized", async () => {
  route = () => "drop"; // no notification at all: only the report and reconciliation
  const { delivery, calls } = setUp();
  await delivery.start();
  let allow = true;
  const report = halo.createQueryReportHandler({ delivery, authorize: async (_request, { siteId }) => allow && siteId === SITES[0] });
  const token = await new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY }).issueDeviceToken({ siteId: SITES[0], deviceId: "delivery-device-4f3a9c21d4e5b6a7" });
  const statuses = [];
  const device = new HaloDeviceClient({
    baseUrl: simulator.url,
    siteId: SITES[0],
    deviceId: "delivery-device-4f3a9c21d4e5b6a7",
    getToken: async () => token,
    onQueryStarted: async (query) => {
      const response = await report(new Request("http://cloud.test/halo/queries", { method: "POST", body: JSON.stringify(query) }));
      statuses.push(response.status);
      if (!response.ok) throw new Error(`report refused: ${response.status}`);
    },
  });
  const { id } = await device.startAsyncQuery("SELECT InternalID FROM Patients");
  assert.deepEqual(statuses, [204]);
  await until(() => calls.some((call) => call.completion.queryId === id), "the reported query's delivery");
  allow = false;
  const refused = await device.startAsyncQuery("SELECT 1 AS one").then(
    () => undefined,
    (error) => error,
  );
  assert.equal(refused?.code, "HALO_UNAVAILABLE", "a failed report is the start call's typed error");
  assert.match(refused.message, /was started, but recording it failed/);
  assert.equal((await report(new Request("http://cloud.test/", { method: "POST", body: "{" }))).status, 400);
  device.close();
  await delivery.close();
});
