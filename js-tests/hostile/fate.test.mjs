// Every call's fate is known (issue 20): each error says whether Halo may
// have received the request (`sent`), every host input is checked before
// anything is sent, no abandoned fetch is left running or unhandled, each
// attempt ends at attemptTimeoutMs whatever fetch does with its signal, a
// stream that fails after rows says how many, and an immediate query
// against an offline practice fails at once instead of after 90 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as halo from "halo-device";
import * as integrator from "halo-device/integrator";
import { tokenIssuer } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { DEVICE_ID, goodResponse, hostileClient, QUERY_ID, rejectsWith, SITE_ID, watchUncaught } from "./support.mjs";

const WRITE = "UPDATE Patients SET Suburb = 'Fitzroy' WHERE InternalID = 2";
const signalLike = () => ({ aborted: false });

async function elapsed(promise) {
  const started = performance.now();
  const error = await promise;
  return { error, ms: performance.now() - started };
}

test("a signal-like object on a device client that holds a token: nothing reaches Halo, the call says so, the process lives on", () =>
  withSimulator({}, async (simulator) => {
    const uncaught = watchUncaught();
    const client = new halo.HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: tokenIssuer(simulator.url) });
    await client.immediateQuery("SELECT 1");
    assert.equal(client.tokenInfo().hasToken, true);
    for (const call of [
      () => client.immediateQuery(WRITE, { signal: signalLike() }),
      () => client.startAsyncQuery(WRITE, { signal: signalLike() }),
      () => client.immediateQuery(WRITE, { signal: signalLike(), timeoutMs: 5_000 }),
    ]) {
      const error = await rejectsWith(halo, call(), "HALO_PROTOCOL");
      assert.match(error.message, /options\.signal is not a usable AbortSignal/);
      assert.equal(error.sent, "no");
      assert.equal(error.retryable, false);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(simulator.executionsOf(WRITE), 0, "the write ran although the call said nothing was sent");
    assert.deepEqual(uncaught, []);
  }));

test("a signal-like object on an integrator site call: nothing reaches Halo", () =>
  withSimulator({}, async (simulator) => {
    const uncaught = watchUncaught();
    const site = new integrator.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: simulator.subscriptionKey }).site(SITE_ID);
    for (const call of [() => site.immediateQuery(WRITE, { signal: signalLike() }), () => site.startAsyncQuery(WRITE, { signal: signalLike() })]) {
      const error = await rejectsWith(integrator, call(), "HALO_PROTOCOL");
      assert.equal(error.sent, "no");
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(simulator.executionsOf(WRITE), 0);
    assert.deepEqual(uncaught, []);
  }));

test("every abandoned fetch or body is aborted and handled: each path survives --unhandled-rejections=strict", async () => {
  const script = fileURLToPath(new URL("./fate-abandon.mjs", import.meta.url));
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, ["--unhandled-rejections=strict", script], { timeout: 20_000 }, (error, out, err) =>
      error ? reject(new Error(`the child died (${error.code}): ${err}`)) : resolve({ stdout: out }),
    );
  });
  const { survived, paths } = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.equal(survived, true);
  const expected = {
    "signal-like object with a held token": { code: "HALO_PROTOCOL", sent: "no", fetches: 0 },
    "fetch ignoring its signal past attemptTimeoutMs": { code: "HALO_TIMEOUT", sent: "maybe", fetches: 1 },
    "caller abort while fetch ignores it": { code: undefined, sent: undefined, fetches: 1 },
    "the call's deadline while fetch ignores it": { code: "HALO_TIMEOUT", sent: "maybe", fetches: 1 },
    "a signal that breaks once the request is out": { code: "HALO_PROTOCOL", sent: "maybe", fetches: 1 },
    "a body that stalls, then fails": { code: "HALO_TIMEOUT", sent: "yes", fetches: 1 },
    "integrator: signal-like object": { code: "HALO_PROTOCOL", sent: "no", fetches: 0 },
  };
  for (const [name, want] of Object.entries(expected)) {
    const got = paths[name];
    assert.ok(got && !got.threw, `${name}: ${JSON.stringify(got)}`);
    assert.deepEqual({ code: got.code, sent: got.sent, fetches: got.fetches }, want, name);
    assert.equal(got.aborted, true, `${name}: the abandoned request was not aborted`);
  }
});

