import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeData, delay, deviceClient, simulator, waitFor } from './helpers.mjs';

const STEP_MS = 20;

// Polling sees the states a loaded machine lets it see; statusTiming (checked
// by the test) proves every state happened.
async function pollUntilFinal(client, id, first) {
  const seen = first === undefined ? [] : [first];
  const final = await waitFor(
    async () => {
      const query = await (await client.call('GET', `queries/${id}`)).json();
      if (seen.at(-1) !== query.status) seen.push(query.status);
      return query;
    },
    (query) => Boolean(query.completedAt),
    { intervalMs: 3 },
  );
  return { final, seen };
}

test('an async query moves initialising -> queued -> executing -> uploading -> successful and pages its rows', async (t) => {
  const sim = await simulator(t, { asyncStepMs: STEP_MS, pageRows: 100 });
  const client = await deviceClient(sim);
  const created = await client.call('POST', 'queries/async', { command: { text: 'SELECT * FROM Observations ORDER BY ObservationID' } });
  assert.equal(created.status, 201);
  const initial = await created.json();
  assert.equal(initial.mode, 'async');
  assert.equal(initial.status, 'initialising');
  assert.equal(initial.maxTimeInQueue, 3600000);
  assert.ok(initial.statusTiming.initialising.startTime);

  const { final, seen } = await pollUntilFinal(client, initial.id, initial.status);
  const order = ['initialising', 'queued', 'executing', 'uploading', 'successful'];
  assert.deepEqual([...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)), seen, `states in order: ${seen}`);
  assert.equal(seen.at(-1), 'successful');
  assert.equal(final.result.rows, 1000);
  assert.equal(final.result.pages.length, 10);
  assert.deepEqual(final.result.pages[0].rows, { count: 100, rangeStart: 0, rangeEnd: 99 });
  assert.deepEqual(final.result.pages[9].rows, { count: 100, rangeStart: 900, rangeEnd: 999 });
  assert.equal(final.result.pages[0].status, 'cached');
  assert.equal(final.resultSize, final.result.size);
  for (const state of ['initialising', 'queued', 'executing', 'uploading']) {
    assert.ok(final.statusTiming[state].startTime && final.statusTiming[state].endTime, state);
  }

  const allRows = [];
  for (const page of final.result.pages) {
    const response = await client.call('GET', `queries/${final.id}/results/${page.pageNumber}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Rows-Count'), String(page.rows.count));
    assert.equal(response.headers.get('Rows-Range-Start'), String(page.rows.rangeStart));
    assert.equal(response.headers.get('Rows-Range-End'), String(page.rows.rangeEnd));
    assert.equal(response.headers.get('Size'), String(page.size));
    const body = await response.json();
    assert.deepEqual(body.parameters, []);
    allRows.push(...decodeData(body.data));
  }
  assert.equal(allRows.length, 1000);
  assert.deepEqual(allRows.map((row) => row.ObservationID), Array.from({ length: 1000 }, (_, i) => i + 1));

  assert.equal((await client.call('GET', `queries/${final.id}/results/11`)).status, 404);
  assert.equal((await client.call('GET', `queries/${final.id}/results/0`)).status, 400);
  assert.equal((await client.call('GET', `queries/${final.id}/results/first`)).status, 400);
});

test('result pages are 404 before success and 410 after retention', async (t) => {
  const sim = await simulator(t, { asyncStepMs: STEP_MS, resultRetentionMs: 150 });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/async', { command: { text: 'SELECT * FROM Patients' } })).json();
  assert.equal((await client.call('GET', `queries/${id}/results/1`)).status, 404);
  const { final } = await pollUntilFinal(client, id);
  assert.equal(final.status, 'successful');
  assert.equal((await client.call('GET', `queries/${id}/results/1`)).status, 200);
  await delay(200);
  const gone = await client.call('GET', `queries/${id}/results/1`);
  assert.equal(gone.status, 410);
  assert.deepEqual((await gone.json()).error.statusText, 'Gone');
});

test('a failing async query ends executionFailed with errorDetails; malformed SQL is refused up front', async (t) => {
  const sim = await simulator(t, { asyncStepMs: STEP_MS });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/async', { command: { text: 'SELECT Nope FROM Patients' } })).json();
  const { final, seen } = await pollUntilFinal(client, id);
  assert.deepEqual(seen.at(-1), 'executionFailed');
  assert.deepEqual(final.errorDetails, { errorType: 'mssql', errorCode: 207, errorMessage: "Invalid column name 'Nope'." });
  assert.equal(final.result, undefined);

  assert.equal((await client.call('POST', 'queries/async', { command: { text: 'SELECT FROM' } })).status, 400);
  assert.equal((await client.call('POST', 'queries/async', { command: { text: 'SELECT 1' }, maxTimeInQueue: 7200001 })).status, 400);
});

test('a maxTimeInQueue shorter than the queue step ends expiredInQueue without executing', async (t) => {
  const sim = await simulator(t, { asyncStepMs: STEP_MS });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/async', { command: { text: 'SELECT 1' }, maxTimeInQueue: 0 })).json();
  const { final } = await pollUntilFinal(client, id);
  assert.equal(final.status, 'expiredInQueue');
  assert.equal(sim.state.stats.toJSON().executionsTotal, 0);
});

test('an async nonQuery reports rowsAffected and one data-less page', async (t) => {
  const sim = await simulator(t, { asyncStepMs: STEP_MS });
  const client = await deviceClient(sim);
  const { id } = await (
    await client.call('POST', 'queries/async', { command: { text: "DELETE FROM Appointments WHERE Status = 'Cancelled'", executionMode: 'nonQuery' } })
  ).json();
  const { final } = await pollUntilFinal(client, id);
  assert.equal(final.result.rowsAffected, 1);
  assert.equal(final.result.pages.length, 1);
  const page = await client.call('GET', `queries/${id}/results/1`);
  assert.deepEqual(await page.json(), { parameters: [] });
  assert.equal(page.headers.get('Rows-Count'), '0');
});

test('an immediate query has no result pages', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' } })).json();
  assert.equal((await client.call('GET', `queries/${id}/results/1`)).status, 404);
});
