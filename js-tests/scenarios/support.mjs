// Browser-safe helpers shared by the scenarios (which run in Node and in
// Chromium alike): the integrator cloud's token call, the simulator's
// control API, and small assertions that need no node:assert.

export const SUBSCRIPTION_KEY = "js-tests-subscription-key";
/** Best Practice site seeded by the simulator (authoritative). */
export const SITE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
export const DEVICE_ID = "js-tests-device-5f0c2a9d81e3b7c4";

/**
 * Everything the scenarios see come out of the client (error messages,
 * stacks, serialised errors, events), to prove no secret is ever in it.
 */
export const produced = [];
/** Every token the test issuers handed out. */
export const issuedTokens = [];

/** Records an error's message, stack, JSON form and cause; returns it. */
export function recordError(error) {
  produced.push(String(error?.message), String(error?.stack), JSON.stringify(error ?? null), String(error?.cause?.message ?? ""));
  return error;
}

/** Records every console line from now on as well (Node test processes). */
export function recordConsole() {
  for (const method of ["log", "info", "warn", "error", "debug"]) {
    const original = console[method].bind(console);
    console[method] = (...args) => {
      produced.push(args.map(String).join(" "));
      original(...args);
    };
  }
}

/** The recorded outputs that contain a device id, the key or an issued token. */
export function leakedSecrets() {
  const secrets = [DEVICE_ID, SUBSCRIPTION_KEY, ...issuedTokens];
  return produced.filter((text) => secrets.some((secret) => text.includes(secret)));
}

/** The integrator cloud's side of the token workflow (never in a device). */
export function tokenIssuer(baseUrl, { failFirst = 0 } = {}) {
  const issuer = async ({ siteId, deviceId }) => {
    issuer.calls += 1;
    if (issuer.calls <= failFirst) throw new Error(`token service unavailable (call ${issuer.calls})`);
    const response = await fetch(`${baseUrl}/integrator/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY },
      body: new URLSearchParams({ grant_type: "urn:halo-connect:oauth:desktop-token", device_id: deviceId, site_id: siteId }),
    });
    if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
    const token = await response.json();
    issuedTokens.push(token.access_token);
    return { accessToken: token.access_token, expiresIn: token.expires_in };
  };
  issuer.calls = 0;
  return issuer;
}

export async function control(baseUrl, method, path, body) {
  const response = await fetch(`${baseUrl}/_control/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`control ${path} answered ${response.status}`);
  return response.status === 204 ? undefined : response.json();
}

export const fault = (baseUrl, spec) => control(baseUrl, "POST", "faults", spec);
export const stats = (baseUrl) => control(baseUrl, "GET", "stats");

export class AssertionFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new AssertionFailed(message);
}

export function equal(actual, expected, message = "values differ") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertionFailed(`${message}: expected ${e}, got ${a}`);
}

/** Awaits a rejection and checks it with `predicate`; returns the error. */
export async function rejects(promise, predicate, message = "wrong rejection") {
  let error;
  try {
    await promise;
  } catch (caught) {
    error = recordError(caught);
  }
  if (error === undefined) throw new AssertionFailed(`${message}: it resolved`);
  if (!predicate(error)) throw new AssertionFailed(`${message}: ${error?.name} ${error?.code} ${error?.field ?? ""} ${error?.message}`);
  return error;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client for the scenario's simulator, with an event log. */
export function deviceClient(halo, baseUrl, options = {}) {
  const getToken = options.getToken ?? tokenIssuer(baseUrl);
  const events = [];
  const client = new halo.HaloDeviceClient({
    baseUrl,
    siteId: SITE_ID,
    deviceId: DEVICE_ID,
    getToken,
    onEvent: (event) => {
      events.push(event);
      produced.push(JSON.stringify(event));
    },
    ...options,
  });
  return { client, getToken, events };
}
