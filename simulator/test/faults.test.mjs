import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, deviceClient, simulator } from './helpers.mjs';

const selectOne = { command: { text: 'SELECT 1' } };
const stats = async (sim) => (await control(sim, 'GET', 'stats')).json();

test('a 429 fault answers once with Retry-After, then normal service resumes', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const added = await control(sim, 'POST', 'faults', { method: 'POST', path: '/queries/immediate', status: 429, retryAfter: '2' });
  assert.equal(added.status, 201);
  const limited = await client.call('POST', 'queries/immediate', selectOne);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('Retry-After'), '2');
  assert.equal((await limited.json()).error.statusText, 'Too Many Requests');
  assert.equal((await client.call('POST', 'queries/immediate', selectOne)).status, 200);
  assert.equal((await stats(sim)).executionsTotal, 1, 'the rate-limited request did not execute');
});

test('a 503 fault with times and a RegExp path (in-process); custom bodies; DELETE clears faults', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const listed = sim.fault({ path: /queries\/(immediate|async)$/g, status: 503, times: 2 });
  assert.equal(listed.path, '/queries\\/(immediate|async)$/', 'listed as its source, without the stateful g flag');
  assert.equal((await client.call('POST', 'queries/immediate', selectOne)).status, 503);
  const second = await client.call('POST', 'queries/async', selectOne);
  assert.equal(second.status, 503);
  assert.match((await second.json()).error.message, /Site could not be contacted/);
  assert.equal((await client.call('POST', 'queries/immediate', selectOne)).status, 200);

  await control(sim, 'POST', 'faults', { status: 500, body: { custom: true } });
  assert.deepEqual(await (await client.call('GET', 'queries/registered')).json(), { custom: true });

  await control(sim, 'POST', 'faults', { status: 500, times: 5 });
  assert.equal((await (await control(sim, 'GET', 'faults')).json()).faults.length, 1);
  assert.equal((await control(sim, 'DELETE', 'faults')).status, 204);
  assert.equal((await client.call('GET', 'queries/registered')).status, 200);
});

test('a 504 after execution (executeBeforeFault) executes the query exactly once', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  await control(sim, 'POST', 'faults', { method: 'POST', path: 'queries/immediate', status: 504, executeBeforeFault: true });
  const response = await client.call('POST', 'queries/immediate', { command: { text: "UPDATE Patients SET Suburb = 'X' WHERE InternalID = 1", executionMode: 'nonQuery' } });
  assert.equal(response.status, 504);
  assert.match((await response.json()).error.message, /more than 30 seconds/);
  const counters = await stats(sim);
  assert.equal(counters.createQueryPosts, 1);
  assert.equal(counters.executionsTotal, 1);
  assert.deepEqual(Object.values(counters.executions), [1]);
  assert.equal(counters.requests['POST /desktop/sites/{siteId}/queries/immediate'], 1);
});

test('a delay fault slows the request but answers normally', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  await control(sim, 'POST', 'faults', { path: 'queries/immediate', delayMs: 150 });
  const started = Date.now();
  const response = await client.call('POST', 'queries/immediate', selectOne);
  assert.equal(response.status, 200);
  assert.ok(Date.now() - started >= 140);
});

test('a drop fault destroys the connection without a response', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  await control(sim, 'POST', 'faults', { path: 'queries/immediate', drop: true, executeBeforeFault: true });
  await assert.rejects(client.call('POST', 'queries/immediate', selectOne), TypeError);
  assert.equal((await stats(sim)).executionsTotal, 1);
});

test('invalid faults are rejected', async (t) => {
  const sim = await simulator(t);
  assert.equal((await control(sim, 'POST', 'faults', { path: 'x' })).status, 400);
  assert.equal((await control(sim, 'POST', 'faults', { status: 99 })).status, 400);
  assert.equal((await control(sim, 'POST', 'faults', { delayMs: 5, executeBeforeFault: true })).status, 400);
});

test('reset restores seed data and clears tokens, faults and counters', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  await client.call('POST', 'queries/immediate', { command: { text: 'DELETE FROM Patients', executionMode: 'nonQuery' } });
  await control(sim, 'POST', 'faults', { status: 500 });
  assert.equal((await control(sim, 'POST', 'reset')).status, 204);
  assert.equal((await client.call('GET', 'queries/registered')).status, 401, 'old tokens are gone');
  const fresh = await deviceClient(sim);
  const count = await (await fresh.call('POST', 'queries/immediate', { command: { text: 'SELECT COUNT(*) AS n FROM Patients', executionMode: 'scalar' } })).json();
  assert.equal(JSON.parse(Buffer.from(count.result.data, 'base64'))[0].n, 8);
  assert.equal((await stats(sim)).tokenRequests, 1);
});

test('a string path is a substring, never compiled: regex syntax matches only itself, and fast', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  // As a regular expression this would backtrack for minutes on a long path; as a substring it is one search.
  await control(sim, 'POST', 'faults', { path: '(a+)+$', status: 500 });
  await control(sim, 'POST', 'faults', { path: 'queries/(immediate|async)$', status: 503 });
  const long = `queries/${'a'.repeat(5000)}!`;
  assert.equal((await client.call('GET', long)).status, 400, 'neither fault matched: the query id is refused as usual');
  assert.equal((await client.call('POST', 'queries/immediate', selectOne)).status, 200);
  assert.equal((await control(sim, 'GET', 'faults').then((r) => r.json())).faults.length, 2);
  assert.equal((await control(sim, 'POST', 'faults', { path: { regex: '.*' }, status: 500 })).status, 400, 'no regex over HTTP');
  assert.equal((await control(sim, 'POST', 'faults', { status: 500, stauts: 1 })).status, 400, 'unknown fields are refused by name');
});
