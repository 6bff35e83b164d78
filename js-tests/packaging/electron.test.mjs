// What Electron runs, without Electron (its binary can't be downloaded
// here): examples/electron's renderer opened from file:// in headless
// Chromium under its CSP, with its real preload evaluated against an
// `electron` stand-in whose IPC reaches the example's real main-process
// handlers in this Node process; and those handlers with an injected fetch.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";
import { control, SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { ROOT, TSC, consumerProject, launchChromium, recordingPage, run, settled } from "./support.mjs";

const EXAMPLE = join(ROOT, "examples", "electron");
let simulator;
let browser;
let dir;
let main; // the example's halo-main.mjs, loaded from the consumer project

before(async () => {
  [simulator, browser, dir] = await Promise.all([
    startSimulator({ subscriptionKey: SUBSCRIPTION_KEY }),
    // Electron lets file:// pages load ES modules from file://; Chromium needs this flag.
    launchChromium(["--allow-file-access-from-files"]),
    consumerProject("electron", "electron", ...["renderer", "preload.cjs", "halo-main.mjs"].map((file) => join(EXAMPLE, file))),
  ]);
  main = await import(pathToFileURL(join(dir, "halo-main.mjs")));
  // The same page without 'wasm-unsafe-eval', for the negative check.
  const html = readFileSync(join(dir, "renderer", "index.html"), "utf8");
  const csp = /(content="[^"]*script-src 'self') 'wasm-unsafe-eval'/;
  assert.match(html, csp);
  writeFileSync(join(dir, "renderer", "no-wasm-eval.html"), html.replace(csp, "$1"));
});
after(async () => {
  await browser?.close();
  await simulator?.close();
});

/** The main process's handlers, over an injected fetch that logs each request. */
async function mainProcess() {
  const requests = [];
  const fetch = (input, init) => {
    requests.push(`${init?.method ?? "GET"} ${new URL(input).pathname}`);
    return globalThis.fetch(input, init);
  };
  const deviceId = await main.loadDeviceId(join(dir, "user-data", "halo-device-id"));
  const getToken = main.simulatorTokenService({ baseUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY, fetch });
  return { requests, deviceId, ...main.createHaloMain({ baseUrl: simulator.url, siteId: SITE_ID, deviceId, getToken, fetch }) };
}

/**
 * Opens a renderer page from file://. The real preload.cjs runs first (as
 * Electron runs it), against an `electron` whose ipcRenderer.invoke calls
 * the handlers through a page binding; bytes cross as base64.
 */
async function openRenderer(page, handlers, file = "index.html") {
  await page.exposeFunction("__ipcInvoke", async (channel, args) => {
    const value = await handlers[channel]({ sender: "renderer" }, ...args);
    return value instanceof Uint8Array ? { bytes: Buffer.from(value).toString("base64") } : value;
  });
  const preload = readFileSync(join(dir, "preload.cjs"), "utf8");
  await page.addInitScript(`(() => {
    const decode = (v) => (v && typeof v.bytes === "string" ? Uint8Array.from(atob(v.bytes), (c) => c.charCodeAt(0)) : v);
    const electron = {
      contextBridge: { exposeInMainWorld: (name, api) => Object.defineProperty(window, name, { value: Object.freeze(api) }) },
      ipcRenderer: { invoke: async (channel, ...args) => decode(await window.__ipcInvoke(channel, args)) },
    };
    const require = (name) => { if (name !== "electron") throw new Error("sandboxed preload: " + name); return electron; };
    ${preload}
  })();`);
  await page.goto(pathToFileURL(join(dir, "renderer", file)).href);
  return settled(page, "#status");
}

test("the renderer on file:// under its CSP loads the wasm from bytes and queries Halo; main answers over IPC", async () => {
  const { handlers, requests } = await mainProcess();
  const page = await recordingPage(browser);
  try {
    const outcome = await openRenderer(page, handlers);
    assert.equal(outcome.state, "done", outcome.text);
    assert.equal(outcome.text, "8 patients, 5 appointments");
    assert.equal(await page.locator("#patients li").first().textContent(), "1 John Smith");
    assert.equal(page.url().slice(0, 8), "file:///");
    assert.deepEqual(page.problems, [], "no CSP violation or other console error");
    assert.ok(requests.includes("POST /desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/queries/immediate"), requests.join("\n"));
  } finally {
    await page.close();
  }
});

