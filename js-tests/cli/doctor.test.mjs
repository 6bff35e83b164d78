// `halo doctor` against the simulator: every day-one failure gets its own
// diagnosis and fix, and only a clean run exits 0.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../../simulator/index.mjs";
import { KEY, SECRET, assertNoSecretLeaked, checkLines, closedPortUrl, envFor, halo, startReceiver } from "./support.mjs";

const SITE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"; // Halo Clinic North, PMS ID 12345
const WRONG_KEY = `wrong-key-${KEY.slice(-12)}`;
const WRONG_SECRET = `${SECRET}-not-the-receivers`;

let sim;
let receiver;
before(async () => {
  sim = await startSimulator({ subscriptionKey: KEY });
  receiver = await startReceiver();
});
after(async () => {
  await sim?.close();
  await receiver?.close();
  assertNoSecretLeaked([KEY, WRONG_KEY, SECRET, WRONG_SECRET]);
});
beforeEach(() => sim.reset());

const doctor = (args, env = envFor(sim)) => halo(["doctor", ...args], { env });

test("all checks pass against a healthy setup: exit 0", async () => {
  const { code, stdout, stderr } = await doctor(["--site", SITE, "--webhook-url", receiver.url, "--webhook-secret", SECRET]);
  assert.equal(code, 0, stdout + stderr);
  for (const name of ["environment", "subscription key", "clock", "site", "test query", "webhook"]) {
    assert.equal(checkLines(stdout, name).status, "PASS", stdout);
  }
  assert.match(checkLines(stdout, "site").line, /Halo Clinic North \(BestPractice\) .*active, online/);
  assert.match(checkLines(stdout, "test query").line, /answered in \d+ ms \(1 row\)/);
  assert.match(stdout, /All checks passed\./);
  // The receiver saw the signed notification verify, for the checked site.
  assert.ok(receiver.verified.some((hook) => hook.siteId === SITE));
});

test("the PMS ID route resolves the authoritative GUID and passes", async () => {
  const { code, stdout } = await doctor(["--pms-id", "12345", "--pms-name", "Best Practice"]);
  assert.equal(code, 0, stdout);
  assert.match(checkLines(stdout, "site").line, new RegExp(SITE));
  assert.equal(checkLines(stdout, "webhook").status, "SKIP");
});

test("wrong environment: HALO_ENV and the base URL disagree, and nothing is sent", async () => {
  for (const [asked, url] of [["production", "https://api.stage.haloconnect.io"], ["stage", "https://api.haloconnect.io"]]) {
    const { code, stdout } = await doctor(["--site", SITE], { HALO_ENV: asked, HALO_BASE_URL: url, HALO_SUBSCRIPTION_KEY: KEY });
    assert.equal(code, 1);
    const { status, line, fix } = checkLines(stdout, "environment");
    assert.equal(status, "FAIL");
    assert.match(line, new RegExp(`wrong environment: you asked for ${asked}, but the base URL ${url.replace(/\./g, "\\.")} is`));
    assert.match(fix, /unset HALO_BASE_URL/);
    assert.equal(checkLines(stdout, "subscription key").status, "SKIP");
  }
});

test("bad key: refused, with the environment named and the per-environment hint", async () => {
  const { code, stdout } = await doctor(["--site", SITE], envFor(sim, { HALO_SUBSCRIPTION_KEY: WRONG_KEY }));
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "subscription key");
  assert.equal(status, "FAIL");
  assert.match(line, new RegExp(`bad subscription key: refused by ${sim.url}`));
  assert.match(fix, /keys are per environment/);
  assert.match(fix, /rotated or revoked/);
  assert.equal(checkLines(stdout, "site").status, "SKIP");
});

test("a missing key says which variable to set", async () => {
  const { code, stdout } = await doctor([], { HALO_BASE_URL: sim.url });
  assert.equal(code, 1);
  assert.match(checkLines(stdout, "subscription key").line, /HALO_SUBSCRIPTION_KEY is not set/);
});

test("unknown PMS ID", async () => {
  const { code, stdout } = await doctor(["--pms-id", "99999", "--pms-name", "Best Practice"]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "site");
  assert.equal(status, "FAIL");
  assert.match(line, /unknown PMS ID: .* has no site for PMS ID 99999 \(Best Practice\)/);
  assert.match(fix, /Bp Site ID/);
  assert.match(fix, /Halo Link is set to/);
  assert.equal(checkLines(stdout, "test query").status, "SKIP");
});

