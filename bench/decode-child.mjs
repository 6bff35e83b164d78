// 4. Decoding one result page, in a fresh process per sample (so each peak
// is its own):  node --expose-gc bench/decode-child.mjs <variant> <data file> <glue URL>
// Variants:
//   native        Buffer.from(data, "base64") + JSON.parse (plain-client.mjs)
//   decodeRows    the package's decodeRows export
//   plainFetch    end to end: fetch -> response.json() -> native decoding
//   getResultPage end to end through the package (its wasm reads the body)
// Both end-to-end variants use the same in-process fetch answering
// {data, parameters}. Prints one JSON line: time, peak RSS, wasm memory.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as halo from "halo-device";
import { DEVICE_ID, SITE_ID } from "../js-tests/scenarios/support.mjs";
import { fakeFetch, staticToken } from "./fake-fetch.mjs";
import { decodeData } from "./plain-client.mjs";
import { base64Json, observationRows } from "./rows.mjs";
import { wasmMemoryBytes } from "./wasm-memory.mjs";

const [variant, dataFile, glueUrl] = process.argv.slice(2);
const QUERY_ID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b";

function decoder(data) {
  // Built for every variant, so each process holds the same before the call.
  const haloFetch = fakeFetch(JSON.stringify({ data, parameters: [] }));
  const client = new halo.HaloDeviceClient({ baseUrl: "http://halo.invalid", siteId: SITE_ID, deviceId: DEVICE_ID, getToken: staticToken, fetch: haloFetch });
  return {
    native: async () => decodeData(data),
    decodeRows: async () => halo.decodeRows(data),
    plainFetch: async () => decodeData((await (await haloFetch("http://halo.invalid/results/1")).json()).data),
    getResultPage: async () => (await client.getResultPage(QUERY_ID, 1)).rows,
  }[variant];
}

// Warm up the same path on a small page (JIT, token, first fetch), so the
// sample measures decoding rather than first-call costs.
await decoder(base64Json(observationRows(100)))();

const run = decoder(readFileSync(dataFile, "latin1"));
globalThis.gc();
const wasmBefore = await wasmMemoryBytes(glueUrl);
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const rows = await run();
const ms = performance.now() - start;
// maxRSS is the process's high-water mark (KiB): the peak during the call,
// less what the process held just before it.
const peakBytes = process.resourceUsage().maxRSS * 1024 - rssBefore;
process.stdout.write(JSON.stringify({ variant, ms, peakBytes, rows: rows.length, wasmBefore, wasmAfter: await wasmMemoryBytes(glueUrl) }) + "\n");