test("every host input is checked before fetch is called: each failure is sent \"no\"", async () => {
  const real = new AbortController();
  real.abort(new Error("already gone"));
  const throwingGetter = {
    get aborted() {
      throw new Error("no aborted here");
    },
  };
  const throwingListener = { aborted: false, addEventListener: () => { throw new Error("no listeners"); }, removeEventListener: () => {} };
  const cases = [
    ["signal without addEventListener", (c) => c.getQuery(QUERY_ID, { signal: signalLike() }), "HALO_PROTOCOL"],
    ["signal whose aborted throws", (c) => c.getQuery(QUERY_ID, { signal: throwingGetter }), "HALO_PROTOCOL"],
    ["signal whose addEventListener throws", (c) => c.getQuery(QUERY_ID, { signal: throwingListener }), "HALO_PROTOCOL"],
    ["signal-like object, aborted", (c) => c.getQuery(QUERY_ID, { signal: { aborted: true, reason: "gone" } }), "gone"],
    ["a real signal, aborted", (c) => c.immediateQuery(WRITE, { signal: real.signal }), real.signal.reason],
    ["timeoutMs", (c) => c.immediateQuery(WRITE, { timeoutMs: -1 }), "HALO_VALIDATION"],
    ["maxTimeInQueueMs", (c) => c.startAsyncQuery(WRITE, { maxTimeInQueueMs: "soon" }), "HALO_VALIDATION"],
    ["a parameter", (c) => c.immediateQuery({ text: WRITE, parameters: [{ name: "@a", type: "Integer" }] }), "HALO_VALIDATION"],
    ["a query id", (c) => c.getQuery("not a query id"), "HALO_VALIDATION"],
  ];
  for (const [input, call, outcome] of cases) {
    const host = {};
    const client = hostileClient(halo, host);
    await client.getQuery(QUERY_ID);
    host.fetches = 0;
    if (typeof outcome === "string" && outcome.startsWith("HALO_")) {
      const error = await rejectsWith(halo, call(client), outcome);
      assert.equal(error.sent, "no", input);
    } else {
      await assert.rejects(call(client), (reason) => reason === outcome, input);
    }
    assert.equal(host.fetches, 0, `${input}: fetch was called`);
  }
});

/** `sent` at each point an attempt can fail, on an idempotent read with no retries. */
test("sent says where the transport failed: before fetch, after the request may have left, after Halo answered", async () => {
  const neverSettles = () => new Promise(() => {});
  const stalledBody = () =>
    new Response(new ReadableStream({ start() {} }), { status: 200, headers: { "Content-Type": "application/json" } });
  const cases = [
    ["getToken fails", { getToken: async () => { throw new Error("token service down"); } }, "HALO_AUTH", "no", 0],
    ["fetch throws", { fetch: () => { throw new TypeError("bad init"); } }, "HALO_NETWORK", "maybe", 1],
    ["fetch returns no promise", { fetch: () => 42 }, "HALO_PROTOCOL", "maybe", 1],
    ["fetch rejects", { fetch: async () => { throw new TypeError("fetch failed"); } }, "HALO_NETWORK", "maybe", 1],
    ["fetch resolves to no Response", { fetch: async () => 42 }, "HALO_PROTOCOL", "maybe", 1],
    ["fetch never settles", { fetch: neverSettles }, "HALO_TIMEOUT", "maybe", 1],
    ["Halo answers 500", { fetch: async () => new Response("{}", { status: 500 }) }, "HALO_SERVER", "yes", 1],
    ["Halo answers 404", { fetch: async () => new Response("{}", { status: 404 }) }, "HALO_NOT_FOUND", "yes", 1],
    ["a 2xx body that is not JSON", { fetch: async () => new Response("<html>", { status: 200 }) }, "HALO_PROTOCOL", "yes", 1],
    ["a body over maxResponseBytes", { fetch: async () => new Response("x".repeat(2048), { status: 200, headers: { "Content-Length": "2048" } }) }, "HALO_PROTOCOL", "yes", 1],
    ["a body whose read throws", { fetch: async () => ({ ...goodResponse(), status: 200, type: "basic", headers: new Headers(), body: null, text: () => { throw new Error("no text"); } }) }, "HALO_PROTOCOL", "yes", 1],
    ["a body that stalls", { fetch: async () => stalledBody() }, "HALO_TIMEOUT", "yes", 1],
  ];
  for (const [point, hostile, code, sent, fetches] of cases) {
    const host = { ...hostile };
    const client = hostileClient(halo, host, { maxRetries: 0, attemptTimeoutMs: 150, maxResponseBytes: 1024 });
    const error = await rejectsWith(halo, client.getQuery(QUERY_ID), code);
    assert.equal(error.sent, sent, `${point}: ${error.message}`);
    assert.equal(host.fetches, fetches, point);
  }
});

