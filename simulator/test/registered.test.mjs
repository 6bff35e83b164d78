import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeData, delay, deviceClient, integratorCall, simulator, SITE, waitFor } from './helpers.mjs';

const registration = (overrides = {}) => ({
  name: 'Todays appointments',
  registeredQueryType: 'query',
  frequency: 60,
  duration: 3600,
  registerCommand: { command: { text: 'SELECT AppointmentID, Reason FROM Appointments WHERE PractitionerID = 1' } },
  ...overrides,
});

test('create, list, get, results and cancel a registered query', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const created = await client.call('POST', 'queries/registered', registration());
  assert.equal(created.status, 201);
  const { id, ...rest } = await created.json();
  assert.deepEqual(rest, {});

  const list = await (await client.call('GET', 'queries/registered')).json();
  assert.deepEqual(list.registeredQueries.map((query) => query.id), [id]);

  const query = await (await client.call('GET', `queries/registered/${id}`)).json();
  assert.equal(query.name, 'Todays appointments');
  assert.equal(query.registeredQueryType, 'query');
  assert.equal(query.status, 'enabled');
  assert.equal(query.frequency, 60);
  assert.equal(query.duration, 3600);
  assert.ok(query.createdAt && query.lastHash);
  assert.equal(query.metrics.executionSucceededCount, 1);
  assert.equal(query.metrics.executionFailedCount, 0);
  assert.ok(query.metrics.lastSucceededAt);
  assert.ok(query.metrics.requestSize > 0);

  const results = await (await client.call('GET', `queries/registered/${id}/results`)).json();
  assert.deepEqual(Object.keys(results).sort(), ['data', 'parameters', 'rows', 'size']);
  assert.equal(results.rows, 4);
  assert.deepEqual(decodeData(results.data).map((row) => row.AppointmentID), [1, 3, 7, 10]);

  const cancelled = await client.call('DELETE', `queries/registered/${id}`);
  assert.equal(cancelled.status, 204);
  assert.equal(await cancelled.text(), '');
  const after = await (await client.call('GET', `queries/registered/${id}`)).json();
  assert.equal(after.status, 'cancelled');
  assert.ok(after.completedAt);

  assert.equal((await client.call('GET', 'queries/registered/6f9619ff-8b86-4d11-b42d-00c04fc964ff')).status, 404);
});

test('a registered query re-runs every frequency and completes after its duration', async (t) => {
  // 60 s frequency -> 60 ms; 300 s duration -> 300 ms.
  const sim = await simulator(t, { registeredTimeScale: 0.001 });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/registered', registration({ duration: 300 }))).json();
  const read = async () => (await client.call('GET', `queries/registered/${id}`)).json();

  const rerun = await waitFor(read, (query) => query.metrics.executionSucceededCount >= 2);
  assert.equal(rerun.status, 'enabled');

  // A data change shows up in the next run's results.
  await client.call('POST', 'queries/immediate', {
    command: { text: "INSERT INTO Appointments (InternalID, PractitionerID, AppointmentDate, Duration, Reason, Status) VALUES (3, 1, '2026-07-10 10:00', 15, 'Review', 'Booked')", executionMode: 'nonQuery' },
  });
  await waitFor(
    async () => (await (await client.call('GET', `queries/registered/${id}/results`)).json()).rows,
    (rows) => rows === 5,
  );

  const completed = await waitFor(read, (query) => query.status === 'completed');
  assert.ok(completed.completedAt);
  const runs = completed.metrics.executionSucceededCount;
  assert.ok(runs >= 3 && runs <= 6, `runs: ${runs}`);
  await delay(150);
  assert.equal((await read()).metrics.executionSucceededCount, runs, 'no runs after completion');
});

test('a failing registered query records lastErrorDetails', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const body = registration({ registerCommand: { command: { text: 'selct', type: 'storedProcedure' } } });
  const { id } = await (await client.call('POST', 'queries/registered', body)).json();
  const query = await (await client.call('GET', `queries/registered/${id}`)).json();
  assert.deepEqual(query.lastErrorDetails, { errorType: 'mssql', errorCode: 2812, errorMessage: "Could not find stored procedure 'selct'." });
  assert.equal(query.metrics.executionFailedCount, 1);
  assert.equal(query.lastHash, undefined);
  assert.equal((await client.call('GET', `queries/registered/${id}/results`)).status, 404);
});

test('registration validation', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  for (const body of [
    registration({ frequency: 59 }),
    registration({ duration: 86401 }),
    registration({ registeredQueryType: 'report' }),
    registration({ name: '' }),
    registration({ registerCommand: {} }),
    registration({ registerCommand: { command: { text: 'SELECT * FROM' } } }),
  ]) {
    assert.equal((await client.call('POST', 'queries/registered', body)).status, 400, JSON.stringify(body));
  }
});

test('the Integrator API creates registered queries with 202', async (t) => {
  const sim = await simulator(t);
  const response = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/registered`, registration());
  assert.equal(response.status, 202);
  assert.ok((await response.json()).id);
});