test("without 'wasm-unsafe-eval' in script-src the same renderer cannot compile the wasm", async () => {
  const { handlers } = await mainProcess();
  const page = await recordingPage(browser);
  try {
    const outcome = await openRenderer(page, handlers, "no-wasm-eval.html");
    assert.equal(outcome.state, "error");
    assert.match(outcome.text, /CompileError.*Content Security Policy/is);
  } finally {
    await page.close();
  }
});

test("on file:// init() without bytes fails: the wasm cannot be fetched from next to the module", async () => {
  const { handlers } = await mainProcess();
  const page = await recordingPage(browser);
  try {
    const outcome = await openRenderer(page, { ...handlers, "halo:wasm": () => undefined });
    assert.equal(outcome.state, "error");
    assert.match(outcome.text, /fetch|file/i);
  } finally {
    await page.close();
  }
});

test("main process in Node: every request goes through the injected fetch; wasm bytes, token and device id", async () => {
  const { handlers, requests, deviceId } = await mainProcess();
  const rows = await handlers["halo:appointments"]({});
  assert.deepEqual(rows.map((row) => row.AppointmentID), [1, 2, 3, 4, 5]);
  assert.deepEqual(requests, ["POST /integrator/token", `POST /desktop/sites/${SITE_ID}/queries/immediate`]);
  assert.ok(WebAssembly.validate(await handlers["halo:wasm"]({})));
  assert.deepEqual(Object.keys(await handlers["halo:token"]({}, { siteId: "someone-else" })), ["id", "accessToken", "expiresIn"]);
  assert.deepEqual(handlers["halo:config"]({}), { baseUrl: simulator.url, siteId: SITE_ID, deviceId });
  assert.equal((await mainProcess()).deviceId, deviceId, "the device id is kept across runs");
  assert.equal(deviceId.length, 32);
});

test("one token for the app: the main process renews once for every window's client, also after Halo refuses it", async () => {
  const { handlers, requests, deviceId } = await mainProcess();
  const { HaloDeviceClient } = await import("halo-device");
  const windows = Array.from({ length: 3 }, () =>
    new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId, getToken: main.brokeredGetToken((held, reason) => handlers["halo:token"]({}, held, reason)) }),
  );
  const tokenCalls = () => requests.filter((request) => request === "POST /integrator/token").length;
  const everyWindow = (calls) => Promise.all(windows.flatMap((client) => Array.from({ length: calls }, () => client.immediateQuery("SELECT TOP 1 InternalID FROM Patients"))));
  await everyWindow(1);
  await handlers["halo:appointments"]({});
  assert.equal(tokenCalls(), 1, "the main process and three windows share the first token");
  await control(simulator.url, "POST", "tokens/expire", { deviceId });
  await everyWindow(50);
  assert.equal(tokenCalls(), 2, "one renewal after Halo refused the token everywhere");
  for (const client of windows) client.close();
});

test("rendererCors: Halo's own CORS headers are replaced and a refused preflight becomes a 204", () => {
  const preflight = main.rendererCors({ method: "OPTIONS", statusCode: 401, statusLine: "HTTP/1.1 401 Unauthorized", responseHeaders: { "access-control-allow-origin": ["https://other.example"], "Content-Type": ["application/json"] } });
  assert.equal(preflight.statusLine, "HTTP/1.1 204 No Content");
  assert.deepEqual(preflight.responseHeaders["Access-Control-Allow-Origin"], ["null"]);
  assert.equal(preflight.responseHeaders["access-control-allow-origin"], undefined);
  assert.match(preflight.responseHeaders["Access-Control-Allow-Headers"][0], /Authorization, DeviceId/);
  const answer = main.rendererCors({ method: "POST", statusCode: 429, statusLine: "HTTP/1.1 429 Too Many Requests", responseHeaders: {} }, "app://halo");
  assert.equal(answer.statusLine, "HTTP/1.1 429 Too Many Requests");
  assert.deepEqual(answer.responseHeaders["Access-Control-Allow-Origin"], ["app://halo"]);
});

test("the example type-checks against the installed package (tsc --checkJs, window.halo typed)", async () => {
  const { stdout } = await run(TSC[5], ["-p", "tsconfig.json", "--listFiles"], { cwd: dir });
  assert.match(stdout, /node_modules\/halo-device\/dist\/browser\/index\.d\.ts/);
  assert.match(stdout, /node_modules\/halo-device\/dist\/node\/index\.d\.ts/);
});
