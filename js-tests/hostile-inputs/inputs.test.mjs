// Numbers, sizes, text and options as a careless or hostile caller writes
// them: each is a HaloValidationError naming the field, and nothing is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { client, failure, QUERY_ID, refused, scriptedFetch } from "./support.mjs";

const LONE_SURROGATE = "SELECT '\uD800'";

test("numbers: parameter size, timeouts, retries and page numbers refuse NaN, negatives, fractions, Infinity and non-numbers", async () => {
  const { client: c, fetch } = client();
  const withSize = (size) => c.immediateQuery({ text: "SELECT @a", parameters: [{ name: "@a", type: "NVarChar", value: "x", size }] });
  for (const size of [NaN, -1, 1.5, 2 ** 31, Infinity, "10"]) {
    await refused(() => withSize(size), "command.parameters[0].size", `size ${String(size)}`);
  }
  for (const timeoutMs of [NaN, -1, Infinity, 0.5, "1000", true]) {
    await refused(() => c.immediateQuery("SELECT 1", { timeoutMs }), "timeoutMs", `immediateQuery timeoutMs ${String(timeoutMs)}`);
    await refused(() => c.getQuery(QUERY_ID, { timeoutMs }), "timeoutMs", `getQuery timeoutMs ${String(timeoutMs)}`);
  }
  for (const pageNumber of ["2", true, [2], NaN, -1, 1.5, Infinity, null]) {
    await refused(() => c.getResultPage(QUERY_ID, pageNumber), "pageNumber", `page ${JSON.stringify(pageNumber)}`);
  }
  assert.deepEqual(fetch.requests, [], "nothing was sent");
  for (const option of ["attemptTimeoutMs", "tokenTimeoutMs", "renewMarginMs", "maxRetries"]) {
    for (const value of [NaN, -1, Infinity, "5", {}]) {
      await refused(() => client({ [option]: value }), option, `${option} ${String(value)}`);
    }
  }
  for (const pollIntervalMs of [NaN, -1, Infinity, "100"]) {
    await refused(() => c.waitForQuery(QUERY_ID, { pollIntervalMs }), "pollIntervalMs", `pollIntervalMs ${String(pollIntervalMs)}`);
  }
});

test("numbers: an absurd expiresIn is an auth error, and tokenInfo().expiresAt stays a valid Date or null", async () => {
  for (const expiresIn of [-5, NaN, Infinity, 1e300, 366 * 24 * 3600]) {
    const { client: c } = client({ getToken: async () => ({ accessToken: "hostile-token-5a8f0c", expiresIn }) });
    const error = await failure(() => c.immediateQuery("SELECT 1"));
    assert.equal(error.code, "HALO_AUTH", `expiresIn ${expiresIn}: ${error.message}`);
    const { expiresAt } = c.tokenInfo();
    assert.ok(expiresAt === null || !Number.isNaN(expiresAt.getTime()), `expiresIn ${expiresIn}`);
  }
  const { client: c } = client({ fetch: scriptedFetch(() => ({ body: { id: QUERY_ID, status: "successful", result: {} } })) });
  await c.immediateQuery("SELECT 1");
  const { expiresAt } = c.tokenInfo();
  assert.ok(expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime()));
});

test("sizes: SQL text, parameters, names, catalogue and FHIR searches over their limits are refused up front", async () => {
  const { client: c, fetch } = client();
  const mib = 1 << 20;
  await refused(() => c.immediateQuery("S".repeat(mib + 1)), "command.text");
  const parameter = (extra) => ({ name: "@a", type: "NVarChar", ...extra });
  await refused(() => c.immediateQuery({ text: "SELECT 1", parameters: Array.from({ length: 2101 }, () => parameter()) }), "command.parameters");
  await refused(() => c.immediateQuery({ text: "SELECT @a", parameters: [parameter({ value: "v".repeat(4 * mib + 1) })] }), "command.parameters[0].value");
  await refused(() => c.immediateQuery({ text: "SELECT @a", parameters: [parameter({ name: "@" + "n".repeat(128) })] }), "command.parameters[0].name");
  const threeValues = Array.from({ length: 3 }, (_, i) => parameter({ name: `@p${i}`, value: "v".repeat(4 * mib) }));
  await refused(() => c.immediateQuery({ text: "SELECT 1", parameters: threeValues }), "command");
  await refused(() => c.immediateQuery("SELECT 1", { catalogue: "c".repeat(129) }), "catalogue");
  await refused(() => c.createRegisteredQuery({ name: "n".repeat(257), command: "SELECT 1", frequencySeconds: 60, durationSeconds: 600 }), "name");
  await refused(() => c.fhirSearch("Patient", Array.from({ length: 101 }, () => ["family", "x"])), "params");
  await refused(() => c.fhirSearch("Patient", { family: "x".repeat(8 * 1024) }, { method: "GET" }), "params");
  await refused(() => c.fhirSearch("Patient", { family: "x".repeat(64 * 1024) }), "params");
  assert.deepEqual(fetch.requests, [], "nothing was sent");
});

