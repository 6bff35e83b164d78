// Shared by the hostile-host tests: a device client whose fetch, getToken
// and clock the test controls, and the checks every such test makes (the
// call settles in time with a typed error; nothing escapes as an uncaught
// exception; the same client and a new one still work afterwards).
import assert from "node:assert/strict";
import { DEVICE_ID, SITE_ID, recordError } from "../scenarios/support.mjs";

export { DEVICE_ID, SITE_ID };
export const BASE_URL = "http://127.0.0.1:9";
export const TOKEN = "hostile-tests-token-8d0f3c1a";
export const QUERY_ID = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";

/** What a healthy Halo answers to an immediate query. */
export function goodResponse() {
  const body = { id: QUERY_ID, status: "successful", result: { rows: 0, data: "", parameters: [] } };
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
}

export const goodToken = async () => ({ accessToken: TOKEN, expiresIn: 3600 });

/**
 * A device client whose `fetch` and `getToken` behave as `host.fetch` and
 * `host.getToken` do at the time of each call, so a test can turn a hostile
 * host back into a healthy one.
 */
export function hostileClient(halo, host, options = {}) {
  host.fetches = 0;
  host.tokens = 0;
  host.fetch ??= async () => goodResponse();
  host.getToken ??= goodToken;
  return new halo.HaloDeviceClient({
    baseUrl: BASE_URL,
    siteId: SITE_ID,
    deviceId: DEVICE_ID,
    fetch: (url, init) => {
      host.fetches += 1;
      return host.fetch(url, init);
    },
    getToken: (request) => {
      host.tokens += 1;
      return host.getToken(request);
    },
    ...options,
  });
}

/** Uncaught exceptions and unhandled rejections from now on, to assert none. */
export function watchUncaught() {
  const seen = [];
  const record = (error) => seen.push(error);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return seen;
}

/**
 * Awaits `promise`, which must reject within `withinMs` with a HaloError of
 * `code`; returns the error.
 */
export async function rejectsWith(halo, promise, code, withinMs = 2000) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve("did not settle"), withinMs);
  });
  const outcome = await Promise.race([promise.then(() => "resolved", (error) => recordError(error)), late]);
  clearTimeout(timer);
  assert.ok(outcome instanceof halo.HaloError, `expected a HaloError ${code}, got: ${outcome?.stack ?? outcome}`);
  assert.equal(outcome.code, code, outcome.message);
  return outcome;
}

/** Resolves within `withinMs` or fails the test; for calls that must still work. */
export async function settlesWithin(promise, withinMs = 3000) {
  let timer;
  const late = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${withinMs} ms`)), withinMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host is healthy again: the same client and a new one both answer. */
export async function stillWorks(halo, client, host) {
  host.fetch = async () => goodResponse();
  host.getToken = goodToken;
  const same = await settlesWithin(client.immediateQuery("SELECT 1"));
  assert.equal(same.queryId, QUERY_ID);
  const fresh = await settlesWithin(hostileClient(halo, {}).immediateQuery("SELECT 1"));
  assert.equal(fresh.queryId, QUERY_ID);
}
