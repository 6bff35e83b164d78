// The README's main job, run as written: simulator, token broker, webhook
// receiver and device app together (scripts/demo.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

test("the demo prints the simulator's rows, a renewal via the broker, and a delivered webhook result", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/demo.mjs"], { timeout: 60_000 });
  assert.match(stdout, /'Jane'\s+│ 'Citizen'/, "rows from the simulator's Patients table");
  assert.match(stdout, /token renewed \(#2, valid 5 s\)/, "the expired token was renewed");
  assert.equal(stdout.match(/\[broker\] broker: issued a token/g)?.length, 2, "both tokens came from the broker");
  assert.match(stdout, /1000 rows in 10 pages/, "the async query's pages");
  // The receiver records the notification, then its worker fetches every
  // page and hands the result to its handler: one line per delivered result.
  assert.match(stdout, /\[receiver\] delivered async [0-9a-f-]{36} [0-9a-f-]{36} 1000\n/, "the webhook's result was delivered, all 1000 rows");
  assert.match(stdout, /Done: 2 tokens fetched in all\./);
  assert.ok(!stdout.includes("sim-subscription-key"), "the key is never printed");
});
