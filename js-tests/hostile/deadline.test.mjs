// timeoutMs is a deadline for the whole call: it races the token wait, each
// attempt (whose own fetch is aborted), the body and every backoff; no
// attempt starts after it; past it the call rejects with HaloTimeoutError
// within a few milliseconds.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as halo from "halo-device";
import { stats, tokenIssuer } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { DEVICE_ID, goodToken, rejectsWith, SITE_ID } from "./support.mjs";

const QUERY = JSON.stringify({ id: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", status: "successful", result: { rows: 0, data: "", parameters: [] } });

// Holds each answer for 3 s: its status line, or (on /body) its body.
let server;
let url;
const closedEarly = [];
before(async () => {
  server = createServer((request, response) => {
    const started = Date.now();
    request.socket.on("close", () => closedEarly.push(Date.now() - started < 2500));
    if (request.url.endsWith("/metadata")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.flushHeaders();
      setTimeout(() => response.end(QUERY), 3000);
    } else {
      setTimeout(() => response.writeHead(200, { "Content-Type": "application/json" }).end(QUERY), 3000);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

function client(options = {}) {
  return new halo.HaloDeviceClient({ baseUrl: url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: goodToken, ...options });
}

async function elapsed(promise) {
  const started = performance.now();
  const error = await promise;
  return { error, ms: performance.now() - started };
}

test("a response held 3 s with timeoutMs: 500 rejects with HaloTimeoutError in under 700 ms, and its fetch is aborted", async () => {
  closedEarly.length = 0;
  const { error, ms } = await elapsed(rejectsWith(halo, client().getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { timeoutMs: 500 }), "HALO_TIMEOUT", 2900));
  assert.ok(error instanceof halo.HaloTimeoutError);
  assert.ok(ms < 700, `rejected after ${Math.round(ms)} ms`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(closedEarly, [true], "the attempt's connection is closed at the deadline");
});

test("waitForQuery's timeoutMs bounds a poll that hangs: HaloTimeoutError at the deadline, never past it, the poll's connection closed", async () => {
  closedEarly.length = 0;
  const { error, ms } = await elapsed(rejectsWith(halo, client().waitForQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { timeoutMs: 500 }), "HALO_TIMEOUT", 2900));
  assert.ok(error instanceof halo.HaloTimeoutError);
  assert.ok(ms >= 480 && ms < 700, `rejected after ${Math.round(ms)} ms`);
  assert.match(error.message, /^waitForQuery did not complete within its deadline of 500 ms/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(closedEarly, [true], "the hanging poll is cut at the wait's deadline");
});

test("a body held 3 s with timeoutMs: 500 rejects with HaloTimeoutError in under 700 ms", async () => {
  const { error, ms } = await elapsed(rejectsWith(halo, client().fhirCapabilities({ timeoutMs: 500 }), "HALO_TIMEOUT", 2900));
  assert.ok(error instanceof halo.HaloTimeoutError);
  assert.ok(ms < 700, `rejected after ${Math.round(ms)} ms`);
});

test("a hanging getToken with timeoutMs: 300 rejects with HaloTimeoutError in under 500 ms", async () => {
  const hanging = client({ getToken: () => new Promise(() => {}) });
  const { error, ms } = await elapsed(rejectsWith(halo, hanging.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { timeoutMs: 300 }), "HALO_TIMEOUT", 2000));
  assert.ok(error instanceof halo.HaloTimeoutError);
  assert.ok(ms < 500, `rejected after ${Math.round(ms)} ms`);
});

test("the caller's signal still wins over a deadline, with its own reason", async () => {
  const controller = new AbortController();
  const reason = new Error("the user left");
  setTimeout(() => controller.abort(reason), 100);
  const outcome = await client().getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { timeoutMs: 1000, signal: controller.signal }).catch((error) => error);
  assert.equal(outcome, reason);
});

test("repeated token failures and a slow getToken never run the SQL after the deadline", () =>
  withSimulator({}, async (simulator) => {
    const issuer = tokenIssuer(simulator.url, { failFirst: 1 });
    const slow = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return issuer(request);
    };
    const device = new halo.HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: slow });
    await rejectsWith(halo, device.immediateQuery("SELECT 1", { timeoutMs: 1000 }), "HALO_AUTH");
    const { ms } = await elapsed(rejectsWith(halo, device.immediateQuery("SELECT 1", { timeoutMs: 300 }), "HALO_TIMEOUT"));
    assert.ok(ms < 500, `rejected after ${Math.round(ms)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.ok(issuer.calls >= 2, "the renewal went on and got a token");
    assert.equal((await stats(simulator.url)).executionsTotal, 0, "SQL ran after the call's deadline");
  }));
