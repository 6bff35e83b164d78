// createTokenBroker with plain `Request` objects: the happy path, the
// statuses a device's getToken can act on, hostile inputs (huge and slow
// bodies, wrong methods, bad JSON, foreign origins, an authorize that
// throws), the per-device cache that serves the lifetime LEFT, one Halo
// request per device at a time; and brokerTokenProvider, the device side.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { HaloDeviceClient, brokerTokenProvider } from "halo-device";
import { startSimulator } from "../../simulator/index.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

const { createTokenBroker, HaloIntegratorClient, HaloUnavailableError, HaloRateLimitError, HaloValidationError } = halo;
const DEVICE = "broker-test-device-7d2e9a41c3b5f608";
const OTHER_DEVICE = "broker-test-device-0a1b2c3d4e5f6a7b";
const URL_ = "https://broker.example/api/halo-token";
const APP = "https://app.example";

let simulator;
before(async () => {
  simulator = await startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, tokenLifetime: 3600 });
});
after(() => simulator?.close());

/** A stand-in for HaloIntegratorClient: counts calls, issues numbered tokens living `lifetimeS` seconds (or `expiresAt`). */
function fakeIntegrator({ lifetimeS = 3600, expiresInS = lifetimeS, fail, gate } = {}) {
  const fake = {
    calls: [],
    async issueDeviceToken(request) {
      fake.calls.push(request);
      if (gate) await gate;
      if (fail) throw fail;
      return { accessToken: `token-${fake.calls.length}-${request.deviceId.slice(-4)}`, tokenType: "Bearer", expiresIn: expiresInS, expiresAt: new Date(Date.now() + lifetimeS * 1000) };
    },
  };
  return fake;
}

/** authorize for tests: the `x-user` header names a device at SITE_ID; none is refused. */
const byHeader = async (request) => {
  const user = request.headers.get("x-user");
  return user ? { siteId: SITE_ID, deviceId: user } : null;
};

