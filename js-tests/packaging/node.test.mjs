// Node consumers of the packed tarball, each its own project in its own
// process: ESM `import` must resolve to dist/node, CommonJS `require` to
// dist/cjs, and both must make a real call to the simulator.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";
import { DEVICE_ID, SITE_ID, SUBSCRIPTION_KEY, tokenIssuer } from "../scenarios/support.mjs";
import { consumerProject, run } from "./support.mjs";

let simulator;
before(async () => {
  simulator = await startSimulator({ subscriptionKey: SUBSCRIPTION_KEY });
});
after(() => simulator?.close());

const CASES = [
  { name: "node-esm", entry: "node_modules/halo-device/dist/node/index.js" },
  { name: "node-cjs", entry: "node_modules/halo-device/dist/cjs/node.cjs" },
];

for (const { name, entry } of CASES) {
  test(`${name}: resolves ${entry.slice("node_modules/halo-device/".length)} and queries the simulator`, async () => {
    const dir = await consumerProject(name, name);
    const { accessToken } = await tokenIssuer(simulator.url)({ siteId: SITE_ID, deviceId: DEVICE_ID });
    const env = { ...process.env, HALO_URL: simulator.url, HALO_SITE: SITE_ID, HALO_DEVICE: DEVICE_ID, HALO_TOKEN: accessToken };
    const { stdout } = await run(process.execPath, ["main.js"], { cwd: dir, env });
    const outcome = JSON.parse(stdout);
    const resolved = outcome.entry.startsWith("file:") ? fileURLToPath(outcome.entry) : outcome.entry;
    assert.equal(relative(dir, resolved), join(...entry.split("/")));
    assert.deepEqual(outcome.rows, [{ Surname: "Citizen" }]);
    assert.equal(outcome.invalid, "command.text", "a HaloValidationError naming the field, from the same module's class");
  });
}
