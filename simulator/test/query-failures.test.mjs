// Planned query failures (issue 22): async queries ending in initialisationFailed* or uploadFailed,
// and a registered query in initialisationFailedCacheError, through the control API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, integratorCall, simulator, SITE, waitFor, webhookReceiver, ZEDMED_SITE } from './helpers.mjs';

const selectOne = { command: { text: 'SELECT 1 AS one' } };
const TERMINAL = ['successful', 'executionFailed', 'expiredInQueue', 'uploadFailed', 'initialisationFailedCacheError', 'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable'];

async function runAsync(sim, siteId = SITE) {
  const { id } = await (await integratorCall(sim, 'POST', `/integrator/sites/${siteId}/queries/async`, selectOne)).json();
  return waitFor(async () => (await integratorCall(sim, 'GET', `/integrator/sites/${siteId}/queries/${id}`)).json(), (query) => TERMINAL.includes(query.status));
}

test('each planned async failure state is reached once, without a result or a webhook; then queries succeed again', async (t) => {
  const hooks = await webhookReceiver(t);
  const sim = await simulator(t, { asyncStepMs: 5, webhookUrl: hooks.url });
  for (const status of ['initialisationFailedCacheError', 'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable']) {
    assert.deepEqual(sim.failQueries({ status }), { mode: 'async', status, times: 1 });
    const query = await runAsync(sim);
    assert.equal(query.status, status);
    assert.ok(query.completedAt, 'terminal states carry completedAt');
    assert.deepEqual(Object.keys(query.statusTiming), ['initialising']);
    assert.ok(query.statusTiming.initialising.endTime);
    assert.equal(query.result, undefined);
  }
  assert.equal(sim.stats().executionsTotal, 0, 'an initialisation failure never reached the practice');

  sim.failQueries({ status: 'uploadFailed' });
  const uploadFailed = await runAsync(sim);
  assert.equal(uploadFailed.status, 'uploadFailed');
  assert.ok(uploadFailed.statusTiming.uploading.endTime && uploadFailed.completedAt);
  assert.equal(sim.stats().executionsTotal, 1, 'the SQL ran before the upload failed');
  assert.equal((await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${uploadFailed.id}/results/1`)).status, 404);

  assert.equal((await runAsync(sim)).status, 'successful', 'each plan applied once');
  await waitFor(() => hooks.received.length, (count) => count === 1);
  assert.equal(sim.stats().webhooks.notifications, 1, 'only the successful query was notified');
});

test('a plan can be limited to a site and used several times; the control API lists and takes the same plans', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const planned = await control(sim, 'POST', 'query-failures', { status: 'initialisationFailedSiteUnreachable', siteId: ZEDMED_SITE, times: 2 });
  assert.equal(planned.status, 201);
  assert.equal((await runAsync(sim, SITE)).status, 'successful', 'another site is unaffected');
  assert.equal((await runAsync(sim, ZEDMED_SITE)).status, 'initialisationFailedSiteUnreachable');
  assert.deepEqual((await (await control(sim, 'GET', 'query-failures')).json()).queryFailures, [
    { mode: 'async', status: 'initialisationFailedSiteUnreachable', siteId: ZEDMED_SITE, times: 1 },
  ]);
  assert.equal((await runAsync(sim, ZEDMED_SITE)).status, 'initialisationFailedSiteUnreachable');
  assert.equal((await runAsync(sim, ZEDMED_SITE)).status, 'successful');
  assert.deepEqual(sim.queryFailures(), []);
  sim.failQueries({ status: 'uploadFailed' });
  sim.reset();
  assert.deepEqual(sim.queryFailures(), [], 'reset clears plans');
});

test('a registered query can be made to end in initialisationFailedCacheError: listed, never run', async (t) => {
  const sim = await simulator(t, { registeredTimeScale: 0.001 });
  sim.failQueries({ mode: 'registered', status: 'initialisationFailedCacheError' });
  const created = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/registered`, {
    name: 'cache', registeredQueryType: 'query', frequency: 60, duration: 600, registerCommand: selectOne,
  });
  assert.equal(created.status, 202);
  const { id } = await created.json();
  await new Promise((resolve) => setTimeout(resolve, 150)); // past two scaled runs
  const registered = await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${id}`)).json();
  assert.equal(registered.status, 'initialisationFailedCacheError');
  assert.equal(registered.metrics.executionSucceededCount + registered.metrics.executionFailedCount, 0);
  assert.equal(sim.stats().executionsTotal, 0);
  assert.equal((await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${id}/results`)).status, 404);
});

test('bad plans are refused by name', async (t) => {
  const sim = await simulator(t);
  const refusals = [
    [{ status: 'successful' }, /status must be one of initialisationFailedCacheError, .*uploadFailed for async queries/],
    [{ mode: 'registered', status: 'uploadFailed' }, /status must be one of initialisationFailedCacheError for registered queries/],
    [{ mode: 'immediate', status: 'uploadFailed' }, /mode must be "async" or "registered"/],
    [{ status: 'uploadFailed', times: 0 }, /times must be a positive integer/],
    [{ status: 'uploadFailed', site: SITE }, /site is not a query failure field/],
  ];
  for (const [spec, message] of refusals) {
    assert.throws(() => sim.failQueries(spec), (error) => error.status === 400 && message.test(error.message), JSON.stringify(spec));
    assert.equal((await control(sim, 'POST', 'query-failures', spec)).status, 400);
  }
  assert.throws(() => sim.failQueries({ status: 'uploadFailed', siteId: '3f2504e0-4f89-41d3-9a0c-0305e82c33ff' }), (error) => error.status === 404);
});
