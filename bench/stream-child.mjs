// 7. Streaming one large page, in a fresh process (so the peak is its own):
//   node --expose-gc bench/stream-child.mjs <simulator URL> <query id>
// Reads page 1 with `streamResultPage` and counts the rows, keeping none:
// what stays in memory is the client's own. Prints one JSON line: rows,
// bytes of row JSON, time to the first row and in all, and the peak growth
// of RSS (the process's high-water mark) and of the JS heap (sampled).
import { performance } from "node:perf_hooks";
import { HaloIntegratorClient } from "halo-device/integrator";
import { SITE_ID, SUBSCRIPTION_KEY } from "../js-tests/scenarios/support.mjs";

const [baseUrl, queryId] = process.argv.slice(2);
const site = new HaloIntegratorClient({ baseUrl, subscriptionKey: SUBSCRIPTION_KEY }).site(SITE_ID);

// Warm up: the same path on a tiny read, so the figures are the stream's.
await site.getQuery(queryId);

globalThis.gc();
const before = process.memoryUsage();
let heapPeak = before.heapUsed;
const sampler = setInterval(() => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}, 10);
const start = performance.now();
let firstRowMs;
let rows = 0;
let chars = 0;
for await (const row of site.streamResultPage(queryId, 1)) {
  firstRowMs ??= performance.now() - start;
  rows++;
  chars += row.Notes.length;
}
const totalMs = performance.now() - start;
clearInterval(sampler);
heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
const rssPeakGrowth = process.resourceUsage().maxRSS * 1024 - before.rss;
process.stdout.write(JSON.stringify({ rows, chars, firstRowMs, totalMs, rssPeakGrowth, heapPeakGrowth: heapPeak - before.heapUsed }) + "\n");
