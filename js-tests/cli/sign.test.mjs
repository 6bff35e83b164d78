// signWebhook, the integrator entry's signer behind `halo webhook send`:
// Halo's rule as node:crypto computes it independently, and hostile
// arguments are typed errors that never carry the secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { HaloValidationError, signWebhook, verifyWebhook, createMemorySeenStore } from "halo-device/integrator";
import { SECRET } from "./support.mjs";

const BODY = JSON.stringify({ id: "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6", occurredAt: "2026-03-05T14:30:00.0000000+00:00", siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", queryId: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", webhookSource: "async" });

test("the signature is HMAC-SHA256 of <raw body>.<timestamp>, lowercase hex, for strings and bytes", async () => {
  const timestamp = new Date().toISOString();
  const expected = createHmac("sha256", SECRET).update(`${BODY}.${timestamp}`).digest("hex");
  assert.equal(signWebhook(BODY, timestamp, SECRET), expected);
  assert.equal(signWebhook(new TextEncoder().encode(BODY), timestamp, SECRET), expected);
  const headers = { "X-Halo-Timestamp": timestamp, "X-Halo-Signature-256": expected };
  assert.equal((await verifyWebhook({ rawBody: BODY, headers, secret: SECRET, seen: createMemorySeenStore() })).queryId, "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d");
});

test("hostile arguments are HaloValidationErrors naming the field, never echoing the secret", () => {
  const cases = [
    [() => signWebhook(BODY, "2026-03-05T14:30:05Z", ""), "secret"],
    [() => signWebhook(BODY, "2026-03-05T14:30:05Z", 42), "secret"],
    [() => signWebhook({ toString: () => BODY }, "2026-03-05T14:30:05Z", SECRET), "rawBody"],
    [() => signWebhook(BODY, new Date(), SECRET), "timestamp"],
  ];
  for (const [call, field] of cases) {
    assert.throws(call, (error) => error instanceof HaloValidationError && error.field === field && !error.message.includes(SECRET) && !String(error.stack).includes(SECRET));
  }
});
