// `halo webhook send` signs like Halo (a receiver built on verifyWebhook
// accepts it, one with another secret refuses it), and `halo webhook
// verify` checks captured requests, the simulator's own deliveries among
// them, saying why one does not verify.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signWebhook } from "halo-device/integrator";
import { startSimulator } from "../../simulator/index.mjs";
import { KEY, SECRET, assertNoSecretLeaked, captured, closedPortUrl, envFor, halo, startReceiver } from "./support.mjs";

const SITE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const QUERY = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";
const OTHER = `${SECRET}-other`;

let receiver;
let dir;
before(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "halo-cli-"));
});
after(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
  assertNoSecretLeaked([KEY, SECRET, OTHER]);
});

test("send: a correctly signed notification the receiver verifies", async () => {
  const { code, stdout } = await halo(["webhook", "send", "--url", receiver.url, "--secret", SECRET, "--site", SITE, "--query", QUERY, "--source", "registered"]);
  assert.equal(code, 0, stdout);
  assert.match(stdout, new RegExp(`sent notification [0-9a-f-]{36} to ${receiver.url}: 204 No Content in \\d+ ms \\(accepted\\)`));
  const hook = receiver.verified.at(-1);
  assert.deepEqual([hook.siteId, hook.queryId, hook.webhookSource], [SITE, QUERY, "registered"]);
});

test("send: another secret is refused (exit 1); nothing listening is said so", async () => {
  const refused = await halo(["webhook", "send", "--url", receiver.url, "--secret", OTHER]);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /401 Unauthorized .*\(refused\)/);
  const url = await closedPortUrl();
  const nobody = await halo(["webhook", "send", "--url", url], { env: { HALO_WEBHOOK_SECRET: SECRET } });
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /receiver not listening/);
});

test("verify: a captured delivery verifies from a file and from stdin; why not, when not", async () => {
  await halo(["webhook", "send", "--url", receiver.url, "--secret", SECRET, "--site", SITE]);
  const request = receiver.requests.at(-1);
  const file = join(dir, "delivery.http");
  writeFileSync(file, captured(request));
  const good = await halo(["webhook", "verify", "--secret", SECRET, file]);
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, new RegExp(`^verifies: notification [0-9a-f-]{36}, async query [0-9a-f-]{36} at site ${SITE}`));
  const piped = await halo(["webhook", "verify", "--secret", SECRET], { input: captured(request) });
  assert.equal(piped.code, 0, piped.stdout);

  const wrong = await halo(["webhook", "verify", "--secret", OTHER, file]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /^does not verify: signature: .*wrong secret, or the delivery was altered/);

  const reserialised = Buffer.from(JSON.stringify(JSON.parse(request.rawBody.toString()), null, 2));
  const altered = await halo(["webhook", "verify", "--secret", SECRET], { input: captured({ ...request, rawBody: reserialised }) });
  assert.equal(altered.code, 1);
  assert.match(altered.stdout, /^does not verify: signature/);

  const { "x-halo-signature-256": _dropped, ...unsigned } = request.headers;
  const missing = await halo(["webhook", "verify", "--secret", SECRET], { input: captured({ ...request, headers: unsigned }) });
  assert.match(missing.stdout, /^does not verify: headers: .*missing X-Halo-Signature-256/);
});

test("verify: an old capture fails its timestamp, with the --tolerance hint, and passes with it", async () => {
  const body = JSON.stringify({ id: "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6", occurredAt: "2026-03-05T14:30:00.0000000+00:00", siteId: SITE, queryId: QUERY, webhookSource: "async" });
  const timestamp = new Date(Date.now() - 3_600_000).toISOString();
  const headers = { "content-type": "application/json", "x-halo-id": "7d0e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6", "x-halo-timestamp": timestamp, "x-halo-signature-256": signWebhook(body, timestamp, SECRET) };
  const input = captured({ method: "POST", url: "/halo", headers, rawBody: Buffer.from(body) });
  const stale = await halo(["webhook", "verify", "--secret", SECRET], { input });
  assert.equal(stale.code, 1);
  assert.match(stale.stdout, /^does not verify: timestamp: .* s old.*pass --tolerance SECONDS/);
  const widened = await halo(["webhook", "verify", "--secret", SECRET, "--tolerance", "7200"], { input });
  assert.equal(widened.code, 0, widened.stdout);
});

test("verify: the simulator's own signed delivery (an independent signer) verifies", async () => {
  const sim = await startSimulator({ subscriptionKey: KEY, webhookUrl: receiver.url, webhookSecret: SECRET, asyncStepMs: 10 });
  try {
    const before = receiver.requests.length;
    const { code, stderr } = await halo(["query", "--async", "--json", "--site", SITE, "SELECT COUNT(*) AS Total FROM Patients"], { env: envFor(sim) });
    assert.equal(code, 0, stderr);
    for (let i = 0; i < 100 && receiver.requests.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const delivery = receiver.requests.at(-1);
    assert.ok(receiver.requests.length > before, "the simulator sent no webhook");
    const { code: verified, stdout } = await halo(["webhook", "verify", "--secret", SECRET], { input: captured(delivery) });
    assert.equal(verified, 0, stdout);
    assert.match(stdout, new RegExp(`at site ${SITE}`));
  } finally {
    await sim.close();
  }
});

test("verify: a capture without a blank line is a usage error", async () => {
  const { code, stderr } = await halo(["webhook", "verify", "--secret", SECRET], { input: "POST / HTTP/1.1\r\nX-Halo-Id: 1" });
  assert.equal(code, 2);
  assert.match(stderr, /no blank line between its headers and its body/);
});