test("a create whose outcome is \"maybe\" is never sent again; a read is", async () => {
  const host = { fetch: async () => { throw new TypeError("fetch failed"); } };
  const client = hostileClient(halo, host, { maxRetries: 2, attemptTimeoutMs: 150 });
  const write = await rejectsWith(halo, client.immediateQuery(WRITE), "HALO_NETWORK", 5_000);
  assert.equal(write.sent, "maybe");
  assert.equal(host.fetches, 1, "the create was sent again");
  host.fetches = 0;
  const read = await rejectsWith(halo, client.getQuery(QUERY_ID), "HALO_NETWORK", 5_000);
  assert.equal(read.sent, "maybe");
  assert.equal(host.fetches, 3);
});

test("a fetch that drops its signal and never settles ends at attemptTimeoutMs, without timeoutMs", async () => {
  const host = { fetch: () => new Promise(() => {}) };
  const device = hostileClient(halo, host, { maxRetries: 0, attemptTimeoutMs: 200 });
  const { error, ms } = await elapsed(rejectsWith(halo, device.getQuery(QUERY_ID), "HALO_TIMEOUT", 3_000));
  assert.ok(ms >= 190 && ms < 800, `settled after ${Math.round(ms)} ms`);
  assert.match(error.message, /no response within 200 ms/);
  const site = new integrator.HaloIntegratorClient({ baseUrl: "http://127.0.0.1:9", subscriptionKey: "fate-test-key", maxRetries: 0, attemptTimeoutMs: 200, fetch: () => new Promise(() => {}) }).site(SITE_ID);
  const started = performance.now();
  await rejectsWith(integrator, site.getQuery(QUERY_ID), "HALO_TIMEOUT", 3_000);
  assert.ok(performance.now() - started < 800);
});

test("a stream cut after rows were yielded: not retryable, with the rows counted and said in the message", async () => {
  const rows = [{ A: 1 }, { A: 2 }, { A: 3 }];
  const cut = () => {
    const bytes = new TextEncoder().encode(`${JSON.stringify(rows).slice(0, -1)},{"A":`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        setTimeout(() => controller.error(new TypeError("terminated")), 20);
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const site = new integrator.HaloIntegratorClient({ baseUrl: "http://127.0.0.1:9", subscriptionKey: "fate-test-key", maxRetries: 0, fetch: async () => cut() }).site(SITE_ID);
  const yielded = [];
  const error = await (async () => {
    for await (const row of site.streamResultPage(QUERY_ID, 1)) yielded.push(row);
  })().then(() => undefined, (caught) => caught);
  assert.deepEqual(yielded, rows);
  assert.ok(error instanceof integrator.HaloError, String(error));
  assert.equal(error.code, "HALO_NETWORK");
  assert.equal(error.retryable, false);
  assert.equal(error.rowsReceived, 3);
  assert.equal(error.sent, "yes");
  assert.match(error.message, /after 3 rows were received/);
});

test("immediateQuery against an offline practice (503, Retry-After: 30) fails at once by default, not after 90 s", async () => {
  const offline = () => new Response(JSON.stringify({ message: "practice offline" }), { status: 503, headers: { "Retry-After": "30", "Content-Type": "application/json" } });
  const host = { fetch: async () => offline() };
  const client = hostileClient(halo, host);
  const { error, ms } = await elapsed(rejectsWith(halo, client.immediateQuery("SELECT 1"), "HALO_UNAVAILABLE", 5_000));
  assert.ok(ms < 2_000, `failed after ${Math.round(ms)} ms`);
  assert.equal(error.retryAfterMs, 30_000);
  assert.equal(error.sent, "yes");
  assert.equal(host.fetches, 1);
});

test("a call's deadline names the operation and the deadline", async () => {
  const host = { fetch: () => new Promise(() => {}) };
  const client = hostileClient(halo, host);
  const error = await rejectsWith(halo, client.immediateQuery("SELECT 1", { timeoutMs: 200 }), "HALO_TIMEOUT");
  assert.match(error.message, /^immediateQuery did not complete within its deadline of 200 ms/);
  assert.equal(error.sent, "maybe");
});

test("hand-made errors take their code's usual sent, or the one given", () => {
  assert.equal(new halo.HaloValidationError("x", { code: "HALO_VALIDATION", retryable: false }).sent, "no");
  assert.equal(new halo.HaloNetworkError("x", { code: "HALO_NETWORK", retryable: true }).sent, "maybe");
  assert.equal(new halo.HaloUnavailableError("x", { code: "HALO_UNAVAILABLE", retryable: true, status: 503 }).sent, "yes");
  assert.equal(new halo.HaloNetworkError("x", { code: "HALO_NETWORK", retryable: true, sent: "no" }).sent, "no");
});
