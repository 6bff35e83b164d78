// The device client's query scenarios (js-tests/scenarios) run again through
// the Integrator API's door: `integrator.site(siteId)`, the subscription key,
// no device headers. Node only: the integrator refuses browsers. The
// scenarios build their client with `new halo.HaloDeviceClient(options)`;
// here that constructor hands back the integrator's site handle instead, so
// the very same scenario code exercises the other door.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { scenarios as errors } from "../scenarios/errors.mjs";
import { scenarios as queries } from "../scenarios/queries.mjs";
import { scenarios as registered } from "../scenarios/registered.mjs";
import { scenarios as validation } from "../scenarios/validation.mjs";
import { control, fault, leakedSecrets, SITE_ID, stats } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { failure, integratorFor, KEY, produced } from "./support.mjs";

/** Every request the site handle sends, with its headers. */
const sent = [];

/** `new HaloDeviceClient(options)` as the scenarios write it, answered by the integrator's door. */
class ThroughIntegrator {
  constructor(options) {
    const own = (key) => (Object.hasOwn(options, key) ? { [key]: options[key] } : {});
    const fetch = options.fetch ?? globalThis.fetch;
    const integrator = integratorFor(halo, options.baseUrl, {
      ...own("maxRetries"),
      ...own("attemptTimeoutMs"),
      ...own("onEvent"),
      fetch: (url, init) => {
        sent.push({ url, headers: new Headers(init.headers) });
        return fetch(url, init);
      },
    });
    return integrator.site(options.siteId);
  }
}

const door = { ...halo, HaloDeviceClient: ThroughIntegrator };

// Those about tokens (getToken, tokenInfo, renewals) and client options
// belong to the device door alone; the rest is the shared query surface.
const DEVICE_ONLY = new Set([
  "immediateQuery decodes rows and reports the query",
  "bad client options are HaloValidationErrors naming the option",
]);
const shared = [...queries, ...registered, ...validation, ...errors].filter((scenario) => !DEVICE_ONLY.has(scenario.name));

for (const scenario of shared) {
  test(`integrator door: ${scenario.name}`, async () => {
    sent.length = 0;
    await withSimulator(scenario.simulator ?? {}, (simulator) => scenario.run({ halo: door, baseUrl: simulator.url }));
    assert.deepEqual(leakedSecrets(), [], "the subscription key reached an error, an event or a log line");
    for (const { url, headers } of sent) {
      assert.ok(new URL(url).pathname.startsWith(`/integrator/sites/${SITE_ID}/`), url);
      assert.equal(headers.get("Ocp-Apim-Subscription-Key"), KEY);
      assert.equal(headers.get("Authorization"), null, "no device token on the integrator door");
      assert.equal(headers.get("DeviceId"), null, "no device id on the integrator door");
    }
  });
}

test("integrator door: immediateQuery decodes rows, events name /integrator paths, close() frees the handle", async () => {
  await withSimulator({}, async (simulator) => {
    const events = [];
    const integrator = integratorFor(halo, simulator.url, { onEvent: (event) => events.push(event) });
    const site = integrator.site(SITE_ID);
    assert.ok(site instanceof halo.HaloIntegratorSite);
    const result = await site.immediateQuery("SELECT Firstname FROM Patients WHERE InternalID = 7");
    assert.deepEqual(result.rows, [{ Firstname: "Zoë" }]);
    assert.equal(result.query.status, "successful");
    assert.deepEqual(
      events.map((event) => [event.type, event.path]),
      [["request", `/integrator/sites/${SITE_ID}/queries/immediate`], ["response", `/integrator/sites/${SITE_ID}/queries/immediate`]],
    );
    site.close();
    const closed = await failure(site.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"));
    assert.equal(closed.code, "HALO_CLOSED");
    assert.equal((await integrator.site(SITE_ID).fhirCapabilities()).resourceType, "CapabilityStatement", "the client makes new handles");
  });
});

test("integrator door: a bad siteId is refused by site(), before anything is sent", async () => {
  await withSimulator({}, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    for (const bad of ["not-a-guid", "3f2504e04f8941d39a0c0305e82c3301", undefined, 7]) {
      assert.throws(() => integrator.site(bad), (error) => error instanceof halo.HaloValidationError && error.field === "siteId", String(bad));
    }
    assert.deepEqual((await stats(simulator.url)).requests, {}, "nothing was sent");
  });
});

