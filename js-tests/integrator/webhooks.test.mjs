// Webhooks: the simulator signs and sends one when an async query finishes;
// verifyWebhook accepts it and refuses every kind of forgery.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { HaloDeviceClient } from "halo-device";
import { deviceClient, SITE_ID } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { failure, startRecorder } from "./support.mjs";

const SECRET = "js-tests-webhook-secret-7d1e";

/** A receiver on loopback that keeps each request's raw body and headers. */
async function withReceiver(body) {
  const recorder = await startRecorder();
  try {
    return await body(recorder.url, recorder.received);
  } finally {
    await recorder.close();
  }
}

async function deliveredWebhook() {
  return withReceiver(async (receiverUrl, received) => {
    const webhookUrl = `${receiverUrl}/halo/{source}/{siteId}?query={queryId}`;
    return withSimulator({ webhookUrl, webhookSecret: SECRET, asyncStepMs: 5 }, async (simulator) => {
      const { client } = deviceClient({ HaloDeviceClient }, simulator.url);
      const started = await client.startAsyncQuery("SELECT 1 AS one");
      await client.waitForQuery(started.id, { pollIntervalMs: 10 });
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(received.length, 1, "one webhook");
      return { webhook: received[0], queryId: started.id };
    });
  });
}

test("a signed webhook from the simulator verifies, once", async () => {
  const { webhook, queryId } = await deliveredWebhook();
  assert.equal(webhook.url, `/halo/async/${SITE_ID}?query=${queryId}`, "the URL template was expanded");
  const seen = halo.createMemorySeenStore();
  const verified = await halo.verifyWebhook({ rawBody: webhook.rawBody, headers: webhook.headers, secret: SECRET, seen });
  assert.deepEqual([verified.siteId, verified.queryId, verified.webhookSource], [SITE_ID, queryId, "async"]);
  assert.ok(verified.occurredAt instanceof Date && verified.sentAt instanceof Date);
  const replay = await failure(halo.verifyWebhook({ rawBody: webhook.rawBody, headers: new Headers(webhook.headers), secret: SECRET, seen }));
  assert.ok(replay instanceof halo.HaloWebhookError && replay.reason === "replay");
});

test("forged, tampered, stale and malformed webhooks are refused with a reason", async () => {
  const { webhook } = await deliveredWebhook();
  const verify = (changes) =>
    failure(halo.verifyWebhook({ rawBody: webhook.rawBody, headers: webhook.headers, secret: SECRET, seen: halo.createMemorySeenStore(), ...changes }));
  const cases = [
    [{ secret: "another-secret" }, "signature"],
    [{ rawBody: webhook.rawBody.replace("async", "registered") }, "signature"],
    [{ headers: { ...webhook.headers, "x-halo-signature-256": "zz" } }, "signature"],
    [{ headers: { ...webhook.headers, "x-halo-timestamp": undefined } }, "headers"],
    [{ headers: { ...webhook.headers, "x-halo-id": "9b2d6c4e-1f3a-4e5b-8c7d-0a1b2c3d4e5f" } }, "headers"],
  ];
  for (const [changes, reason] of cases) {
    const error = await verify(changes);
    assert.ok(error instanceof halo.HaloWebhookError, JSON.stringify(changes));
    assert.equal(error.reason, reason, error.message);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes("another-secret"));
  }
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await verify({ toleranceSeconds: 0 })).reason, "timestamp", "stale");
});

test("expandWebhookUrl encodes values and refuses unknown placeholders", () => {
  const url = halo.expandWebhookUrl("https://example.com/h/{source}/{siteId}?q={queryId}", { siteId: SITE_ID, queryId: "a b/c", source: "async" });
  assert.equal(url, `https://example.com/h/async/${SITE_ID}?q=a%20b%2Fc`);
  assert.throws(() => halo.expandWebhookUrl("https://x/{tenant}", { siteId: SITE_ID, queryId: "q", source: "async" }), (e) => e instanceof halo.HaloValidationError && e.field === "template");
});
