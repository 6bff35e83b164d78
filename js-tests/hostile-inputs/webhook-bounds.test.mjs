// verifyWebhook against bodies of any size and a replay store that hangs:
// a forged body over MAX_WEBHOOK_BODY_BYTES is refused by its length before
// anything is copied into wasm (a 2 GiB one used to panic the integrator's
// instance and poison every later call), and a seen() that never settles is
// answered at seenTimeoutMs with a retryable error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  createMemorySeenStore,
  DEFAULT_SEEN_TIMEOUT_MS,
  HaloIntegratorClient,
  HaloTimeoutError,
  HaloValidationError,
  HaloWebhookError,
  MAX_WEBHOOK_BODY_BYTES,
  verifyWebhook,
} from "halo-device/integrator";
import { failure, scriptedFetch, SITE_ID } from "./support.mjs";

const SECRET = "hostile-inputs-webhook-secret";
const ID = "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6";
const BODY = JSON.stringify({ id: ID, occurredAt: "2026-03-05T14:30:00.0000000+00:00", siteId: SITE_ID, queryId: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", webhookSource: "async" });

function signed(body = BODY) {
  const timestamp = new Date().toISOString();
  const signature = createHmac("sha256", SECRET).update(`${body}.${timestamp}`).digest("hex");
  return { "x-halo-timestamp": timestamp, "x-halo-signature-256": signature };
}

/** A string of `length` characters without allocating them: a rope of shared halves, which V8 only flattens when read. */
function rope(length) {
  let [piece, text, rest] = ["x", "", length];
  for (;;) {
    if (rest % 2 === 1) text += piece;
    rest = Math.floor(rest / 2);
    if (rest === 0) return text;
    piece += piece;
  }
}

async function tooLarge(rawBody, label) {
  const error = await failure(() => verifyWebhook({ rawBody, headers: signed(), secret: SECRET, seen: createMemorySeenStore() }));
  assert.ok(error instanceof HaloWebhookError, `${label}: ${error?.name}: ${error?.message}`);
  assert.equal(error.reason, "payload", label);
  assert.match(error.message, new RegExp(`larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`), label);
}

/** Ordinary calls on the same instance: a good delivery, a new client, a site call. */
async function instanceStillWorks() {
  const verified = await verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: createMemorySeenStore() });
  assert.equal(verified.id, ID);
  const fetch = scriptedFetch(() => ({ body: { id: SITE_ID, status: "active" } }));
  const integrator = new HaloIntegratorClient({ baseUrl: "http://halo.invalid", subscriptionKey: "bounds-key-0123456789", fetch });
  assert.equal((await integrator.getSite(SITE_ID)).status, "active");
}

test("webhook bounds: the limit is 64 KiB, one definition exported to TS", () => {
  assert.equal(MAX_WEBHOOK_BODY_BYTES, 64 * 1024);
});

test("webhook bounds: a 2 GiB body (bytes, ArrayBuffer, DataView), a 4 GiB + 16 buffer and a near-maximal string are refused, and the instance keeps working", async () => {
  const twoGiB = new Uint8Array(2 ** 31);
  await tooLarge(twoGiB, "2 GiB Uint8Array");
  await tooLarge(twoGiB.buffer, "2 GiB ArrayBuffer");
  await tooLarge(new DataView(twoGiB.buffer, 1), "2 GiB DataView");
  await tooLarge(Buffer.from(twoGiB.buffer, 0, 2 ** 31 - 1), "2 GiB Buffer");
  // js-sys reads byteLength as a u32: 4 GiB + 16 must not pass as 16 bytes.
  await tooLarge(new ArrayBuffer(2 ** 32 + 16), "4 GiB + 16 ArrayBuffer");
  await tooLarge(rope(2 ** 29 - 24), "V8's longest string");
  await instanceStillWorks();
});

test("webhook bounds: the limit is exact, in UTF-8 bytes", async () => {
  // At the limit the body is read, and fails on its (forged) signature.
  const full = "x".repeat(MAX_WEBHOOK_BODY_BYTES);
  const forged = await failure(() => verifyWebhook({ rawBody: full, headers: signed(), secret: SECRET, seen: createMemorySeenStore() }));
  assert.equal(forged.reason, "signature");
  await tooLarge(`${full}x`, "limit + 1 characters");
  await tooLarge(new Uint8Array(MAX_WEBHOOK_BODY_BYTES + 1), "limit + 1 bytes");
  // Fewer UTF-16 units than the limit, more UTF-8 bytes: the core counts bytes.
  await tooLarge("é".repeat(MAX_WEBHOOK_BODY_BYTES / 2 + 1), "two-byte characters");
  await instanceStillWorks();
});

test("webhook bounds: a seen() that never settles is a retryable HaloTimeoutError at seenTimeoutMs, and its signal aborts", async () => {
  assert.equal(DEFAULT_SEEN_TIMEOUT_MS, 5_000);
  let signal;
  const hung = { seen: (_id, _until, options) => ((signal = options.signal), new Promise(() => {})) };
  const error = await failure(() => verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: hung, seenTimeoutMs: 20 }));
  assert.ok(error instanceof HaloTimeoutError, `${error.name}: ${error.message}`);
  assert.equal(error.code, "HALO_TIMEOUT");
  assert.equal(error.retryable, true, "answer 5xx so Halo delivers again");
  assert.match(error.message, /seen\.seen\(\) did not settle within 20 ms \(seenTimeoutMs\)/);
  assert.equal(signal.aborted, true, "the store is told to give up");
  assert.ok(signal.reason instanceof HaloTimeoutError);
});

test("webhook bounds: past the timeout nothing is recorded by a store that honours the signal, so Halo's redelivery verifies", async () => {
  const memory = createMemorySeenStore();
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const slow = {
    async seen(id, until, options) {
      if (options?.signal && !options.signal.aborted) await gate;
      if (options?.signal?.aborted) throw options.signal.reason;
      return memory.seen(id, until);
    },
  };
  const first = await failure(() => verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: slow, seenTimeoutMs: 10 }));
  assert.ok(first instanceof HaloTimeoutError);
  release(); // the store answers late, with a rejection nobody awaits: not an unhandled one
  await new Promise((resolve) => setTimeout(resolve, 10));
  const redelivered = await verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: slow });
  assert.equal(redelivered.id, ID);
  const replay = await failure(() => verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: slow }));
  assert.equal(replay.reason, "replay");
});

test("webhook bounds: seenTimeoutMs must be whole milliseconds a timer can wait", async () => {
  for (const seenTimeoutMs of [0, -1, 1.5, NaN, Infinity, 2 ** 31, "100", null]) {
    const error = await failure(() => verifyWebhook({ rawBody: BODY, headers: signed(), secret: SECRET, seen: createMemorySeenStore(), seenTimeoutMs }));
    assert.ok(error instanceof HaloValidationError, `${String(seenTimeoutMs)}: ${error.name}`);
    assert.equal(error.field, "seenTimeoutMs");
  }
  const inherited = Object.create({ seenTimeoutMs: -1 });
  Object.assign(inherited, { rawBody: BODY, headers: signed(), secret: SECRET, seen: createMemorySeenStore() });
  assert.equal((await verifyWebhook(inherited)).id, ID, "an inherited seenTimeoutMs has no effect");
});
