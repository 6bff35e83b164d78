// Seeding: extra sites and tables by option and by --seed file; the default seed is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEEDED_SITES, startSimulator } from '../index.mjs';
import { decodeData, deviceClient, integratorCall, SITE, simulator, ZEDMED_SITE } from './helpers.mjs';

const CLINIC = {
  id: '0b6f8e1c-3a5d-4e7f-9a1b-2c3d4e5f6a7b',
  pmsType: 'BestPractice',
  pmsId: 'BP-777',
  practiceName: 'Seeded Test Clinic',
  pairingCode: 'SEED77',
};
const REFERRALS = {
  columns: [['ReferralID', 'int'], ['InternalID', 'int'], ['Specialist', 'string'], ['Fee', 'decimal'], ['Sent', 'date'], ['Seen', 'datetime']],
  rows: [
    [1, 2, 'Dermatology', 120.5, '2026-02-01', '2026-02-20T10:30:00'],
    [2, 5, 'Cardiology', 210, '2026-03-04', null],
  ],
};

const select = (client, text) => client.call('POST', 'queries/immediate', { command: { text } }).then(async (response) => {
  const body = await response.json();
  return response.status === 200 ? decodeData(body.result.data) : body;
});

test('an extra table is in every site database, typed, and can be changed per site; reset restores it', async (t) => {
  const sim = await simulator(t, { sites: [CLINIC], tables: { Referrals: REFERRALS } });
  const bp = await deviceClient(sim);
  const seeded = await deviceClient(sim, { siteId: CLINIC.id });
  const zedmed = await deviceClient(sim, { siteId: ZEDMED_SITE });
  const query = "SELECT Specialist, Fee, Sent, Seen FROM referrals WHERE Sent >= '2026-03-01'";
  const expected = [{ Specialist: 'Cardiology', Fee: 210, Sent: '2026-03-04', Seen: null }];
  for (const client of [bp, seeded, zedmed]) assert.deepEqual(await select(client, query), expected);
  await bp.call('POST', 'queries/immediate', { command: { text: 'DELETE FROM Referrals', executionMode: 'nonQuery' } });
  assert.deepEqual(await select(bp, 'SELECT COUNT(*) AS N FROM Referrals'), [{ N: 0 }]);
  assert.deepEqual(await select(seeded, 'SELECT COUNT(*) AS N FROM Referrals'), [{ N: 2 }], 'each site has its own copy');
  await bp.call('POST', 'queries/immediate', { command: { text: "INSERT INTO Referrals (InternalID, Specialist) VALUES (1, 'ENT')", executionMode: 'nonQuery' } });
  assert.deepEqual(await select(bp, 'SELECT ReferralID FROM Referrals'), [{ ReferralID: 1 }], 'the first column is the key');
  sim.reset();
  const again = await deviceClient(sim);
  assert.deepEqual(await select(again, 'SELECT COUNT(*) AS N FROM Referrals'), [{ N: 2 }]);
  assert.deepEqual(await select(again, 'SELECT COUNT(*) AS N FROM Patients'), [{ N: 8 }], 'the seeded tables are still there');
});

test('an extra site is found by PMS ID, pairs with its code, and takes tokens and queries', async (t) => {
  const sim = await simulator(t, { sites: [CLINIC, { ...CLINIC, id: '0b6f8e1c-3a5d-4e7f-9a1b-2c3d4e5f6a7c', authoritative: false }] });
  const found = await (await integratorCall(sim, 'GET', '/integrator/sites?practiceManagementSiteId=BP-777&practiceManagementName=Best%20Practice')).json();
  assert.deepEqual(found.sites.map((site) => [site.id, site.authoritative, site.name, site.practiceManagementVersion]), [
    [CLINIC.id, true, 'Seeded Test Clinic', '1.0.0'],
    ['0b6f8e1c-3a5d-4e7f-9a1b-2c3d4e5f6a7c', false, 'Seeded Test Clinic', '1.0.0'],
  ]);
  const paired = await integratorCall(sim, 'POST', '/integrator/pair-site?practiceManagementSiteId=BP-777&practiceManagementName=Best%20Practice&pairingCode=SEED77');
  assert.equal((await paired.json()).id, CLINIC.id);
  const client = await deviceClient(sim, { siteId: CLINIC.id });
  assert.deepEqual(await select(client, 'SELECT COUNT(*) AS N FROM Patients'), [{ N: 8 }]);
});

test('the default seed is unchanged when nothing is seeded', async (t) => {
  const sim = await simulator(t);
  assert.equal(SEEDED_SITES.length, 6);
  assert.equal(sim.state.sites.all().length, 6);
  assert.deepEqual([...sim.state.sites.byId(SITE).database.keys()], ['patients', 'practitioners', 'appointments', 'observations']);
});

