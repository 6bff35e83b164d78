// The programmatic API: each method acts on the same state as /_control, with the same rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatorError } from '../index.mjs';
import { control, decodeData, deviceClient, DUPLICATE_SITE, SITE, simulator, waitFor } from './helpers.mjs';

const COUNT = 'SELECT COUNT(*) AS Total FROM Patients';

/** A Desktop API call with a token from issueToken (no token request). */
function callWith(sim, { accessToken }, path, body, deviceId = 'api-device') {
  return fetch(`${sim.url}/desktop/sites/${SITE}/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, DeviceId: deviceId, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test('issueToken gives a token the Desktop API accepts, without counting a token request', async (t) => {
  const sim = await simulator(t, { tokenLifetime: 120 });
  const grant = sim.issueToken({ siteId: SITE, deviceId: 'api-device' });
  assert.equal(grant.expiresIn, 120);
  assert.equal(sim.issueToken({ siteId: SITE, deviceId: 'api-device', lifetime: 5 }).expiresIn, 5);
  const response = await callWith(sim, grant, 'queries/immediate', { command: { text: COUNT } });
  assert.equal(response.status, 200);
  assert.deepEqual(decodeData((await response.json()).result.data), [{ Total: 8 }]);
  assert.equal((await callWith(sim, grant, 'queries/registered', undefined, 'other-device')).status, 401, 'bound to its device');
  assert.equal(sim.stats().tokenRequests, 0);
});

test('issueToken applies the token endpoint site checks and throws SimulatorError with the control status', async (t) => {
  const sim = await simulator(t);
  const refusal = (request) => {
    try {
      sim.issueToken(request);
    } catch (error) {
      assert.ok(error instanceof SimulatorError);
      return [error.status, error.message];
    }
    assert.fail('no error');
  };
  assert.deepEqual(refusal({ siteId: DUPLICATE_SITE, deviceId: 'd' }), [403, 'Site is not authoritative for its PMS ID.']);
  assert.deepEqual(refusal({ siteId: '3f2504e0-4f89-41d3-9a0c-0305e82c33ff', deviceId: 'd' }), [404, 'Site not found.']);
  assert.equal(refusal({ siteId: 'nope', deviceId: 'd' })[0], 400);
  assert.equal(refusal({ siteId: SITE })[0], 400);
  assert.equal(refusal({ siteId: SITE, deviceId: 'd', lifetime: -1 })[0], 400);
  assert.equal(refusal(null)[0], 400);
  // The same action over HTTP answers the same.
  const viaControl = await control(sim, 'POST', 'tokens', { siteId: DUPLICATE_SITE, deviceId: 'd' });
  assert.equal(viaControl.status, 403);
  const issued = await control(sim, 'POST', 'tokens', { siteId: SITE, deviceId: 'api-device', lifetime: 30 });
  assert.equal(issued.status, 201);
  const grant = await issued.json();
  assert.equal(grant.expiresIn, 30);
  assert.equal((await callWith(sim, grant, 'queries/registered')).status, 200);
});

test('fault() queues what POST /_control/faults queues; faults() and clearFaults() see the same queue', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const added = sim.fault({ method: 'post', path: 'queries/immediate', status: 503, retryAfter: 1, times: 2 });
  assert.deepEqual(
    { method: added.method, status: added.status, retryAfter: added.retryAfter, times: added.times, drop: added.drop },
    { method: 'POST', status: 503, retryAfter: '1', times: 2, drop: false },
  );
  const refused = await client.call('POST', 'queries/immediate', { command: { text: COUNT } });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('Retry-After'), '1');
  assert.equal(sim.faults()[0].times, 1);
  assert.deepEqual((await (await control(sim, 'GET', 'faults')).json()).faults, sim.faults());
  await control(sim, 'POST', 'faults', { path: '/queries/registered', delayMs: 1 });
  assert.equal(sim.faults().length, 2);
  sim.clearFaults();
  assert.deepEqual(sim.faults(), []);
  assert.equal((await client.call('POST', 'queries/immediate', { command: { text: COUNT } })).status, 200);
  assert.throws(() => sim.fault({ path: 'x' }), { name: 'SimulatorError', status: 400, message: /needs status, drop, delayMs, stallAfterBytes or cutAfterBytes/ });
  assert.throws(() => sim.fault({ delayMs: 5, executeBeforeFault: true }), { status: 400 });
});

test('stats() is a snapshot; executionsOf counts executions by SQL text: immediate, async, registered runs', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const client = await deviceClient(sim);
  const before = sim.stats();
  sim.fault({ path: 'queries/immediate', status: 504, executeBeforeFault: true });
  await client.call('POST', 'queries/immediate', { command: { text: COUNT } });
  await client.call('POST', 'queries/immediate', { command: { text: `  SELECT COUNT(*)\n   AS Total FROM Patients ` } });
  await client.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' } });
  await client.call('POST', 'queries/registered', {
    name: 'r', registeredQueryType: 'query', frequency: 60, duration: 60, registerCommand: { command: { text: COUNT } },
  });
  await client.call('POST', 'queries/async', { command: { text: COUNT } });
  await waitFor(() => sim.executionsOf(COUNT), (count) => count === 4);
  assert.equal(before.executionsTotal, 0, 'the earlier snapshot did not move');
  assert.equal(sim.executionsOf(`SELECT COUNT(*) AS Total\nFROM Patients`), 4, 'whitespace is normalised on both sides');
  assert.equal(sim.executionsOf('select count(*) as total from patients'), 0, 'case counts');
  assert.equal(sim.executionsOf('SELECT 2'), 0);
  assert.equal(sim.executionsOf('toString'), 0, 'own counts only');
  const stats = sim.stats();
  assert.equal(stats.executionsTotal, 5);
  assert.deepEqual(stats.executionsBySql, { [COUNT]: 4, 'SELECT 1': 1 });
  assert.deepEqual(stats, await (await control(sim, 'GET', 'stats')).json());
  assert.equal(stats.requests['POST /desktop/sites/{siteId}/queries/immediate'], 3);
  assert.throws(() => sim.executionsOf(undefined), TypeError);
});

test('expireTokens and changeSiteGuid act like their control routes; reset() starts over', async (t) => {
  const sim = await simulator(t);
  const a = await deviceClient(sim, { deviceId: 'a' });
  const b = await deviceClient(sim, { deviceId: 'b' });
  assert.deepEqual(sim.expireTokens('a'), { expired: 1 });
  assert.equal((await a.call('GET', 'queries/registered')).status, 401);
  assert.equal((await b.call('GET', 'queries/registered')).status, 200);
  assert.deepEqual(sim.expireTokens(), { expired: 2 });
  assert.throws(() => sim.expireTokens(7), { status: 400 });

  const change = sim.changeSiteGuid(SITE, { practiceName: 'Renamed' });
  assert.equal(change.oldSiteId, SITE);
  assert.equal((await b.call('GET', 'queries/registered')).status, 403, 'the old GUID is retired');
  assert.throws(() => sim.changeSiteGuid(SITE), { status: 404 });
  assert.throws(() => sim.changeSiteGuid(change.newSiteId, { newSiteId: 'not-a-guid' }), { status: 400 });

  sim.fault({ status: 500 });
  sim.reset();
  assert.deepEqual(sim.faults(), []);
  assert.equal(sim.stats().tokenRequests, 0);
  assert.deepEqual(sim.webhooks(), []);
  const fresh = await deviceClient(sim);
  assert.equal((await fresh.call('GET', 'queries/registered')).status, 200, 'the seeded GUID is back');
});
