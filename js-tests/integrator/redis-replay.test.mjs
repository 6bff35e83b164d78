// Two webhook receivers behind a load balancer, for real: two processes of
// examples/webhooks/receiver.mjs with REDIS_URL pointing at one redis-server
// (Debian's, installed by scripts/setup.sh, started here on a free port with
// nothing written to disk). A delivery the first accepts is refused as a
// replay by the second; two in-memory receivers each accept it; with Redis
// gone, a new delivery is refused with a 5xx so that Halo sends it again.
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
  return { ...delivery, queryId: started.id };
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

before(async () => {
  // The simulator's webhooks are only recorded here, then delivered by the test.
  recorder = await startRecorder();
  const webhookUrl = `${recorder.url}/halo/{source}/{siteId}/{queryId}`;
  const port = await freePort();
  [simulator, redis] = await Promise.all([
    startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, webhookUrl, webhookSecret: SECRET, asyncStepMs: 5 }),
    REDIS_MISSING ? null : startChild("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, /Ready to accept connections/),
  ]);
  redisUrl = `redis://127.0.0.1:${port}`;
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, "exit") : null)));
  await simulator?.close();
  await recorder?.close();
});

test("a delivery accepted by one receiver is refused as a replay by another sharing Redis", { skip: REDIS_MISSING }, async () => {
  const [first, second] = await Promise.all([startReceiver({ REDIS_URL: redisUrl }), startReceiver({ REDIS_URL: redisUrl })]);
  assert.match(first.lines[0], /\(replays remembered in Redis\)$/);
  const delivery = await newDelivery();
  assert.equal(await deliver(first, delivery), 204, "the first receiver accepts it");
  assert.ok(await logged(first, new RegExp(`fetched 1 row\\(s\\) in 1 page\\(s\\)`)), first.lines.join("\n"));
  assert.equal(await deliver(second, delivery), 401, "the second refuses the replay");
  assert.match(await logged(second, /refused/), new RegExp(`refused \\(replay\\): webhook rejected \\(replay\\): notification`));
  assert.equal(await deliver(first, delivery), 401, "and so does the first, again");
  assert.ok(!second.lines.some((line) => line.includes("verified")), "the second never acted on it");
  // The id is in Redis with an expiry, as SET NX PX left it.
  const ttl = spawnSync("redis-cli", ["-u", redisUrl, "PTTL", `halo-webhook:${JSON.parse(delivery.rawBody).id}`], { encoding: "utf8" });
  if (!ttl.error) assert.ok(Number(ttl.stdout) > 0, `PTTL ${ttl.stdout}`);
});

test("two in-memory receivers each accept the same delivery (why the shared store exists)", async () => {
  const [first, second] = await Promise.all([startReceiver(), startReceiver()]);
  assert.match(first.lines[0], /\(replays remembered in memory\)$/);
  const delivery = await newDelivery();
  assert.equal(await deliver(first, delivery), 204);
  assert.equal(await deliver(second, delivery), 204, "the other copy has never seen it");
  assert.equal(await deliver(first, delivery), 401, "each copy refuses its own replay");
});

test("with Redis gone, a delivery is refused with a 5xx (Halo delivers it again), never accepted", { skip: REDIS_MISSING }, async () => {
  const receiver = await startReceiver({ REDIS_URL: redisUrl });
  const delivery = await newDelivery();
  redis.kill();
  await once(redis, "exit");
  assert.equal(await deliver(receiver, delivery), 500);
  assert.match(await logged(receiver, /refused/), /refused \(HALO_VALIDATION\): seen\.seen\(\) failed/);
  assert.ok(!receiver.lines.some((line) => line.includes("verified")), "nothing was acted on");
});
