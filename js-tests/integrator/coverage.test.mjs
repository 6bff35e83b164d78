// Every operation in Halo's two published OpenAPI documents (vendored in
// openapi/) is reachable through a public method of the packed
// package: the table below maps each one, and the test fails when the
// documents list an operation the table lacks, or a method is missing from
// the classes the package exports. The table in docs/integrator.md ("Every
// published operation, and its method") is this one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as device from "halo-device";
import * as integrator from "halo-device/integrator";

const OPENAPI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "openapi");
const DOCUMENTS = { desktop: "desktop-26.619.10213.json", integrator: "integrator-26.619.10213.json" };

/** `document operationId` → [class, method]. */
const COVERAGE = {
  "desktop obtainToken": ["HaloIntegratorClient", "issueDeviceToken"],
  "desktop createImmediateQuery": ["HaloDeviceClient", "immediateQuery"],
  "desktop createAsyncQuery": ["HaloDeviceClient", "startAsyncQuery"],
  "desktop getQuery": ["HaloDeviceClient", "getQuery"],
  "desktop getResultPage": ["HaloDeviceClient", "getResultPage"],
  "desktop createRegisteredQuery": ["HaloDeviceClient", "createRegisteredQuery"],
  "desktop getRegisteredQueries": ["HaloDeviceClient", "listRegisteredQueries"],
  "desktop getRegisteredQuery": ["HaloDeviceClient", "getRegisteredQuery"],
  "desktop cancelRegisteredQuery": ["HaloDeviceClient", "cancelRegisteredQuery"],
  "desktop getRegisteredQueryResult": ["HaloDeviceClient", "getRegisteredQueryResult"],
  "desktop getFhirQuery": ["HaloDeviceClient", "fhirRead"],
  "desktop postFhirSearch": ["HaloDeviceClient", "fhirSearch"],
  "integrator createImmediateQuery": ["HaloIntegratorSite", "immediateQuery"],
  "integrator createAsyncQuery": ["HaloIntegratorSite", "startAsyncQuery"],
  "integrator getQuery": ["HaloIntegratorSite", "getQuery"],
  "integrator getQueryStatusBatch": ["HaloIntegratorSite", "getQueryStatuses"],
  "integrator getResultPage": ["HaloIntegratorSite", "getResultPage"],
  "integrator streamResultPage": ["HaloIntegratorSite", "streamResultPage"],
  "integrator createRegisteredQuery": ["HaloIntegratorSite", "createRegisteredQuery"],
  "integrator getRegisteredQueries": ["HaloIntegratorSite", "listRegisteredQueries"],
  "integrator getRegisteredQuery": ["HaloIntegratorSite", "getRegisteredQuery"],
  "integrator cancelRegisteredQuery": ["HaloIntegratorSite", "cancelRegisteredQuery"],
  "integrator getRegisteredQueryResult": ["HaloIntegratorSite", "getRegisteredQueryResult"],
  "integrator getFhirQuery": ["HaloIntegratorSite", "fhirRead"],
  "integrator postFhirSearch": ["HaloIntegratorSite", "fhirSearch"],
  "integrator getSites": ["HaloIntegratorClient", "findSites"],
  "integrator getSite": ["HaloIntegratorClient", "getSite"],
  "integrator Integrator_PairSite": ["HaloIntegratorClient", "pairSite"],
};

/** The deprecated `POST /integrator/pairSite`: `pairSite` sends the current `pair-site`. */
const SKIPPED = new Set(["integrator pairSite"]);

const CLASSES = {
  HaloDeviceClient: device.HaloDeviceClient,
  HaloIntegratorClient: integrator.HaloIntegratorClient,
  HaloIntegratorSite: integrator.HaloIntegratorSite,
};

function operations() {
  const found = [];
  for (const [name, file] of Object.entries(DOCUMENTS)) {
    const document = JSON.parse(readFileSync(join(OPENAPI, file), "utf8"));
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (typeof operation?.operationId === "string") {
          found.push({ key: `${name} ${operation.operationId}`, route: `${method.toUpperCase()} ${path}`, deprecated: operation.deprecated === true });
        }
      }
    }
  }
  return found;
}

test("every published operation but the deprecated pairSite has a public method", () => {
  const found = operations();
  assert.equal(found.length, 29, "Halo's two documents list 29 operations");
  const missing = found.filter(({ key }) => !SKIPPED.has(key) && !(key in COVERAGE));
  assert.deepEqual(missing, [], "operations without a method");
  for (const key of SKIPPED) assert.ok(found.find((operation) => operation.key === key)?.deprecated, `${key} is deprecated`);
  const stale = Object.keys(COVERAGE).filter((key) => !found.some((operation) => operation.key === key));
  assert.deepEqual(stale, [], "table entries for operations the documents do not list");
});

test("every method in the table exists on the packed package's exported classes", () => {
  for (const [key, [className, method]] of Object.entries(COVERAGE)) {
    const cls = CLASSES[className];
    assert.equal(typeof cls, "function", `${className} is exported`);
    assert.equal(typeof cls.prototype[method], "function", `${key}: ${className}.${method}`);
  }
});
