// What only Node shows: the wasm loads at import, and a token is renewed
// in the background while calls go on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { init, HaloDeviceClient } from "halo-device";
import { deviceClient, sleep, stats } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";

test("init() resolves at once in Node and the client works without it", async () => {
  await withSimulator({}, async (simulator) => {
    const { client } = deviceClient({ HaloDeviceClient }, simulator.url);
    assert.deepEqual((await client.immediateQuery("SELECT 1 AS one")).rows, [{ one: 1 }]);
    await Promise.all([init(), init()]);
  });
});

test("the token is renewed ahead of expiry, without making calls wait", async () => {
  await withSimulator({ tokenLifetime: 30 }, async (simulator) => {
    // Renew when less than 29.9 s remain: the second call finds it due.
    const { client, getToken, events } = deviceClient({ HaloDeviceClient }, simulator.url, { renewMarginMs: 29_900 });
    await client.immediateQuery("SELECT 1 AS one");
    await sleep(150);
    await client.immediateQuery("SELECT 1 AS one");
    const served = events.filter((e) => e.type === "request").length;
    assert.equal(served, 2, "both calls were sent");
    await sleep(100);
    assert.equal(getToken.calls, 2);
    assert.equal(events.filter((e) => e.type === "tokenRenewed").length, 2);
    assert.equal((await stats(simulator.url)).tokenRequests, 2);
  });
});
