// examples/integrator/job.mjs run as written against a simulator: four
// practices in parallel, batch status waits, streamed pages, a summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSimulator } from "../../simulator/index.mjs";

test("the integrator job runs two queries at four practices, waits with batch status and streams every page", async () => {
  const simulator = await startSimulator({ asyncStepMs: 20, pageRows: 3 });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["examples/integrator/job.mjs"], {
      timeout: 60_000,
      env: { ...process.env, HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: simulator.subscriptionKey },
    });
    assert.match(stdout, /job: 4 of 4 practices done/);
    // Every seeded practice has 8 patients and 10 appointments, three rows a page.
    assert.equal(stdout.match(/│\s+8\s+│\s+10\s+│/g)?.length, 4, stdout);
    const { requests } = simulator.stats();
    const batches = Object.entries(requests).filter(([route]) => route.includes("queries/status")).reduce((sum, [, n]) => sum + n, 0);
    const streams = Object.entries(requests).filter(([route]) => route.endsWith("/stream")).reduce((sum, [, n]) => sum + n, 0);
    assert.ok(batches >= 4, `one batch status call per poll per practice (${batches})`);
    assert.equal(Object.keys(requests).some((route) => /GET .*queries\/\{queryId\}$/.test(route)), false, "no single-query polls");
    assert.equal(streams, 4 * (3 + 4), "every page streamed: 3 pages of patients and 4 of appointments per practice");
  } finally {
    await simulator.close();
  }
});
