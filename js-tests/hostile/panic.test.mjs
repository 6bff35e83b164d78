// A panic inside a future no call awaits (the token renewal, spawned on the
// wasm's executor) traps in the executor's microtask, where no call can
// catch it, and leaves that executor dead: without more, the calls waiting
// for the renewal would hang for ever. The wasm's panic hook calls the
// listener the facade registered with `onPanic` before it traps, and the
// facade poisons the instance: the waiting calls settle and every later call
// rejects at once with HALO_INTERNAL.
//
// The shipped wasm has no way to panic on purpose (that is the point of the
// hardening, and no trigger belongs in it), so the test plays the hook: from
// inside the background renewal (getToken runs in that future) it calls the
// very listener the facade handed the wasm, and the renewal then never
// completes, as on a dead executor. (Own file: a poisoned instance stays so.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostileClient, QUERY_ID, rejectsWith } from "./support.mjs";

// The package instantiates its wasm at import: keep the listener the glue
// hands the wasm's `onPanic` export, and still register it with the wasm.
let panicListener;
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const real = new RealInstance(module, imports);
  const exports = { ...real.exports };
  exports.onPanic = (listener) => {
    panicListener = listener;
    return real.exports.onPanic(listener);
  };
  return { exports };
};
const halo = await import("halo-device");
WebAssembly.Instance = RealInstance;

test("a panic in the background token renewal poisons the instance: the waiting call settles and later calls reject at once", async () => {
  assert.equal(typeof panicListener, "function", "the facade registered a panic listener with the wasm");
  const host = {};
  host.getToken = () => {
    panicListener(new Error("the wasm panicked (the console says where)"));
    return new Promise(() => {}); // the executor is dead: the renewal never ends
  };
  const client = hostileClient(halo, host, { tokenTimeoutMs: 3_000 });
  const waiting = await rejectsWith(halo, client.immediateQuery("SELECT 1"), "HALO_INTERNAL", 500);
  assert.match(waiting.message, /poisoned/);
  assert.match(waiting.cause.message, /the wasm panicked/);
  assert.equal(waiting.retryable, false);
  assert.equal(host.fetches, 0, "nothing was sent");
  await rejectsWith(halo, client.getQuery(QUERY_ID), "HALO_INTERNAL", 50);
  assert.throws(() => client.tokenInfo(), (error) => error.code === "HALO_INTERNAL");
  assert.throws(() => hostileClient(halo, {}), (error) => error instanceof halo.HaloError && error.code === "HALO_INTERNAL");
});
