// An injected fetch that breaks its contract, or a signal-like object that
// throws, fails that one call with a typed HaloError: never an uncaught
// exception, never a call that does not settle, never a wasm trap. All the
// cases run in one process, one after the other, on one client: a broken
// case used to leave the executor stuck, and every later call hung.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import { goodResponse, hostileClient, QUERY_ID, rejectsWith, stillWorks, watchUncaught } from "./support.mjs";

const uncaught = watchUncaught();
after(() => assert.deepEqual(uncaught, [], "something escaped as an uncaught exception"));

const thrown = new Error("thrown by the host");
// A Response-like that works, but for what each case overrides.
const ok = (overrides) => ({ status: 200, headers: new Headers(), text: () => goodResponse().text(), ...overrides });

// [name, fetch, expected code, whether the error's cause is what the host threw]
const CASES = [
  ["resolves to a jest-style { ok, status, json }", async () => ({ ok: true, status: 200, json: async () => ({}) }), "HALO_PROTOCOL"],
  ["resolves to undefined", async () => undefined, "HALO_PROTOCOL"],
  ["resolves to headers without get", async () => ok({ headers: {} }), "HALO_PROTOCOL"],
  ["resolves to headers.get returning a number", async () => ok({ headers: { get: () => 42 } }), "HALO_PROTOCOL"],
  ["resolves to headers.get that throws", async () => ok({ headers: { get: () => { throw thrown; } } }), "HALO_PROTOCOL", true],
  ["resolves to a status getter that throws", async () => ({ ...ok(), get status() { throw thrown; } }), "HALO_PROTOCOL", true],
  ["resolves to a status that is not a number", async () => ok({ status: "200" }), "HALO_PROTOCOL"],
  ["resolves to text() returning a non-promise", async () => ok({ text: () => "{}" }), "HALO_PROTOCOL"],
  ["resolves to text() that throws", async () => ok({ text: () => { throw thrown; } }), "HALO_PROTOCOL", true],
  ["resolves to text() that rejects", async () => ok({ text: async () => { throw thrown; } }), "HALO_NETWORK", true],
  ["resolves to text() resolving to a non-string", async () => ok({ text: async () => 42 }), "HALO_PROTOCOL"],
  ["throws synchronously", () => { throw thrown; }, "HALO_NETWORK", true],
  ["rejects", async () => { throw thrown; }, "HALO_NETWORK", true],
  ["returns a non-promise", () => goodResponse(), "HALO_PROTOCOL"],
  ["returns a promise whose then throws", () => Object.assign(Promise.resolve(goodResponse()), { then() { throw thrown; } }), "HALO_NETWORK", true],
];

// One client for every case: each must leave it usable for the next.
const host = {};
const client = hostileClient(halo, host, { maxRetries: 0 });

for (const [name, fetch, code, keepsCause] of CASES) {
  test(`fetch that ${name}: ${code}, and the client still works`, async () => {
    host.fetch = fetch;
    // A read: it resolves with whatever body it gets, so nothing but the
    // check of the Response can make it fail.
    const error = await rejectsWith(halo, client.getQuery(QUERY_ID), code);
    if (keepsCause) assert.equal(error.cause, thrown);
    await stillWorks(halo, client, host);
  });
}

test("a broken Response is not retried, even for a read, and the client still works", async () => {
  const reads = {};
  const reader = hostileClient(halo, reads, { maxRetries: 2 });
  reads.fetch = async () => ok({ headers: {} });
  await rejectsWith(halo, reader.getQuery(QUERY_ID), "HALO_PROTOCOL");
  assert.equal(reads.fetches, 1, "a protocol error is not retried");
  await stillWorks(halo, reader, reads);
});

const SIGNALS = [
  ["whose aborted getter throws", { get aborted() { throw thrown; }, addEventListener() {}, removeEventListener() {} }],
  ["whose reason getter throws", { aborted: true, get reason() { throw thrown; } }],
  ["whose addEventListener throws", { aborted: false, addEventListener() { throw thrown; }, removeEventListener() {} }],
  ["that is a number", 5],
];

for (const [name, signal] of SIGNALS) {
  test(`a signal ${name}: HALO_PROTOCOL with what it threw, and the client still works`, async () => {
    host.fetch = async () => goodResponse();
    const error = await rejectsWith(halo, client.immediateQuery("SELECT 1", { signal }), "HALO_PROTOCOL");
    if (typeof signal === "object") assert.equal(error.cause, thrown);
    assert.match(error.message, /signal/);
    await stillWorks(halo, client, host);
  });
}
