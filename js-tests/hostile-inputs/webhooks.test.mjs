// verifyWebhook with hostile deliveries and odd hosts: forgeries fail on
// their signature whatever the body, every binary body type hashes its
// exact bytes, and a broken replay store is a typed error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createMemorySeenStore, HaloValidationError, HaloWebhookError, verifyWebhook } from "halo-device/integrator";
import { failure } from "./support.mjs";

const SECRET = "hostile-inputs-webhook-secret";
const BODY = JSON.stringify({
  id: "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
  occurredAt: "2026-03-05T14:30:00.0000000+00:00",
  siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
  queryId: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d",
  webhookSource: "async",
});

function delivery(body = BODY, secret = SECRET) {
  const timestamp = new Date().toISOString();
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const signature = createHmac("sha256", secret).update(Buffer.concat([bytes, Buffer.from(`.${timestamp}`)])).digest("hex");
  return { "x-halo-timestamp": timestamp, "x-halo-signature-256": signature };
}

test("webhooks: a forged delivery is refused for its signature whatever its body", async () => {
  for (const body of ["", "not json", "[1,2]", "null", '{"id":5,"siteId":[],"queryId":{}}', '{"__proto__":{"x":1}}', "\u00ff\u00fe"]) {
    const error = await failure(() => verifyWebhook({ rawBody: body, headers: delivery(body, "not-the-secret"), secret: SECRET, seen: createMemorySeenStore() }));
    assert.ok(error instanceof HaloWebhookError, `${JSON.stringify(body)}: ${error.name}: ${error.message}`);
    assert.equal(error.reason, "signature", JSON.stringify(body));
  }
});

test("webhooks: rawBody may be a string, Uint8Array, Buffer, ArrayBuffer or DataView, hashed byte for byte", async () => {
  const bytes = new TextEncoder().encode(BODY);
  const padded = new Uint8Array(bytes.length + 8);
  padded.set(bytes, 4);
  const forms = {
    string: BODY,
    Uint8Array: bytes,
    Buffer: Buffer.from(BODY),
    ArrayBuffer: bytes.slice().buffer,
    DataView: new DataView(padded.buffer, 4, bytes.length),
    "Uint8Array view": padded.subarray(4, 4 + bytes.length),
  };
  for (const [name, rawBody] of Object.entries(forms)) {
    const verified = await verifyWebhook({ rawBody, headers: delivery(), secret: SECRET, seen: createMemorySeenStore() });
    assert.equal(verified.webhookSource, "async", name);
  }
  for (const rawBody of [undefined, null, 42, { body: BODY }, [1, 2], new Uint16Array(4)]) {
    const error = await failure(() => verifyWebhook({ rawBody, headers: delivery(), secret: SECRET, seen: createMemorySeenStore() }));
    assert.ok(error instanceof HaloValidationError, `${String(rawBody)}: ${error.name}: ${error.message}`);
    assert.equal(error.field, "rawBody");
  }
});

test("webhooks: a replay store that throws, rejects or answers off-contract is a typed error", async () => {
  const stores = {
    throws: { seen() { throw new Error("redis is down"); } },
    rejects: { seen: async () => { throw new Error("redis is down"); } },
    "answers a string": { seen: () => "no" },
    "has no method": {},
  };
  for (const [name, seen] of Object.entries(stores)) {
    const error = await failure(() => verifyWebhook({ rawBody: BODY, headers: delivery(), secret: SECRET, seen }));
    assert.ok(error instanceof HaloValidationError, `${name}: ${error.name}: ${error.message}`);
    assert.equal(error.field, "seen", name);
  }
  const thrown = await failure(() => verifyWebhook({ rawBody: BODY, headers: delivery(), secret: SECRET, seen: stores.throws }));
  assert.equal(thrown.retryable, true, "the delivery may be genuine: answer 5xx so Halo retries");
  assert.equal(thrown.cause.message, "redis is down");
});

test("webhooks: bad secrets, headers and tolerances are typed errors", async () => {
  const base = { rawBody: BODY, headers: delivery(), secret: SECRET, seen: createMemorySeenStore() };
  for (const [change, field] of [[{ secret: 42 }, "secret"], [{ headers: undefined }, "headers"], [{ toleranceSeconds: NaN }, "toleranceSeconds"], [{ toleranceSeconds: "300" }, "toleranceSeconds"], [{ toleranceSeconds: -1 }, "toleranceSeconds"]]) {
    const error = await failure(() => verifyWebhook({ ...base, ...change }));
    assert.ok(error instanceof HaloValidationError, `${JSON.stringify(change)}: ${error.name}: ${error.message}`);
    assert.equal(error.field, field);
  }
});
