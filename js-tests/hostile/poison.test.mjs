// A trap (`WebAssembly.RuntimeError`) leaves the wasm instance's memory in an
// unknown state: the facade must treat the instance as poisoned, and reject
// that call, the calls under way and every later call at once with
// HALO_INTERNAL, never hang. The trap is a real one, from a tiny module,
// raised where the client calls into the wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { goodResponse, hostileClient, rejectsWith, settlesWithin } from "./support.mjs";

// (module (func (export "trap") unreachable))
const TRAP = new WebAssembly.Instance(
  new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 116, 114, 97, 112, 0, 0, 10, 5, 1, 3, 0, 0, 11)),
).exports.trap;

// The package instantiates its wasm at import: hand it an instance whose
// call export (which runs immediateQuery) traps the first time it is called.
let trapsLeft = 0;
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const real = new RealInstance(module, imports);
  const exports = { ...real.exports };
  const immediate = exports.deviceclient_call;
  exports.deviceclient_call = (...args) => {
    if (trapsLeft > 0) {
      trapsLeft -= 1;
      TRAP();
    }
    return immediate(...args);
  };
  return { exports };
};
const halo = await import("halo-device");
WebAssembly.Instance = RealInstance;

test("a trap poisons the instance: that call, calls under way and later calls reject with HALO_INTERNAL at once", async () => {
  const held = {};
  const holding = hostileClient(halo, held);
  let release;
  held.fetch = () => new Promise((resolve) => (release = () => resolve(goodResponse())));
  const underWay = holding.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d");
  while (held.fetches === 0) await new Promise((resolve) => setTimeout(resolve, 5));

  const client = hostileClient(halo, {});
  assert.equal((await settlesWithin(client.immediateQuery("SELECT 1"))).rows.length, 0, "healthy before the trap");
  trapsLeft = 1;
  const trapped = await rejectsWith(halo, client.immediateQuery("SELECT 1"), "HALO_INTERNAL", 500);
  assert.match(trapped.message, /poisoned/);
  assert.ok(trapped.cause instanceof WebAssembly.RuntimeError);
  assert.equal(trapped.retryable, false);

  await rejectsWith(halo, underWay, "HALO_INTERNAL", 100);
  release();
  await rejectsWith(halo, client.immediateQuery("SELECT 1"), "HALO_INTERNAL", 100);
  await rejectsWith(halo, client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"), "HALO_INTERNAL", 100);
  assert.throws(() => client.tokenInfo(), (error) => error.code === "HALO_INTERNAL");
  assert.throws(() => hostileClient(halo, {}), (error) => error instanceof halo.HaloError && error.code === "HALO_INTERNAL");
});
