// The three token-broker examples (examples/broker/) run as written against
// the simulator: node:http through @hono/node-server (server.mjs), a Hono
// app (hono.mjs), a Next.js route module (next-route.mjs). A device client
// in headless Chromium and one in Node get their tokens from each and run a
// query; bad requests get typed answers and the process lives on.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { HaloDeviceClient, brokerTokenProvider } from "halo-device";
import { startSimulator } from "../../simulator/index.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const DEVICE_ID = "demo-workstation-4f3a9c21d4e5b6a7"; // examples/broker/sign-in.mjs's demo device
const SIGNED_IN = { Authorization: "Bearer demo-device-credential" };

let simulator;
let browser;
const children = [];
before(async () => {
  [simulator, browser] = await Promise.all([startSimulator({ subscriptionKey: SUBSCRIPTION_KEY }), launchBrowser()]);
});
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all([simulator?.close(), browser?.close()]);
});

const env = () => ({ ...process.env, HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, ALLOWED_ORIGINS: browser.origin, PORT: "0" });

/** Starts an example; resolves its URL (first stdout line) and its output so far. */
async function start(example) {
  const child = spawn(process.execPath, [join(ROOT, "examples", "broker", example)], { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const output = [];
  child.stderr.on("data", (chunk) => output.push(String(chunk)));
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, "line");
  lines.on("line", (line) => output.push(line));
  const url = first.match(/^token broker listening on (http:\/\/127\.0\.0\.1:\d+)$/)?.[1];
  assert.ok(url, first);
  return { child, url, output };
}

/** In Chromium, from another origin: a device client whose getToken is brokerTokenProvider. */
async function queryFromBrowser(tokenUrl) {
  const page = await browser.newPage();
  try {
    const outcome = await page.evaluate(
      async ({ baseUrl, siteId, deviceId, tokenUrl, headers }) => {
        const halo = await import("/pkg/dist/browser/index.js");
        await halo.init();
        const client = new halo.HaloDeviceClient({ baseUrl, siteId, deviceId, getToken: halo.brokerTokenProvider(tokenUrl, { headers }) });
        const { rows } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
        return { rows: rows.length, renewals: client.tokenInfo().renewals };
      },
      { baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, tokenUrl, headers: SIGNED_IN },
    );
    assert.deepEqual(outcome, { rows: 8, renewals: 1 });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
}

async function queryFromNode(getToken) {
  const client = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken });
  const { rows } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
  assert.equal(rows.length, 8);
}

/** Bad requests a broker must answer, not crash on: status and error code for each. */
async function hostile(send, { routerMethods = false } = {}) {
  const bad = [
    [{ method: "POST", headers: SIGNED_IN, body: '{"siteId":' }, 400, "BROKER_BAD_BODY"],
    [{ method: "POST", headers: SIGNED_IN, body: "x".repeat(200_000) }, 413, "BROKER_BODY_TOO_LARGE"],
    [{ method: "POST", headers: SIGNED_IN, body: JSON.stringify({ siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3399" }) }, 403, "BROKER_MISMATCH"],
    [{ method: "POST", body: "{}" }, 401, "BROKER_UNAUTHORIZED"],
    [{ method: "GET" }, 405, "BROKER_METHOD"],
    [{ method: "POST", headers: { ...SIGNED_IN, Origin: "https://evil.example" }, body: "{}" }, 403, "BROKER_ORIGIN"],
  ];
  for (const [init, status, code] of bad) {
    // A route module exports POST and OPTIONS: its framework answers other methods.
    if (routerMethods && init.method === "GET") continue;
    const response = await send(init);
    assert.equal(response.status, status, code);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal((await response.json()).error.code, code);
  }
}

for (const example of ["server.mjs", "hono.mjs"]) {
  test(`examples/broker/${example}: tokens for Chromium and Node, typed refusals, and the process lives`, async () => {
    const { child, url, output } = await start(example);
    const tokenUrl = `${url}/device-token`;
    await queryFromBrowser(tokenUrl);
    await queryFromNode(brokerTokenProvider(tokenUrl, { headers: SIGNED_IN }));
    await hostile((init) => fetch(tokenUrl, init));
    assert.equal(child.exitCode, null, "still running");
    await queryFromNode(brokerTokenProvider(tokenUrl, { headers: SIGNED_IN }));
    const log = output.join("\n");
    assert.match(log, /broker: issued a token for site 3f2504e0-4f89-41d3-9a0c-0305e82c3301, valid 3600 s \(initial\)/);
    assert.match(log, /broker: served a cached token for site 3f2504e0-4f89-41d3-9a0c-0305e82c3301/, "the Node device got the browser's cached token");
    assert.match(log, /broker: answered 400 BROKER_BAD_BODY/);
    assert.ok(!log.includes(SUBSCRIPTION_KEY) && !log.includes(DEVICE_ID), "no key or device id in the log");
    child.kill("SIGKILL");
  });
}

test("examples/broker/hono.mjs: /healthz says which Halo and whether it accepts the key", async () => {
  const { url, child } = await start("hono.mjs");
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { halo: simulator.url, ok: true });
  child.kill("SIGKILL");
});

test("examples/broker/next-route.mjs: the route module's POST and OPTIONS serve a device, in process", async () => {
  Object.assign(process.env, { HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY });
  const route = await import(pathToFileURL(join(ROOT, "examples", "broker", "next-route.mjs")).href);
  const tokenUrl = "http://localhost:3000/api/halo-token";
  const viaRoute = (url, init) => route[init.method ?? "GET"]?.(new Request(url, init)) ?? new Response(null, { status: 405 });
  await queryFromNode(brokerTokenProvider(tokenUrl, { headers: SIGNED_IN, fetch: viaRoute }));
  await hostile((init) => viaRoute(tokenUrl, init), { routerMethods: true });
  const preflight = await route.OPTIONS(new Request(tokenUrl, { method: "OPTIONS", headers: { Origin: "https://evil.example" } }));
  assert.equal(preflight.status, 403, "no origin is allowed cross-origin by this module");
});

test("each example is at most ~30 lines of user code (comments and blank lines aside)", () => {
  for (const example of ["server.mjs", "hono.mjs", "next-route.mjs", "sign-in.mjs"]) {
    const code = readFileSync(join(ROOT, "examples", "broker", example), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trim().startsWith("//") && !line.startsWith("#!"));
    assert.ok(code.length <= 30, `${example}: ${code.length} lines`);
  }
});
