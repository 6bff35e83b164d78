import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { control, decodeData, deviceClient, integratorCall, KEY, simulator, SITE, waitFor } from './helpers.mjs';

const sites = `/integrator/sites/${SITE}`;
const streams = async (sim) => (await (await control(sim, 'GET', 'streams')).json()).streams;

/** An async query through the Integrator API, waited for until successful. */
async function finishedQuery(sim, text = 'SELECT * FROM Observations ORDER BY ObservationID') {
  const created = await (await integratorCall(sim, 'POST', `${sites}/queries/async`, { command: { text } })).json();
  return waitFor(
    async () => (await integratorCall(sim, 'GET', `${sites}/queries/${created.id}`)).json(),
    (query) => query.status === 'successful',
  );
}

/** A raw GET that reports each body chunk as it arrives. */
function rawStream(sim, path, onChunk = () => {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { headers: { 'Ocp-Apim-Subscription-Key': KEY } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => {
        chunks.push(chunk);
        onChunk(Buffer.concat(chunks), req);
      });
      response.on('end', () => resolve({ response, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a streamed page is the page\'s rows as one raw JSON array, chunked, with the page headers', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5, pageRows: 40 });
  const query = await finishedQuery(sim);
  for (const { pageNumber } of query.result.pages) {
    const page = await integratorCall(sim, 'GET', `${sites}/queries/${query.id}/results/${pageNumber}`);
    const whole = await page.json();
    const { response, body } = await rawStream(sim, `${sites}/queries/${query.id}/results/${pageNumber}/stream`);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.match(response.headers['content-type'], /^application\/json/);
    assert.equal(response.headers['rows-count'], page.headers.get('Rows-Count'));
    assert.deepEqual(JSON.parse(body.toString('utf8')), decodeData(whole.data));
  }
  assert.ok((await streams(sim)).every((stream) => stream.state === 'complete'));
});

test('the stream is the Integrator API\'s only: the Desktop API has none, and device headers are refused', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const query = await finishedQuery(sim);
  const client = await deviceClient(sim);
  assert.equal((await client.call('GET', `queries/${query.id}/results/1/stream`)).status, 404);
  const refused = await fetch(`${sim.url}${sites}/queries/${query.id}/results/1/stream`, {
    headers: { 'Ocp-Apim-Subscription-Key': KEY, DeviceId: client.deviceId },
  });
  assert.equal(refused.status, 400);
  assert.equal((await fetch(`${sim.url}${sites}/queries/${query.id}/results/1/stream`)).status, 401);
  assert.equal((await integratorCall(sim, 'GET', `${sites}/queries/${query.id}/results/99/stream`)).status, 404);
});

test('an expired result streams 410', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5, resultRetentionMs: 50 });
  const query = await finishedQuery(sim);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal((await integratorCall(sim, 'GET', `${sites}/queries/${query.id}/results/1/stream`)).status, 410);
});

test('a stall fault holds the body after some bytes until released', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const query = await finishedQuery(sim);
  await control(sim, 'POST', 'faults', { path: '/stream', stallAfterBytes: 100 });
  let released = false;
  const { body } = await rawStream(sim, `${sites}/queries/${query.id}/results/1/stream`, async (sofar) => {
    if (released || sofar.length < 100) return;
    released = true;
    assert.equal(sofar.length, 100, 'nothing past the stall point arrives while stalled');
    const [stream] = await waitFor(() => streams(sim), ([entry]) => entry?.state === 'stalled');
    assert.equal(stream.bytes, 100);
    assert.deepEqual(await (await control(sim, 'POST', 'streams/release')).json(), { released: 1 });
  });
  assert.ok(released);
  assert.ok(Array.isArray(JSON.parse(body.toString('utf8'))));
  assert.equal((await streams(sim))[0].state, 'complete');
});

test('a stall with stallMs resumes by itself; a cut fault ends the body cleanly at its byte', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const query = await finishedQuery(sim);
  await control(sim, 'POST', 'faults', { path: '/stream', stallAfterBytes: 10, stallMs: 30 });
  const started = Date.now();
  const { body: whole } = await rawStream(sim, `${sites}/queries/${query.id}/results/1/stream`);
  assert.ok(Date.now() - started >= 25);
  await control(sim, 'POST', 'faults', { path: '/stream', cutAfterBytes: 150 });
  const { response, body } = await rawStream(sim, `${sites}/queries/${query.id}/results/1/stream`);
  assert.equal(response.statusCode, 200);
  assert.deepEqual(body, whole.subarray(0, 150));
  assert.equal((await streams(sim)).at(-1).state, 'cut');
});

test('a client that goes away mid-stream is seen as closed', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const query = await finishedQuery(sim);
  await control(sim, 'POST', 'faults', { path: '/stream', stallAfterBytes: 50 });
  const controller = new AbortController();
  const response = await fetch(`${sim.url}${sites}/queries/${query.id}/results/1/stream`, {
    headers: { 'Ocp-Apim-Subscription-Key': KEY },
    signal: controller.signal,
  });
  const reader = response.body.getReader();
  await reader.read();
  controller.abort();
  const [stream] = await waitFor(() => streams(sim), ([entry]) => entry?.state === 'closed');
  assert.equal(stream.bytes, 50);
});

test('a generated page streams many rows without being built in memory, and reads whole too', async (t) => {
  const sim = await simulator(t);
  const created = await control(sim, 'POST', `sites/${SITE}/queries/generated`, { rows: 20_000, rowBytes: 120 });
  assert.equal(created.status, 201);
  const { queryId } = await created.json();
  const query = await (await integratorCall(sim, 'GET', `${sites}/queries/${queryId}`)).json();
  assert.equal(query.status, 'successful');
  assert.equal(query.result.rows, 20_000);
  const { body } = await rawStream(sim, `${sites}/queries/${queryId}/results/1/stream`);
  const rows = JSON.parse(body.toString('utf8'));
  assert.equal(rows.length, 20_000);
  assert.equal(rows[7].InternalID, 7);
  assert.equal(JSON.stringify(rows[7]).length, 120);
  const small = await (await control(sim, 'POST', `sites/${SITE}/queries/generated`, { rows: 3 })).json();
  const page = await (await integratorCall(sim, 'GET', `${sites}/queries/${small.queryId}/results/1`)).json();
  assert.deepEqual(decodeData(page.data).map((row) => row.InternalID), [0, 1, 2]);
  assert.equal((await control(sim, 'POST', `sites/${SITE}/queries/generated`, { rows: -1 })).status, 400);
});

test('stream faults are validated', async (t) => {
  const sim = await simulator(t);
  assert.equal((await control(sim, 'POST', 'faults', { stallAfterBytes: -1 })).status, 400);
  assert.equal((await control(sim, 'POST', 'faults', { stallMs: 5 })).status, 400);
  assert.equal((await control(sim, 'POST', 'faults', { cutAfterBytes: 1.5 })).status, 400);
  assert.equal((await control(sim, 'POST', 'faults', { cutAfterBytes: 0 })).status, 201);
});
