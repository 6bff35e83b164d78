// THE chaos test for result delivery (issue 21): no completed query is lost.
//
// A real redis-server (started and stopped here, nothing on disk) behind a
// TCP proxy the test can cut; the simulator in `once` mode (each
// notification sent once, never retried) dropping 30% and duplicating 10%,
// round-robin over two processes of examples/webhooks/receiver.mjs sharing
// Redis (the BullMQ backend). 200 async queries over 3 sites and registered
// queries are started through an integrator client that tracks them. The
// test SIGKILLs receivers at chosen points (just after a notification was
// recorded and acknowledged, inside the handler, mid-page while a result
// page is streaming) and restarts them, and cuts Redis off for 3 s. The
// handler's effects are the receivers' "stored <rows> row(s) under <key>"
// lines, keyed by the idempotency key. Asserted: every result delivered (0
// missing), every duplicate with the same key and the same rows.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, connect } from "node:net";
import { createInterface } from "node:readline";
import { join } from "node:path";
import * as halo from "halo-device/integrator";
import { SEEDED_SITES, startSimulator } from "../../simulator/index.mjs";
import { freePort } from "../../scripts/free-port.mjs";
import { ROOT } from "../packaging/support.mjs";

const KEY = "chaos-subscription-key";
const SECRET = "chaos-webhook-secret";
const SITES = SEEDED_SITES.filter((site) => site.authoritative).slice(0, 3).map((site) => site.id);
const ASYNC_QUERIES = 200;
const REGISTERED_QUERIES = 6;
const REDIS_MISSING = spawnSync("redis-server", ["--version"]).error ? "redis-server is not installed (scripts/setup.sh installs it)" : false;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(25);
  }
}

let redis;
let proxy;
let simulator;
let tracker;
const receivers = [];
/** Every line any receiver process ever printed, with its process. */
const lines = [];
const kills = [];

/** A TCP proxy to Redis that `cut(ms)` severs: open connections are destroyed and new ones refused for `ms`. */
async function startProxy(targetPort) {
  const sockets = new Set();
  let cutUntil = 0;
  const server = createServer((client) => {
    if (Date.now() < cutUntil) return client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      a.on("error", () => b.destroy());
      a.on("close", () => b.destroy());
      a.pipe(b);
    }
    sockets.add(client).add(upstream);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: server.address().port,
    cut(ms) {
      cutUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function startProcess(command, args, env, ready, name) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  child.name = name;
  child.lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      child.lines.push(line);
      lines.push({ name, line });
    });
  }
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = setInterval(() => {
      if (child.lines.some((line) => ready.test(line))) {
        clearInterval(poll);
        resolve(child);
      } else if (child.exitCode !== null || Date.now() > deadline) {
        clearInterval(poll);
        reject(new Error(`${name} did not start:\n${child.lines.join("\n")}`));
      }
    }, 20);
  });
}

async function startReceiver(index, port) {
  const child = await startProcess(
    process.execPath,
    [join(ROOT, "examples", "webhooks", "receiver.mjs")],
    {
      HALO_BASE_URL: simulator.url,
      HALO_SUBSCRIPTION_KEY: KEY,
      HALO_WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      HALO_RECONCILE_AFTER_MS: "1500",
      HALO_DELIVERY_FAST: "1",
    },
    /^webhook receiver listening on /,
    `receiver-${index}`,
  );
  child.port = port;
  receivers[index] = child;
  return child;
}

/** SIGKILLs receiver `index` as soon as one of its new lines matches, then restarts it on its port. */
async function killWhen(index, pattern, point) {
  const child = receivers[index];
  const from = child.lines.length;
  await until(() => child.lines.slice(from).some((line) => pattern.test(line)), `${point} on receiver-${index}`);
  child.kill("SIGKILL");
  await once(child, "exit");
  kills.push(point);
  await startReceiver(index, child.port);
}

/** SIGKILLs whichever receiver is streaming a page the simulator holds stalled mid-body, then restarts it. */
async function killMidPage() {
  const before = new Set(simulator.streams().map((stream) => stream.path + stream.bytes));
  await fetch(`${simulator.url}/_control/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "/results/2/stream", stallAfterBytes: 12, stallMs: 8_000, times: 1 }),
  });
  let stalled;
  await until(() => (stalled = simulator.streams().find((stream) => stream.state === "stalled" && !before.has(stream.path + stream.bytes))), "a stalled page");
  const [, siteId, queryId] = stalled.path.match(/sites\/([^/]+)\/queries\/([^/]+)\//);
  const handling = `handling async:${siteId}:${queryId}`;
  const index = receivers.findIndex((child) => child.lines.some((line) => line.startsWith(handling)));
  assert.ok(index >= 0, `a receiver is handling ${queryId}`);
  receivers[index].kill("SIGKILL");
  await once(receivers[index], "exit");
  kills.push("mid-page");
  simulator.releaseStreams();
  await startReceiver(index, receivers[index].port);
}

before(async () => {
  if (REDIS_MISSING) return;
  const redisPort = await freePort();
  redis = await startProcess("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, /Ready to accept connections/, "redis");
  proxy = await startProxy(redisPort);
  const ports = [await freePort(), await freePort()];
  simulator = await startSimulator({
    subscriptionKey: KEY,
    webhookSecret: SECRET,
    webhookUrl: ports.map((port) => `http://127.0.0.1:${port}/halo/{source}`),
    webhookDelivery: { mode: "once", drop: 0.3, duplicate: 0.1, seed: 21 },
    asyncStepMs: 5,
    pageRows: 5,
  });
  await Promise.all(ports.map((port, index) => startReceiver(index, port)));
  // The integrator's own start calls, tracked in the same Redis before they return.
  const backend = await halo.createBullMQDeliveryBackend({ url: `redis://127.0.0.1:${redisPort}` });
  tracker = halo.createResultDelivery({ integrator: new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY }), handler: async () => {}, backend });
});

