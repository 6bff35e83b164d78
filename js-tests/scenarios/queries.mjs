// Immediate and async SQL queries, pages and result decoding.
import { check, deviceClient, equal, rejects, stats } from "./support.mjs";

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
];
