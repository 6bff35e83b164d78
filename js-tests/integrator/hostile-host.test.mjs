// The integrator entry against a hostile host and a hostile "Halo": options
// inherited from a polluted Object.prototype have no effect, issued tokens
// a device could not send or believe are protocol errors, contradictory
// batch answers are protocol errors, echoes of the key in any disguise are
// scrubbed, and a re-serialised webhook body gets told to pass the raw one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import * as halo from "halo-device/integrator";
import { failure, scriptedFetch, SITE_ID } from "../hostile-inputs/support.mjs";

const KEY = "hostile-host-key-0123456789abcdef";
const DEVICE_ID = "hostile-host-device-4f3a9c21d4e5";
const A = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";
const B = "1c5d8f3b-2e4a-4b6c-9d0e-1f2a3b4c5d6e";
const TOKEN = { access_token: "eyJhbGciOiJIUzI1NiJ9.payload.sig", token_type: "Bearer", expires_in: 3600 };

function integrator(answer, options = {}) {
  const fetch = scriptedFetch(answer);
  return { integrator: new halo.HaloIntegratorClient({ baseUrl: "http://halo.invalid", subscriptionKey: KEY, fetch, maxRetries: 0, ...options }), fetch };
}

async function polluted(values, run) {
  try {
    Object.assign(Object.prototype, values);
    return await run();
  } finally {
    for (const key of Object.keys(values)) delete Object.prototype[key];
  }
}

test("own options: an inherited attemptTimeoutMs, maxRetries or maxResponseBytes does not reach the client", async () => {
  for (const [key, value] of [["attemptTimeoutMs", -5], ["maxRetries", -1], ["maxResponseBytes", 1], ["environment", "nowhere"]]) {
    await polluted({ [key]: value }, async () => {
      const { integrator: client } = integrator(() => ({ body: { id: SITE_ID, status: "active" } }));
      assert.equal((await client.getSite(SITE_ID)).status, "active", key);
    });
  }
});

test("own options: an inherited timeoutMs, allowWeakDeviceId or grantType does not reach a call", async () => {
  const { integrator: client, fetch } = integrator((url) => (url.endsWith("/integrator/token") ? { body: TOKEN } : { body: { id: SITE_ID } }));
  await polluted({ timeoutMs: -1 }, async () => {
    assert.equal((await client.getSite(SITE_ID, {})).id, SITE_ID, "timeoutMs");
  });
  await polluted({ allowWeakDeviceId: true }, async () => {
    const weak = await failure(() => client.issueDeviceToken({ siteId: SITE_ID, deviceId: "123" }));
    assert.ok(weak instanceof halo.HaloValidationError && weak.field === "deviceId", `allowWeakDeviceId: ${weak.message}`);
  });
  await polluted({ grantType: "password" }, async () => {
    const token = await client.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID });
    assert.equal(token.accessToken, TOKEN.access_token, "grantType");
    assert.match(fetch.requests.at(-1).body, /grant_type=[^&]*desktop-token/);
  });
  // Own properties still count, and a throwing getter is a typed error.
  const own = await failure(() => client.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID, grantType: "password" }));
  assert.equal(own.field, "grantType");
  const getter = await failure(() => client.issueDeviceToken({ siteId: SITE_ID, get deviceId() { throw new Error("getter"); } }));
  assert.ok(getter instanceof halo.HaloValidationError && getter.field === "request", `${getter.name}: ${getter.message}`);
});

