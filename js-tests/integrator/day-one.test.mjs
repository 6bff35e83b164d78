// A new integrator's first afternoon: which Halo a client talks to
// (baseUrl/environment on both clients), a cheap key check, errors that say
// where to look (a refused key names the environment and base URL; a site's
// 404 says to check the GUID and the environment; a device token refused on
// the retry mentions the environment), and no key under Electron.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { HaloDeviceClient } from "halo-device";
import { DEVICE_ID, SITE_ID } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { failure, integratorFor, KEY } from "./support.mjs";

const UNKNOWN_SITE = "3f2504e0-4f89-41d3-9a0c-0305e82c3399";
const refusingKey = async () => Response.json({ statusCode: 401, message: "Access denied due to invalid subscription key." }, { status: 401 });

test("baseUrl and environment on both clients: Halo's hosts by name, any other base URL as itself", async () => {
  const getToken = async () => ({ accessToken: "t", expiresIn: 60 });
  for (const [options, baseUrl, environment] of [
    [{ environment: "stage" }, "https://api.stage.haloconnect.io", "stage"],
    [{ environment: "production" }, "https://api.haloconnect.io", "production"],
    [{ baseUrl: "http://127.0.0.1:4010/" }, "http://127.0.0.1:4010", undefined],
  ]) {
    const integrator = new halo.HaloIntegratorClient({ ...options, subscriptionKey: KEY });
    assert.deepEqual([integrator.baseUrl, integrator.environment], [baseUrl, environment]);
    const device = new HaloDeviceClient({ ...options, siteId: SITE_ID, deviceId: DEVICE_ID, getToken });
    assert.deepEqual([device.baseUrl, device.environment], [baseUrl, environment]);
    device.close();
    assert.deepEqual([device.baseUrl, device.environment], [baseUrl, environment], "still readable after close()");
  }
});

test("checkKey resolves for an accepted key and sends one harmless site lookup; a refused key names where it was refused", async () => {
  await withSimulator({}, async (simulator) => {
    const before = simulator.stats().requests;
    await integratorFor(halo, simulator.url).checkKey();
    const after = simulator.stats().requests;
    const sent = Object.entries(after).filter(([route, count]) => count !== (before[route] ?? 0)).map(([route]) => route);
    assert.deepEqual(sent, ["GET /integrator/sites"]);
    const wrong = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: `${KEY}-wrong` });
    const refused = await failure(wrong.checkKey());
    assert.ok(refused instanceof halo.HaloAuthError && refused.status === 401);
    assert.match(refused.message, new RegExp(`refused by Halo Cloud at ${simulator.url.replace(/[.]/g, "\\.")}; stage and production keys differ`));
    assert.ok(!refused.message.includes(KEY));
  });
  const stage = new halo.HaloIntegratorClient({ environment: "stage", subscriptionKey: KEY, fetch: refusingKey });
  const refused = await failure(stage.checkKey());
  assert.match(refused.message, /the subscription key was refused by Halo Cloud stage at https:\/\/api\.stage\.haloconnect\.io; stage and production keys differ: use this environment's key/);
  const tokenRefused = await failure(stage.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID }));
  assert.match(tokenRefused.message, /refused by Halo Cloud stage/, "the token endpoint says the same");
  // A 404 for the unknown PMS ID still means the key got through.
  const notFound = new halo.HaloIntegratorClient({ environment: "production", subscriptionKey: KEY, fetch: async () => Response.json({ message: "No sites" }, { status: 404 }) });
  await notFound.checkKey();
  const unreachable = new halo.HaloIntegratorClient({ environment: "production", subscriptionKey: KEY, maxRetries: 0, fetch: async () => { throw new TypeError("fetch failed"); } });
  assert.equal((await failure(unreachable.checkKey())).code, "HALO_NETWORK");
});

test("a 404 for a site says to check the GUID and the environment and to re-resolve it; a query's 404 does not", async () => {
  await withSimulator({}, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    const hint = "(404: check the site's GUID and the environment, stage or production; re-resolve the GUID from the PMS ID)";
    for (const call of [integrator.getSite(UNKNOWN_SITE), integrator.issueDeviceToken({ siteId: UNKNOWN_SITE, deviceId: DEVICE_ID })]) {
      const error = await failure(call);
      assert.ok(error instanceof halo.HaloNotFoundError);
      assert.ok(error.message.endsWith(hint), error.message);
    }
    const query = await failure(integrator.site(SITE_ID).getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"));
    assert.equal(query.status, 404);
    assert.ok(!query.message.includes(hint), query.message);
  });
});

test("a device token refused again on the retry says to check the site, the device and the environment", async () => {
  await withSimulator({}, async (simulator) => {
    const device = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: async () => ({ accessToken: "a-token-from-the-other-environment", expiresIn: 3600 }) });
    const error = await failure(device.immediateQuery("SELECT 1"));
    assert.equal(error.code, "HALO_AUTH");
    assert.match(error.message, /again on the retry; check that getToken returns a token issued for this siteId and deviceId in this client's environment/);
  });
});

test("under Electron (main included) HaloIntegratorClient refuses to start unless dangerouslyAllowElectron is set", () => {
  Object.defineProperty(process.versions, "electron", { value: "45.5.0", configurable: true });
  try {
    const error = (() => {
      try {
        new halo.HaloIntegratorClient({ environment: "production", subscriptionKey: KEY });
      } catch (caught) {
        return caught;
      }
      assert.fail("constructed under Electron");
    })();
    assert.ok(error instanceof halo.HaloValidationError);
    assert.equal(error.field, "dangerouslyAllowElectron");
    assert.match(error.message, /main process is still the user's machine/);
    assert.ok(!error.message.includes(KEY));
    const allowed = new halo.HaloIntegratorClient({ environment: "production", subscriptionKey: KEY, dangerouslyAllowElectron: true });
    assert.equal(allowed.environment, "production");
  } finally {
    delete process.versions.electron;
  }
  assert.equal(new halo.HaloIntegratorClient({ environment: "stage", subscriptionKey: KEY }).environment, "stage", "plain Node is not Electron");
});
