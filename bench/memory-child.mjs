// 6. Memory, in a fresh process started with --expose-gc:
//   node --expose-gc bench/memory-child.mjs <glue URL> <total>
// Two workloads of <total> iterations:
//   oneClient:     one client, <total> immediateQuery calls;
//   clientPerCall: a new client per call, never free()d (the glue is built
//                  with --weak-refs: a FinalizationRegistry must free them).
// Each measurement follows full GCs and event-loop turns, so only what is
// still reachable (or leaked in wasm memory) remains. Prints one JSON line.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { HaloDeviceClient } from "halo-device";
import { DEVICE_ID, SITE_ID } from "../js-tests/scenarios/support.mjs";
import { fakeFetch, staticToken } from "./fake-fetch.mjs";
import { immediateQueryBody } from "./rows.mjs";
import { wasmMemoryBytes } from "./wasm-memory.mjs";

const [glueUrl, totalArg] = process.argv.slice(2);
const total = Number(totalArg); // even, > FIRST
const FIRST = 1000;
const SQL = "SELECT TOP 5 * FROM Patients";
const options = { baseUrl: "http://halo.invalid", siteId: SITE_ID, deviceId: DEVICE_ID, getToken: staticToken, fetch: fakeFetch(immediateQueryBody(5)) };

async function snapshot() {
  // FinalizationRegistry callbacks run as tasks after the GC that found
  // their objects dead: collect, yield, repeat.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await nextMacrotask();
  }
  return { heap: process.memoryUsage().heapUsed, wasm: await wasmMemoryBytes(glueUrl) };
}

// Snapshots after 1,000 iterations, halfway and at the end: growth in the
// second half tells a leak (keeps growing) from a high-water mark (wasm
// memory never shrinks, so a peak from late finalization stays visible).
async function measure(iteration) {
  const at = {};
  const start = performance.now();
  for (let i = 1; i <= total; i++) {
    await iteration();
    if (i === FIRST || i === total / 2 || i === total) at[i] = await snapshot();
  }
  return { first: at[FIRST], half: at[total / 2], last: at[total], usPerCall: ((performance.now() - start) * 1000) / total };
}

const client = new HaloDeviceClient(options);
const result = {
  first: FIRST,
  total,
  oneClient: await measure(() => client.immediateQuery(SQL)),
  clientPerCall: await measure(() => new HaloDeviceClient(options).immediateQuery(SQL)),
};
process.stdout.write(JSON.stringify(result) + "\n");
