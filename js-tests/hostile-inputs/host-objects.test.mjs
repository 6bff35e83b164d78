// Host objects that fail when read: a throwing headers.get, option and
// store getters, bad expandWebhookUrl values, fhirSearch(type, null), a
// params object with a throwing getter. Each is a typed HaloValidationError
// naming what failed, with the host's error only as its cause, never the
// raw TypeError or the getter's own error. Headers in a Map are matched
// case-insensitively, as in a plain object or a fetch Headers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createMemorySeenStore, expandWebhookUrl, HaloValidationError, HaloWebhookError, verifyWebhook } from "halo-device/integrator";
import { client, failure, refused, SITE_ID } from "./support.mjs";

const SECRET = "hostile-inputs-webhook-secret";
const BODY = JSON.stringify({
  id: "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
  occurredAt: "2026-03-05T14:30:00.0000000+00:00",
  siteId: SITE_ID,
  queryId: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d",
  webhookSource: "async",
});

function signed(body = BODY) {
  const timestamp = new Date().toISOString();
  return { "X-Halo-Timestamp": timestamp, "X-Halo-Signature-256": createHmac("sha256", SECRET).update(`${body}.${timestamp}`).digest("hex") };
}

const boom = new Error("the host's own error");
const throwing = () => {
  throw boom;
};

function typed(error, field, label) {
  assert.ok(error instanceof HaloValidationError, `${label}: ${error?.name}: ${error?.message}`);
  assert.equal(error.field, field, label);
  assert.equal(error.cause, boom, `${label}: the host's error is the cause`);
}

test("host objects: a throwing headers.get, option getter or seen getter is a typed error naming it", async () => {
  const base = () => ({ rawBody: BODY, headers: signed(), secret: SECRET, seen: createMemorySeenStore() });
  typed(await failure(() => verifyWebhook({ ...base(), headers: { get: throwing } })), "headers", "headers.get throws");
  typed(await failure(() => verifyWebhook({ ...base(), headers: new Proxy({}, { ownKeys: throwing }) })), "headers", "a Proxy's ownKeys throws");
  typed(await failure(() => verifyWebhook({ ...base(), seen: { get seen() { throw boom; } } })), "seen", "the store's seen getter throws");
  for (const key of ["rawBody", "headers", "secret", "seen", "toleranceSeconds", "seenTimeoutMs"]) {
    const options = base();
    Object.defineProperty(options, key, { get: throwing, enumerable: true });
    typed(await failure(() => verifyWebhook(options)), key, `the ${key} getter throws`);
  }
});

test("host objects: headers in a Map or a plain object are matched case-insensitively", async () => {
  const headers = signed();
  const shouting = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
  for (const [label, given] of [
    ["Map, mixed case", new Map(Object.entries(headers))],
    ["Map, upper case", new Map(Object.entries(shouting))],
    ["Map, a list value", new Map(Object.entries(headers).map(([name, value]) => [name, [value, "ignored"]]))],
    ["object, upper case", shouting],
    ["Headers", new Headers(headers)],
  ]) {
    const verified = await verifyWebhook({ rawBody: BODY, headers: given, secret: SECRET, seen: createMemorySeenStore() });
    assert.equal(verified.siteId, SITE_ID, label);
  }
  const missing = await failure(() => verifyWebhook({ rawBody: BODY, headers: new Map(), secret: SECRET, seen: createMemorySeenStore() }));
  assert.ok(missing instanceof HaloWebhookError && missing.reason === "headers");
});

test("host objects: expandWebhookUrl refuses missing, non-string and unreadable values by name", () => {
  const values = { siteId: SITE_ID, queryId: "q", source: "async" };
  const refusedSync = (run, field, label) => {
    let error;
    try {
      run();
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof HaloValidationError, `${label}: ${error?.name}: ${error?.message}`);
    assert.equal(error.field, field, label);
    return error;
  };
  refusedSync(() => expandWebhookUrl("https://x/{siteId}", null), "siteId", "null values");
  refusedSync(() => expandWebhookUrl("https://x/{siteId}", undefined), "siteId", "no values");
  refusedSync(() => expandWebhookUrl("https://x/{siteId}", { ...values, queryId: 42 }), "queryId", "a number");
  refusedSync(() => expandWebhookUrl(undefined, values), "template", "no template");
  refusedSync(() => expandWebhookUrl({ toString: () => "https://x" }, values), "template", "an object template");
  const getter = refusedSync(() => expandWebhookUrl("https://x/{source}", { ...values, get source() { throw boom; } }), "source", "a throwing getter");
  assert.equal(getter.cause, boom);
  assert.equal(expandWebhookUrl("https://x/{source}/{siteId}", values), `https://x/async/${SITE_ID}`);
});

test("host objects: fhirSearch with null, or params whose getter or toString throws, is refused before anything is sent", async () => {
  const { client: device, fetch } = client();
  for (const [label, params] of [
    ["null", null],
    ["a throwing getter", { get family() { throw boom; } }],
    ["a throwing toString", { family: { toString: throwing } }],
    ["a throwing pair", [{ get 0() { throw boom; } }]],
  ]) {
    const error = await refused(() => device.fhirSearch("Patient", params), "params", label);
    assert.doesNotMatch(error.name, /TypeError/);
  }
  await refused(() => device.fhirGet("Patient/1", null), "params", "fhirGet with null");
  assert.equal(fetch.requests.length, 0, "nothing was sent");
});
