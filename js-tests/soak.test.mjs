// Fault-injection soak: calls through the packed package against the
// simulator while it answers 429, 500, 503, 504-after-running, delays and
// dropped connections, tokens expire under the calls, and callers abort —
// 10,000 through the device door (250 at a time), 1,000 at once through
// the integrator's.
// Every call must settle exactly once with a result, a typed HaloError or
// its own abort reason, and no INSERT may ever land twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import * as integrator from "halo-device/integrator";
import { control, deviceClient, fault, SITE_ID } from "./scenarios/support.mjs";
import { integratorFor } from "./integrator/support.mjs";
import { withSimulator } from "./support/simulator.mjs";

const HANG_MS = 20_000;

/** A seeded PRNG (mulberry32), so a failing run can be replayed. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS = [
  { status: 429, retryAfter: "0" },
  { status: 500 },
  { status: 503, retryAfter: "0" },
  { status: 504, executeBeforeFault: true },
  { delayMs: 150 },
  { drop: true },
  { drop: true, executeBeforeFault: true },
];

const DOORS = [
  { door: "device", calls: 10_000, batch: 250, attemptTimeoutMs: 1_000, HaloError: halo.HaloError, clientFor: (url, options) => deviceClient(halo, url, options).client },
  // A thousand at once in one process with the simulator: an attempt gets
  // longer, or the queue behind the event loop times it out.
  { door: "integrator", calls: 1_000, batch: 1_000, attemptTimeoutMs: 10_000, HaloError: integrator.HaloError, clientFor: (url, options) => integratorFor(integrator, url, options).site(SITE_ID) },
];

for (const { door, calls: CALLS, batch: BATCH, attemptTimeoutMs, HaloError, clientFor } of DOORS) {
  test(`soak through the ${door} door: ${CALLS} calls under random faults all settle once, and no write runs twice`, { timeout: 600_000 }, async () => {
    const seed = Number(process.env.SOAK_SEED ?? 20261125);
    const next = random(seed);
    const pick = (list) => list[Math.floor(next() * list.length)];
    await withSimulator({ asyncStepMs: 5 }, async (simulator) => {
      const client = clientFor(simulator.url, { attemptTimeoutMs, maxRetries: 3 });
      const outcomes = { ok: 0, typed: 0, aborted: 0, wrong: [] };
      const written = new Set();
      for (let start = 0; start < CALLS; start += BATCH) {
        for (let i = 0; i < 12; i++) await fault(simulator.url, { path: pick(["queries/immediate", "queries/async", "/queries/", "fhir/R4"]), ...pick(FAULTS), times: 1 + Math.floor(next() * 3) });
        if (next() < 0.3) await control(simulator.url, "POST", "tokens/expire");
        const batch = [];
        for (let n = start; n < Math.min(start + BATCH, CALLS); n++) {
          const controller = new AbortController();
          const reason = new Error(`soak abort ${n}`);
          if (next() < 0.05) setTimeout(() => controller.abort(reason), Math.floor(next() * 40));
          const signal = controller.signal;
          const kind = pick(["insert", "select", "select", "async", "fhir"]);
          const call =
            kind === "insert" ? (written.add(`soak-${n}`), client.immediateQuery({ text: `INSERT INTO Observations (InternalID, Code) VALUES (1, 'soak-${n}')`, executionMode: "nonQuery" }, { signal }))
            : kind === "select" ? client.immediateQuery(`SELECT ${n} AS n`, { signal })
            : kind === "async" ? client.startAsyncQuery(`SELECT ${n} AS n`, { signal })
            : client.fhirRead("Patient", "1", { signal });
          let settled = 0;
          batch.push(
            Promise.race([
              call.then(
                () => ["ok"],
                (error) => [error === reason ? "aborted" : error instanceof HaloError ? "typed" : "wrong", error],
              ),
              new Promise((resolve) => setTimeout(() => resolve(["wrong", new Error(`call ${n} (${kind}) did not settle in ${HANG_MS} ms`)]), HANG_MS).unref()),
            ]).then(([outcome, error]) => {
              settled += 1;
              if (settled !== 1) outcomes.wrong.push(`call ${n} settled ${settled} times`);
              if (outcome === "wrong") outcomes.wrong.push(`${kind} ${n}: ${error?.name} ${error?.message}`);
              else outcomes[outcome] += 1;
            }),
          );
        }
        await Promise.all(batch);
      }
      await control(simulator.url, "DELETE", "faults");
      const { rows } = await client.immediateQuery("SELECT Code FROM Observations WHERE Code LIKE 'soak-%'");
      const landed = new Map();
      for (const { Code } of rows) landed.set(Code, (landed.get(Code) ?? 0) + 1);
      const twice = [...landed].filter(([, count]) => count > 1).map(([code]) => code);
      const passed = outcomes.ok + outcomes.typed + outcomes.aborted;
      console.log(`soak through the ${door} door (seed ${seed}): ${outcomes.ok} results, ${outcomes.typed} typed errors, ${outcomes.aborted} aborts; ${landed.size} of ${written.size} inserts landed, ${twice.length} twice`);
      console.log(`${passed} passed, ${outcomes.wrong.length} failed`);
      assert.deepEqual(outcomes.wrong.slice(0, 10), [], "every call settled once, with a result, a HaloError or its abort reason");
      assert.equal(passed, CALLS);
      assert.deepEqual(twice, [], "no INSERT ran twice");
      assert.ok(outcomes.ok > CALLS / 2 && outcomes.typed > 0 && outcomes.aborted > 0, "the faults and aborts really happened");
      assert.deepEqual((await client.immediateQuery("SELECT 1 AS one")).rows, [{ one: 1 }], "the client still works");
    });
  });
}
