// A client the app drops is collected: nothing the package keeps for the
// life of the wasm instance (its trap watch, its loader) may hold on to
// each client it ever made. A long-running server that makes a client per
// request would otherwise grow without bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

const CHILD = `
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { HaloDeviceClient } from "halo-device";
const options = {
  baseUrl: "http://halo.invalid",
  siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
  deviceId: "js-tests-device-5f0c2a9d81e3b7c4",
  getToken: async () => ({ accessToken: "t", expiresIn: 3600 }),
};
const make = (count) => { for (let i = 0; i < count; i++) new HaloDeviceClient(options); };
async function heap() {
  for (let i = 0; i < 4; i++) { globalThis.gc(); await nextMacrotask(); }
  return process.memoryUsage().heapUsed;
}
// The first batch sets the high-water marks (the glue's FinalizationRegistry,
// V8's tables); only what the second adds is kept per client.
make(20000);
const before = await heap();
make(20000);
process.stdout.write(String((await heap()) - before));
`;

test("20,000 clients made and dropped leave the JS heap where it was", () => {
  const grown = Number(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", CHILD], { encoding: "utf8", cwd: new URL("../..", import.meta.url) }));
  // A reference kept per client costs 200 bytes or more: 4 MB for 20,000.
  assert.ok(grown < 1024 * 1024, `the heap grew by ${grown} bytes`);
});
