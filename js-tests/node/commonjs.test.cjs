// The packed package through `require`, as a CommonJS app or Electron's
// main process would load it.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const halo = require("halo-device");

test("require('halo-device') gives a working client and the same error classes", async () => {
  const { deviceClient } = await import("../scenarios/support.mjs");
  const { withSimulator } = await import("../support/simulator.mjs");
  await halo.init();
  await withSimulator({}, async (simulator) => {
    const { client } = deviceClient(halo, simulator.url);
    const { rows } = await client.immediateQuery("SELECT 1 AS one");
    assert.deepEqual(rows, [{ one: 1 }]);
    await assert.rejects(client.immediateQuery(""), halo.HaloValidationError);
  });
  assert.throws(() => new halo.HaloDeviceClient({}), halo.HaloValidationError);
});
