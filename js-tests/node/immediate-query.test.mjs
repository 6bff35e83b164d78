// The packed package in Node (ESM), against the simulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { init, HaloDeviceClient, HaloValidationError, HaloError, generateDeviceId } from "halo-device";
import { withSimulator, tokenIssuer, control, SITE_ID, DEVICE_ID } from "../support/simulator.mjs";

function clientFor(simulator, extra = {}) {
  const getToken = tokenIssuer(simulator.url);
  const client = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken, ...extra });
  return { client, getToken };
}

test("init() resolves at once in Node and the client works without it", async () => {
  await withSimulator({}, async (simulator) => {
    const { client } = clientFor(simulator);
    const { rows } = await client.immediateQuery("SELECT 1 AS one");
    assert.deepEqual(rows, [{ one: 1 }]);
    await Promise.all([init(), init()]);
  });
});

test("an immediate query returns the practice's rows, decoded", async () => {
  await withSimulator({}, async (simulator) => {
    const { client, getToken } = clientFor(simulator);
    assert.deepEqual(client.tokenInfo(), { hasToken: false, expiresAt: null, renewals: 0 });
    const result = await client.immediateQuery("SELECT InternalID, Surname FROM Patients WHERE InternalID = 1");
    assert.equal(result.rows.length, 1);
    assert.equal(result.rows[0].InternalID, 1);
    assert.equal(typeof result.rows[0].Surname, "string");
    assert.equal(result.rowCount, 1);
    assert.match(result.queryId, /^[0-9a-f-]{36}$/);
    assert.equal(result.query.status, "successful");
    assert.equal(getToken.calls, 1);
    const info = client.tokenInfo();
    assert.equal(info.hasToken, true);
    assert.equal(info.renewals, 1);
    assert.ok(info.expiresAt instanceof Date && info.expiresAt.getTime() > Date.now() + 3_000_000);
  });
});

test("parameters travel as the API names them", async () => {
  await withSimulator({}, async (simulator) => {
    const { client } = clientFor(simulator);
    const { rows } = await client.immediateQuery({
      text: "SELECT InternalID FROM Patients WHERE InternalID = @id",
      parameters: [{ name: "@id", type: "Int", value: "2" }],
    });
    assert.deepEqual(rows, [{ InternalID: 2 }]);
  });
});

test("an expired token is renewed once and the call retried once", async () => {
  await withSimulator({}, async (simulator) => {
    const { client, getToken } = clientFor(simulator);
    await client.immediateQuery("SELECT 1 AS one");
    await control(simulator.url, "POST", "tokens/expire");
    const { rows } = await client.immediateQuery("SELECT 2 AS two");
    assert.deepEqual(rows, [{ two: 2 }]);
    assert.equal(getToken.calls, 2);
    assert.equal(client.tokenInfo().renewals, 2);
  });
});

test("the token is renewed before it expires, without making calls wait", async () => {
  await withSimulator({ tokenLifetime: 30 }, async (simulator) => {
    const events = [];
    // Renew when less than 29.9 s remain: the second call finds it due.
    const { client, getToken } = clientFor(simulator, { renewMarginMs: 29_900, onEvent: (e) => events.push(e) });
    await client.immediateQuery("SELECT 1 AS one");
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client.immediateQuery("SELECT 1 AS one");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(getToken.calls, 2);
    assert.equal(events.filter((e) => e.type === "tokenRenewed").length, 2);
    const stats = await control(simulator.url, "GET", "stats");
    assert.equal(stats.tokenRequests, 2);
  });
});

test("bad input is a typed error naming the field, and nothing is sent", async () => {
  await withSimulator({}, async (simulator) => {
    const { client, getToken } = clientFor(simulator);
    const cases = [
      [() => client.immediateQuery(""), "command.text"],
      [() => client.immediateQuery({ text: "SELECT 1", executionMode: "rows" }), "command.executionMode"],
      [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "@a", type: "Integer" }] }), "command.parameters[0].type"],
      [() => client.immediateQuery("SELECT 1", { maxTimeInQueueMs: 60_001 }), "maxTimeInQueueMs"],
    ];
    for (const [call, field] of cases) {
      await assert.rejects(call, (error) => error instanceof HaloValidationError && error instanceof HaloError && error.field === field && error.code === "HALO_VALIDATION");
    }
    assert.equal(getToken.calls, 0);
    const constructorCases = [
      [{ siteId: "not-a-guid" }, "siteId"],
      [{ deviceId: "1234567890123456789" }, "deviceId"],
      [{ deviceId: "short" }, "deviceId"],
      [{ baseUrl: undefined }, "environment"],
      [{ getToken: undefined }, "getToken"],
    ];
    for (const [override, field] of constructorCases) {
      assert.throws(() => clientFor(simulator, override), (error) => error instanceof HaloValidationError && error.field === field);
    }
    assert.ok(new HaloDeviceClient({ environment: "stage", siteId: SITE_ID, deviceId: "12345", allowWeakDeviceId: true, getToken }));
  });
});

test("generateDeviceId gives 128 random bits as hex", () => {
  const ids = new Set(Array.from({ length: 100 }, () => generateDeviceId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
});
