// getToken is told why it is called ({ reason }) and given a signal. A
// broker that caches tokens recovers from a token Halo revoked only because
// the client says "rejected": the same broker ignoring the reason keeps
// handing back the dead token and every call fails. Reasons arrive in order
// (initial, expiring, rejected), and the signal aborts once the only call
// waiting for the token is aborted or past its deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import { control, DEVICE_ID, SITE_ID, sleep, tokenIssuer } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { rejectsWith, settlesWithin } from "./support.mjs";

/**
 * A token broker that caches each device's token for its life, as a real
 * one would to spare Halo's token endpoint; with `honoursReason` it asks
 * Halo again when told the cached token was rejected.
 */
function cachingBroker(baseUrl, { honoursReason }) {
  const issue = tokenIssuer(baseUrl);
  let cached;
  const broker = async (request) => {
    broker.reasons.push(request.reason);
    const fresh = honoursReason && request.reason === "rejected";
    if (cached === undefined || fresh || cached.until <= Date.now()) {
      const token = await issue(request);
      cached = { token, until: Date.now() + token.expiresIn * 1000 };
    }
    return cached.token;
  };
  broker.reasons = [];
  broker.issued = () => issue.calls;
  return broker;
}

const client = (baseUrl, getToken, options = {}) => new halo.HaloDeviceClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, getToken, ...options });

for (const honoursReason of [true, false]) {
  test(`a caching broker that ${honoursReason ? "honours" : "ignores"} reason "rejected" ${honoursReason ? "recovers" : "keeps failing"} after Halo revokes its token`, () =>
    withSimulator({}, async (simulator) => {
      const broker = cachingBroker(simulator.url, { honoursReason });
      const device = client(simulator.url, broker);
      await device.fhirCapabilities();
      assert.deepEqual(broker.reasons, ["initial"]);
      // Halo revokes every token; the broker's cache still believes in its copy.
      await control(simulator.url, "POST", "tokens/expire");
      if (honoursReason) {
        await settlesWithin(device.fhirCapabilities());
        await settlesWithin(device.fhirCapabilities());
        assert.deepEqual(broker.reasons, ["initial", "rejected"]);
        assert.equal(broker.issued(), 2, "one new token from Halo");
      } else {
        for (let call = 0; call < 3; call += 1) {
          const error = await rejectsWith(halo, device.fhirCapabilities(), "HALO_AUTH");
          assert.equal(error.status, 401);
        }
        assert.equal(broker.issued(), 1, "the broker never asked Halo again");
        assert.ok(broker.reasons.slice(1).every((reason) => reason === "rejected"), broker.reasons.join());
      }
    }));
}

test("reasons arrive in order: initial, expiring (proactive renewal), rejected (after a 401)", () =>
  withSimulator({}, async (simulator) => {
    const issue = tokenIssuer(simulator.url);
    const reasons = [];
    const getToken = (request) => {
      reasons.push(request.reason);
      assert.deepEqual([request.siteId, request.deviceId], [SITE_ID, DEVICE_ID]);
      assert.ok(request.signal instanceof AbortSignal && !request.signal.aborted);
      return issue(request);
    };
    // Tokens live an hour; renewal is due 200 ms after each arrives.
    const device = client(simulator.url, getToken, { renewMarginMs: 3_600_000 - 200 });
    await device.fhirCapabilities();
    await sleep(250);
    await device.fhirCapabilities(); // sent with the current token; renewal starts alongside
    await sleep(50);
    assert.equal(device.tokenInfo().renewals, 2);
    await control(simulator.url, "POST", "tokens/expire");
    await device.fhirCapabilities(); // 401, then a renewal that must not be a cached copy
    assert.deepEqual(reasons, ["initial", "expiring", "rejected"]);
  }));

/** A getToken that never settles, keeping each request it was called with. */
function hangingGetToken() {
  const requests = [];
  const getToken = (request) => {
    requests.push(request);
    return new Promise(() => {});
  };
  return { requests, getToken };
}

test("the signal aborts when the only waiting call is aborted, not before; the next call asks afresh", async () => {
  const { requests, getToken } = hangingGetToken();
  const device = client("http://127.0.0.1:9", getToken);
  const first = new AbortController();
  const second = new AbortController();
  const calls = [first, second].map((controller) => device.fhirCapabilities({ signal: controller.signal }).catch((error) => error));
  await sleep(20);
  assert.equal(requests.length, 1, "one getToken for both calls");
  const [{ signal, reason }] = requests;
  assert.equal(reason, "initial");
  first.abort();
  await sleep(20);
  assert.equal(signal.aborted, false, "a call still waits");
  second.abort();
  const outcomes = await Promise.all(calls);
  assert.ok(outcomes.every((outcome) => outcome?.name === "AbortError"), String(outcomes));
  assert.equal(signal.aborted, true);
  const third = new AbortController();
  const next = device.fhirCapabilities({ signal: third.signal }).catch((error) => error);
  await sleep(20);
  assert.equal(requests.length, 2, "the given-up renewal is not waited on");
  assert.equal(requests[1].reason, "initial");
  assert.equal(requests[1].signal.aborted, false);
  third.abort();
  await next;
  assert.equal(requests[1].signal.aborted, true);
});

test("the signal aborts when the only waiting call passes its deadline", async () => {
  const { requests, getToken } = hangingGetToken();
  const device = client("http://127.0.0.1:9", getToken);
  await rejectsWith(halo, device.fhirCapabilities({ timeoutMs: 100 }), "HALO_TIMEOUT");
  assert.equal(requests.length, 1);
  assert.equal(requests[0].signal.aborted, true);
});

test("a getToken that honours the signal and rejects fails nothing else, and costs no backoff", async () => {
  let calls = 0;
  const getToken = ({ signal }) => {
    calls += 1;
    if (calls > 1) return { accessToken: "token-after-abort", expiresIn: 3600 };
    return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  };
  const fetch = async () => new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
  const device = client("http://127.0.0.1:9", getToken, { fetch });
  const controller = new AbortController();
  const aborted = device.fhirCapabilities({ signal: controller.signal }).catch((error) => error);
  await sleep(10);
  controller.abort();
  assert.equal((await aborted).name, "AbortError");
  await settlesWithin(device.fhirCapabilities(), 200);
  assert.equal(calls, 2);
});
