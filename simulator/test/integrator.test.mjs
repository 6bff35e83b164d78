import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  control,
  deviceClient,
  DUPLICATE_SITE,
  integratorCall,
  KEY,
  requestToken,
  simulator,
  SITE,
  STAGE_SITE,
  ZEDMED_SITE,
} from './helpers.mjs';

const SITE_FIELDS = [
  'id', 'pmsType', 'availability', 'status', 'haloLinkVersion', 'enrichedAt', 'catalogue', 'practiceMetadata', 'name',
  'practiceManagementSiteId', 'practiceManagementName', 'practiceManagementVersion', 'createdAt', 'authoritative',
  'clientTimestampUTC', 'heartbeatTimestampUTC',
];

const findSites = (sim, pmsId, pmsName) =>
  integratorCall(sim, 'GET', `/integrator/sites?${new URLSearchParams({ practiceManagementSiteId: pmsId, practiceManagementName: pmsName })}`);

test('a PMS ID with two sites returns both, flagging the non-authoritative one', async (t) => {
  const sim = await simulator(t);
  const response = await findSites(sim, '12345', 'Best Practice');
  assert.equal(response.status, 200);
  const { sites } = await response.json();
  assert.deepEqual(sites.map((site) => [site.id, site.authoritative]), [[SITE, true], [DUPLICATE_SITE, false]]);
  assert.deepEqual(Object.keys(sites[0]), SITE_FIELDS);
  assert.equal(sites[0].pmsType, 'BestPractice');
  assert.equal(sites[0].practiceManagementName, 'Best Practice');
  assert.equal(sites[0].practiceMetadata.practiceName, 'Halo Clinic North');
  assert.deepEqual(sites[0].catalogue[0], { name: 'BPSPatients', isDefault: true });
});

test('site lookup validation, unknown PMS IDs and the subscription key', async (t) => {
  const sim = await simulator(t);
  assert.deepEqual(await (await findSites(sim, '99999', 'Zedmed')).json(), { sites: [] });
  assert.equal((await findSites(sim, '12345', 'Bp Premier')).status, 400);
  assert.equal((await integratorCall(sim, 'GET', '/integrator/sites?practiceManagementName=Zedmed')).status, 400);
  const noKey = await fetch(`${sim.url}/integrator/sites?practiceManagementSiteId=12345&practiceManagementName=Zedmed`);
  assert.equal(noKey.status, 401);
  assert.equal((await noKey.json()).error.status, 401);
});

test('a stage fake PMS ID (first 8 characters of the Halo GUID) finds its site', async (t) => {
  const sim = await simulator(t);
  const { sites } = await (await findSites(sim, STAGE_SITE.slice(0, 8), 'Best Practice')).json();
  assert.deepEqual(sites.map((site) => site.id), [STAGE_SITE]);
});

