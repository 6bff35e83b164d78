import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INTEGRATOR_ID } from '../index.mjs';
import { control, decodeData, deviceClient, simulator, SITE, ZEDMED_SITE } from './helpers.mjs';

const select = (text, extra = {}) => ({ command: { text, executionMode: 'reader', type: 'text', parameters: [] }, ...extra });

test('an immediate reader query returns base64 JSON rows in the documented query object', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const response = await client.call('POST', 'queries/immediate', select('SELECT InternalID, Firstname, Surname, DOB FROM Patients WHERE InternalID <= 2 ORDER BY InternalID'));
  assert.equal(response.status, 200);
  const query = await response.json();
  for (const field of ['id', 'integratorId', 'siteId', 'mode', 'status', 'maxTimeInQueue', 'commandSize', 'requestSize', 'createdAt', 'updatedAt', 'statusTiming', 'metrics', 'result', 'resultSize', 'completedAt']) {
    assert.ok(field in query, `missing ${field}`);
  }
  assert.equal(query.mode, 'immediate');
  assert.equal(query.status, 'successful');
  assert.equal(query.siteId, SITE);
  assert.equal(query.maxTimeInQueue, 30000);
  assert.equal(typeof query.metrics.sqlExecutionDuration, 'number');
  assert.ok(query.statusTiming.initialising.startTime && query.statusTiming.executing.startTime);
  assert.equal(query.result.rows, 2);
  assert.deepEqual(query.result.parameters, []);
  const rows = decodeData(query.result.data);
  assert.deepEqual(rows, [
    { InternalID: 1, Firstname: 'John', Surname: 'Smith', DOB: '1970-03-14' },
    { InternalID: 2, Firstname: 'Jane', Surname: 'Citizen', DOB: '1985-11-02' },
  ]);
  assert.equal(query.result.size, Buffer.byteLength(JSON.stringify(rows)));

  const read = await client.call('GET', `queries/${query.id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(await read.json(), query);
});

test('parameters, scalar and nonQuery modes; mutations persist', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const run = async (body) => (await client.call('POST', 'queries/immediate', body)).json();

  const withParameter = await run({
    command: { text: 'SELECT Firstname FROM Patients WHERE Surname = @surname', parameters: [{ name: '@surname', direction: 'input', type: 'NVarChar', value: 'citizen', size: 50 }] },
  });
  assert.deepEqual(decodeData(withParameter.result.data), [{ Firstname: 'Jane' }]);

  const scalar = await run({ command: { text: 'SELECT COUNT(*) AS Total FROM Patients', executionMode: 'scalar' } });
  assert.deepEqual(decodeData(scalar.result.data), [{ Total: 8 }]);

  const update = await run({ command: { text: "UPDATE Patients SET Suburb = 'Marrickville' WHERE InternalID = 1", executionMode: 'nonQuery' } });
  assert.equal(update.status, 'successful');
  assert.equal(update.result.rowsAffected, 1);
  assert.equal(update.result.data, undefined);

  const after = await run(select('SELECT Suburb FROM Patients WHERE InternalID = 1'));
  assert.deepEqual(decodeData(after.result.data), [{ Suburb: 'Marrickville' }]);

  const literal = await run(select('SELECT 1'));
  assert.deepEqual(decodeData(literal.result.data), [{ Column1: 1 }]);
});

test('each site has its own database', async (t) => {
  const sim = await simulator(t);
  const bp = await deviceClient(sim);
  const zedmed = await deviceClient(sim, { siteId: ZEDMED_SITE });
  await bp.call('POST', 'queries/immediate', { command: { text: 'DELETE FROM Appointments', executionMode: 'nonQuery' } });
  const count = async (client) =>
    decodeData((await (await client.call('POST', 'queries/immediate', select('SELECT COUNT(*) AS n FROM Appointments'))).json()).result.data)[0].n;
  assert.equal(await count(bp), 0);
  assert.equal(await count(zedmed), 10);
});

test('SQL errors: malformed SQL is a 400 envelope, execution errors a 500 executionFailed query', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const malformed = await client.call('POST', 'queries/immediate', select('SELEC * FROM Patients'));
  assert.equal(malformed.status, 400);
  assert.match((await malformed.json()).error.message, /^Malformed SQL/);

  const unknownTable = await client.call('POST', 'queries/immediate', select('SELECT * FROM Nope'));
  assert.equal(unknownTable.status, 500);
  const failed = await unknownTable.json();
  assert.equal(failed.status, 'executionFailed');
  assert.deepEqual(failed.errorDetails, { errorType: 'mssql', errorCode: 208, errorMessage: "Invalid object name 'Nope'." });
  assert.ok(failed.completedAt);

  const procedure = await client.call('POST', 'queries/immediate', { command: { text: 'GetPatientID', type: 'storedProcedure' } });
  assert.equal((await procedure.json()).errorDetails.errorCode, 2812);
});

test('request validation answers 400 with the envelope', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const cases = [
    {},
    { command: {} },
    { command: { text: 'SELECT 1', executionMode: 'stream' } },
    { command: { text: 'SELECT 1', type: 'procedure' } },
    { command: { text: 'SELECT 1' }, maxTimeInQueue: 60001 },
    { command: { text: 'SELECT 1' }, catalogue: 'NoSuchCatalogue' },
  ];
  for (const body of cases) {
    const response = await client.call('POST', 'queries/immediate', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal((await response.json()).error.statusText, 'Bad Request');
  }
  assert.equal((await client.call('POST', 'queries/immediate', '{not json')).status, 400);
  const ok = await client.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' }, maxTimeInQueue: 60000, catalogue: 'BPSPatients' });
  assert.equal(ok.status, 200);
});

test('an expired token answers 401 with exactly the Invalid token body', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  assert.equal((await client.call('POST', 'queries/immediate', select('SELECT 1'))).status, 200);
  const expired = await control(sim, 'POST', 'tokens/expire');
  assert.deepEqual(await expired.json(), { expired: 1 });
  const response = await client.call('POST', 'queries/immediate', select('SELECT 1'));
  assert.equal(response.status, 401);
  assert.equal(await response.text(), '{"error":{"statusCode":401,"message":"Invalid token"}}');
});

test('tokens/expire can target one device', async (t) => {
  const sim = await simulator(t);
  const a = await deviceClient(sim, { deviceId: 'a' });
  const b = await deviceClient(sim, { deviceId: 'b' });
  await control(sim, 'POST', 'tokens/expire', { deviceId: 'a' });
  assert.equal((await a.call('GET', 'queries/registered')).status, 401);
  assert.equal((await b.call('GET', 'queries/registered')).status, 200);
});

test('a token used with another DeviceId, another site or without headers answers 401', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim, { deviceId: 'device-1' });
  const invalid = { error: { statusCode: 401, message: 'Invalid token' } };

  const otherDevice = await client.call('GET', 'queries/registered', undefined, { DeviceId: 'device-2' });
  assert.equal(otherDevice.status, 401);
  assert.deepEqual(await otherDevice.json(), invalid);

  const otherSite = await fetch(`${sim.url}/desktop/sites/${ZEDMED_SITE}/queries/registered`, {
    headers: { Authorization: `Bearer ${client.token}`, DeviceId: 'device-1' },
  });
  assert.equal(otherSite.status, 401);

  const noHeaders = await fetch(`${sim.url}/desktop/sites/${SITE}/queries/registered`);
  assert.equal(noHeaders.status, 401);
  assert.deepEqual(await noHeaders.json(), invalid);

  const forged = await client.call('GET', 'queries/registered', undefined, { Authorization: 'Bearer forged.token.value' });
  assert.equal(forged.status, 401);
});

test('site and query addressing errors: 400 bad GUID, 404 unknown site, 404 unknown query and path', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const headers = { Authorization: `Bearer ${client.token}`, DeviceId: client.deviceId };
  assert.equal((await fetch(`${sim.url}/desktop/sites/not-a-guid/queries/registered`, { headers })).status, 400);
  const unknownSite = await fetch(`${sim.url}/desktop/sites/00000000-0000-4000-8000-000000000000/queries/registered`, { headers });
  assert.equal(unknownSite.status, 404);
  assert.equal((await client.call('GET', 'queries/6f9619ff-8b86-4d11-b42d-00c04fc964ff')).status, 404);
  const unknownPath = await client.call('GET', 'nothing/here');
  assert.equal(unknownPath.status, 404);
  assert.deepEqual(await unknownPath.json(), {
    error: { status: 404, statusText: 'Not Found', message: 'The server cannot find the requested resource.' },
  });
});

test('integratorId is the simulator integrator', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const query = await (await client.call('POST', 'queries/immediate', select('SELECT 1'))).json();
  assert.equal(query.integratorId, INTEGRATOR_ID);
});
