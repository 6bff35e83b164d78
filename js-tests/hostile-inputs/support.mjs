// Hostile-input tests talk to a scripted fetch instead of the simulator:
// each test decides exactly what "Halo" answers, and sees every request.
import assert from "node:assert/strict";
import { HaloDeviceClient, HaloError, HaloValidationError } from "halo-device";

export const SITE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
export const DEVICE_ID = "hostile-inputs-device-9c41d7e2";
export const QUERY_ID = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";

/** A fetch that records each request and answers with `answer(url, init)` (a JSON value, or `{ status, body }`). */
export function scriptedFetch(answer = () => ({ status: 200, body: {} })) {
  const fetch = async (url, init = {}) => {
    fetch.requests.push({ url: String(url), method: init.method ?? "GET", body: init.body });
    const { status = 200, body, raw } = answer(String(url), init);
    const text = raw ?? (body === undefined ? "" : JSON.stringify(body));
    return new Response(status === 204 ? null : text, { status, headers: { "Content-Type": "application/json" } });
  };
  fetch.requests = [];
  return fetch;
}

export function client(options = {}) {
  const fetch = options.fetch ?? scriptedFetch();
  const getToken = options.getToken ?? (async () => ({ accessToken: "hostile-token-5a8f0c", expiresIn: 3600 }));
  const instance = new HaloDeviceClient({ baseUrl: "http://halo.invalid", siteId: SITE_ID, deviceId: DEVICE_ID, getToken, fetch, maxRetries: 0, ...options });
  return { client: instance, fetch };
}

/** Awaits a rejection (or a throw) and returns the error. */
export async function failure(run) {
  try {
    await run();
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** Asserts a typed validation error naming `field`. */
export async function refused(run, field, label = field) {
  const error = await failure(run);
  assert.ok(error instanceof HaloValidationError, `${label}: ${error?.name}: ${error?.message}`);
  assert.equal(error.code, "HALO_VALIDATION", label);
  assert.equal(error.field, field, `${label}: ${error.message}`);
  return error;
}

/** Asserts a typed HALO_PROTOCOL error. */
export async function protocol(run, label) {
  const error = await failure(run);
  assert.ok(error instanceof HaloError, `${label}: ${error?.name}: ${error?.message}`);
  assert.equal(error.code, "HALO_PROTOCOL", `${label}: ${error.message}`);
  return error;
}

/** Base64 of a JSON value, as Halo's `data`. */
export const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64");