test("unpaired site: Halo refuses the site to this integrator (403)", async () => {
  sim.fault({ method: "GET", path: `/integrator/sites/${SITE}`, status: 403 });
  const { code, stdout } = await doctor(["--site", SITE]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "site");
  assert.equal(status, "FAIL");
  assert.match(line, /site not paired: Halo refuses .* to your integrator \(403\)/);
  assert.match(fix, /pairSite\(\{ pmsId, pmsName, pairingCode \}\)/);
});

test("a changed Halo GUID is told apart from an unpaired site", async () => {
  sim.changeSiteGuid(SITE);
  const { code, stdout } = await doctor(["--site", SITE]);
  assert.equal(code, 1);
  const { line, fix } = checkLines(stdout, "site");
  assert.match(line, /the Halo GUID .* changed \(403\)/);
  assert.match(fix, /re-resolve it from the practice's PMS ID/);
});

test("offline site", async () => {
  sim.setSiteOffline(SITE, true);
  const { code, stdout } = await doctor(["--site", SITE]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "site");
  assert.equal(status, "FAIL");
  assert.match(line, /site offline: Halo Clinic North is (offline|unreachable)/);
  assert.match(fix, /Halo Link running and online/);
});

test("a practice that stops answering mid-check: the test query's 503 is diagnosed as offline", async () => {
  sim.fault({ path: "/queries/immediate", status: 503, retryAfter: 5 });
  const { code, stdout } = await doctor(["--site", SITE]);
  assert.equal(code, 1);
  assert.equal(checkLines(stdout, "site").status, "PASS");
  const { status, line, fix } = checkLines(stdout, "test query");
  assert.equal(status, "FAIL");
  assert.match(line, /site offline: the practice could not be contacted \(503\)/);
  assert.match(fix, /Halo Link running/);
});

test("bad key with the OpenAPI's 401 body shape is the same diagnosis", async () => {
  const openapi = await startSimulator({ subscriptionKey: KEY, unauthorizedBody: "openapi" });
  try {
    const { code, stdout } = await doctor([], envFor(openapi, { HALO_SUBSCRIPTION_KEY: WRONG_KEY }));
    assert.equal(code, 1);
    assert.match(checkLines(stdout, "subscription key").line, /bad subscription key: refused by/);
  } finally {
    await openapi.close();
  }
});

test("clock skew against the server's Date header", async () => {
  sim.setClockOffset(120_000);
  const { code, stdout } = await doctor([]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "clock");
  assert.equal(status, "FAIL");
  assert.match(line, /clock skew: this machine's clock is 1(19|20|21) s behind the server's Date header/);
  assert.match(fix, /network time/);
  sim.setClockOffset(0);
});

test("webhook secret mismatch", async () => {
  const { code, stdout } = await doctor(["--webhook-url", receiver.url, "--webhook-secret", WRONG_SECRET]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "webhook");
  assert.equal(status, "FAIL");
  assert.match(line, /webhook secret mismatch: the receiver refused a notification signed with the --webhook-secret you gave \(401/);
  assert.match(fix, /same secret Halo Connect issued/);
  assert.match(fix, /raw body/);
});

test("receiver not listening", async () => {
  const url = await closedPortUrl();
  const { code, stdout } = await doctor(["--webhook-url", url, "--webhook-secret", SECRET]);
  assert.equal(code, 1);
  const { status, line, fix } = checkLines(stdout, "webhook");
  assert.equal(status, "FAIL");
  assert.match(line, new RegExp(`receiver not listening: nothing accepted a connection at ${url}`));
  assert.match(fix, /start your webhook receiver/);
});

test("a receiver that acknowledges forgeries fails the check", async () => {
  const careless = await startReceiver({ accept: "all" });
  try {
    const { code, stdout } = await doctor(["--webhook-url", careless.url, "--webhook-secret", SECRET]);
    assert.equal(code, 1);
    assert.match(checkLines(stdout, "webhook").line, /accepted a notification with a wrong signature .* does not check X-Halo-Signature-256/);
    assert.equal(careless.requests.length, 2);
  } finally {
    await careless.close();
  }
});

test("plain HTTP to a remote host is refused before the key is sent", async () => {
  const { code, stdout } = await doctor([], { HALO_BASE_URL: "http://halo.example.invalid", HALO_SUBSCRIPTION_KEY: KEY });
  assert.equal(code, 1);
  assert.match(checkLines(stdout, "environment").line, /TLS: .* plain HTTP/);
});

test("--help and usage errors", async () => {
  const help = await halo(["doctor", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: halo doctor/);
  const usage = await halo(["doctor", "--site", SITE, "--pms-id", "1"], { env: envFor(sim) });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--site or --pms-id, not both/);
});
