// What `halo doctor` and day-one tests need (issue 22): an offline site, a skewed clock, the two 401
// shapes, Retry-After on 503, a generic 500 text, and RegExp fault paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, deviceClient, integratorCall, requestToken, simulator, SITE, waitFor, ZEDMED_SITE } from './helpers.mjs';

const selectOne = { command: { text: 'SELECT 1 AS one' } };
const site = (sim, siteId = SITE) => integratorCall(sim, 'GET', `/integrator/sites/${siteId}`);

test('an offline site: new queries and FHIR answer 503 with Retry-After, getSite says offline, reads still work', async (t) => {
  const sim = await simulator(t, { retryAfterSeconds: 30, asyncStepMs: 5 });
  const device = await deviceClient(sim);
  const created = await (await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/async`, selectOne)).json();
  await waitFor(async () => (await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${created.id}`)).json()).status, (s) => s === 'successful');

  assert.deepEqual(sim.setSiteOffline(SITE, true), { siteId: SITE, offline: true });
  for (const response of [
    await device.call('POST', 'queries/immediate', selectOne),
    await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/async`, selectOne),
    await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/fhir/R4/metadata`),
  ]) {
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('Retry-After'), '30');
    assert.match((await response.json()).error.message, /Site could not be contacted/);
  }
  assert.equal(sim.executionsOf('SELECT 1 AS one'), 1, 'only the query made while online ran');
  const offline = await (await site(sim)).json();
  assert.equal(offline.availability, 'offline');
  assert.equal(offline.status, 'active');
  assert.ok(Date.now() - Date.parse(offline.heartbeatTimestampUTC) >= 0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal((await (await site(sim)).json()).heartbeatTimestampUTC, offline.heartbeatTimestampUTC, 'no heartbeat while offline');
  // The cloud still answers what it holds.
  assert.equal((await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${created.id}/results/1`)).status, 200);
  assert.equal((await requestToken(sim)).status, 200, 'tokens are issued by the cloud');
  assert.equal((await (await site(sim, ZEDMED_SITE)).json()).availability, 'online', 'other sites are unaffected');

  const back = await control(sim, 'POST', `sites/${SITE}/offline`, { offline: false });
  assert.deepEqual(await back.json(), { siteId: SITE, offline: false });
  assert.equal((await device.call('POST', 'queries/immediate', selectOne)).status, 200);
  assert.equal((await (await site(sim)).json()).availability, 'online');
  assert.equal((await control(sim, 'POST', 'sites/3f2504e0-4f89-41d3-9a0c-0305e82c33ff/offline', { offline: true })).status, 404);
  assert.equal((await control(sim, 'POST', `sites/${SITE}/offline`, { offline: 'yes' })).status, 400);
});

test('without retryAfterSeconds an offline 503 has no Retry-After; a 503 fault takes the option when set', async (t) => {
  const plain = await simulator(t);
  plain.setSiteOffline(SITE, true);
  const refused = await integratorCall(plain, 'POST', `/integrator/sites/${SITE}/queries/immediate`, selectOne);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('Retry-After'), null);

  const configured = await simulator(t, { retryAfterSeconds: 7 });
  configured.fault({ path: 'queries/immediate', status: 503, times: 2 });
  const faulted = await integratorCall(configured, 'POST', `/integrator/sites/${SITE}/queries/immediate`, selectOne);
  assert.equal(faulted.headers.get('Retry-After'), '7');
  configured.fault({ path: 'queries/immediate', status: 503, retryAfter: 1 });
  // The first queued fault applies first; its own retryAfter would win over the option.
  assert.equal((await integratorCall(configured, 'POST', `/integrator/sites/${SITE}/queries/immediate`, selectOne)).headers.get('Retry-After'), '7');
  assert.equal((await integratorCall(configured, 'POST', `/integrator/sites/${SITE}/queries/immediate`, selectOne)).headers.get('Retry-After'), '1');
});

test('a query still initialising when its site goes offline ends in initialisationFailedSiteOffline', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 100 });
  const created = await (await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/async`, selectOne)).json();
  sim.setSiteOffline(SITE, true);
  const query = await waitFor(
    async () => (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${created.id}`)).json(),
    (q) => q.status !== 'initialising',
  );
  assert.equal(query.status, 'initialisationFailedSiteOffline');
  assert.ok(query.completedAt && query.statusTiming.initialising.endTime);
  assert.equal(sim.stats().executionsTotal, 0);
});

test('clockOffsetMs skews the Date header, token claims and webhook timestamps; setClockOffset changes it', async (t) => {
  const hourAhead = 3_600_000;
  const sim = await simulator(t, { clockOffsetMs: hourAhead });
  const response = await site(sim);
  const skew = Date.parse(response.headers.get('Date')) - Date.now();
  assert.ok(Math.abs(skew - hourAhead) < 5_000, `Date header ${skew} ms off`);
  const { access_token: token } = await (await requestToken(sim)).json();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert.ok(Math.abs(claims.iat * 1000 - Date.now() - hourAhead) < 5_000, 'iat is on the skewed clock');
  assert.equal((await (await deviceClient(sim)).call('GET', 'queries/registered')).status, 200, 'the token works for its real lifetime');

  assert.deepEqual(sim.setClockOffset(-120_000), { offsetMs: -120_000 });
  const behind = Date.parse((await site(sim)).headers.get('Date')) - Date.now();
  assert.ok(Math.abs(behind + 120_000) < 5_000, `${behind}`);
  assert.deepEqual(await (await control(sim, 'POST', 'clock', { offsetMs: 0 })).json(), { offsetMs: 0 });
  assert.ok(Math.abs(Date.parse((await site(sim)).headers.get('Date')) - Date.now()) < 5_000);
  assert.equal((await control(sim, 'POST', 'clock', { offsetMs: 1.5 })).status, 400);
  sim.setClockOffset(5_000);
  sim.reset();
  assert.ok(Date.parse((await site(sim)).headers.get('Date')) - Date.now() > 1_800_000, 'reset restores the option');
});

test('unauthorizedBody picks the expired-token 401 shape: the guide\'s (default) or the OpenAPI envelope', async (t) => {
  const guide = await simulator(t);
  const refusedByGuide = await fetch(`${guide.url}/desktop/sites/${SITE}/queries/registered`, { headers: { Authorization: 'Bearer nope', DeviceId: 'd' } });
  assert.equal(refusedByGuide.status, 401);
  assert.deepEqual(await refusedByGuide.json(), { error: { statusCode: 401, message: 'Invalid token' } });

  const openapi = await simulator(t, { unauthorizedBody: 'openapi' });
  const refused = await fetch(`${openapi.url}/desktop/sites/${SITE}/queries/registered`, { headers: { Authorization: 'Bearer nope', DeviceId: 'd' } });
  assert.equal(refused.status, 401);
  assert.deepEqual(await refused.json(), { error: { status: 401, statusText: 'Unauthorized', message: 'Invalid token' } });
  await assert.rejects(simulator(t, { unauthorizedBody: 'flat' }), /Option unauthorizedBody must be "guide" or "openapi"/);
});

test('a generic fault answers the reason phrase as text; a plain 500 on a non-query endpoint is not the CosmosDB text', async (t) => {
  const sim = await simulator(t);
  sim.fault({ path: /^\/integrator\/sites\/[^/]+$/, status: 500, generic: true });
  const generic = await site(sim);
  assert.equal(generic.status, 500);
  assert.match(generic.headers.get('Content-Type'), /^text\/plain/);
  assert.equal(await generic.text(), 'Internal Server Error');
  assert.equal((await site(sim)).status, 200, 'once');

  sim.fault({ path: '/integrator/token', status: 500 });
  const token = await requestToken(sim);
  assert.deepEqual(await token.json(), { error: { status: 500, statusText: 'Internal Server Error', message: 'Internal Server Error' } });
  sim.fault({ path: 'queries/immediate', status: 500 });
  const created = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/immediate`, selectOne);
  assert.match((await created.json()).error.message, /CosmosDB/, 'query creation keeps the documented text');
  assert.throws(() => sim.fault({ generic: true }), /generic needs status/);
  assert.throws(() => sim.fault({ status: 500, generic: true, body: 'x' }), /generic needs status and replaces body/);
});
