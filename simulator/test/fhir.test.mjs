import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceClient, integratorCall, simulator, SITE } from './helpers.mjs';

test('metadata is a CapabilityStatement listing Patient and Practitioner', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const response = await client.call('GET', 'fhir/R4/metadata');
  assert.equal(response.status, 200);
  const statement = await response.json();
  assert.equal(statement.resourceType, 'CapabilityStatement');
  assert.equal(statement.fhirVersion, '4.0.1');
  assert.deepEqual(statement.rest[0].resource.map((resource) => resource.type), ['Patient', 'Practitioner']);
});

test('read a Patient and a Practitioner by id', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const patient = await (await client.call('GET', 'fhir/R4/Patient/2')).json();
  assert.equal(patient.resourceType, 'Patient');
  assert.equal(patient.id, '2');
  assert.deepEqual(patient.name[0], { use: 'official', text: 'Mrs Jane Citizen', family: 'Citizen', given: ['Jane'], prefix: ['Mrs'] });
  assert.equal(patient.birthDate, '1985-11-02');
  assert.equal(patient.gender, 'female');
  assert.equal(patient.identifier[0].value, '2123456702');

  const practitioner = await (await client.call('GET', 'fhir/R4/Practitioner/1')).json();
  assert.equal(practitioner.resourceType, 'Practitioner');
  assert.equal(practitioner.name[0].family, 'Connor');
});

test('search with GET returns a searchset Bundle', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const bundle = await (await client.call('GET', 'fhir/R4/Patient?family=smith&given=John')).json();
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'searchset');
  assert.equal(bundle.total, 2); // Smith and Smithers: string search matches prefixes
  assert.deepEqual(bundle.entry.map((entry) => entry.resource.id), ['1', '8']);

  const exact = await (await client.call('GET', 'fhir/R4/Patient?family:exact=Smith&birthdate=1970-03-14')).json();
  assert.deepEqual(exact.entry.map((entry) => entry.resource.id), ['1']);

  const sorted = await (await client.call('GET', 'fhir/R4/Patient?birthdate=gt2000-01-01&_sort=-birthdate')).json();
  assert.deepEqual(sorted.entry.map((entry) => entry.resource.birthDate), ['2015-04-17', '2001-09-09']);

  const none = await (await client.call('GET', 'fhir/R4/Practitioner?name=nobody')).json();
  assert.equal(none.total, 0);
  assert.deepEqual(none.entry, []);
});

test('search with a form-encoded POST to _search', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const response = await client.call('POST', 'fhir/R4/Patient/_search', 'given=John&birthdate=gt1900-01-01&_sort=birthdate', {
    'Content-Type': 'application/x-www-form-urlencoded',
  });
  assert.equal(response.status, 200);
  const bundle = await response.json();
  assert.deepEqual(bundle.entry.map((entry) => entry.resource.id), ['8', '1']);

  const practitioners = await client.call('POST', 'fhir/R4/Practitioner/_search', 'family=wong', {
    'Content-Type': 'application/x-www-form-urlencoded',
  });
  assert.equal((await practitioners.json()).entry[0].resource.id, '2');
});

test('errors are OperationOutcomes: 404 unknown id or resource, 400 bad parameters', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const missing = await client.call('GET', 'fhir/R4/Patient/999');
  assert.equal(missing.status, 404);
  const outcome = await missing.json();
  assert.equal(outcome.resourceType, 'OperationOutcome');
  assert.equal(outcome.issue[0].severity, 'error');
  assert.equal(outcome.issue[0].code, 'not-found');

  assert.equal((await client.call('GET', 'fhir/R4/Observation?code=8867-4')).status, 404);

  const badParameter = await client.call('GET', 'fhir/R4/Patient?shoeSize=9');
  assert.equal(badParameter.status, 400);
  const badOutcome = await badParameter.json();
  assert.equal(badOutcome.issue[0].severity, 'fatal');
  assert.equal(badOutcome.issue[0].code, 'exception');

  assert.equal((await client.call('GET', 'fhir/R4/Patient?birthdate=yesterday')).status, 400);
  const jsonSearch = await client.call('POST', 'fhir/R4/Patient/_search', { given: 'John' });
  assert.equal(jsonSearch.status, 400);
});

test('FHIR reflects SQL changes and is also served on the Integrator API', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  await client.call('POST', 'queries/immediate', {
    command: { text: "UPDATE Patients SET Surname = 'Citizen-Jones' WHERE InternalID = 2", executionMode: 'nonQuery' },
  });
  const patient = await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/fhir/R4/Patient/2`)).json();
  assert.equal(patient.name[0].family, 'Citizen-Jones');
});

test('a search with _count is paged: next links name a stored result set, never the search parameters', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const all = await (await client.call('GET', 'fhir/R4/Patient?_sort=_id')).json();
  assert.ok(all.total > 4, 'enough patients for three pages');
  assert.deepEqual(all.link.map((link) => link.relation), ['self'], 'no next link without _count');

  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  let bundle = await (await client.call('POST', 'fhir/R4/Patient/_search', 'gender=male,female,unknown&_sort=_id&_count=2', form)).json();
  const ids = [];
  const prefix = `${sim.url}/desktop/sites/${SITE}/fhir/R4/Patient?`;
  for (;;) {
    assert.equal(bundle.total, all.total);
    assert.ok(bundle.entry.length <= 2);
    ids.push(...bundle.entry.map((entry) => entry.resource.id));
    const next = bundle.link.find((link) => link.relation === 'next');
    if (!next) break;
    assert.ok(next.url.startsWith(prefix), next.url);
    assert.doesNotMatch(next.url, /gender|_sort/);
    bundle = await (await client.call('GET', next.url.slice(`${sim.url}/desktop/sites/${SITE}/`.length))).json();
  }
  assert.deepEqual(ids, all.entry.map((entry) => entry.resource.id));

  const unknown = await client.call('GET', 'fhir/R4/Patient?_getpages=nope&_getpagesoffset=2&_count=2');
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).resourceType, 'OperationOutcome');
});