test("integrator door: a 504 on a create is never re-sent, and a key the server echoes is scrubbed", async () => {
  await withSimulator({}, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    await fault(simulator.url, { path: "queries/registered", method: "POST", status: 504, executeBeforeFault: true, times: 1 });
    const registration = { name: "daily", command: "SELECT 1", frequencySeconds: 60, durationSeconds: 600 };
    const timedOut = await failure(site.createRegisteredQuery(registration));
    assert.ok(timedOut instanceof halo.HaloUnavailableError && timedOut.status === 504);
    assert.equal((await stats(simulator.url)).createQueryPosts, 1, "one POST: the create was not sent again");
    await fault(simulator.url, { path: "queries/immediate", status: 400, body: { error: { status: 400, statusText: "Bad Request", message: `key ${KEY} is wrong` } }, times: 1 });
    const echoed = await failure(site.immediateQuery("SELECT 1"));
    assert.equal(echoed.status, 400);
    assert.ok(!echoed.message.includes(KEY), echoed.message);
    assert.ok(!produced.some((text) => text.includes(KEY)), "nothing recorded holds the key");
    await control(simulator.url, "DELETE", "faults");
  });
});

test("integrator door: getQueryStatuses answers found or notFound per id, in one POST", async () => {
  await withSimulator({ asyncStepMs: 10 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const started = await site.startAsyncQuery("SELECT InternalID FROM Patients");
    const unknown = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";
    const statuses = await site.getQueryStatuses([started.id, unknown]);
    assert.deepEqual(statuses.map((entry) => [entry.queryId, entry.status]), [[started.id, "found"], [unknown, "notFound"]]);
    const [found] = statuses;
    assert.ok(found.status === "found" && found.query.id === started.id && typeof found.query.status === "string");
    assert.equal((await stats(simulator.url)).requests[`POST /integrator/sites/{siteId}/queries/status`], 1);
    assert.deepEqual(await site.getQueryStatuses([]), []);
    const bad = await failure(site.getQueryStatuses([started.id, "../token"]));
    assert.ok(bad instanceof halo.HaloValidationError && bad.field === "queryIds[1]", bad.field);
    const notArray = await failure(site.getQueryStatuses("not-an-array"));
    assert.ok(notArray instanceof halo.HaloValidationError && notArray.field === "queryIds");
    const tooMany = await failure(site.getQueryStatuses(Array.from({ length: 1001 }, () => started.id)));
    assert.ok(tooMany instanceof halo.HaloValidationError && tooMany.field === "queryIds");
    await fault(simulator.url, { path: "queries/status", status: 503, retryAfter: "0", times: 1 });
    assert.equal((await site.getQueryStatuses([started.id])).length, 1, "a read: retried after a 503");
  });
});

