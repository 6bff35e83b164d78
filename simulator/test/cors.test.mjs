import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulator, SITE } from './helpers.mjs';

test('OPTIONS preflight answers 204 with the CORS headers on any path', async (t) => {
  const sim = await simulator(t);
  const response = await fetch(`${sim.url}/desktop/sites/${SITE}/queries/immediate`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:8080', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('Access-Control-Allow-Origin'), 'http://localhost:8080');
  assert.equal(response.headers.get('Access-Control-Allow-Methods'), 'GET, POST, DELETE, OPTIONS');
  assert.equal(response.headers.get('Access-Control-Allow-Headers'), 'Authorization, DeviceId, Content-Type, Ocp-Apim-Subscription-Key');
  assert.equal(response.headers.get('Access-Control-Expose-Headers'), 'Retry-After, Size, Rows-Count, Rows-Range-Start, Rows-Range-End');
  assert.equal(response.headers.get('Access-Control-Max-Age'), '600');
});

test('every response, including errors, carries Allow-Origin and Expose-Headers', async (t) => {
  const sim = await simulator(t);
  const withoutOrigin = await fetch(`${sim.url}/desktop/sites/${SITE}/queries/registered`);
  assert.equal(withoutOrigin.status, 401);
  assert.equal(withoutOrigin.headers.get('Access-Control-Allow-Origin'), '*');
  assert.match(withoutOrigin.headers.get('Access-Control-Expose-Headers'), /Rows-Range-End/);
  const unknown = await fetch(`${sim.url}/nowhere`, { headers: { Origin: 'https://app.example' } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('Access-Control-Allow-Origin'), 'https://app.example');
});