test('bad seeds are refused at start with an error naming the field', async () => {
  const refused = async (options, pattern) => assert.rejects(startSimulator(options), pattern);
  const table = (spec) => ({ tables: { Extra: spec } });
  await refused({ sites: {} }, /^SeedError: Seed sites: must be an array, got {}/);
  await refused({ sites: [{ ...CLINIC, id: 'x' }] }, /Seed sites\[0\]\.id: must be a GUID/);
  await refused({ sites: [{ ...CLINIC, id: SITE }] }, /sites\[0\]\.id: .* is already a site/);
  await refused({ sites: [{ ...CLINIC, pmsType: 'Best Practice' }] }, /sites\[0\]\.pmsType: must be one of BestPractice, Zedmed, D4w/);
  await refused({ sites: [{ ...CLINIC, pairingCode: undefined }] }, /sites\[0\]\.pairingCode: is required for BestPractice/);
  await refused({ sites: [{ ...CLINIC, pmsId: '12345' }] }, /sites\[0\]: another authoritative BestPractice site has PMS ID 12345/);
  await refused({ sites: [{ ...CLINIC, colour: 'red' }] }, /sites\[0\]: unknown field colour/);
  await refused({ sites: [{ ...CLINIC, authoritative: 'yes' }] }, /sites\[0\]\.authoritative: must be a boolean/);
  await refused({ tables: [] }, /Seed tables: must be an object/);
  await refused({ tables: { patients: REFERRALS } }, /tables\.patients: patients is already a table/);
  await refused({ tables: { 'Bad Name': REFERRALS } }, /tables\.Bad Name: the table name must match/);
  await refused(table({ columns: [] }), /tables\.Extra\.columns: must be a non-empty array/);
  await refused(table({ columns: [['Id', 'bigint']] }), /tables\.Extra\.columns\[0\]: type must be one of int, decimal, string, date, datetime, got "bigint"/);
  await refused(table({ columns: [['Id', 'int'], ['id', 'string']] }), /columns\[1\]: duplicate column id/);
  await refused(table({ columns: [['Id', 'int']], rows: [[1, 2]] }), /rows\[0\]: must be an array of 1 values/);
  await refused(table({ columns: [['Id', 'int']], rows: [[1.5]] }), /rows\[0\]\[0\]: Id must be an integer, got 1\.5/);
  await refused(table({ columns: [['Id', 'int']], rows: [[null]] }), /rows\[0\]\[0\]: Id must be an integer, got null/);
  await refused(table({ columns: [['Id', 'int']], rows: [[1], [1]] }), /rows\[1\]\[0\]: duplicate primary key 1/);
  await refused(table({ columns: [['Id', 'int'], ['D', 'date']], rows: [[1, '2026-02-30']] }), /rows\[0\]\[1\]: D must be a 'YYYY-MM-DD' date or null/);
  await refused(table({ columns: [['Id', 'int'], ['T', 'datetime']], rows: [[1, '2026-02-03 10:00']] }), /rows\[0\]\[1\]: T must be a 'YYYY-MM-DDTHH:MM:SS' datetime/);
  await refused(table({ columns: [['Id', 'int'], ['V', 'decimal']], rows: [[1, '3.5']] }), /V must be a finite number or null, got "3\.5"/);
  await refused(table({ columns: [['Id', 'int']], rows: [[1]], indexes: [] }), /tables\.Extra: unknown field indexes/);
});

test('--seed loads sites and tables from a JSON file; a bad file exits 2 with the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'halo-sim-seed-'));
  const seedFile = join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify({ sites: [CLINIC], tables: { Referrals: REFERRALS } }));
  const cli = fileURLToPath(new URL('../bin/halo-sim.mjs', import.meta.url));
  const child = spawn(process.execPath, [cli, '--port', '0', '--seed', seedFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const [line] = await once(child.stdout.setEncoding('utf8'), 'data');
  const url = /listening on (\S+)/.exec(line)[1];
  const client = await deviceClient({ url }, { siteId: CLINIC.id });
  assert.deepEqual(await select(client, 'SELECT Specialist FROM Referrals WHERE ReferralID = 1'), [{ Specialist: 'Dermatology' }]);

  writeFileSync(seedFile, JSON.stringify({ sites: [CLINIC], table: {} }));
  const bad = spawn(process.execPath, [cli, '--port', '0', '--seed', seedFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  bad.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const [code] = await once(bad, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /unknown field table \(allowed: sites, tables\)/);
});
