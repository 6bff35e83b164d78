import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, deviceClient, simulator, SITE, verifySignature as verifiedWith, waitFor, webhookReceiver } from './helpers.mjs';

const SECRET = 'test-secret';
const verifySignature = (delivery) => verifiedWith(delivery, SECRET);
const receiver = (t, statuses) => webhookReceiver(t, { statuses });

test('a successful async query sends one signed webhook to the expanded URL', async (t) => {
  const hooks = await receiver(t);
  const sim = await simulator(t, {
    asyncStepMs: 5,
    webhookUrl: `${hooks.url}/hooks/{source}/{siteId}?query={queryId}`,
    webhookSecret: SECRET,
  });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/async', { command: { text: 'SELECT 1' } })).json();
  // The simulator records an attempt once the receiver has answered, just after the receiver saw it.
  await waitFor(() => sim.webhooks()[0]?.delivered, (delivered) => delivered === true);
  assert.equal(hooks.received.length, 1);

  const [delivery] = hooks.received;
  assert.equal(delivery.url, `/hooks/async/${SITE}?query=${id}`);
  assert.equal(delivery.headers['content-type'], 'application/json');
  assert.match(delivery.headers['x-halo-signature-256'], /^[0-9a-f]{64}$/);
  assert.ok(verifySignature(delivery), 'signature verifies with node:crypto');
  const payload = JSON.parse(delivery.rawBody);
  assert.deepEqual(Object.keys(payload), ['id', 'occurredAt', 'siteId', 'queryId', 'webhookSource']);
  assert.equal(payload.id, delivery.headers['x-halo-id']);
  assert.equal(payload.siteId, SITE);
  assert.equal(payload.queryId, id);
  assert.equal(payload.webhookSource, 'async');
  assert.ok(!Number.isNaN(Date.parse(delivery.headers['x-halo-timestamp'])));
  assert.ok(!Number.isNaN(Date.parse(payload.occurredAt)));

  const { webhooks } = await (await control(sim, 'GET', 'webhooks')).json();
  assert.equal(webhooks.length, 1);
  assert.equal(webhooks[0].delivered, true);
});

test('in retry mode a failed delivery is retried; a registered query notifies with source "registered"', async (t) => {
  const hooks = await receiver(t, [500]);
  const sim = await simulator(t, { webhookUrl: `${hooks.url}/{source}`, webhookSecret: SECRET, webhookDelivery: { mode: 'retry' } });
  const client = await deviceClient(sim);
  const { id } = await (
    await client.call('POST', 'queries/registered', {
      name: 'watch', registeredQueryType: 'query', frequency: 300, duration: 3600,
      registerCommand: { command: { text: 'SELECT COUNT(*) AS n FROM Appointments' } },
    })
  ).json();
  await waitFor(() => sim.webhooks()[0]?.delivered, (delivered) => delivered === true);
  assert.equal(hooks.received.length, 2);
  assert.deepEqual(hooks.received.map((delivery) => delivery.url), ['/registered', '/registered']);
  assert.equal(hooks.received[0].rawBody, hooks.received[1].rawBody, 'same notification, re-sent');
  assert.ok(hooks.received.every(verifySignature));
  assert.equal(JSON.parse(hooks.received[1].rawBody).queryId, id);

  const { webhooks } = await (await control(sim, 'GET', 'webhooks')).json();
  assert.deepEqual(webhooks[0].attempts.map((attempt) => attempt.status), [500, 200]);
});

test('no webhook is sent without a webhook URL', async (t) => {
  const sim = await simulator(t, { asyncStepMs: 5 });
  const client = await deviceClient(sim);
  const { id } = await (await client.call('POST', 'queries/async', { command: { text: 'SELECT 1' } })).json();
  await waitFor(async () => (await (await client.call('GET', `queries/${id}`)).json()).status, (status) => status === 'successful');
  assert.deepEqual(await (await control(sim, 'GET', 'webhooks')).json(), { webhooks: [] });
});