after(async () => {
  for (const child of receivers) if (child?.exitCode === null) child.kill("SIGKILL");
  await Promise.all(receivers.map((child) => (child?.exitCode === null ? once(child, "exit") : null)));
  await tracker?.close();
  await simulator?.close();
  await proxy?.close();
  if (redis?.exitCode === null) {
    redis.kill();
    await once(redis, "exit");
  }
});

test("chaos: no completed query is lost across SIGKILLs, a Redis cut, dropped and duplicated notifications", { skip: REDIS_MISSING, timeout: 120_000 }, async () => {
  const began = Date.now();
  const integrator = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: KEY, tracker });
  const asyncIds = [];
  const registered = [];
  let next = 0;
  const wave = async (count) => {
    const batch = [];
    for (let i = 0; i < count; i++, next++) {
      const siteId = SITES[next % SITES.length];
      batch.push(integrator.site(siteId).startAsyncQuery(`SELECT InternalID, Surname FROM Patients WHERE InternalID > ${next % 15}`).then(({ id }) => asyncIds.push({ siteId, queryId: id })));
    }
    await Promise.all(batch);
  };
  const register = async (count) => {
    for (let i = 0; i < count; i++) {
      const siteId = SITES[registered.length % SITES.length];
      const { id } = await integrator.site(siteId).createRegisteredQuery({ name: `chaos-${registered.length}`, command: `SELECT InternalID FROM Patients WHERE InternalID > ${registered.length}`, frequencySeconds: 60, durationSeconds: 3_600 });
      registered.push({ siteId, queryId: id });
    }
  };

  // 1: killed right after a notification was recorded and acknowledged (before its fetch), and inside the handler.
  const first = Promise.all([killWhen(0, /^event recorded async .*[^)]$/, "after ack, before fetch"), killWhen(1, /^handling async:/, "inside the handler")]);
  await wave(50);
  await register(2);
  await first;
  // 2: killed mid-page while its result page streams.
  const midPage = killMidPage();
  await wave(50);
  await midPage;
  // 3: the same points again, on the other receivers.
  const third = Promise.all([killWhen(1, /^event recorded async .*[^)]$/, "after ack, before fetch"), killWhen(0, /^handling async:/, "inside the handler")]);
  await wave(50);
  await register(2);
  await third;
  // 4: Redis cut off for 3 s while queries complete, then another mid-page kill.
  proxy.cut(3_000);
  await wave(50);
  await register(REGISTERED_QUERIES - registered.length);
  await wait(3_000);
  await killMidPage();

  // The handler's effects, by idempotency key, from every process that ever ran.
  const effects = () => {
    const byKey = new Map();
    for (const { line } of lines) {
      const match = line.match(/^stored (\d+) row\(s\) under (\S+)$/);
      if (match) byKey.set(match[2], [...(byKey.get(match[2]) ?? []), Number(match[1])]);
    }
    return byKey;
  };
  const registeredKeys = async () =>
    Promise.all(registered.map(async ({ siteId, queryId }) => `registered:${siteId}:${queryId}:${(await integrator.site(siteId).getRegisteredQuery(queryId)).lastHash}`));
  const expected = async () => [...asyncIds.map(({ siteId, queryId }) => `async:${siteId}:${queryId}`), ...(await registeredKeys())];
  const missing = async () => {
    const seen = effects();
    return (await expected()).filter((key) => !seen.has(key));
  };
  await until(async () => (await missing()).length === 0, "every result to be delivered", 90_000).catch(() => undefined);

  const byKey = effects();
  const lost = await missing();
  const handlerCalls = [...byKey.values()].reduce((sum, calls) => sum + calls.length, 0);
  const duplicates = handlerCalls - byKey.size;
  const webhooks = simulator.stats().webhooks;
  const figures = {
    asyncQueries: asyncIds.length,
    registeredRuns: registered.length,
    notifications: webhooks,
    sigkills: kills,
    redisCutMs: 3_000,
    delivered: byKey.size,
    missing: lost.length,
    handlerCalls,
    duplicateHandlerCalls: duplicates,
    // Notifications the receivers answered with an error (503 while Redis was cut off), by answer.
    refused: {},
    seconds: Math.round((Date.now() - began) / 100) / 10,
  };
  for (const { line } of lines) if (line.startsWith("refused ")) figures.refused[line.slice(8)] = (figures.refused[line.slice(8)] ?? 0) + 1;
  console.log(`chaos figures: ${JSON.stringify(figures)}`);

  assert.equal(asyncIds.length, ASYNC_QUERIES);
  assert.ok(kills.length >= 5, `at least 5 SIGKILLs: ${kills}`);
  assert.ok(webhooks.dropped > 0 && webhooks.duplicated > 0, JSON.stringify(webhooks));
  assert.deepEqual(lost, [], "0 missing");
  // Every result's deliveries carry one key (the map is by key, so a second
  // key for one query would show as an extra entry) and the same rows.
  const queriesWithKeys = new Map();
  for (const key of byKey.keys()) {
    const query = key.split(":").slice(0, 3).join(":");
    queriesWithKeys.set(query, (queriesWithKeys.get(query) ?? 0) + 1);
  }
  assert.deepEqual([...queriesWithKeys].filter(([, count]) => count > 1), [], "one key per query");
  for (const [key, calls] of byKey) assert.equal(new Set(calls).size, 1, `every delivery of ${key} had the same rows: ${calls}`);
  assert.equal(byKey.size, ASYNC_QUERIES + REGISTERED_QUERIES);
});
