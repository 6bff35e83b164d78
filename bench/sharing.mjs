// 8. Token sharing at scale: many sharing clients of one device meet a
// refused token at once (/_control/tokens/expire) and must settle with one
// renewal between them. Two shapes, as issue 20 sets them:
//   clients: 50 clients in one context (this process), one call each;
//   workers: 40 worker threads (40 contexts, no Web Locks in Node 20, so the
//            BroadcastChannel election), one call each.
// Baseline: the same clients without `tokenSharing`, each renewing its own
// token, measured in the same run; rounds alternate between the two.
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { DEVICE_ID, SITE_ID, control, stats, tokenIssuer } from "../js-tests/scenarios/support.mjs";

const SQL = "SELECT TOP 1 InternalID FROM Patients";
const WORKER_URL = new URL("../js-tests/support/token-sharing-worker.mjs", import.meta.url);

/** One context's clients: `run()` makes one call on each and returns how many failed. */
function contextClients(halo, baseUrl, count, sharing) {
  const getToken = tokenIssuer(baseUrl);
  const channel = { tokenSharing: { channel: "bench-sharing" } };
  const clients = Array.from({ length: count }, () => new halo.HaloDeviceClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, getToken, ...(sharing ? channel : {}) }));
  return {
    async run() {
      const outcomes = await Promise.allSettled(clients.map((client) => client.immediateQuery(SQL)));
      return outcomes.filter((outcome) => outcome.status === "rejected").length;
    },
    async close() {
      for (const client of clients) client.close();
    },
  };
}

/** `count` worker threads with a client each (js-tests' sharing worker). */
async function workerClients(baseUrl, count, sharing) {
  const workers = [];
  for (let index = 0; index < count; index++) {
    const worker = new Worker(WORKER_URL, { workerData: { baseUrl, sharing } });
    await once(worker, "message");
    workers.push(worker);
  }
  let next = 0;
  const ask = (worker, type, args) =>
    new Promise((resolve) => {
      const id = ++next;
      const listen = (message) => {
        if (message.id !== id) return;
        worker.off("message", listen);
        resolve(message.result);
      };
      worker.on("message", listen);
      worker.postMessage({ id, type, ...args });
    });
  return {
    async run() {
      const failures = await Promise.all(workers.map((worker) => ask(worker, "run", { calls: 1 })));
      return failures.flat().length;
    },
    close: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
}

/** `rounds` × (expire, one call on every client) for the sharing clients and the baseline, interleaved. */
export async function measureSharing({ halo, baseUrl, clients, workers, rounds }) {
  const results = {};
  for (const [shape, size, open] of [
    ["clients", clients, (sharing) => contextClients(halo, baseUrl, clients, sharing)],
    ["workers", workers, (sharing) => workerClients(baseUrl, workers, sharing)],
  ]) {
    const sides = { shared: await open(true), alone: await open(false) };
    const r = { size, shared: [], alone: [], tokenRequests: [], baselineTokenRequests: [], failures: 0 };
    try {
      // Warm-up: first tokens, keep-alive connections.
      for (const side of Object.values(sides)) r.failures += await side.run();
      for (let round = 0; round < rounds; round++) {
        for (const [name, side] of Object.entries(sides)) {
          await control(baseUrl, "POST", "tokens/expire", { deviceId: DEVICE_ID });
          const before = (await stats(baseUrl)).tokenRequests;
          const start = performance.now();
          r.failures += await side.run();
          r[name].push(performance.now() - start);
          (name === "shared" ? r.tokenRequests : r.baselineTokenRequests).push((await stats(baseUrl)).tokenRequests - before);
        }
      }
    } finally {
      await Promise.all(Object.values(sides).map((side) => side.close()));
    }
    results[shape] = r;
  }
  return results;
}
