// `tokenSharing` where there are no Web Locks (Node 20, older browsers):
// clients in separate contexts (worker threads, each with its own copy of
// the package) elect one renewer over the BroadcastChannel itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { HaloDeviceClient } from "halo-device";
import { withSimulator } from "../support/simulator.mjs";
import { control, DEVICE_ID, SITE_ID, sleep, tokenIssuer } from "../scenarios/support.mjs";

const TABS = 3;
// 900 sockets at once would overflow the in-process server's accept queue; a
// browser opens at most 6 per origin, Node's fetch as many as it is asked.
const CALLS_PER_TAB = 150;

/** Starts a worker "tab" with a sharing client; `ask(type, args)` runs a handler in it. */
async function openTab(baseUrl, options = {}) {
  const worker = new Worker(new URL("../support/token-sharing-worker.mjs", import.meta.url), { workerData: { baseUrl, ...options } });
  const pending = new Map();
  let next = 0;
  const tab = { worker, renewing: 0 };
  worker.on("message", (message) => {
    if (message.type === "getToken") tab.renewing += 1;
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  tab.ask = (type, args = {}) => {
    const id = ++next;
    worker.postMessage({ id, type, ...args });
    return new Promise((resolve) => pending.set(id, resolve));
  };
  await once(worker, "message");
  return tab;
}

/** `first` goes to the first tab only, `every` to all of them. */
async function openTabs(baseUrl, count, first = {}, every = {}) {
  const tabs = [];
  for (let index = 0; index < count; index++) tabs.push(await openTab(baseUrl, index === 0 ? { ...every, ...first } : every));
  return tabs;
}

const closeAll = (tabs) => Promise.all(tabs.map((tab) => tab.worker.terminate()));
const runEverywhere = (tabs, calls) => Promise.all(tabs.map((tab) => tab.ask("run", { calls })));
const getTokenCalls = async (tabs) => (await Promise.all(tabs.map((tab) => tab.ask("calls")))).reduce((a, b) => a + b, 0);

test(`${TABS} contexts × ${CALLS_PER_TAB} concurrent calls on a refused token, no Web Locks: one getToken between them`, () =>
  withSimulator({}, async (simulator) => {
    assert.equal(globalThis.navigator?.locks, undefined, "this runtime has no Web Locks");
    const tabs = await openTabs(simulator.url, TABS);
    try {
      // The first tab fetches the token; the others adopt it.
      for (const tab of tabs) assert.deepEqual(await tab.ask("run", { calls: 1 }), []);
      assert.equal(await getTokenCalls(tabs), 1);

      for (let round = 2; round <= 4; round++) {
        // Halo stops accepting it: every tab's calls meet 401 at once.
        await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
        assert.deepEqual((await runEverywhere(tabs, CALLS_PER_TAB)).flat(), [], "every call succeeds");
        assert.equal(await getTokenCalls(tabs), round, "one renewal between all tabs");
      }
      assert.equal((await control(simulator.url, "GET", "stats")).tokenRequests, 4);
    } finally {
      await closeAll(tabs);
    }
  }));

test("contexts that start at once, cold, renew once between them", () =>
  withSimulator({}, async (simulator) => {
    const tabs = await openTabs(simulator.url, TABS);
    try {
      // Each context has heard the others join; none holds a token.
      await sleep(200);
      assert.deepEqual((await runEverywhere(tabs, 100)).flat(), []);
      assert.equal(await getTokenCalls(tabs), 1);
    } finally {
      await closeAll(tabs);
    }
  }));

for (const leaving of ["close()", "a context that dies without a word"]) {
  test(`a renewer that leaves mid-renewal hands over (${leaving}): the others renew once`, () =>
    withSimulator({}, async (simulator) => {
      const [renewer, ...others] = await openTabs(simulator.url, TABS, { delayMs: 5_000 });
      try {
        // The first tab holds the renewal (its getToken takes 5 s)…
        renewer.ask("run", { calls: 1 });
        while (renewer.renewing === 0) await sleep(10);
        // …the others wait for it…
        const waiting = runEverywhere(others, 20);
        await sleep(300);
        assert.equal(await getTokenCalls(others), 0, "the others wait for the renewer");
        const left = Date.now();
        // …and it leaves before it answers.
        if (leaving === "close()") await renewer.ask("close");
        else await renewer.worker.terminate();
        while (others.every((tab) => tab.renewing === 0)) await sleep(10);
        // A goodbye hands over at once; silence after the peers' 2 s limit
        // (the last `working` was at most 500 ms before it went quiet).
        const handover = Date.now() - left;
        assert.ok(leaving === "close()" ? handover < 1_500 : handover >= 1_400 && handover < 4_000, `handed over after ${handover} ms`);
        assert.deepEqual((await waiting).flat(), []);
        assert.equal(await getTokenCalls(others), 1, "one of the others renews, once");
      } finally {
        await closeAll([renewer, ...others]);
      }
    }));
}

test("garbage on the channel changes nothing", () =>
  withSimulator({}, async (simulator) => {
    const tabs = await openTabs(simulator.url, TABS);
    const intruder = new BroadcastChannel(`halo-device/js-tests/${SITE_ID}/${DEVICE_ID}`);
    try {
      const garbage = [null, 7, "claim", [], {}, { kind: "claim" }, { kind: "claim", from: 5 }, { kind: "grant", from: "x" }, { kind: "deny", from: "x", to: "" },
        { kind: "claim", from: "x".repeat(65) }, { kind: "token", token: { id: "t", accessToken: 5, expiresAt: 1e15 } }, { kind: "token", token: { id: "t", accessToken: "a", expiresAt: Infinity } },
        { kind: "hello", from: "x", to: "y" }, { kind: "nope", from: "x" }];
      for (const message of garbage) intruder.postMessage(message);
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      assert.deepEqual((await runEverywhere(tabs, 50)).flat(), []);
      for (const message of garbage) intruder.postMessage(message);
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      assert.deepEqual((await runEverywhere(tabs, 50)).flat(), []);
      assert.equal(await getTokenCalls(tabs), 2);
    } finally {
      intruder.close();
      await closeAll(tabs);
    }
  }));

// A stuck renewer: its getToken never settles and ignores its signal. The
// client gives it up at tokenTimeoutMs, and so does the sharing: the lease
// passes on, the others renew, and the stuck context recovers on its next
// call. It is the oldest context (the election's leader) or the newest.
const BOUND_MS = 1_000;
for (const contexts of [2, 3]) {
  for (const stuck of ["the leader", "another context"]) {
    test(`${contexts} contexts, a getToken that hangs once in ${stuck}: given up at tokenTimeoutMs, every context recovers on its next call`, { timeout: 30_000 }, () =>
      withSimulator({}, async (simulator) => {
        const tabs = await openTabs(simulator.url, contexts, {}, { tokenTimeoutMs: BOUND_MS });
        const hung = stuck === "the leader" ? tabs[0] : tabs.at(-1);
        const others = tabs.filter((tab) => tab !== hung);
        await hung.ask("hangNext");
        try {
          const hungCall = hung.ask("run", { calls: 3 });
          while (hung.renewing === 0) await sleep(10);
          await sleep(200);
          const otherCalls = runEverywhere(others, 3);
          const hungFailures = await hungCall;
          assert.equal(hungFailures.length, 3);
          for (const failure of hungFailures) assert.match(failure, /^HALO_TIMEOUT: .*getToken did not settle within 1000 ms/);
          // The others wait for the lease, which passes on at the bound:
          // they settle, most likely with the token one of them renewed.
          for (const failure of (await otherCalls).flat()) assert.match(failure, /^HALO_TIMEOUT: /);
          // Every context's next call gets a token, with one renewal between them.
          assert.deepEqual((await runEverywhere(tabs, 5)).flat(), []);
          assert.equal(await getTokenCalls(tabs), 2, "the stuck getToken, then one renewal");
          assert.equal((await control(simulator.url, "GET", "stats")).tokenRequests, 1);
        } finally {
          await closeAll(tabs);
        }
      }));
  }
}

// Scale: the election costs O(contexts) messages a renewal, and the clients
// of one context join as one peer. Timings are in the bench (bench/sharing.mjs).
const WORKERS = 40;
test(`${WORKERS} worker threads of one device, cold and on a refused token: every call settles, one renewal each time`, { timeout: 120_000 }, () =>
  withSimulator({}, async (simulator) => {
    const tabs = await openTabs(simulator.url, WORKERS);
    try {
      // Forty workers starting on a loaded machine can miss each other's
      // hello inside the 50 ms discovery window (the documented start-up
      // race, docs/token-sharing.md); this test is about scale, so it lets
      // their views of the leader meet before the first call.
      await sleep(1_000);
      assert.deepEqual((await runEverywhere(tabs, 2)).flat(), []);
      assert.equal(await getTokenCalls(tabs), 1);
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      assert.deepEqual((await runEverywhere(tabs, 2)).flat(), []);
      assert.equal(await getTokenCalls(tabs), 2);
      assert.equal((await control(simulator.url, "GET", "stats")).tokenRequests, 2);
    } finally {
      await closeAll(tabs);
    }
  }));

const CLIENTS = 50;
test(`${CLIENTS} sharing clients in one context, cold and on a refused token: every call settles, one renewal each time`, { timeout: 60_000 }, () =>
  withSimulator({}, async (simulator) => {
    const issue = tokenIssuer(simulator.url);
    const clients = Array.from(
      { length: CLIENTS },
      () => new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: issue, tokenSharing: { channel: "js-tests-one-context" } }),
    );
    const runAll = async () => {
      const outcomes = await Promise.allSettled(clients.flatMap((client) => [1, 2].map(() => client.immediateQuery("SELECT TOP 1 InternalID FROM Patients"))));
      return outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => `${outcome.reason?.code}: ${outcome.reason?.message}`);
    };
    try {
      assert.deepEqual(await runAll(), []);
      assert.equal(issue.calls, 1);
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      assert.deepEqual(await runAll(), []);
      assert.equal(issue.calls, 2);
      // A client that leaves does not take the others' channel with it.
      clients.shift().close();
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      assert.deepEqual(await runAll(), []);
      assert.equal(issue.calls, 3);
    } finally {
      for (const client of clients) client.close();
    }
  }));
