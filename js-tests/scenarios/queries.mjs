// Immediate and async SQL queries, pages and result decoding.
import { check, deviceClient, equal, rejects, stats } from "./support.mjs";

/** How many `getQuery` polls the simulator answered, at either door. */
async function polls(baseUrl) {
  const { requests } = await stats(baseUrl);
  return Object.entries(requests).reduce((sum, [route, count]) => sum + (/^GET \/\w+\/sites\/\{siteId\}\/queries\/\{queryId\}$/.test(route) ? count : 0), 0);
}


export const scenarios = [
  {
    name: "immediateQuery decodes rows and reports the query",
    async run({ halo, baseUrl }) {
      const { client, getToken } = deviceClient(halo, baseUrl);
      equal(client.tokenInfo(), { hasToken: false, expiresAt: null, renewals: 0 }, "no token before the first call");
      const result = await client.immediateQuery("SELECT InternalID, Surname FROM Patients WHERE InternalID = 1");
      equal(result.rows.length, 1, "one row");
      equal(result.rows[0].InternalID, 1, "decoded column");
      check(typeof result.rows[0].Surname === "string", "surname is text");
      equal(result.rowCount, 1, "rowCount");
      check(/^[0-9a-f-]{36}$/.test(result.queryId), "queryId is a GUID");
      equal(result.query.status, "successful", "status");
      equal(result.query.mode, "immediate", "mode");
      equal(getToken.calls, 1, "one token");
      const info = client.tokenInfo();
      check(info.hasToken && info.renewals === 1 && info.expiresAt instanceof Date, "tokenInfo after the first call");
      check(!JSON.stringify(info).includes("ey"), "tokenInfo holds no token");
      const accented = await client.immediateQuery("SELECT Firstname FROM Patients WHERE InternalID = 7");
      equal(accented.rows, [{ Firstname: "Zoë" }], "non-ASCII text decodes as UTF-8");
      const pending = client.immediateQuery("SELECT 2 AS two");
      client.close();
      client.close();
      equal((await pending).rows, [{ two: 2 }], "a call under way when the client closes finishes");
      await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloError && e.code === "HALO_CLOSED", "closed");
    },
  },
  {
    name: "parameters, scalar, nonQuery and catalogue travel as the API names them",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const byId = await client.immediateQuery({
        text: "SELECT InternalID FROM Patients WHERE InternalID = @id",
        parameters: [{ name: "@id", type: "Int", value: "2" }],
      });
      equal(byId.rows, [{ InternalID: 2 }], "parameter applied");
      const count = await client.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
      equal(count.scalar, 8, "scalar is the first column of the first row");
      const update = await client.immediateQuery({
        text: "UPDATE Patients SET Suburb = @suburb WHERE InternalID = 1",
        executionMode: "nonQuery",
        parameters: [{ name: "@suburb", type: "NVarChar", value: "Carlton" }],
      });
      equal(update.rowsAffected, 1, "rowsAffected");
      equal(update.rows, [], "no rows for nonQuery");
      const after = await client.immediateQuery("SELECT Suburb FROM Patients WHERE InternalID = 1", { catalogue: "BPSPatients", maxTimeInQueueMs: 5000 });
      equal(after.rows, [{ Suburb: "Carlton" }], "the update happened once");
    },
  },
  {
    name: "an async query runs through its states and its pages decode in order",
    simulator: { asyncStepMs: 20, pageRows: 100 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const started = await client.startAsyncQuery("SELECT * FROM Observations ORDER BY ObservationID", { maxTimeInQueueMs: 600_000 });
      equal(started.mode, "async", "mode");
      check(started.status !== "successful", "not finished at once");
      const pending = await client.getQuery(started.id);
      equal(pending.id, started.id, "getQuery finds it");
      const done = await client.waitForQuery(started.id, { pollIntervalMs: 10 });
      equal(done.status, "successful", "terminal state");
      equal(done.result.pages.length, 10, "1,000 rows in pages of 100");
      const second = await client.getResultPage(started.id, 2);
      equal(second.rows.length, 100, "page 2 rows");
      const pages = [];
      for await (const page of client.resultPages(started.id)) pages.push(page);
      equal(pages.map((p) => p.pageNumber), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "pages in order");
      const ids = pages.flatMap((p) => p.rows.map((row) => row.ObservationID));
      equal(ids.length, 1000, "every row once");
      equal(new Set(ids).size, 1000, "no row twice");
      equal(second.rows, pages[1].rows, "getResultPage and resultPages agree");
    },
  },
  {
    name: "asyncQuery starts, waits and gathers every row; each query executes once",
    simulator: { asyncStepMs: 10, pageRows: 300 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const result = await client.asyncQuery("SELECT ObservationID FROM Observations", { pollIntervalMs: 10 });
      equal(result.rows.length, 1000, "all pages gathered");
      equal(result.rowCount, 1000, "rowCount");
      equal(result.query.status, "successful", "final query");
      const counted = await stats(baseUrl);
      equal(counted.executionsTotal, 1, "executed once");
      equal(counted.createQueryPosts, 1, "created once");
    },
  },
  {
    name: "waitForQuery rejects with HaloQueryFailedError on a failed query and HaloTimeoutError when it runs out of time",
    simulator: { asyncStepMs: 200 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const failing = await client.startAsyncQuery("SELECT NoSuchColumn FROM Patients");
      const error = await rejects(client.waitForQuery(failing.id, { pollIntervalMs: 20 }), (e) => e instanceof halo.HaloQueryFailedError);
      equal(error.queryStatus, "executionFailed", "terminal status");
      equal(error.errorType, "mssql", "error type");
      check(typeof error.errorCode === "number" && error.errorMessage.length > 0, "error details");
      const slow = await client.startAsyncQuery("SELECT 1 AS one");
      await rejects(client.waitForQuery(slow.id, { pollIntervalMs: 20, timeoutMs: 100 }), (e) => e instanceof halo.HaloTimeoutError && e.code === "HALO_TIMEOUT");
    },
  },
  {
    name: "result pages past retention are HaloGoneError (410)",
    simulator: { asyncStepMs: 5, resultRetentionMs: 150 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const started = await client.startAsyncQuery("SELECT 1 AS one");
      await client.waitForQuery(started.id, { pollIntervalMs: 10 });
      equal((await client.getResultPage(started.id, 1)).rows, [{ one: 1 }], "fresh page");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const error = await rejects(client.getResultPage(started.id, 1), (e) => e instanceof halo.HaloGoneError);
      equal(error.status, 410, "status");
      check(error.message.includes("24 hours"), "says results expire");
    },
  },
  {
    name: "onProgress hears each status change once, in order, and a throwing listener does not break the wait",
    simulator: { asyncStepMs: 60 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const started = await client.startAsyncQuery("SELECT 1 AS one");
      const heard = [];
      const done = await client.waitForQuery(started.id, { pollIntervalMs: 10, maxPollIntervalMs: 10, onProgress: (query) => heard.push([query.id, query.status]) });
      equal(done.status, "successful", "finished");
      const statuses = heard.map(([, status]) => status);
      check(heard.every(([id]) => id === started.id), "the listener gets the query object");
      check(statuses.every((status, i) => i === 0 || status !== statuses[i - 1]), `a change is heard once: ${statuses}`);
      const order = ["initialising", "queued", "executing", "uploading", "successful"];
      check(statuses.every((status, i) => i === 0 || order.indexOf(status) > order.indexOf(statuses[i - 1])), `in order: ${statuses}`);
      equal(statuses.at(-1), "successful", "the last change is the terminal state");
      check(statuses.length >= 3, `the states were seen: ${statuses}`);
      check((await polls(baseUrl)) > statuses.length, "more polls than changes: it fires on changes, not polls");
      const again = await client.startAsyncQuery("SELECT 2 AS two");
      let calls = 0;
      const throwing = () => {
        calls += 1;
        throw new Error("the app's listener is broken");
      };
      equal((await client.waitForQuery(again.id, { pollIntervalMs: 10, onProgress: throwing })).status, "successful", "a throwing listener is swallowed");
      check(calls >= 2, "and is still told of later changes");
      const result = await client.asyncQuery("SELECT 3 AS three", { pollIntervalMs: 10, onProgress: (query) => heard.push([query.id, query.status]) });
      equal(heard.at(-1), [result.queryId, "successful"], "asyncQuery passes onProgress on");
      await rejects(client.waitForQuery(again.id, { onProgress: "log" }), (e) => e instanceof halo.HaloValidationError && e.field === "onProgress", "onProgress must be a function");
    },
  },
  {
    name: "waitForQuery backs off up to maxPollIntervalMs and its last wait ends at the deadline",
    simulator: { asyncStepMs: 5_000 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const timedOut = (e) => e instanceof halo.HaloTimeoutError;
      const slow = await client.startAsyncQuery("SELECT 1 AS one");
      // 100, 150, 225, 337, 506, 759 ms (each up to 20 % shorter), then a wait clipped to the deadline: about 8 polls in 2.5 s.
      await rejects(client.waitForQuery(slow.id, { pollIntervalMs: 100, timeoutMs: 2_500 }), timedOut);
      const backedOff = await polls(baseUrl);
      check(backedOff >= 5 && backedOff <= 9, `backed off: ${backedOff} polls in 2.5 s`);
      // Without growth, every 100 ms plus the poll's own time.
      await rejects(client.waitForQuery(slow.id, { pollIntervalMs: 100, maxPollIntervalMs: 100, timeoutMs: 2_500 }), timedOut);
      const fixed = (await polls(baseUrl)) - backedOff;
      check(fixed >= backedOff + 3, `a cap equal to the interval polls steadily: ${fixed} polls in 2.5 s, against ${backedOff}`);
      const started = performance.now();
      await rejects(client.waitForQuery(slow.id, { pollIntervalMs: 60_000, timeoutMs: 400 }), timedOut);
      const ms = performance.now() - started;
      check(ms >= 390 && ms < 1_500, `a 60 s interval is clipped to the 400 ms deadline: rejected after ${Math.round(ms)} ms`);
      equal((await polls(baseUrl)) - backedOff - fixed, 2, "one poll at once, the last at the deadline");
      for (const [options, field] of [
        [{ maxPollIntervalMs: 5 }, "maxPollIntervalMs"],
        [{ pollIntervalMs: 500, maxPollIntervalMs: 100 }, "maxPollIntervalMs"],
        [{ maxPollIntervalMs: "1000" }, "maxPollIntervalMs"],
      ]) {
        await rejects(client.waitForQuery(slow.id, options), (e) => e instanceof halo.HaloValidationError && e.field === field, JSON.stringify(options));
      }
    },
  },
  {
    name: "resultPages resumes from startPage, and getResultPage returns the page's metadata headers",
    simulator: { asyncStepMs: 5, pageRows: 100 },
    async run({ halo, baseUrl }) {
      // The second client's fetch rewrites the metadata headers as a broken server might.
      const junk = async (url, init) => {
        const response = await fetch(url, init);
        if (!/\/results\/\d+$/.test(new URL(url).pathname)) return response;
        const headers = new Headers(response.headers);
        headers.set("Size", "-1");
        headers.set("Rows-Count", "12abc");
        headers.set("Rows-Range-Start", " 5 ");
        headers.delete("Rows-Range-End");
        return new Response(await response.text(), { status: response.status, headers });
      };
      const bare = async (url, init) => {
        const response = await fetch(url, init);
        return new Response(await response.text(), { status: response.status, headers: { "Content-Type": "application/json" } });
      };
      const { client } = deviceClient(halo, baseUrl);
      const started = await client.startAsyncQuery("SELECT * FROM Observations ORDER BY ObservationID");
      const done = await client.waitForQuery(started.id, { pollIntervalMs: 10 });
      const resumed = [];
      for await (const page of client.resultPages(started.id, { startPage: 8 })) resumed.push(page.pageNumber);
      equal(resumed, [8, 9, 10], "pages before startPage are skipped");
      const past = [];
      for await (const page of client.resultPages(started.id, { startPage: 11 })) past.push(page);
      equal(past, [], "past the last page: nothing");
      const before = await polls(baseUrl);
      for (const startPage of [0, -1, 1.5, NaN, "2"]) {
        const pages = client.resultPages(started.id, { startPage });
        await rejects(pages.next(), (e) => e instanceof halo.HaloValidationError && e.field === "startPage", `startPage ${String(startPage)}`);
      }
      equal(await polls(baseUrl), before, "a bad startPage is refused before the wait polls");
      const second = await client.getResultPage(started.id, 2);
      const listed = done.result.pages[1];
      equal(second.metadata, { size: listed.size, rowsCount: 100, rowsRangeStart: listed.rows.rangeStart, rowsRangeEnd: listed.rows.rangeEnd }, "metadata from Size and Rows-*");
      for await (const page of client.resultPages(started.id, { startPage: 10 })) equal(page.metadata?.rowsCount, 100, "resultPages carry it too");
      const broken = deviceClient(halo, baseUrl, { fetch: junk }).client;
      equal((await broken.getResultPage(started.id, 2)).metadata, { rowsRangeStart: 5 }, "a header that is not a whole number is left out");
      const plain = await deviceClient(halo, baseUrl, { fetch: bare }).client.getResultPage(started.id, 2);
      check(!("metadata" in plain), "no headers, no metadata");
      equal(plain.rows, second.rows, "the rows are the same");
    },
  },
];
