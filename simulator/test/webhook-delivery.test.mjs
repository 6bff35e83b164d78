// Webhook delivery modes and faults (issue 21): once/retry, drop, duplicate, delay, reorder, early,
// round-robin over several receivers, the counters, and configureWebhooks after start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { startSimulator } from '../index.mjs';
import { control, delay, integratorCall, simulator, SITE, verifySignature, waitFor, webhookReceiver } from './helpers.mjs';

const SECRET = 'delivery-test-secret';
const selectOne = { command: { text: 'SELECT 1 AS one' } };

/** Starts `count` async queries at once on the Integrator API → their ids. */
async function startQueries(sim, count) {
  const responses = await Promise.all(Array.from({ length: count }, () => integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/async`, selectOne)));
  return Promise.all(responses.map(async (response) => (await response.json()).id));
}

/** Waits until `notifications` were made and each was dropped or had every copy sent and answered. */
const settledStats = (sim, notifications) =>
  waitFor(
    () => sim.stats().webhooks,
    (counters) =>
      counters.notifications === notifications &&
      counters.sent === counters.notifications - counters.dropped + counters.duplicated &&
      counters.delivered + counters.failed === counters.sent,
  );

const idOf = (received) => JSON.parse(received.rawBody).id;

test('once (the default): a failed notification gets exactly one attempt and counts as failed', async (t) => {
  const hooks = await webhookReceiver(t, { statuses: [500, 500] });
  const sim = await simulator(t, { asyncStepMs: 5, webhookUrl: hooks.url, webhookSecret: SECRET });
  await startQueries(sim, 1);
  const counters = await settledStats(sim, 1);
  await delay(800); // past every retry delay (100 + 200 + 400 ms): nothing more may arrive
  assert.equal(hooks.received.length, 1);
  assert.deepEqual(counters, { notifications: 1, sent: 1, dropped: 0, duplicated: 0, delivered: 0, failed: 1 });
  const [delivery] = sim.webhooks();
  assert.equal(delivery.delivered, false);
  assert.deepEqual(delivery.attempts.map((attempt) => attempt.status), [500]);
  assert.equal(sim.configureWebhooks({}).delivery.mode, 'once');
});

test('drop and duplicate follow the seed: the same fates after reset, every duplicate the same notification re-signed', async (t) => {
  const hooks = await webhookReceiver(t);
  const sim = await simulator(t, {
    asyncStepMs: 5,
    webhookUrl: `${hooks.url}/{queryId}`,
    webhookSecret: SECRET,
    webhookDelivery: { drop: 0.3, duplicate: 0.25, seed: 42 },
  });
  const run = async () => {
    await startQueries(sim, 24);
    const counters = await settledStats(sim, 24);
    return { counters, deliveries: sim.webhooks(), received: hooks.received.splice(0) };
  };
  const first = await run();
  const { counters, deliveries, received } = first;
  assert.ok(counters.dropped > 0 && counters.duplicated > 0, JSON.stringify(counters));
  assert.equal(counters.notifications, deliveries.length);
  assert.equal(counters.dropped, deliveries.filter((d) => d.dropped).length);
  assert.equal(counters.duplicated, deliveries.filter((d) => d.duplicated).length);
  assert.equal(counters.sent, counters.notifications - counters.dropped + counters.duplicated);
  assert.equal(counters.delivered, counters.sent);
  assert.equal(received.length, counters.sent, 'every copy sent arrived');

  for (const delivery of deliveries) {
    const copies = received.filter((entry) => idOf(entry) === delivery.id);
    assert.equal(copies.length, delivery.dropped ? 0 : delivery.duplicated ? 2 : 1, JSON.stringify(delivery));
    for (const copy of copies) {
      assert.equal(copy.rawBody, delivery.body, 'the same body each time');
      assert.equal(copy.headers['x-halo-id'], delivery.id);
      assert.ok(verifySignature(copy, SECRET), 'each copy is signed for its own timestamp');
      assert.equal(copy.url, `/${JSON.parse(delivery.body).queryId}`);
    }
    assert.equal(delivery.url, delivery.dropped ? null : hooks.url + copies[0].url);
  }
  // The n-th notification's fate depends only on the seed and n.
  const fates = (list) => list.map((d) => `${d.dropped ? 'D' : '-'}${d.duplicated ? '2' : '1'}`).join('');
  sim.reset();
  const second = await run();
  assert.equal(fates(second.deliveries), fates(first.deliveries));
  assert.deepEqual(second.counters, first.counters);

  sim.reset();
  sim.configureWebhooks({ delivery: { drop: 0.3, duplicate: 0.25, seed: 43 } });
  assert.notEqual(fates((await run()).deliveries), fates(first.deliveries), 'another seed, other fates');
});

test('several URLs: successive notifications go round-robin', async (t) => {
  const [a, b] = await Promise.all([webhookReceiver(t), webhookReceiver(t)]);
  const sim = await simulator(t, { asyncStepMs: 5, webhookUrl: [`${a.url}/a/{queryId}`, `${b.url}/b/{queryId}`], webhookSecret: SECRET });
  for (let i = 0; i < 4; i++) {
    await startQueries(sim, 1);
    await settledStats(sim, i + 1);
  }
  assert.deepEqual(
    sim.webhooks().map((delivery) => new URL(delivery.url).pathname.split('/')[1]),
    ['a', 'b', 'a', 'b'],
  );
  assert.equal(a.received.length, 2);
  assert.equal(b.received.length, 2);
});

test('delayMs holds each notification back at least that long after the result is readable', async (t) => {
  const hooks = await webhookReceiver(t);
  const sim = await simulator(t, { asyncStepMs: 5, webhookUrl: hooks.url, webhookSecret: SECRET, webhookDelivery: { delayMs: [200, 300] } });
  const [id] = await startQueries(sim, 1);
  const completed = await waitFor(
    async () => (await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${id}`)).json()).completedAt,
    (completedAt) => completedAt !== undefined,
  );
  await settledStats(sim, 1);
  assert.equal(hooks.received.length, 1);
  assert.ok(hooks.received[0].at - Date.parse(completed) >= 190, `${hooks.received[0].at - Date.parse(completed)} ms`);
});

