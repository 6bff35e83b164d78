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