test("text: strings with lone surrogates are refused naming the field, never sent as U+FFFD", async () => {
  const { client: c, fetch } = client();
  await refused(() => c.immediateQuery(LONE_SURROGATE), "command.text", "bare SQL");
  await refused(() => c.immediateQuery({ text: LONE_SURROGATE }), "command.text", "command object");
  await refused(() => c.immediateQuery({ text: "SELECT @a", parameters: [{ name: "@a", type: "NVarChar", value: "a\uDC00b" }] }), "command.parameters[0].value");
  await refused(() => c.immediateQuery("SELECT 1", { catalogue: "db\uD83D" }), "catalogue");
  await refused(() => c.getQuery(`${QUERY_ID}\uD800`), "queryId");
  await refused(() => c.fhirSearch("Patient", { family: "Sm\uDFFFith" }), "params");
  await refused(() => client({ deviceId: "hostile-device-\uD800-0123456789" }), "deviceId");
  assert.deepEqual(fetch.requests, [], "nothing was sent");
  // A real U+FFFD, and a valid surrogate pair, are ordinary text.
  const ok = scriptedFetch(() => ({ body: { id: QUERY_ID, status: "successful", result: {} } }));
  const { client: accepting } = client({ fetch: ok });
  await accepting.immediateQuery("SELECT '\uFFFD', '\uD83D\uDE00'");
  assert.ok(JSON.parse(ok.requests[0].body).command.text.includes("\uFFFD', '\uD83D\uDE00"));
});

test("options: a polluted Object.prototype has no effect on either client", async () => {
  const polluted = { timeoutMs: -1, pathPrefix: "/evil", catalogue: " ", maxTimeInQueueMs: -1, executionMode: "nonQuery", pollIntervalMs: 1, maxPollIntervalMs: 1, startPage: 0, onProgress: 42, signal: AbortSignal.abort() };
  const rogueFetch = async () => {
    throw new Error("the polluted fetch was called");
  };
  const answers = scriptedFetch(() => ({ body: { id: QUERY_ID, status: "successful", result: {} } }));
  try {
    Object.assign(Object.prototype, polluted);
    Object.prototype.fetch = rogueFetch;
    // No fetch of its own: the client must fall back to the global fetch, not the polluted one.
    const saved = globalThis.fetch;
    globalThis.fetch = answers;
    try {
      const { client: c } = client({ fetch: undefined });
      const result = await c.immediateQuery("SELECT 1", {});
      assert.equal(result.queryId, QUERY_ID);
      assert.ok(!("scalar" in result), "the command mode was not taken from the prototype");
      await c.getQuery(QUERY_ID);
      assert.equal((await c.waitForQuery(QUERY_ID, {})).id, QUERY_ID, "wait options come from own properties only");
      for await (const page of c.resultPages(QUERY_ID, {})) assert.fail(`no pages were listed, got ${page.pageNumber}`);
    } finally {
      globalThis.fetch = saved;
    }
    const { client: injected, fetch } = client({ fetch: answers });
    await injected.immediateQuery({ text: "SELECT 1" });
    assert.ok(fetch === answers);
    for (const request of answers.requests) assert.ok(!request.url.includes("/evil"), request.url);
    // (The parsed body inherits the pollution too: look at its own keys.)
    const sent = JSON.parse(answers.requests.at(-1).body);
    assert.deepEqual(Object.keys(sent), ["command"]);
    assert.equal(sent.command.executionMode, "reader");
  } finally {
    for (const key of [...Object.keys(polluted), "fetch"]) delete Object.prototype[key];
  }
});