const post = (body, headers = {}) =>
  new Request(URL_, { method: "POST", headers: { "Content-Type": "application/json", "x-user": DEVICE, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function json(response) {
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.headers.get("content-type"), "application/json");
  return response.json();
}

test("a signed-in device gets a token for the site and device authorize chose, never stored by a cache on the way", async () => {
  const integrator = fakeIntegrator();
  const seen = [];
  const broker = createTokenBroker({ integrator, authorize: async (request, claimed) => (seen.push(claimed), byHeader(request)) });
  const response = await broker(post({ siteId: SITE_ID, deviceId: DEVICE, reason: "initial" }));
  assert.equal(response.status, 200);
  const body = await json(response);
  assert.deepEqual({ ...body, expiresIn: undefined }, { accessToken: "token-1-f608", expiresIn: undefined, tokenType: "Bearer", siteId: SITE_ID, deviceId: DEVICE });
  assert.ok(body.expiresIn > 3590 && body.expiresIn <= 3600, `${body.expiresIn}`);
  assert.deepEqual(seen, [{ siteId: SITE_ID, deviceId: DEVICE, reason: "initial" }]);
  assert.deepEqual(integrator.calls, [{ siteId: SITE_ID, deviceId: DEVICE }]);
  // A body may claim nothing (a device that signs in first learns its ids from the answer).
  assert.equal((await broker(post(""))).status, 200);
  assert.equal((await broker(post({ reason: "a reason from a newer client" }))).status, 200);
});

test("construction refuses a missing authorize or integrator, an unsafe origin list and bad limits, by field", () => {
  const integrator = fakeIntegrator();
  const field = (options) => {
    try {
      createTokenBroker(options);
    } catch (error) {
      assert.ok(error instanceof HaloValidationError, String(error));
      return error.field;
    }
    assert.fail("accepted");
  };
  assert.equal(field({ integrator }), "authorize");
  assert.equal(field({ authorize: byHeader }), "integrator");
  assert.equal(field(undefined), "options");
  for (const origins of [["*"], ["https://app.example/"], ["app.example"], ["ftp://app.example"], "https://app.example"]) {
    assert.equal(field({ integrator, authorize: byHeader, allowedOrigins: origins }), "allowedOrigins", JSON.stringify(origins));
  }
  assert.equal(field({ integrator, authorize: byHeader, maxBodyBytes: 0 }), "maxBodyBytes");
  assert.equal(field({ integrator, authorize: byHeader, bodyTimeoutMs: Number.NaN }), "bodyTimeoutMs");
  assert.equal(field({ integrator, authorize: byHeader, allowedHeaders: ["bad header"] }), "allowedHeaders");
  // An authorize inherited from a polluted prototype is no authorize.
  Object.prototype.authorize = byHeader;
  try {
    assert.equal(field({ integrator }), "authorize");
  } finally {
    delete Object.prototype.authorize;
  }
});

test("wrong methods are 405 with Allow, and authorize never runs", async () => {
  let asked = 0;
  const broker = createTokenBroker({ integrator: fakeIntegrator(), authorize: () => (asked++, null) });
  for (const method of ["GET", "PUT", "DELETE", "PATCH", "HEAD"]) {
    const response = await broker(new Request(URL_, { method }));
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "POST, OPTIONS");
    if (method !== "HEAD") assert.equal((await json(response)).error.code, "BROKER_METHOD");
  }
  assert.equal(asked, 0);
});

test("bad bodies are 400 with a typed error body: malformed JSON, not an object, wrong types, not UTF-8", async () => {
  const integrator = fakeIntegrator();
  const broker = createTokenBroker({ integrator, authorize: byHeader });
  for (const body of ['{"siteId":', "[1,2]", "null", '"text"', JSON.stringify({ siteId: 5 }), JSON.stringify({ deviceId: "x".repeat(300) }), new Uint8Array([0x7b, 0xff, 0x7d])]) {
    const response = await broker(new Request(URL_, { method: "POST", headers: { "x-user": DEVICE }, body }));
    assert.equal(response.status, 400, String(body));
    const { error } = await json(response);
    assert.equal(error.code, "BROKER_BAD_BODY");
    assert.equal(error.retryable, false);
    assert.equal(typeof error.message, "string");
  }
  assert.equal(integrator.calls.length, 0);
});

test("a huge body is 413 without being read to its end, declared or streamed", async () => {
  const broker = createTokenBroker({ integrator: fakeIntegrator(), authorize: byHeader, maxBodyBytes: 1024 });
  const declared = await broker(new Request(URL_, { method: "POST", headers: { "content-length": "10000000" }, body: "{}" }));
  assert.equal(declared.status, 413);
  assert.equal((await json(declared)).error.code, "BROKER_BODY_TOO_LARGE");
  let pulled = 0;
  let cancelled = false;
  const endless = new ReadableStream({
    pull(controller) {
      pulled += 1;
      controller.enqueue(new Uint8Array(512).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  const streamed = await broker(new Request(URL_, { method: "POST", body: endless, duplex: "half" }));
  assert.equal(streamed.status, 413);
  assert.ok(cancelled, "the body stream was cancelled");
  assert.ok(pulled <= 4, `read ${pulled} chunks of an endless body`);
});

test("a slow body is 408 (retryable) after bodyTimeoutMs, and its stream is cancelled", async () => {
  const broker = createTokenBroker({ integrator: fakeIntegrator(), authorize: byHeader, bodyTimeoutMs: 50 });
  let cancelled = false;
  const trickle = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"reason":'));
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = await broker(new Request(URL_, { method: "POST", body: trickle, duplex: "half" }));
  assert.equal(response.status, 408);
  assert.deepEqual((await json(response)).error, { code: "BROKER_BODY_TIMEOUT", message: "the request body did not arrive within 50 ms", retryable: true });
  assert.ok(cancelled);
});

test("authorize: null is 401, a throw is 500 that reaches onEvent but not the device, junk is 500", async () => {
  const events = [];
  const secretFailure = new Error("database password hunter2 expired");
  const broker = (authorize) => createTokenBroker({ integrator: fakeIntegrator(), authorize, onEvent: (event) => events.push(event) });
  const refused = await broker(() => null)(post({}));
  assert.equal(refused.status, 401);
  assert.equal((await json(refused)).error.code, "BROKER_UNAUTHORIZED");
  for (const authorize of [() => { throw secretFailure; }, async () => { throw secretFailure; }]) {
    const response = await broker(authorize)(post({}));
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.match(text, /BROKER_AUTHORIZE_FAILED/);
    assert.ok(!text.includes("hunter2"), text);
  }
  assert.deepEqual(events.filter((event) => event.error === secretFailure).map((event) => event.status), [500, 500]);
  for (const junk of [{ siteId: 5, deviceId: DEVICE }, { siteId: SITE_ID }, true]) {
    assert.equal((await broker(() => junk)(post({}))).status, 500, JSON.stringify(junk));
  }
});

test("a body claiming another site or device than authorize allows is 403, quoting neither", async () => {
  const integrator = fakeIntegrator();
  const broker = createTokenBroker({ integrator, authorize: byHeader });
  for (const claim of [{ deviceId: OTHER_DEVICE }, { siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3303" }]) {
    const response = await broker(post(claim));
    assert.equal(response.status, 403);
    const text = await response.text();
    assert.match(text, /BROKER_MISMATCH/);
    assert.ok(!text.includes(OTHER_DEVICE) && !text.includes(DEVICE), text);
  }
  // The GUID's case does not matter.
  assert.equal((await broker(post({ siteId: SITE_ID.toUpperCase(), deviceId: DEVICE }))).status, 200);
  assert.equal(integrator.calls.length, 1);
});

test("the cache serves a device its own token with the lifetime it has LEFT; rejected and expiring get a fresh one", async () => {
  // Halo's expiresIn says 3600 s, but the token has 1000 s left when it arrives.
  const integrator = fakeIntegrator({ lifetimeS: 1000, expiresInS: 3600 });
  const events = [];
  const broker = createTokenBroker({ integrator, authorize: byHeader, onEvent: (event) => events.push(event) });
  const first = await json(await broker(post({ reason: "initial" })));
  assert.ok(first.expiresIn <= 1000 && first.expiresIn > 990, `the lifetime left, not Halo's 3600: ${first.expiresIn}`);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const again = await json(await broker(post({ reason: "initial" })));
  assert.equal(again.accessToken, first.accessToken, "a restarted device gets the cached token");
  assert.ok(again.expiresIn < first.expiresIn, `with what it has left: ${again.expiresIn} after ${first.expiresIn}`);
  assert.equal(integrator.calls.length, 1);
  const rejected = await json(await broker(post({ reason: "rejected" })));
  assert.notEqual(rejected.accessToken, first.accessToken, "Halo refused the cached one: never again");
  const expiring = await json(await broker(post({ reason: "expiring" })));
  assert.notEqual(expiring.accessToken, rejected.accessToken);
  const other = await json(await broker(post({ reason: "initial" }, { "x-user": OTHER_DEVICE })));
  assert.ok(other.accessToken.endsWith("a7b") && other.deviceId === OTHER_DEVICE, "another device never gets this device's token");
  assert.equal(integrator.calls.length, 4);
  assert.deepEqual(events.map((event) => event.type), ["issued", "cached", "issued", "issued", "issued"]);
  const logged = JSON.stringify(events);
  assert.ok(!logged.includes("token-") && !logged.includes(DEVICE) && !logged.includes(OTHER_DEVICE), `events carry no token or device id: ${logged}`);
});

test("a token with a tenth of its life or less left is not served from the cache; maxCachedDevices 0 turns it off", async () => {
  const short = fakeIntegrator({ lifetimeS: 1 });
  const broker = createTokenBroker({ integrator: short, authorize: byHeader });
  await broker(post({}));
  await new Promise((resolve) => setTimeout(resolve, 950)); // later only makes it staler
  await broker(post({}));
  assert.equal(short.calls.length, 2, "under a tenth of its second left: a fresh token");
  const uncached = fakeIntegrator();
  const noCache = createTokenBroker({ integrator: uncached, authorize: byHeader, maxCachedDevices: 0 });
  await noCache(post({}));
  await noCache(post({}));
  assert.equal(uncached.calls.length, 2);
});

test("one Halo request per device at a time: concurrent requests share it, other devices get their own", async () => {
  let open;
  const gate = new Promise((resolve) => (open = resolve));
  const integrator = fakeIntegrator({ gate });
  const broker = createTokenBroker({ integrator, authorize: byHeader });
  const answers = Promise.all([
    ...Array.from({ length: 5 }, (_, i) => broker(post({ reason: i === 0 ? "rejected" : "initial" }))),
    broker(post({}, { "x-user": OTHER_DEVICE })),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(integrator.calls.length, 2, "one per device while the first is under way");
  open();
  const bodies = await Promise.all((await answers).map((response) => json(response)));
  assert.equal(new Set(bodies.slice(0, 5).map((body) => body.accessToken)).size, 1);
  assert.notEqual(bodies[5].accessToken, bodies[0].accessToken);
});

test("Halo's failures become statuses a getToken can act on, with Retry-After when Halo said, never a secret", async () => {
  const cases = [
    [new HaloUnavailableError("Halo is down", { code: "HALO_UNAVAILABLE", status: 503, retryable: true, retryAfterMs: 2500 }), 503, "HALO_UNAVAILABLE", true, "3"],
    [new HaloRateLimitError("slow down", { code: "HALO_RATE_LIMIT", status: 429, retryable: true, retryAfterMs: 1000 }), 429, "HALO_RATE_LIMIT", true, "1"],
    [new halo.HaloNetworkError("unreachable", { code: "HALO_NETWORK", retryable: true }), 503, "HALO_NETWORK", true, null],
    [new halo.HaloTimeoutError("too slow", { code: "HALO_TIMEOUT", retryable: true }), 503, "HALO_TIMEOUT", true, null],
    [new Error("a bug in a stand-in"), 502, "BROKER_INTERNAL", false, null],
  ];
  for (const [fail, status, code, retryable, retryAfter] of cases) {
    const response = await createTokenBroker({ integrator: fakeIntegrator({ fail }), authorize: byHeader })(post({}));
    assert.equal(response.status, status, code);
    assert.equal(response.headers.get("retry-after"), retryAfter, code);
    const { error } = await json(response);
    assert.equal(error.code, code);
    assert.equal(error.retryable, retryable, code);
  }
  // Against the simulator, with a real client: unknown GUID, a GUID that is not authoritative, a malformed one, a refused key.
  const integrator = new HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY, maxRetries: 0 });
  const wrongKey = new HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: `${SUBSCRIPTION_KEY}-wrong`, maxRetries: 0 });
  const real = [
    [integrator, "3f2504e0-4f89-41d3-9a0c-0305e82c3399", 404, "HALO_NOT_FOUND"],
    [integrator, "3f2504e0-4f89-41d3-9a0c-0305e82c3302", 403, "HALO_FORBIDDEN"],
    [integrator, "not-a-guid", 400, "HALO_VALIDATION"],
    [wrongKey, SITE_ID, 502, "HALO_AUTH"],
  ];
  for (const [client, siteId, status, code] of real) {
    const response = await createTokenBroker({ integrator: client, authorize: () => ({ siteId, deviceId: DEVICE }) })(post({}));
    assert.equal(response.status, status, code);
    const text = await response.text();
    assert.equal(JSON.parse(text).error.code, code);
    assert.ok(!text.includes(SUBSCRIPTION_KEY) && !text.includes(DEVICE), text);
  }
});

test("CORS for named origins only: a preflight and a request from one get the headers; a foreign origin is 403 before authorize", async () => {
  let asked = 0;
  const broker = createTokenBroker({ integrator: fakeIntegrator(), authorize: (request) => (asked++, byHeader(request)), allowedOrigins: [APP] });
  const preflight = await broker(new Request(URL_, { method: "OPTIONS", headers: { Origin: APP, "Access-Control-Request-Method": "POST" } }));
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), APP);
  assert.equal(preflight.headers.get("access-control-allow-methods"), "POST");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization, content-type");
  assert.equal(preflight.headers.get("access-control-allow-credentials"), "true");
  const allowed = await broker(post({}, { Origin: APP }));
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get("access-control-allow-origin"), APP);
  assert.equal(allowed.headers.get("vary"), "Origin");
  for (const origin of ["https://evil.example", "null", "https://app.example.evil.example"]) {
    const foreign = await broker(post({}, { Origin: origin }));
    assert.equal(foreign.status, 403, origin);
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    assert.equal((await json(foreign)).error.code, "BROKER_ORIGIN");
    const foreignPreflight = await broker(new Request(URL_, { method: "OPTIONS", headers: { Origin: origin } }));
    assert.equal(foreignPreflight.status, 403);
  }
  assert.equal(asked, 1, "authorize ran only for the allowed origin");
  // The broker's own origin (as the request URL names it) and no Origin at all are served, without CORS headers.
  for (const headers of [{ Origin: "https://broker.example" }, {}]) {
    const response = await broker(post({}, headers));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), null);
  }
});

