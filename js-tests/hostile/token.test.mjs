// getToken and onEvent are the host's code: whatever they do fails only the
// calls that needed them, with a typed error, and a token that cannot be a
// header value is refused before any request, without quoting it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import { goodResponse, hostileClient, rejectsWith, stillWorks, settlesWithin, QUERY_ID, watchUncaught } from "./support.mjs";

const uncaught = watchUncaught();
after(() => assert.deepEqual(uncaught, [], "something escaped as an uncaught exception"));

const thrown = new Error("thrown by getToken");

// [name, getToken, whether the error's cause is what getToken threw]
const CASES = [
  ["throws synchronously", () => { throw thrown; }, true],
  ["returns a non-promise that is not a token", () => 42],
  ["resolves to garbage", async () => "not a token object"],
  ["resolves to an accessToken getter that throws", async () => ({ get accessToken() { throw thrown; }, expiresIn: 60 })],
  ["returns a promise whose then throws", () => Object.assign(Promise.resolve({ accessToken: "x", expiresIn: 60 }), { then() { throw thrown; } }), true],
];

for (const [name, getToken, keepsCause] of CASES) {
  test(`getToken that ${name}: HALO_AUTH, nothing sent, and the client still works`, async () => {
    // A client of its own: one that holds a token would not ask for one.
    const host = { getToken };
    const client = hostileClient(halo, host);
    const error = await rejectsWith(halo, client.immediateQuery("SELECT 1"), "HALO_AUTH");
    assert.ok(error instanceof halo.HaloAuthError);
    if (keepsCause) assert.equal(error.cause, thrown);
    assert.equal(host.fetches, 0);
    await stillWorks(halo, client, host);
  });
}

const UNSENDABLE = [
  ["a line break", "tok-3f9a\r\nX-Injected: yes"],
  ["a NUL", "tok-3f9a\u0000tail"],
  ["a space", "tok-3f9a tail"],
  ["a control character", "tok-3f9a\u0007tail"],
  ["a non-ASCII character", "tok-3f9a-ключ"],
  ["nothing", ""],
];

for (const [name, accessToken] of UNSENDABLE) {
  test(`an accessToken with ${name}: HaloAuthError quoting nothing of it, sent nowhere, asked for once`, async () => {
    const tokens = { getToken: async () => ({ accessToken, expiresIn: 3600 }) };
    const device = hostileClient(halo, tokens);
    const error = await rejectsWith(halo, device.immediateQuery("SELECT 1"), "HALO_AUTH");
    assert.ok(error instanceof halo.HaloAuthError);
    assert.equal(tokens.fetches, 0, "no request may be sent with it");
    assert.equal(tokens.tokens, 1, "a bad token is not a network error to retry");
    const said = [error.message, error.stack, JSON.stringify(error), String(error.cause ?? ""), String(error.cause?.message ?? "")].join("\n");
    if (accessToken !== "") assert.ok(!said.includes("tok-3f9a"), `the error quotes the token: ${said}`);
    await stillWorks(halo, device, tokens);
  });
}

test("an onEvent listener that throws on every event changes no call's outcome", async () => {
  const listened = [];
  const events = {};
  const device = hostileClient(halo, events, {
    maxRetries: 1,
    onEvent: (event) => {
      listened.push(event.type);
      throw new Error(`the listener fails on ${event.type}`);
    },
  });
  let first = true;
  events.fetch = async () => {
    if (!first) return goodResponse();
    first = false;
    return new Response("{}", { status: 503, headers: { "Retry-After": "0" } });
  };
  const result = await settlesWithin(device.immediateQuery("SELECT 1"));
  assert.equal(result.queryId, QUERY_ID);
  assert.deepEqual(listened, ["tokenRenewed", "request", "response", "retry", "request", "response"]);
  await stillWorks(halo, device, events);
});

test("an onEvent listener that calls back into the client mid-call changes no call's outcome", async () => {
  const events = {};
  let client;
  const nested = [];
  client = hostileClient(halo, events, {
    onEvent: (event) => {
      client.tokenInfo();
      if (event.type === "request" && nested.length === 0) nested.push(client.immediateQuery("SELECT 2"));
    },
  });
  const result = await settlesWithin(client.immediateQuery("SELECT 1"));
  assert.equal(result.queryId, QUERY_ID);
  assert.equal((await settlesWithin(nested[0])).queryId, QUERY_ID);
  await stillWorks(halo, client, events);
});