test("integrator door: waitForQueries waits for queries finishing at different times with one batch call per poll", async () => {
  await withSimulator({ asyncStepMs: 60 }, async (simulator) => {
    const bodies = [];
    const recording = (url, init) => {
      if (new URL(url).pathname.endsWith("/queries/status")) bodies.push(JSON.parse(init.body).queryIds);
      return fetch(url, init);
    };
    const site = integratorFor(halo, simulator.url, { fetch: recording }).site(SITE_ID);
    const early = await site.startAsyncQuery("SELECT 1 AS one");
    const failing = await site.startAsyncQuery("SELECT NoSuchColumn FROM Patients");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const late = await site.startAsyncQuery("SELECT 2 AS two");
    const unknown = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";
    const heard = [];
    const started = performance.now();
    const results = await site.waitForQueries([early.id, late.id, unknown, failing.id.toUpperCase()], {
      pollIntervalMs: 20,
      maxPollIntervalMs: 20,
      onProgress: (query) => heard.push([query.id, query.status]),
    });
    const ms = performance.now() - started;
    assert.deepEqual(
      results.map((entry) => [entry.queryId.toLowerCase(), entry.status, entry.status === "found" ? entry.query.status : null]),
      [
        [early.id, "found", "successful"],
        [late.id, "found", "successful"],
        [unknown, "notFound", null],
        [failing.id, "found", "executionFailed"],
      ],
      "one entry per id in the caller's order; a failed query is finished, not a rejection; notFound is reported",
    );
    const requests = (await stats(simulator.url)).requests;
    assert.equal(requests["POST /integrator/sites/{siteId}/queries/status"], bodies.length, "every poll is one batch call");
    assert.equal(requests["GET /integrator/sites/{siteId}/queries/{queryId}"], undefined, "no single-query polls");
    // At most one call per 20 ms interval (each poll also waits for its answer).
    assert.ok(bodies.length >= 3 && bodies.length <= ms / 20 + 2, `${bodies.length} batch calls in ${Math.round(ms)} ms at 20 ms`);
    assert.equal(bodies[0].length, 4, "the first poll asks about every query");
    assert.ok(!bodies[1].includes(unknown), "a query Halo does not know is not asked about again");
    assert.deepEqual(bodies.at(-1), [late.id], "the last polls ask only about the query still running");
    assert.ok(bodies.every((ids, i) => i === 0 || ids.every((id) => bodies[i - 1].includes(id))), "a finished query is not asked about again");
    for (const id of [early.id, late.id, failing.id]) {
      const statuses = heard.filter(([queryId]) => queryId === id).map(([, status]) => status);
      assert.ok(statuses.every((status, i) => i === 0 || status !== statuses[i - 1]), `each change once: ${statuses}`);
      assert.ok(["successful", "executionFailed"].includes(statuses.at(-1)), `the last change is terminal: ${statuses}`);
    }
    assert.ok(!heard.some(([id]) => id === unknown), "onProgress never hears of a query Halo does not know");
  });
});

test("integrator door: waitForQueries checks its ids, keeps its deadline and signal, and refuses a broken batch answer", async () => {
  await withSimulator({ asyncStepMs: 5_000 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const slow = await site.startAsyncQuery("SELECT 1 AS one");
    for (const [ids, field] of [
      [[], "queryIds"],
      ["not-an-array", "queryIds"],
      [[slow.id, "../token"], "queryIds[1]"],
      [[slow.id, slow.id.toUpperCase()], "queryIds[1]"],
      [Array.from({ length: 1001 }, () => slow.id), "queryIds"],
    ]) {
      const refused = await failure(site.waitForQueries(ids));
      assert.ok(refused instanceof halo.HaloValidationError && refused.field === field, `${refused.field} for ${String(ids).slice(0, 60)}`);
    }
    const badOption = await failure(site.waitForQueries([slow.id], { startPage: 0 }));
    assert.equal(badOption.field, "startPage");
    assert.equal((await stats(simulator.url)).requests["POST /integrator/sites/{siteId}/queries/status"], undefined, "nothing was sent");
    const started = performance.now();
    const late = await failure(site.waitForQueries([slow.id], { pollIntervalMs: 60_000, timeoutMs: 300 }));
    assert.ok(late instanceof halo.HaloTimeoutError, late.name);
    assert.ok(performance.now() - started < 1_500, "the 60 s wait was clipped to the deadline");
    assert.equal((await stats(simulator.url)).requests["POST /integrator/sites/{siteId}/queries/status"], 2, "a poll at once and one at the deadline");
    const controller = new AbortController();
    const reason = new Error("the job was cancelled");
    setTimeout(() => controller.abort(reason), 100);
    assert.equal(await failure(site.waitForQueries([slow.id], { pollIntervalMs: 20, signal: controller.signal })), reason);
    const stranger = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    await fault(simulator.url, { path: "queries/status", status: 200, body: { results: [{ queryId: stranger, status: "notFound" }] }, times: 1 });
    const broken = await failure(site.waitForQueries([slow.id]));
    assert.equal(broken.code, "HALO_PROTOCOL", "an answer about a query not asked about");
    await fault(simulator.url, { path: "queries/status", status: 200, body: { results: "none" }, times: 1 });
    assert.equal((await failure(site.waitForQueries([slow.id]))).code, "HALO_PROTOCOL", "an answer without results");
  });
});