test("the handler never throws: not a Request, a throwing onEvent, a Request whose headers throw", async () => {
  const broker = createTokenBroker({ integrator: fakeIntegrator(), authorize: byHeader, onEvent: () => { throw new Error("log sink down"); } });
  for (const input of [undefined, null, {}, "POST /", { method: "POST", headers: { get() { throw new Error("hostile"); } } }]) {
    const response = await broker(input);
    assert.ok(response.status >= 400 && response.status < 600, String(response.status));
    assert.equal(typeof (await json(response)).error.code, "string");
  }
  assert.equal((await broker(post({}))).status, 200, "a throwing onEvent does not fail a served token");
});

test("brokerTokenProvider: POSTs the ids and reason as JSON with your headers; 5xx/429/408 reject with a TypeError (retryable), others with an Error", async () => {
  const sent = [];
  const answers = [Response.json({ accessToken: "t", expiresIn: 60 }), Response.json({ error: { code: "BROKER_UNAUTHORIZED" } }, { status: 401 }), new Response("down", { status: 503 }), new Response("", { status: 429 }), new Response("", { status: 408 })];
  let credential = 0;
  const getToken = brokerTokenProvider(URL_, {
    headers: async () => ({ Authorization: `Bearer session-${++credential}` }),
    fetch: async (url, init) => (sent.push({ url, ...init, headers: init.headers }), answers.shift()),
  });
  const signal = new AbortController().signal;
  assert.deepEqual(await getToken({ siteId: SITE_ID, deviceId: DEVICE, reason: "initial", signal }), { accessToken: "t", expiresIn: 60 });
  assert.deepEqual(sent[0], { url: URL_, method: "POST", headers: { Authorization: "Bearer session-1", "Content-Type": "application/json" }, body: JSON.stringify({ siteId: SITE_ID, deviceId: DEVICE, reason: "initial" }), signal });
  const refused = await getToken({ siteId: SITE_ID, deviceId: DEVICE, reason: "rejected", signal }).catch((error) => error);
  assert.ok(!(refused instanceof TypeError) && refused instanceof Error);
  assert.equal(refused.message, "token broker answered HTTP 401");
  assert.equal(sent[1].headers.Authorization, "Bearer session-2", "a headers function is asked each time");
  for (const status of [503, 429, 408]) {
    const error = await getToken({ siteId: SITE_ID, deviceId: DEVICE, reason: "expiring", signal }).catch((caught) => caught);
    assert.ok(error instanceof TypeError, `${status}: ${error}`);
    assert.equal(error.message, `token broker answered HTTP ${status}`);
  }
});

test("end to end in Node: a HaloDeviceClient whose getToken is brokerTokenProvider runs a query; a broker with Halo down is a retryable failure", async () => {
  const integrator = new HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY });
  const broker = createTokenBroker({ integrator, authorize: byHeader });
  const viaBroker = (url, init) => broker(new Request(url, init));
  const device = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE, getToken: brokerTokenProvider(URL_, { headers: { "x-user": DEVICE }, fetch: viaBroker }) });
  const { rows } = await device.immediateQuery("SELECT InternalID, Surname FROM Patients");
  assert.equal(rows.length, 8);
  const down = createTokenBroker({ integrator: fakeIntegrator({ fail: new HaloUnavailableError("down", { code: "HALO_UNAVAILABLE", status: 503, retryable: true }) }), authorize: byHeader });
  const stranded = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE, getToken: brokerTokenProvider(URL_, { headers: { "x-user": DEVICE }, fetch: (url, init) => down(new Request(url, init)) }) });
  const error = await stranded.immediateQuery("SELECT 1").catch((caught) => caught);
  assert.equal(error.code, "HALO_AUTH");
  assert.equal(error.retryable, true, error.message);
  assert.match(error.message, /getToken rejected: token broker answered HTTP 503/);
});
