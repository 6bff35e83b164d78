// streamResultPage through the packed package against the simulator: rows as
// the body arrives, a cut stream as a typed error, early exits closing the
// connection, and the call's bounds (signal, timeoutMs, attemptTimeoutMs).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { control, fault, SITE_ID } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { failure, integratorFor, KEY, produced } from "./support.mjs";

const QUERY = "SELECT * FROM Observations ORDER BY ObservationID";

async function finishedQuery(site, text = QUERY) {
  const started = await site.startAsyncQuery(text);
  return site.waitForQuery(started.id, { pollIntervalMs: 10 });
}

const streams = async (url) => (await control(url, "GET", "streams")).streams;

async function until(read, accept, what) {
  for (let tries = 0; tries < 300; tries++) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The byte offset in the middle of row `index` of the page as the simulator streams it. */
function midRow(rows, index) {
  return Buffer.byteLength(JSON.stringify(rows.slice(0, index + 1))) - 5;
}

test("streamed rows arrive in order and equal getResultPage's rows, page by page", async () => {
  await withSimulator({ asyncStepMs: 5, pageRows: 40 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    assert.ok(query.result.pages.length > 1);
    for (const { pageNumber } of query.result.pages) {
      const { rows } = await site.getResultPage(query.id, pageNumber);
      const streamed = [];
      for await (const row of site.streamResultPage(query.id, pageNumber)) streamed.push(row);
      assert.deepEqual(streamed, rows);
    }
    assert.ok((await streams(simulator.url)).every((stream) => stream.state === "complete"));
    assert.ok(!produced.some((text) => text.includes(KEY)));
  });
});

test("the first rows are yielded while the server still holds back the rest of the body", async () => {
  await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    const { rows } = await site.getResultPage(query.id, 1);
    await fault(simulator.url, { path: "/stream", stallAfterBytes: midRow(rows, 2) });
    const iterator = site.streamResultPage(query.id, 1)[Symbol.asyncIterator]();
    assert.deepEqual((await iterator.next()).value, rows[0]);
    assert.deepEqual((await iterator.next()).value, rows[1]);
    const [stream] = await streams(simulator.url);
    assert.equal(stream.state, "stalled", "the body has not finished");
    await control(simulator.url, "POST", "streams/release");
    const rest = [];
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) rest.push(step.value);
    assert.deepEqual(rest, rows.slice(2));
  });
});

test("a stream cut mid-row is a HALO_PROTOCOL error, and the partial row is never yielded", async () => {
  await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    const { rows } = await site.getResultPage(query.id, 1);
    await fault(simulator.url, { path: "/stream", cutAfterBytes: midRow(rows, 3) });
    const yielded = [];
    const error = await failure((async () => {
      for await (const row of site.streamResultPage(query.id, 1)) yielded.push(row);
    })());
    assert.ok(error instanceof halo.HaloError, String(error));
    assert.equal(error.code, "HALO_PROTOCOL");
    assert.equal(error.status, 200);
    assert.match(error.message, /middle of a row/);
    assert.deepEqual(yielded, rows.slice(0, 3));
  });
});

test("leaving the loop early closes the connection", async () => {
  await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    const { rows } = await site.getResultPage(query.id, 1);
    await fault(simulator.url, { path: "/stream", stallAfterBytes: midRow(rows, 1) });
    for await (const row of site.streamResultPage(query.id, 1)) {
      assert.deepEqual(row, rows[0]);
      break;
    }
    const [stream] = await until(() => streams(simulator.url), ([entry]) => entry?.state === "closed", "the server to see the close");
    assert.equal(stream.bytes, midRow(rows, 1));
  });
});

test("an abort signal and timeoutMs end a stalled stream promptly; so does attemptTimeoutMs between chunks", async () => {
  await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    const { rows } = await site.getResultPage(query.id, 1);

    await fault(simulator.url, { path: "/stream", stallAfterBytes: midRow(rows, 1) });
    const controller = new AbortController();
    const aborted = site.streamResultPage(query.id, 1, { signal: controller.signal })[Symbol.asyncIterator]();
    assert.deepEqual((await aborted.next()).value, rows[0]);
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 20);
    let started = Date.now();
    await assert.rejects(aborted.next(), (error) => error === reason);
    assert.ok(Date.now() - started < 1000, "settled promptly");
    await until(() => streams(simulator.url), ([entry]) => entry?.state === "closed", "the aborted stream to close");

    await fault(simulator.url, { path: "/stream", stallAfterBytes: midRow(rows, 1) });
    started = Date.now();
    const timedOut = await failure((async () => {
      for await (const row of site.streamResultPage(query.id, 1, { timeoutMs: 300 })) assert.ok(row);
    })());
    assert.ok(timedOut instanceof halo.HaloTimeoutError, String(timedOut));
    assert.ok(Date.now() - started < 1500, "settled promptly");

    await fault(simulator.url, { path: "/stream", stallAfterBytes: midRow(rows, 1) });
    const idle = integratorFor(halo, simulator.url, { attemptTimeoutMs: 200 }).site(SITE_ID);
    const stalled = await failure((async () => {
      for await (const row of idle.streamResultPage(query.id, 1)) assert.ok(row);
    })());
    assert.ok(stalled instanceof halo.HaloTimeoutError, String(stalled));
    await control(simulator.url, "POST", "streams/release");
  });
});

test("an expired result is HaloGoneError; a bad page number is refused before sending", async () => {
  await withSimulator({ asyncStepMs: 5, resultRetentionMs: 50 }, async (simulator) => {
    const site = integratorFor(halo, simulator.url).site(SITE_ID);
    const query = await finishedQuery(site);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const gone = await failure(site.streamResultPage(query.id, 1).next());
    assert.ok(gone instanceof halo.HaloGoneError && gone.status === 410, String(gone));
    const bad = await failure(site.streamResultPage(query.id, 0).next());
    assert.ok(bad instanceof halo.HaloValidationError && bad.field === "pageNumber");
  });
});

test("an injected fetch whose Response has only text() still streams the page", async () => {
  await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
    const fetchText = async (url, init) => {
      const response = await fetch(url, init);
      const text = await response.text();
      return { status: response.status, headers: response.headers, text: async () => text };
    };
    const site = integratorFor(halo, simulator.url, { fetch: fetchText }).site(SITE_ID);
    const query = await finishedQuery(site);
    const { rows } = await site.getResultPage(query.id, 1);
    const streamed = [];
    for await (const row of site.streamResultPage(query.id, 1)) streamed.push(row);
    assert.deepEqual(streamed, rows);
  });
});
