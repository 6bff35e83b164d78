// The main-process half of the Electron example. It imports nothing from
// `electron`, so it runs (and is tested) in plain Node: main.mjs passes in
// Electron's `net.fetch` and registers `handlers` with `ipcMain.handle`.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { HaloDeviceClient, generateDeviceId } from "halo-device";

const require = createRequire(import.meta.url);

/**
 * The wasm, read from the installed package. A renderer loaded from
 * `file://` cannot `fetch()` it (Chromium's fetch has no file scheme), so
 * the renderer asks for the bytes over IPC and passes them to `init()`.
 */
export async function wasmBytes() {
  return new Uint8Array(await readFile(require.resolve("halo-device/halo_device_bg.wasm")));
}

/** A device id made once per installation and kept in `file` (e.g. under userData). */
export async function loadDeviceId(file) {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    const deviceId = generateDeviceId();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, deviceId, { mode: 0o600 });
    return deviceId;
  }
}

/** Asks YOUR cloud for a device token (it holds the subscription key, the app never does). */
export function cloudTokenService({ url, fetch }) {
  // `reason` tells a caching token service when its cached token will not do ("rejected").
  return async ({ siteId, deviceId, reason, signal }) => {
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ siteId, deviceId, reason }), signal });
    if (!response.ok) throw new Error(`the token service answered ${response.status}`);
    return response.json(); // { accessToken, expiresIn }
  };
}

/**
 * Development against the Halo Cloud simulator only: plays your cloud by
 * calling POST /integrator/token itself. Never ship a subscription key.
 */
export function simulatorTokenService({ baseUrl, subscriptionKey, fetch }) {
  return async ({ siteId, deviceId }) => {
    const response = await fetch(`${baseUrl}/integrator/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Ocp-Apim-Subscription-Key": subscriptionKey },
      body: new URLSearchParams({ grant_type: "urn:halo-connect:oauth:desktop-token", device_id: deviceId, site_id: siteId }).toString(),
    });
    if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
    const token = await response.json();
    return { accessToken: token.access_token, expiresIn: token.expires_in };
  };
}

const REASONS = ["initial", "expiring", "rejected"];

/**
 * One device token for the whole app: every window's client and the main
 * process's own ask here (`halo:token`), and `getToken` (your cloud) is
 * called once per renewal, not once per window. Each asker says which
 * token it holds (its id): it gets the current token unless that is the
 * one it holds — expiring, or refused by Halo — and then one renewal
 * serves every asker that comes meanwhile. The token stays in memory.
 */
export function appTokenBroker(getToken, { siteId, deviceId }) {
  let current; // { id, accessToken, expiresAt } (expiresAt on the wall clock)
  let renewal;
  const hand = ({ id, accessToken, expiresAt }) => ({ id, accessToken, expiresIn: Math.max(1, Math.floor((expiresAt - Date.now()) / 1000)) });
  return async (held, reason) => {
    if (current !== undefined && current.id !== held && current.expiresAt > Date.now()) return hand(current);
    // The first asker's reason goes to your cloud: "rejected" tells a caching token service not to answer from its cache.
    renewal ??= (async () => {
      try {
        const { accessToken, expiresIn } = await getToken({ siteId, deviceId, reason: REASONS.includes(reason) ? reason : "initial" });
        current = { id: randomUUID(), accessToken, expiresAt: Date.now() + expiresIn * 1000 };
        return current;
      } finally {
        renewal = undefined;
      }
    })();
    return hand(await renewal);
  };
}

/**
 * A client's `getToken` over the broker: it remembers which token it was
 * handed, so that the broker knows when it asks for a newer one. (The
 * preload does the same over IPC.)
 */
export function brokeredGetToken(ask) {
  let held;
  return async ({ reason }) => {
    const { id, accessToken, expiresIn } = await ask(held, reason);
    held = id;
    return { accessToken, expiresIn };
  };
}

/**
 * The main process's client (over the injected `fetch`: Electron's
 * `net.fetch`, with the system's proxy and certificates, and no CORS) and
 * the IPC handlers the preload calls. Handlers take `(event, ...args)`.
 */
export function createHaloMain({ baseUrl, siteId, deviceId, getToken, fetch }) {
  const broker = appTokenBroker(getToken, { siteId, deviceId });
  const client = new HaloDeviceClient({ baseUrl, siteId, deviceId, getToken: brokeredGetToken(broker), fetch });
  const handlers = {
    "halo:config": () => ({ baseUrl, siteId, deviceId }),
    "halo:wasm": () => wasmBytes(),
    // The renderer only ever gets tokens for this app's own site and device;
    // it says which one it holds (an id, or nothing) and why it asks (checked here).
    "halo:token": (_event, held, reason) => broker(typeof held === "string" ? held : undefined, reason),
    // Main-process queries are named, never SQL sent by a renderer.
    "halo:appointments": async () =>
      (await client.immediateQuery("SELECT TOP 5 AppointmentID, InternalID, AppointmentDate, Reason FROM Appointments ORDER BY AppointmentID")).rows,
  };
  return { client, handlers };
}

const HALO_HEADERS = "Authorization, DeviceId, Content-Type";

/**
 * For `session.webRequest.onHeadersReceived` on Halo's origin: lets a
 * renderer whose origin Halo does not list (`file://` sends `Origin: null`;
 * a custom scheme sends `app://…`) read Halo's answers and send the
 * `Authorization` and `DeviceId` headers. A preflight Halo refuses becomes
 * a 204. Only this app's session sends requests that pass through it.
 */
export function rendererCors({ method, statusCode, statusLine, responseHeaders = {} }, origin = "null") {
  const headers = Object.fromEntries(Object.entries(responseHeaders).filter(([name]) => !/^access-control-|^vary$/i.test(name)));
  Object.assign(headers, {
    "Access-Control-Allow-Origin": [origin],
    "Access-Control-Allow-Headers": [HALO_HEADERS],
    "Access-Control-Allow-Methods": ["GET, POST, DELETE"],
    "Access-Control-Expose-Headers": ["Retry-After"],
    "Access-Control-Max-Age": ["600"],
    Vary: ["Origin"],
  });
  const refusedPreflight = method === "OPTIONS" && (statusCode < 200 || statusCode > 299);
  return { responseHeaders: headers, statusLine: refusedPreflight ? "HTTP/1.1 204 No Content" : statusLine };
}
