import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, DUPLICATE_SITE, KEY, requestToken, simulator, SITE } from './helpers.mjs';

test('issues a bearer token for a known site', async (t) => {
  const sim = await simulator(t, { tokenLifetime: 120 });
  const response = await requestToken(sim);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 120);
  assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('accepts the older device-token grant type', async (t) => {
  const sim = await simulator(t);
  const response = await requestToken(sim, { grantType: 'urn:halo-connect:oauth:device-token' });
  assert.equal(response.status, 200);
});

test('rejects a wrong or missing subscription key with 401 and the error envelope', async (t) => {
  const sim = await simulator(t);
  const wrong = await requestToken(sim, { key: 'nope' });
  assert.equal(wrong.status, 401);
  const body = await wrong.json();
  assert.equal(body.error.status, 401);
  assert.equal(body.error.statusText, 'Unauthorized');
  assert.match(body.error.message, /^Access denied due to invalid subscription key\./);

  const missing = await fetch(`${sim.url}/integrator/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=x&device_id=d&site_id=${SITE}`,
  });
  assert.equal(missing.status, 401);
  assert.match((await missing.json()).error.message, /missing subscription key/);
});

test('rejects a JSON body with 415', async (t) => {
  const sim = await simulator(t);
  const response = await fetch(`${sim.url}/integrator/token`, {
    method: 'POST',
    headers: { 'Ocp-Apim-Subscription-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'urn:halo-connect:oauth:desktop-token', device_id: 'd', site_id: SITE }),
  });
  assert.equal(response.status, 415);
  assert.equal((await response.json()).error.status, 415);
});

test('400 for a missing field or an unknown grant type; 404 unknown site; 403 non-authoritative', async (t) => {
  const sim = await simulator(t);
  const missing = await fetch(`${sim.url}/integrator/token`, {
    method: 'POST',
    headers: { 'Ocp-Apim-Subscription-Key': KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:halo-connect:oauth:desktop-token', site_id: SITE }),
  });
  assert.equal(missing.status, 400);
  assert.match((await missing.json()).error.message, /device_id/);

  assert.equal((await requestToken(sim, { grantType: 'client_credentials' })).status, 400);
  assert.equal((await requestToken(sim, { siteId: '00000000-0000-4000-8000-000000000000' })).status, 404);
  assert.equal((await requestToken(sim, { siteId: DUPLICATE_SITE })).status, 403);
});

test('counts token requests per device', async (t) => {
  const sim = await simulator(t);
  await requestToken(sim, { deviceId: 'a' });
  await requestToken(sim, { deviceId: 'a' });
  await requestToken(sim, { deviceId: 'b', key: 'wrong' });
  const stats = await (await control(sim, 'GET', 'stats')).json();
  assert.equal(stats.tokenRequests, 3);
  assert.deepEqual(stats.tokenRequestsByDevice, { a: 2, b: 1 });
  assert.equal(stats.requests['POST /integrator/token'], 3);
});
