// Result bodies and error bodies as a broken or hostile server sends them:
// strict base64, fatal UTF-8, server-chosen keys, off-schema shapes and
// server text in messages. Each is a typed error, never a raw TypeError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeRows, HaloError } from "halo-device";
import { client, encode, failure, protocol, QUERY_ID, scriptedFetch } from "./support.mjs";

const succeeded = (result) => ({ body: { id: QUERY_ID, status: "successful", result } });

test("decoding: base64 with junk, URL-safe letters, whitespace or bad padding is HALO_PROTOCOL, as in browsers", async () => {
  const good = encode([{ a: 1 }]);
  assert.deepEqual(decodeRows(good), [{ a: 1 }]);
  for (const data of [`${good}!!!!`, `*${good.slice(1)}`, good.replace(/[+/]/, "-") + "-_-_", `${good.slice(0, 4)} ${good.slice(4)}`, `${good.slice(0, -1)}`, `${good.slice(0, 4)}=${good.slice(5)}`, "W3siYSI6MX1d\n"]) {
    await protocol(() => decodeRows(data), JSON.stringify(data));
  }
  await protocol(() => decodeRows(42), "a number");
});

test("decoding: invalid UTF-8 is HALO_PROTOCOL, never U+FFFD in a row", async () => {
  const invalid = Buffer.concat([Buffer.from('[{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]).toString("base64");
  await protocol(() => decodeRows(invalid), "invalid UTF-8");
  const text = [{ name: "Zoë \uFFFD 😀" }];
  assert.deepEqual(decodeRows(encode(text)), text, "valid UTF-8, a real U+FFFD included, decodes");
});

test("decoding: outputParameters named __proto__ or constructor are ordinary keys", async () => {
  const parameters = [
    { name: "__proto__", direction: "output", type: "NVarChar", value: "polluted" },
    { name: "constructor", direction: "output", type: "NVarChar", value: "c" },
    { name: "@id", direction: "input", type: "Int", value: "1" },
  ];
  const { client: c } = client({ fetch: scriptedFetch(() => succeeded({ rows: 0, data: encode([]), parameters })) });
  const { outputParameters } = await c.immediateQuery("EXEC p");
  assert.equal(Object.getPrototypeOf(outputParameters), null);
  assert.deepEqual(Object.keys(outputParameters), ["__proto__", "constructor"]);
  assert.equal(outputParameters["__proto__"], "polluted");
  assert.equal({}.polluted, undefined);
});

test("decoding: off-schema bodies are HALO_PROTOCOL errors, never TypeErrors", async () => {
  const answering = (body) => client({ fetch: scriptedFetch(() => ({ body })) }).client;
  await protocol(() => answering({ registeredQueries: { length: 1 } }).listRegisteredQueries(), "registeredQueries not an array");
  await protocol(() => answering({ id: QUERY_ID, status: "successful", result: { pages: "1,2" } }).resultPages(QUERY_ID).next(), "pages not an array");
  await protocol(() => answering({ id: QUERY_ID, status: "successful", result: { pages: [{ pageNumber: "x" }] } }).resultPages(QUERY_ID).next(), "pageNumber not a number");
  await protocol(() => answering({ id: QUERY_ID, status: "successful", result: { data: encode([]), parameters: { name: "x" } } }).immediateQuery("SELECT 1"), "parameters not an array");
  await protocol(() => answering({ id: QUERY_ID, status: "successful", result: { data: encode([]), parameters: [null] } }).immediateQuery("SELECT 1"), "a null parameter");
  await protocol(() => answering({ data: encode([]), parameters: 7 }).getResultPage(QUERY_ID, 1), "page parameters not an array");
  await protocol(() => answering({ data: encode([]), parameters: "p" }).getRegisteredQueryResult(QUERY_ID), "registered parameters not an array");
  await protocol(() => answering({ id: QUERY_ID, status: "successful", result: { data: 12 } }).immediateQuery("SELECT 1"), "data not a string");
});

test("server text: escapes and control characters are stripped from error messages, long text is capped, one FHIR issue", async () => {
  const answer = (status, body) => client({ fetch: scriptedFetch(() => ({ status, body })) }).client;
  const hostile = await failure(() => answer(400, { message: "bad\u001b[2J\r\nInjected: \u0000yes\u001b]0;owned\u0007" }).getQuery(QUERY_ID));
  assert.ok(hostile instanceof HaloError);
  assert.equal(hostile.message, "bad Injected: yes (HTTP 400)");
  const long = await failure(() => answer(400, { message: "word ".repeat(1_000) }).getQuery(QUERY_ID));
  assert.ok(long.message.length <= 520, `${long.message.length} characters`);
  const outcome = { resourceType: "OperationOutcome", issue: [{ diagnostics: "first" }, ...Array.from({ length: 1_000 }, () => ({ diagnostics: "more" }))] };
  const fhir = await failure(() => answer(404, outcome).fhirRead("Patient", "1"));
  assert.equal(fhir.message, "first (HTTP 404)");
  const query = await failure(() => answer(200, { id: QUERY_ID, status: "executionFailed", errorDetails: { errorType: "mssql", errorMessage: "Invalid\u001b[31m column\r\n" } }).immediateQuery("SELECT 1"));
  assert.equal(query.code, "HALO_QUERY_FAILED");
  assert.equal(query.errorMessage, "Invalid column");
});
