// The simulator never hangs or crashes a user's CI (issue 20): a throwing log sink, refused webhook
// URLs and options, and a control API that browsers on other origins cannot drive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../index.mjs';
import { deviceClient, integratorCall, simulator, SITE, waitFor, webhookReceiver } from './helpers.mjs';

test('a log sink that throws or rejects loses its lines; requests, timers and webhooks carry on', async (t) => {
  const hooks = await webhookReceiver(t, { statuses: [500] });
  let calls = 0;
  const sim = await simulator(t, {
    verbose: true,
    asyncStepMs: 5,
    webhookUrl: hooks.url,
    webhookDelivery: { mode: 'retry' },
    log: (line) => {
      calls++;
      if (calls % 2 === 0) return Promise.reject(new Error(`async sink refused ${line}`));
      throw new Error(`sink refused ${line}`);
    },
  });
  const device = await deviceClient(sim);
  assert.equal((await device.call('POST', 'queries/immediate', { command: { text: 'SELECT 1' } })).status, 200);
  await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/async`, { command: { text: 'SELECT 1' } });
  await waitFor(() => sim.webhooks()[0]?.delivered, (delivered) => delivered === true, { timeoutMs: 5000 });
  assert.deepEqual(sim.webhooks()[0].attempts.map((attempt) => attempt.status), [500, 200], 'the retry timer survived the sink');
  assert.ok(calls >= 4, `the sink was called (${calls})`);
});

test('webhook URLs other than http(s) are refused at start, by position, without echoing the URL', async () => {
  const refused = [
    [{ webhookUrl: 'file:///etc/passwd' }, /Option webhookUrl must be an http: or https: URL, not file:\.$/],
    [{ webhookUrl: ['http://127.0.0.1:1/{queryId}', 'javascript:alert(1)'] }, /Option webhookUrl\[1\] must be an http: or https: URL, not javascript:\.$/],
    [{ webhookUrl: 'not a url' }, /Option webhookUrl is not a URL template/],
    [{ webhookUrl: [] }, /Option webhookUrl must be a URL template or a non-empty array/],
    [{ webhookUrl: 42 }, /Option webhookUrl must be a string/],
  ];
  for (const [options, message] of refused) await assert.rejects(startSimulator(options), message, JSON.stringify(options));
  await assert.rejects(startSimulator({ webhookUrl: 'ftp://user:hunter2@example.com/' }), (error) => !error.message.includes('hunter2'));
});

test('bad options are refused by name', async () => {
  const refused = [
    [{ prot: 4010 }, /Unknown option prot \(known: port, /],
    [{ webhookDelivery: { drop: -0.1 } }, /Option webhookDelivery\.drop must be a number from 0 to 1/],
    [{ webhookDelivery: 'once' }, /Option webhookDelivery must be an object/],
    [{ webhookDelivery: { retries: 3 } }, /Option webhookDelivery\.retries is not a delivery setting/],
    [{ webhookSecret: '' }, /Option webhookSecret must be a non-empty string/],
    [{ clockOffsetMs: '5s' }, /Option clockOffsetMs must be an integer/],
    [{ retryAfterSeconds: -1 }, /Option retryAfterSeconds must be a non-negative integer/],
    [{ log: 'stderr' }, /Option log must be a function/],
    [{ subscriptionKey: 42 }, /Option subscriptionKey must be a non-empty string/],
    [{ verbose: 'yes' }, /Option verbose must be a boolean/],
    [{ controlOrigins: 'anyone' }, /Option controlOrigins must be "loopback", "self" or an array of origins/],
    [{ controlOrigins: ['http://example.com/path'] }, /Option controlOrigins\[0\] must be exactly an origin, e\.g\. http:\/\/example\.com/],
  ];
  for (const [options, message] of refused) await assert.rejects(startSimulator(options), message, JSON.stringify(options));
  await assert.rejects(startSimulator(null), /Simulator options must be an object/);
});

/** A control call as a browser page on `origin` would make it. */
const fromOrigin = (sim, path, origin, init = {}) =>
  fetch(`${sim.url}/_control/${path}`, { ...init, headers: { ...init.headers, ...(origin === undefined ? {} : { Origin: origin }) } });

test('the control API refuses other browser origins, preflight and real request alike, before acting', async (t) => {
  const sim = await simulator(t);
  sim.fault({ path: 'queries/immediate', status: 503 });
  for (const origin of ['https://evil.example', 'null', 'http://192.168.1.20:4010', 'chrome-extension://abc']) {
    const preflight = await fromOrigin(sim, 'reset', origin, { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 403, origin);
    assert.equal(preflight.headers.get('Access-Control-Allow-Origin'), null, 'no CORS grant');
    const reset = await fromOrigin(sim, 'reset', origin, { method: 'POST' });
    assert.equal(reset.status, 403, origin);
    assert.match((await reset.json()).error.message, /does not accept calls from this browser origin/);
    assert.equal((await fromOrigin(sim, 'stats', origin)).status, 403, 'reads too');
  }
  // A no-cors request without Origin that the browser marks cross-site.
  assert.equal((await fromOrigin(sim, 'reset', undefined, { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' } })).status, 403);
  assert.equal(sim.faults().length, 1, 'no refused reset acted');

  // The public API stays readable cross-origin: browsers run the device client.
  const site = await fetch(`${sim.url}/integrator/sites/${SITE}`, { headers: { Origin: 'https://app.example', 'Ocp-Apim-Subscription-Key': sim.subscriptionKey } });
  assert.equal(site.status, 200);
  assert.equal(site.headers.get('Access-Control-Allow-Origin'), 'https://app.example');
});

test('own and (by default) loopback origins may drive it; "self" and a list narrow that', async (t) => {
  const sim = await simulator(t);
  assert.equal((await fromOrigin(sim, 'stats', sim.url)).status, 200, 'its own origin');
  assert.equal((await fromOrigin(sim, 'stats', 'http://127.0.0.1:1')).status, 200, 'a test page on another local port');
  assert.equal((await fromOrigin(sim, 'stats', 'http://localhost:5173')).status, 200);
  assert.equal((await fromOrigin(sim, 'stats', undefined)).status, 200, 'a non-browser client');

  const strict = await simulator(t, { controlOrigins: 'self' });
  assert.equal((await fromOrigin(strict, 'stats', strict.url)).status, 200);
  assert.equal((await fromOrigin(strict, 'stats', 'http://127.0.0.1:1')).status, 403);

  const listed = await simulator(t, { controlOrigins: ['https://ci.example'] });
  assert.equal((await fromOrigin(listed, 'stats', 'https://ci.example')).status, 200);
  assert.equal((await fromOrigin(listed, 'stats', 'http://localhost:5173')).status, 403);
});
