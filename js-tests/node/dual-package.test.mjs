// The ESM and the CommonJS entry loaded in one process (an app in ESM with a
// dependency that `require`s the package) are two copies with their own
// classes: `instanceof` must still hold across them, for the right class
// only, and for both entries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as esm from "halo-device";
import * as esmIntegrator from "halo-device/integrator";

const require = createRequire(import.meta.url);
const cjs = require("halo-device");
const cjsIntegrator = require("halo-device/integrator");
const SITE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

function thrown(make) {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** A validation error from the core, and a closed-client error, made by one copy. */
async function errorsOf(halo) {
  const validation = thrown(() => new halo.HaloDeviceClient({ baseUrl: "ftp://x", siteId: SITE_ID, deviceId: "device-0123456789abcdef", getToken: async () => ({}) }));
  const client = new halo.HaloDeviceClient({ baseUrl: "http://127.0.0.1:9", siteId: SITE_ID, deviceId: "device-0123456789abcdef", getToken: async () => ({}) });
  client.close();
  const closed = await client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d").catch((error) => error);
  return { validation, closed };
}

test("the two copies are distinct, as in any dual-package process", () => {
  assert.notEqual(esm.HaloError, cjs.HaloError);
});

for (const [from, to, fromName, toName] of [
  [esm, cjs, "ESM", "CommonJS"],
  [cjs, esm, "CommonJS", "ESM"],
]) {
  test(`an error from the ${fromName} copy is instanceof the ${toName} copy's classes, and only the right ones`, async () => {
    const { validation, closed } = await errorsOf(from);
    assert.equal(validation.code, "HALO_VALIDATION");
    assert.ok(validation instanceof to.HaloError);
    assert.ok(validation instanceof to.HaloValidationError);
    assert.ok(!(validation instanceof to.HaloAuthError), "not a wrong subclass");
    assert.ok(validation instanceof Error);
    assert.equal(closed.code, "HALO_CLOSED", closed.message);
    assert.ok(closed instanceof to.HaloError);
    assert.ok(!(closed instanceof to.HaloValidationError), "a base-class error is no subclass's");
    assert.ok(!(new Error("plain") instanceof to.HaloError), "a plain error is not a HaloError");
    assert.ok(!({ name: "HaloValidationError" } instanceof to.HaloError), "nor an object that only looks like one");
  });
}

test("the integrator entries' errors cross copies too", () => {
  const key = "0123456789abcdef0123456789abcdef";
  const fromEsm = thrown(() => new esmIntegrator.HaloIntegratorClient({ subscriptionKey: key }));
  const fromCjs = thrown(() => new cjsIntegrator.HaloIntegratorClient({ subscriptionKey: key }));
  for (const error of [fromEsm, fromCjs]) {
    assert.equal(error.code, "HALO_VALIDATION");
    for (const halo of [esm, cjs, esmIntegrator, cjsIntegrator]) {
      assert.ok(error instanceof halo.HaloValidationError);
      assert.ok(!(error instanceof halo.HaloWebhookError));
    }
  }
});