test("issueDeviceToken: a token that is not a header value, too long, or too long-lived is a protocol error", async () => {
  for (const [label, body] of [
    ["CR/LF", { ...TOKEN, access_token: "eyJ.a\r\nX-Injected: 1" }],
    ["a space", { ...TOKEN, access_token: "eyJ.a b" }],
    ["a control", { ...TOKEN, access_token: "eyJ.\u0000" }],
    ["1 MB", { ...TOKEN, access_token: "e".repeat(1 << 20) }],
    ["expires_in 1e300", { ...TOKEN, expires_in: 1e300 }],
    ["expires_in past a year", { ...TOKEN, expires_in: 366 * 24 * 3600 }],
  ]) {
    const { integrator: client } = integrator(() => ({ body }));
    const error = await failure(() => client.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID }));
    assert.ok(error instanceof halo.HaloError && error.code === "HALO_PROTOCOL", `${label}: ${error.name}: ${error.message}`);
    assert.doesNotMatch(error.message, /eyJ/, label);
  }
});

test("batch status: a conflicting duplicate or a found query without a status is a protocol error", async () => {
  const found = (id, status) => ({ queryId: id, status: "found", query: status === undefined ? { id } : { id, status } });
  for (const [label, results] of [
    ["conflicting duplicate", [found(A, "queued"), { queryId: A.toUpperCase(), status: "notFound" }]],
    ["conflicting statuses", [found(A, "queued"), found(A, "successful")]],
    ["found without a status", [found(A)]],
  ]) {
    const { integrator: client } = integrator(() => ({ body: { results } }));
    const site = client.site(SITE_ID);
    for (const [call, run] of [["getQueryStatuses", () => site.getQueryStatuses([A, B])], ["waitForQueries", () => site.waitForQueries([A, B])]]) {
      const error = await failure(run);
      assert.ok(error instanceof halo.HaloError && error.code === "HALO_PROTOCOL", `${label}, ${call}: ${error.name}: ${error.message}`);
    }
  }
  // An identical repeat is harmless.
  const { integrator: client } = integrator(() => ({ body: { results: [found(A, "successful"), found(A, "successful"), { queryId: B, status: "notFound" }] } }));
  assert.equal((await client.site(SITE_ID).getQueryStatuses([A, B])).length, 3);
});

test("scrubbing: the key echoed upper-cased, base64-encoded or split by a newline or zero-width space never reaches an error", async () => {
  const base64 = Buffer.from(`user:${KEY}`).toString("base64");
  for (const echo of [KEY.toUpperCase(), base64, Buffer.from(KEY).toString("base64url"), `${KEY.slice(0, 9)}\n${KEY.slice(9)}`, `${KEY.slice(0, 5)}\u200b${KEY.slice(5)}`]) {
    const { integrator: client } = integrator(() => ({ status: 401, body: { statusCode: 401, message: `Access denied: key ${echo} is not valid` } }));
    const error = await failure(() => client.getSite(SITE_ID));
    assert.ok(error instanceof halo.HaloAuthError, `${error.name}: ${error.message}`);
    const seen = `${error.message} ${JSON.stringify(error)}`;
    for (const leak of [KEY, KEY.toUpperCase(), KEY.slice(8, 24), Buffer.from(KEY).toString("base64").slice(4, 24), base64.slice(8, 28)]) {
      assert.ok(!seen.toLowerCase().includes(leak.toLowerCase()), `${JSON.stringify(echo)} leaked ${leak}: ${seen}`);
    }
    assert.match(error.message, /\[redacted\]/);
  }
});

test("webhooks: a signature mismatch on a re-serialised body says to pass the raw body", async () => {
  const body = JSON.stringify({ id: "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6", siteId: SITE_ID });
  const timestamp = new Date().toISOString();
  const headers = { "x-halo-timestamp": timestamp, "x-halo-signature-256": createHmac("sha256", "s3cret-hook").update(`${body}.${timestamp}`).digest("hex") };
  for (const rawBody of [JSON.stringify(JSON.parse(body), null, 2), String(JSON.parse(body))]) {
    const error = await failure(() => halo.verifyWebhook({ rawBody, headers, secret: "s3cret-hook", seen: halo.createMemorySeenStore() }));
    assert.equal(error.reason, "signature");
    assert.match(error.message, /raw body/);
    assert.match(error.message, /express\.raw/);
  }
});
