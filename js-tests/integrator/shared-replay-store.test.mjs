// Two webhook receivers behind a load balancer (here the ESM and the CommonJS
// copy of halo-device/integrator: two module instances, each with its own
// in-memory default store, as two processes would have) share one replay
// store, a Redis-style SET NX PX: a delivery accepted by one is refused as a
// replay by the other. Without the shared store each accepts it once; a
// store that fails lets nothing through, and the redelivery succeeds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import * as first from "halo-device/integrator";

const second = createRequire(import.meta.url)("halo-device/integrator");
const SECRET = "shared-replay-store-secret";

function delivery(id) {
  const rawBody = JSON.stringify({ id, occurredAt: "2026-03-05T14:30:00.0000000+00:00", siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", queryId: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", webhookSource: "async" });
  const timestamp = new Date().toISOString();
  const signature = createHmac("sha256", SECRET).update(`${rawBody}.${timestamp}`).digest("hex");
  return { rawBody, headers: { "x-halo-id": id, "x-halo-timestamp": timestamp, "x-halo-signature-256": signature } };
}

/** Redis's `SET key 1 NX PXAT at`, over the network: resolves "OK" when set, null when present. */
function fakeRedis() {
  const keys = new Map();
  return {
    calls: 0,
    failNext: false,
    async set(key, _value, { NX, PXAT }) {
      this.calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.failNext) {
        this.failNext = false;
        throw new Error("ECONNRESET");
      }
      const expiresAt = keys.get(key);
      if (NX && expiresAt !== undefined && expiresAt > Date.now()) return null;
      keys.set(key, PXAT);
      return "OK";
    },
  };
}

const storeOn = (redis) => ({ seen: async (id, rememberUntil) => (await redis.set(`halo-webhook:${id}`, "1", { NX: true, PXAT: rememberUntil })) === null });

test("a replay accepted by one receiver is refused by the other when they share a store", async () => {
  const redis = fakeRedis();
  const seen = storeOn(redis);
  const hook = delivery("7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6");
  const verified = await first.verifyWebhook({ ...hook, secret: SECRET, seen });
  assert.equal(verified.id, "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6");
  const replay = await second.verifyWebhook({ ...hook, secret: SECRET, seen }).catch((error) => error);
  assert.ok(replay instanceof second.HaloWebhookError, String(replay));
  assert.equal(replay.reason, "replay");
  assert.equal(redis.calls, 2, "each receiver asked the shared store");
});

test("without a shared store, each receiver's own memory accepts the replay once (why the option exists)", async () => {
  const hook = delivery("8e1f9d2b-3c4d-4e5f-9a01-b2c3d4e5f6a7");
  await first.verifyWebhook({ ...hook, secret: SECRET });
  await second.verifyWebhook({ ...hook, secret: SECRET });
  const replay = await first.verifyWebhook({ ...hook, secret: SECRET }).catch((error) => error);
  assert.equal(replay.reason, "replay");
});

test("a store that fails lets nothing through; the redelivery is accepted once, then refused as a replay", async () => {
  const redis = fakeRedis();
  const seen = storeOn(redis);
  const hook = delivery("9f2a0e3c-4d5e-4f60-8b12-c3d4e5f6a7b8");
  redis.failNext = true;
  const down = await first.verifyWebhook({ ...hook, secret: SECRET, seen }).catch((error) => error);
  assert.ok(down instanceof first.HaloValidationError, String(down));
  assert.equal(down.field, "seen");
  assert.equal(down.retryable, true, "answer 5xx: Halo delivers it again");
  assert.equal(down.cause.message, "ECONNRESET");
  await second.verifyWebhook({ ...hook, secret: SECRET, seen });
  const replay = await first.verifyWebhook({ ...hook, secret: SECRET, seen }).catch((error) => error);
  assert.equal(replay.reason, "replay");
});