test('get a site by Halo GUID', async (t) => {
  const sim = await simulator(t);
  const site = await (await integratorCall(sim, 'GET', `/integrator/sites/${ZEDMED_SITE}`)).json();
  assert.equal(site.pmsType, 'Zedmed');
  assert.equal(site.practiceManagementSiteId, 'ZM-4417');
  assert.equal((await integratorCall(sim, 'GET', '/integrator/sites/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await integratorCall(sim, 'GET', '/integrator/sites/xyz')).status, 400);
});

test('pair-site: Best Practice needs the right pairing code; other PMSs need none', async (t) => {
  const sim = await simulator(t);
  const pair = (parameters) => integratorCall(sim, 'POST', `/integrator/pair-site?${new URLSearchParams(parameters)}`);
  const paired = await pair({ practiceManagementSiteId: '12345', practiceManagementName: 'Best Practice', pairingCode: 'ABC123' });
  assert.equal(paired.status, 200);
  assert.equal((await paired.json()).id, SITE, 'pairs with the authoritative site');
  assert.equal((await pair({ practiceManagementSiteId: '12345', practiceManagementName: 'Best Practice' })).status, 400);
  assert.equal((await pair({ practiceManagementSiteId: '12345', practiceManagementName: 'Best Practice', pairingCode: 'WRONG' })).status, 403);
  assert.equal((await pair({ practiceManagementSiteId: 'ZM-4417', practiceManagementName: 'Zedmed' })).status, 200);
  assert.equal((await pair({ practiceManagementSiteId: 'nope', practiceManagementName: 'D4w' })).status, 404);
});

test('change-guid: the old GUID answers 403, lookup by PMS ID returns the new GUID', async (t) => {
  const sim = await simulator(t);
  const client = await deviceClient(sim);
  const changed = await control(sim, 'POST', `sites/${SITE}/change-guid`, { practiceName: 'Halo Clinic North West' });
  const { oldSiteId, newSiteId } = await changed.json();
  assert.equal(oldSiteId, SITE);
  assert.notEqual(newSiteId, SITE);

  const refused = await client.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' } });
  assert.equal(refused.status, 403);
  const body = await refused.json();
  assert.equal(body.error.status, 403);
  assert.match(body.error.message, /Halo GUID is no longer valid/);
  assert.equal((await requestToken(sim, { siteId: SITE })).status, 403);

  const { sites } = await (await findSites(sim, '12345', 'Best Practice')).json();
  const current = sites.find((site) => site.authoritative);
  assert.equal(current.id, newSiteId);
  assert.equal(current.practiceMetadata.practiceName, 'Halo Clinic North West');

  const renewed = await deviceClient(sim, { siteId: newSiteId });
  assert.equal((await renewed.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' } })).status, 200);
});

test('integrator query endpoints use the subscription key', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const immediate = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/immediate`, { command: { text: 'SELECT 1' } });
  assert.equal(immediate.status, 200);
  const { id } = await immediate.json();
  const batch = await (
    await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/status`, { queryIds: [id, '6f9619ff-8b86-4d11-b42d-00c04fc964ff'] })
  ).json();
  assert.deepEqual(batch.results.map((result) => result.status), ['found', 'notFound']);
  for (const queryIds of [[id, 'not-a-guid'], [42], 'nope']) {
    const refused = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/status`, { queryIds });
    assert.equal(refused.status, 400, JSON.stringify(queryIds));
    const { error } = await refused.json();
    assert.deepEqual([error.status, error.statusText, typeof error.message], [400, 'Bad Request', 'string']);
  }
  const noKey = await fetch(`${sim.url}/integrator/sites/${SITE}/queries/${id}`);
  assert.equal(noKey.status, 401);
  assert.equal((await integratorCall(sim, 'POST', `/integrator/sites/${DUPLICATE_SITE}/queries/immediate`, { command: { text: 'SELECT 1' } })).status, 403);
});

test('the Integrator API refuses the Device API headers, whatever else the request carries', async (t) => {
  const sim = await simulator(t);
  const { token, deviceId } = await deviceClient(sim);
  const send = (path, headers) =>
    fetch(`${sim.url}${path}`, { method: 'GET', headers: { 'Ocp-Apim-Subscription-Key': KEY, ...headers } });
  for (const path of [`/integrator/sites/${SITE}/queries/registered`, `/integrator/sites/${SITE}`]) {
    assert.equal((await send(path, {})).status, 200, path);
    for (const headers of [{ Authorization: `Bearer ${token}` }, { DeviceId: deviceId }, { Authorization: `Bearer ${token}`, DeviceId: deviceId }]) {
      const refused = await send(path, headers);
      assert.equal(refused.status, 400, `${path} ${Object.keys(headers)}`);
      assert.match((await refused.json()).error.message, /Ocp-Apim-Subscription-Key only/);
    }
  }
  // The key is still checked first: without it the answer is the key's 401.
  const noKey = await fetch(`${sim.url}/integrator/sites/${SITE}/queries/registered`, { headers: { DeviceId: deviceId } });
  assert.equal(noKey.status, 401);
});
