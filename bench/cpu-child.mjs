// 3b. In-process CPU overhead per call, in a fresh process:
//   node bench/cpu-child.mjs <calls per block> <blocks>
// `immediateQuery` through the package and through plain-client.mjs, both on
// the same in-process fetch (fake-fetch.mjs: a `new Response` on a later
// macrotask), so no network or server time hides the client's own work.
// Blocks of sequential calls alternate between the sides; each block's
// process CPU time (user + system) and wall time are divided by its calls.
// Prints one JSON line: per-block µs/call for each side.
// `node --cpu-prof bench/cpu-child.mjs …` profiles the same loop.
import { performance } from "node:perf_hooks";
import { HaloDeviceClient } from "halo-device";
import { DEVICE_ID, SITE_ID } from "../js-tests/scenarios/support.mjs";
import { fakeFetch, staticToken } from "./fake-fetch.mjs";
import { plainClient } from "./plain-client.mjs";
import { immediateQueryBody } from "./rows.mjs";

const [perBlock = 2000, blocks = 10, only] = process.argv.slice(2).map((arg, i) => (i < 2 ? Number(arg) : arg));
const SQL = "SELECT TOP 5 * FROM Patients";
const BASE_URL = "http://halo.invalid";
const fetch = fakeFetch(immediateQueryBody(5));
const client = new HaloDeviceClient({ baseUrl: BASE_URL, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: staticToken, fetch });
const { accessToken } = await staticToken();
const plain = plainClient({ baseUrl: BASE_URL, siteId: SITE_ID, deviceId: DEVICE_ID, accessToken, fetch });
const sides = {
  package: () => client.immediateQuery(SQL),
  plain: () => plain(SQL),
};

async function block(call, calls) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const { rows } = await call();
    if (rows.length !== 5) throw new Error(`expected 5 rows, got ${rows.length}`);
  }
  const wallUs = ((performance.now() - start) * 1000) / calls;
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / calls, wallUs };
}

const names = only ? [only] : ["package", "plain"];
for (const name of names) await block(sides[name], perBlock); // warm-up: JIT, token
const result = Object.fromEntries(names.map((name) => [name, []]));
for (let i = 0; i < blocks; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) result[name].push(await block(sides[name], perBlock));
}
process.stdout.write(JSON.stringify(result) + "\n");
