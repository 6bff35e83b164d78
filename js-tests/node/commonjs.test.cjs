// The packed package through `require`, as a CommonJS app or Electron's
// main process would load it.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { HaloDeviceClient, HaloValidationError, init } = require("halo-device");

test("require('halo-device') gives a working client", async () => {
  const { withSimulator, tokenIssuer, SITE_ID, DEVICE_ID } = await import("../support/simulator.mjs");
  await init();
  await withSimulator({}, async (simulator) => {
    const client = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: tokenIssuer(simulator.url) });
    const { rows } = await client.immediateQuery("SELECT 1 AS one");
    assert.deepEqual(rows, [{ one: 1 }]);
  });
  assert.throws(() => new HaloDeviceClient({}), HaloValidationError);
});
