// Two webhook receivers behind a load balancer, for real: two processes of
// examples/webhooks/receiver.mjs with REDIS_URL pointing at one redis-server
// (Debian's, installed by scripts/setup.sh, started here on a free port with
// nothing written to disk). A notification both receive is recorded once
// and delivered once; two in-memory receivers each deliver it; with Redis
// gone, a notification is refused with a 5xx and not marked seen, so the
// same notification is accepted and recorded once Redis is back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { HaloDeviceClient } from "halo-device";
import { startSimulator } from "../../simulator/index.mjs";
import { deviceClient, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { freePort } from "../../scripts/free-port.mjs";
import { ROOT } from "../packaging/support.mjs";
import { startRecorder } from "./support.mjs";

const SECRET = "redis-replay-webhook-secret";
const REDIS_MISSING = spawnSync("redis-server", ["--version"]).error
  ? "redis-server is not installed (scripts/setup.sh installs Debian's redis-server package)"
  : false;

const children = [];
let simulator;
let redis;
let redisUrl;
let redisPort;
let recorder;

/** A child process whose output lines are kept; resolves once a line matches `ready`. */
async function startChild(command, args, env, ready) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  child.lines = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => child.lines.push(line));
  const deadline = Date.now() + 15_000;
  while (!child.lines.some((line) => ready.test(line))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command} did not start:\n${child.lines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

async function startReceiver(env = {}) {
  const child = await startChild(
    process.execPath,
    [join(ROOT, "examples", "webhooks", "receiver.mjs")],
    { HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, HALO_WEBHOOK_SECRET: SECRET, PORT: "0", ...env },
    /^webhook receiver listening on /,
  );
  child.url = child.lines.find((line) => line.startsWith("webhook receiver listening on ")).match(/http:\/\/\S+/)[0];
  return child;
}

/** A signed webhook from the simulator, for an async query that finished. */
async function newDelivery() {
  const { client } = deviceClient({ HaloDeviceClient }, simulator.url);
  const started = await client.startAsyncQuery("SELECT 1 AS one");
  await client.waitForQuery(started.id, { pollIntervalMs: 10 });
  for (let i = 0; i < 200 && !recorder.received.some((d) => d.rawBody.includes(started.id)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const delivery = recorder.received.find((d) => d.rawBody.includes(started.id));
  assert.ok(delivery, "the simulator delivered the webhook");
  return { ...delivery, queryId: started.id, siteId: JSON.parse(delivery.rawBody).siteId };
}

/** Posts the delivery exactly as Halo sent it; resolves the receiver's status. */
async function deliver(receiver, { rawBody, headers }) {
  const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith("x-halo-") || name === "content-type"));
  const response = await fetch(receiver.url, { method: "POST", headers: forwarded, body: rawBody });
  return response.status;
}

/** Waits for a receiver's log line (it logs after it answered). */
async function logged(receiver, pattern) {
  for (let i = 0; i < 500 && !receiver.lines.some((line) => pattern.test(line)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return receiver.lines.find((line) => pattern.test(line));
}

const deliveredLines = (receiver, queryId) => receiver.lines.filter((line) => line.startsWith("delivered async ") && line.includes(queryId));

/** A redis-server on `port`, nothing written to disk. */
const startRedis = (port) =>
  startChild("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, /Ready to accept connections/);

before(async () => {
  // The simulator's webhooks are only recorded here, then delivered by the test.
  recorder = await startRecorder();
  const webhookUrl = `${recorder.url}/halo/{source}/{siteId}/{queryId}`;
  redisPort = await freePort();
  [simulator, redis] = await Promise.all([
    startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, webhookUrl, webhookSecret: SECRET, asyncStepMs: 5 }),
    REDIS_MISSING ? null : startRedis(redisPort),
  ]);
  redisUrl = `redis://127.0.0.1:${redisPort}`;
});

after(async () => {
  // SIGKILL: a receiver's graceful stop is not what this file tests, and a
  // test must never wait on one.
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, "exit") : null)));
  await simulator?.close();
  await recorder?.close();
});

test("a notification both receivers sharing Redis get is recorded once and delivered once", { skip: REDIS_MISSING }, async () => {
  const [first, second] = await Promise.all([startReceiver({ REDIS_URL: redisUrl }), startReceiver({ REDIS_URL: redisUrl })]);
  assert.match(first.lines[0], /\(replays remembered in Redis\)$/);
  const delivery = await newDelivery();
  assert.equal(await deliver(first, delivery), 204, "the first receiver records it");
  assert.equal(await deliver(second, delivery), 204, "the second acknowledges the duplicate");
  assert.equal(await deliver(first, delivery), 204, "and so does the first, again");
  const rows = new RegExp(`^delivered async ${delivery.siteId} ${delivery.queryId} 1$`);
  for (let i = 0; i < 500 && ![first, second].some((r) => r.lines.some((line) => rows.test(line))); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(deliveredLines(first, delivery.queryId).length + deliveredLines(second, delivery.queryId).length, 1, [...first.lines, ...second.lines].join("\n"));
  const duplicates = [...first.lines, ...second.lines].filter((line) => line.startsWith("event recorded") && line.endsWith("(duplicate)"));
  assert.equal(duplicates.length, 2, "both later deliveries were recognised as duplicates");
});

test("two in-memory receivers each deliver the same notification (why the shared store exists)", async () => {
  const [first, second] = await Promise.all([startReceiver(), startReceiver()]);
  assert.match(first.lines[0], /\(replays remembered in memory\)$/);
  const delivery = await newDelivery();
  assert.equal(await deliver(first, delivery), 204);
  assert.equal(await deliver(second, delivery), 204, "the other copy has never seen it");
  assert.equal(await deliver(first, delivery), 204, "each copy ignores its own duplicate");
  assert.ok(await logged(first, /^delivered async /));
  assert.ok(await logged(second, /^delivered async /));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(deliveredLines(first, delivery.queryId).length, 1);
});

test("with Redis gone a notification is refused with a 5xx and not marked seen: once Redis is back it is accepted and recorded", { skip: REDIS_MISSING }, async () => {
  const receiver = await startReceiver({ REDIS_URL: redisUrl });
  const delivery = await newDelivery();
  redis.kill("SIGKILL");
  await once(redis, "exit");
  assert.equal(await deliver(receiver, delivery), 503);
  assert.ok(await logged(receiver, /refused 503 \(store unavailable\)/));
  assert.ok(!receiver.lines.some((line) => line.startsWith("delivered")), "nothing was delivered");
  redis = await startRedis(redisPort);
  let status;
  for (let i = 0; i < 100 && status !== 204; i++) {
    status = await deliver(receiver, delivery);
    if (status !== 204) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, 204, "the same notification is recorded once Redis is back");
  // Recorded in the new Redis. (Delivery after a Redis *restart* is not
  // asserted: this Redis keeps nothing on disk, and BullMQ's worker has been
  // seen not to resume on a restarted server; see docs/result-delivery.md.
  // A cut connection to a Redis that stays up is the chaos test's case.)
  assert.ok(await logged(receiver, new RegExp(`^event recorded async ${delivery.siteId} ${delivery.queryId}$`)), receiver.lines.join("\n"));
});
