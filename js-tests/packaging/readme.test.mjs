// The READMEs' quick starts run as written: each ```js block of the named
// section is saved as a module in a consumer project and run by Node after
// fixtures/readme/wiring.mjs (your cloud's token route and the stage host,
// all answered by the simulator), plus one line that prints `rows`. And
// every block of the npm README, js or ts, compiles on its own under strict
// TypeScript against the packed package: nothing it uses is left undeclared.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";
import { DEVICE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { ROOT, TSC, consumerProject, run } from "./support.mjs";

let simulator;
let dir;
before(async () => {
  [simulator, dir] = await Promise.all([startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, asyncStepMs: 10 }), consumerProject("readme", "readme")]);
});
after(() => simulator?.close());

/** The ```js blocks of a `## heading` section of a Markdown file. */
function codeBlocks(markdownFile, heading) {
  const text = readFileSync(markdownFile, "utf8");
  const start = text.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `no "## ${heading}" section in ${markdownFile}`);
  const end = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/\n```js\n([\s\S]*?)\n```/g)].map((match) => match[1]);
}

async function runBlock(name, code) {
  writeFileSync(join(dir, `${name}.mjs`), `${code}\nconsole.log(JSON.stringify(rows));\n`);
  const env = { ...process.env, HALO_SIM_URL: simulator.url, HALO_DEVICE_ID: DEVICE_ID, HALO_SUPPORT: pathToFileURL(join(ROOT, "js-tests", "scenarios", "support.mjs")).href };
  const { stdout, stderr } = await run(process.execPath, ["--import", "./wiring.mjs", `${name}.mjs`], { cwd: dir, env });
  const lines = stdout.trim().split("\n");
  return { rows: JSON.parse(lines.pop()), printed: lines, requests: stderr.split("\n").filter((line) => line.startsWith("fetch ")) };
}

test('README.md "Quick start" runs as written against the simulator', async () => {
  const blocks = codeBlocks(join(ROOT, "README.md"), "Quick start");
  assert.equal(blocks.length, 1);
  const { rows, requests } = await runBlock("quickstart", blocks[0]);
  assert.equal(rows.length, 8);
  assert.deepEqual(rows[0], { InternalID: 1, Surname: "Smith" });
  assert.deepEqual(requests, [
    "fetch POST /api/halo-token",
    "fetch POST https://api.stage.haloconnect.io/desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/queries/immediate",
  ]);
});

test('the npm README\'s "Use" runs as written against the simulator', async () => {
  const blocks = codeBlocks(join(ROOT, "pkg-template", "README.md"), "Use");
  assert.equal(blocks.length, 1);
  const { rows, printed, requests } = await runBlock("use", blocks[0]);
  assert.deepEqual(rows, [{ InternalID: 1, Surname: "Smith" }]);
  assert.deepEqual(printed, ["10"], "one page of the 10 appointments");
  assert.ok(requests.some((line) => /POST https:\/\/api\.stage\.haloconnect\.io\/.*\/queries\/async$/.test(line)), requests.join("\n"));
});

test("every code block of the npm README compiles on its own under strict TypeScript against the packed package", async () => {
  const text = readFileSync(join(ROOT, "pkg-template", "README.md"), "utf8");
  const blocks = [...text.matchAll(/\n```(?:js|ts)\n([\s\S]*?)\n```/g)].map((match) => match[1]);
  assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
  const files = blocks.map((code, index) => {
    const file = `readme-block-${index + 1}.ts`;
    writeFileSync(join(dir, file), `${code}\nexport {};\n`);
    return file;
  });
  const compilerOptions = {
    target: "es2022",
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["es2022", "dom", "dom.iterable"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
  };
  writeFileSync(join(dir, "tsconfig.readme.json"), JSON.stringify({ compilerOptions, files }));
  const outcome = await run(TSC[5], ["-p", "tsconfig.readme.json"], { cwd: dir }).catch((error) => error);
  assert.equal(outcome.exitCode, undefined, `${outcome.stdout}${outcome.stderr}`);
});