test('reorder: notifications made close together are sent out of their order', async (t) => {
  const hooks = await webhookReceiver(t);
  const sim = await simulator(t, {
    asyncStepMs: 5,
    webhookUrl: hooks.url,
    webhookSecret: SECRET,
    webhookDelivery: { reorder: true, reorderWindowMs: 400 },
  });
  await startQueries(sim, 4);
  await settledStats(sim, 4);
  const made = sim.webhooks().map((delivery) => delivery.id);
  assert.equal(hooks.received.length, 4);
  assert.deepEqual(new Set(hooks.received.map(idOf)), new Set(made));
  assert.notDeepEqual(hooks.received.map(idOf), made, 'the receiver saw another order than the one they were made in');
});

test('early: the notification arrives while the query and its page still answer as not finished', async (t) => {
  let sim;
  const seenAtArrival = [];
  const hooks = await webhookReceiver(t, {
    // Inside the request, before answering: what a receiver that fetches at once sees.
    async onRequest(entry) {
      const { queryId, webhookSource } = JSON.parse(entry.rawBody);
      if (webhookSource === 'async') {
        const query = await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${queryId}`)).json();
        const page = await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${queryId}/results/1`);
        seenAtArrival.push({ status: query.status, page: page.status });
      } else {
        const result = await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${queryId}/results`);
        const registered = await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${queryId}`)).json();
        seenAtArrival.push({ registered: result.status, lastHash: registered.lastHash });
      }
    },
  });
  sim = await simulator(t, { asyncStepMs: 5, webhookUrl: hooks.url, webhookSecret: SECRET, webhookDelivery: { early: 1, earlyByMs: 150 } });
  const [id] = await startQueries(sim, 1);
  await settledStats(sim, 1);
  assert.deepEqual(seenAtArrival, [{ status: 'uploading', page: 404 }]);
  assert.equal(sim.webhooks()[0].early, true);
  const finished = await waitFor(
    async () => (await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${id}`)).json()).status,
    (status) => status === 'successful',
  );
  assert.equal(finished, 'successful');
  assert.equal((await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/${id}/results/1`)).status, 200);

  const created = await integratorCall(sim, 'POST', `/integrator/sites/${SITE}/queries/registered`, {
    name: 'early', registeredQueryType: 'query', frequency: 300, duration: 3600, registerCommand: selectOne,
  });
  const { id: registeredId } = await created.json();
  await settledStats(sim, 2);
  assert.deepEqual(seenAtArrival[1], { registered: 404, lastHash: undefined }, 'no result (nor its hash) yet when the registered run was notified');
  await waitFor(
    async () => (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${registeredId}/results`)).status,
    (status) => status === 200,
  );
  const published = await (await integratorCall(sim, 'GET', `/integrator/sites/${SITE}/queries/registered/${registeredId}`)).json();
  assert.match(published.lastHash, /^[A-Za-z0-9+/]{43}=$/, 'published with its result');
});

test('configureWebhooks after start: URL, secret and delivery; the same over /_control/webhooks/config', async (t) => {
  const hooks = await webhookReceiver(t, { statuses: [503] });
  const sim = await simulator(t, { asyncStepMs: 5 });
  await startQueries(sim, 1);
  await delay(100);
  assert.deepEqual(sim.webhooks(), [], 'no URL yet: nothing sent');

  const configured = sim.configureWebhooks({ url: `${hooks.url}/late/{source}`, secret: SECRET, delivery: { mode: 'retry' } });
  assert.deepEqual(configured.urls, [`${hooks.url}/late/{source}`]);
  assert.equal(configured.delivery.mode, 'retry');
  assert.ok(!JSON.stringify(configured).includes(SECRET), 'the secret is not echoed');
  await startQueries(sim, 1);
  await waitFor(() => sim.webhooks()[0]?.delivered, (delivered) => delivered === true);
  assert.equal(hooks.received.length, 2);
  assert.ok(hooks.received.every((entry) => entry.url === '/late/async' && verifySignature(entry, SECRET)));
  assert.deepEqual(sim.webhooks()[0].attempts.map((attempt) => attempt.status), [503, 200], 'retried in retry mode');

  const answer = await control(sim, 'POST', 'webhooks/config', { url: [hooks.url, `${hooks.url}/second`], delivery: { duplicate: 1 } });
  assert.equal(answer.status, 200);
  assert.deepEqual((await answer.json()).delivery.duplicate, 1);
  await startQueries(sim, 1);
  await settledStats(sim, 2);
  assert.deepEqual(hooks.received.slice(2).map((entry) => entry.url), ['/', '/second'], 'the two copies went round-robin');
  assert.equal(sim.stats().webhooks.duplicated, 1);
  assert.deepEqual((await (await control(sim, 'GET', 'stats')).json()).webhooks, sim.stats().webhooks);

  sim.configureWebhooks({ url: null });
  await startQueries(sim, 1);
  await delay(100);
  assert.equal(sim.stats().webhooks.notifications, 2, 'webhooks off again');
});

test('bad webhook settings are refused by name, before anything changes', async (t) => {
  const sim = await simulator(t);
  const refusals = [
    [{ url: 'ftp://example.com/{queryId}' }, /url must be an http: or https: URL/],
    [{ url: [] }, /url must be a URL template or a non-empty array/],
    [{ url: ['http://ok', 7] }, /url\[1\] must be a string/],
    [{ delivery: { drop: 2 } }, /delivery\.drop must be a number from 0 to 1/],
    [{ delivery: { mode: 'twice' } }, /delivery\.mode must be "once" or "retry"/],
    [{ delivery: { delayMs: [300, 100] } }, /delivery\.delayMs must be/],
    [{ delivery: { reorder: 'yes' } }, /delivery\.reorder must be a boolean/],
    [{ delivery: { dorp: 0.1 } }, /delivery\.dorp is not a delivery setting/],
    [{ secret: '' }, /secret must be a non-empty string/],
    [{ urls: 'http://x' }, /urls is not a webhook setting/],
  ];
  for (const [change, message] of refusals) {
    assert.throws(() => sim.configureWebhooks(change), (error) => error.name === 'SimulatorError' && error.status === 400 && message.test(error.message), JSON.stringify(change));
    const answer = await control(sim, 'POST', 'webhooks/config', change);
    assert.equal(answer.status, 400);
    assert.match((await answer.json()).error.message, message);
  }
  assert.deepEqual(sim.configureWebhooks({}), { urls: [], delivery: { mode: 'once', drop: 0, duplicate: 0, delayMs: 0, reorder: false, reorderWindowMs: 50, early: 0, earlyByMs: 250, seed: 1 } });
});

test('close() ends a webhook request a receiver never answers, instead of waiting out its 5 s timeout', async (t) => {
  const hung = http.createServer(() => {}); // reads the request, never answers
  await new Promise((resolve) => hung.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    hung.closeAllConnections();
    return new Promise((resolve) => hung.close(resolve));
  });
  const arrived = once(hung, 'request');
  const sim = await startSimulator({ asyncStepMs: 5, webhookUrl: `http://127.0.0.1:${hung.address().port}/` });
  await startQueries(sim, 1);
  const [request] = await arrived;
  const closedByPeer = once(request.socket, 'close');
  await sim.close();
  await closedByPeer;
  // Ended by close, not by the attempt's own timeout ("timed out").
  const [attempt] = (await waitFor(() => sim.webhooks()[0].attempts, (attempts) => attempts.length === 1)) ?? [];
  assert.equal(attempt.error, 'simulator closed');
  assert.equal(sim.stats().webhooks.failed, 1);
});

test('a notification keeps the configuration it was made with: reconfiguring mid-delay or mid-pen loses nothing', async (t) => {
  const [before, after] = await Promise.all([webhookReceiver(t), webhookReceiver(t)]);
  const sim = await simulator(t, { asyncStepMs: 5, webhookUrl: before.url, webhookSecret: SECRET, webhookDelivery: { delayMs: 300 } });
  await startQueries(sim, 1);
  await waitFor(() => sim.stats().webhooks.notifications, (count) => count === 1);
  sim.configureWebhooks({ url: null }); // while the copy waits its 300 ms
  await waitFor(() => sim.webhooks()[0].delivered, (delivered) => delivered === true);
  assert.equal(before.received.length, 1, 'sent where and as it was made');

  sim.configureWebhooks({ url: after.url, delivery: { reorder: true, reorderWindowMs: 300 } });
  await startQueries(sim, 2);
  await waitFor(() => sim.stats().webhooks.notifications, (count) => count === 3);
  sim.configureWebhooks({ delivery: {} }); // a new run of choices while two notifications are penned
  await settledStats(sim, 3);
  assert.equal(after.received.length, 2, 'the penned notifications were still sent');
  assert.ok(after.received.every((entry) => verifySignature(entry, SECRET)));
});
