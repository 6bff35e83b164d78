// Two webhook receivers behind a load balancer, for real: two processes of
// examples/webhooks/receiver.mjs with REDIS_URL pointing at one redis-server
// (Debian's, installed by scripts/setup.sh, started here on a free port with
// nothing written to disk). A notification both receive is recorded once
// and delivered once; two in-memory receivers each deliver it; with Redis
// gone, a notification is refused with a 5xx and not marked seen, so the
// same notification is accepted once Redis is back, and delivered even when
// that Redis is a new, empty server (a restart, not a cut connection).
// Each test stops the receivers it started: receivers left running on the
// shared Redis would share its queue, and one of them could deliver the
// next test's notification.
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

const hasExited = (child) => child.exitCode !== null || child.signalCode !== null;

/** Stops a receiver (SIGTERM: it closes its delivery and exits; SIGKILL if that takes over 5 s) and waits for it to exit. */
async function stopReceiver(child) {
  if (hasExited(child)) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const stuck = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(stuck);
}

/** A receiver, stopped when the test `t` ends. */
async function startReceiver(t, env = {}) {
  const child = await startChild(
    process.execPath,
    [join(ROOT, "examples", "webhooks", "receiver.mjs")],
    { HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, HALO_WEBHOOK_SECRET: SECRET, PORT: "0", ...env },
    /^webhook receiver listening on /,
  );
  t.after(() => stopReceiver(child));
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

/** Waits up to `withinMs` for a receiver's log line (it logs after it answered). */
async function logged(receiver, pattern, withinMs = 5_000) {
  const deadline = Date.now() + withinMs;
  while (!receiver.lines.some((line) => pattern.test(line)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
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
  // A child killed by a signal has a null exitCode but will never emit "exit" again.
  // SIGKILL: a receiver's graceful stop is not what this file tests.
  const running = children.filter((child) => !hasExited(child));
  const exits = running.map((child) => once(child, "exit"));
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(exits);
  await simulator?.close();
  await recorder?.close();
});

test("a notification both receivers sharing Redis get is recorded once and delivered once", { skip: REDIS_MISSING }, async (t) => {
  const [first, second] = await Promise.all([startReceiver(t, { REDIS_URL: redisUrl }), startReceiver(t, { REDIS_URL: redisUrl })]);
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

test("two in-memory receivers each deliver the same notification (why the shared store exists)", async (t) => {
  const [first, second] = await Promise.all([startReceiver(t), startReceiver(t)]);
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

test("with Redis gone a notification is refused with a 5xx and not marked seen: once a restarted Redis is back it is accepted and delivered", { skip: REDIS_MISSING }, async (t) => {
  const receiver = await startReceiver(t, { REDIS_URL: redisUrl });
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
  assert.ok(await logged(receiver, new RegExp(`^event recorded async ${delivery.siteId} ${delivery.queryId}$`)), receiver.lines.join("\n"));
  // The new Redis is empty (nothing on disk): the worker's connections
  // reconnect to it, BullMQ's scripts are loaded again (EVALSHA's NOSCRIPT
  // falls back to EVAL), and the only receiver on this Redis delivers it.
  // 15 s: the reconnect delay is capped at 2 s; the rest is slack for a loaded machine.
  assert.ok(await logged(receiver, new RegExp(`^delivered async ${delivery.siteId} ${delivery.queryId} 1$`), 15_000), receiver.lines.join("\n"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(deliveredLines(receiver, delivery.queryId).length, 1, "delivered once");
});
