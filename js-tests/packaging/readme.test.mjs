// The READMEs' code runs as written against the simulator. The quick starts:
// each ```js block of the named section is saved as a module in a consumer
// project and run by Node after fixtures/readme/wiring.mjs (your cloud's
// token route and the stage host, all answered by the simulator), plus one
// line that prints `rows`. The npm README's other runnable blocks: its
// simulator test runs under `node --test`; its token broker (TypeScript,
// types stripped by esbuild) serves a token the simulator accepts; its
// webhook receiver (on result delivery) and error handling are imported and called. And every
// block of the npm README, js or ts, compiles on its own under strict
// TypeScript against the packed packages: nothing it uses is undeclared.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { HaloDeviceClient, brokerTokenProvider } from "halo-device";
import { startSimulator } from "../../simulator/index.mjs";
import { DEVICE_ID, SITE_ID, SUBSCRIPTION_KEY, deviceClient } from "../scenarios/support.mjs";
import { ROOT, SIMULATOR_TARBALL, TARBALL, TSC, consumerProjectWith, run } from "./support.mjs";

const NPM_README = join(ROOT, "pkg-template", "README.md");
let simulator;
let dir;
before(async () => {
  [simulator, dir] = await Promise.all([
    startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, asyncStepMs: 10 }),
    consumerProjectWith([TARBALL, SIMULATOR_TARBALL], "readme", "readme"),
  ]);
});
after(() => simulator?.close());

/** The ```js (or `language`) blocks of a `## heading` section of a Markdown file. */
function codeBlocks(markdownFile, heading, language = "js") {
  const text = readFileSync(markdownFile, "utf8");
  const start = text.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `no "## ${heading}" section in ${markdownFile}`);
  const end = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp(`\\n\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``, "g"))].map((match) => match[1]);
}

/** The one ```ts block of an npm README section, types stripped, saved as <name>.mjs in the consumer project. */
async function tsBlock(heading, name) {
  const blocks = codeBlocks(NPM_README, heading, "ts");
  assert.equal(blocks.length, 1, `one ts block in "${heading}"`);
  const { transform } = await import("esbuild");
  const { code } = await transform(blocks[0], { loader: "ts", format: "esm" });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  return file;
}

const wiringEnv = () => ({ ...process.env, HALO_SIM_URL: simulator.url, HALO_DEVICE_ID: DEVICE_ID, HALO_SUPPORT: pathToFileURL(join(ROOT, "js-tests", "scenarios", "support.mjs")).href });

async function runBlock(name, code) {
  writeFileSync(join(dir, `${name}.mjs`), `${code}\nconsole.log(JSON.stringify(rows));\n`);
  const { stdout, stderr } = await run(process.execPath, ["--import", "./wiring.mjs", `${name}.mjs`], { cwd: dir, env: wiringEnv() });
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
  const blocks = codeBlocks(NPM_README, "Use");
  assert.equal(blocks.length, 1);
  const { rows, printed, requests } = await runBlock("use", blocks[0]);
  assert.deepEqual(rows, [{ InternalID: 1, Surname: "Smith" }]);
  assert.deepEqual(printed, ["10"], "one page of the 10 appointments");
  assert.ok(requests.some((line) => /POST https:\/\/api\.stage\.haloconnect\.io\/.*\/queries\/async$/.test(line)), requests.join("\n"));
});

test('the npm README\'s "Testing your app" runs as written under node --test, against the packed simulator', async () => {
  const blocks = codeBlocks(NPM_README, "Testing your app: `halo-cloud-simulator`");
  assert.equal(blocks.length, 1);
  writeFileSync(join(dir, "simulator.test.mjs"), blocks[0]);
  // Without NODE_TEST_CONTEXT (set by our own runner), the child reports as a user's `node --test` does.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const { stdout } = await run(process.execPath, ["--test", "--test-reporter=tap", "simulator.test.mjs"], { cwd: dir, env });
  assert.match(stdout, /^# pass 1$/m);
  assert.match(stdout, /^# fail 0$/m);
});

/**
 * Runs a token broker `file` (it listens on 8080, which the wiring moves to
 * a free port) and checks it as a device would: a token the simulator
 * accepts, then the requests that crashed the README's earlier broker (an
 * unknown GUID, malformed JSON) and a huge body, each a typed answer, with
 * the process alive after them.
 */
async function brokerSurvives(file) {
  const unknownSite = "3f2504e0-4f89-41d3-9a0c-0305e82c3399";
  const broker = spawn(process.execPath, ["--import", "./wiring.mjs", file], {
    cwd: dir,
    env: { ...wiringEnv(), HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, HALO_UNKNOWN_SITE: unknownSite },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const lines = createInterface({ input: broker.stderr });
    const [listening] = await once(lines, "line");
    assert.match(listening, /^listening \d+$/);
    const tokenUrl = `http://127.0.0.1:${listening.split(" ")[1]}/`;
    const session = { Authorization: "Bearer readme-session" };
    const query = async () => {
      const client = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: brokerTokenProvider(tokenUrl, { headers: session }) });
      const { rows } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
      assert.equal(rows.length, 8);
      assert.equal(client.tokenInfo().renewals, 1, "one token, from the broker");
    };
    await query();
    const bad = [
      [JSON.stringify({ siteId: unknownSite, deviceId: DEVICE_ID }), 404, "HALO_NOT_FOUND"],
      ['{"siteId": "3f2504e0', 400, "BROKER_BAD_BODY"],
      ["x".repeat(1_000_000), 413, "BROKER_BODY_TOO_LARGE"],
      [JSON.stringify({ siteId: SITE_ID }), 401, "BROKER_UNAUTHORIZED", {}],
    ];
    for (const [body, status, code, headers = session] of bad) {
      const response = await fetch(tokenUrl, { method: "POST", headers, body });
      assert.equal(response.status, status, code);
      assert.equal((await response.json()).error.code, code);
    }
    assert.equal(broker.exitCode, null, "the broker process is still running");
    await query();
  } finally {
    broker.kill();
  }
}

test("the npm README's token broker runs as written: a device gets a token the simulator accepts, and bad requests leave the process alive", async () => {
  await brokerSurvives(await tsBlock("Your cloud: `halo-device/integrator`", "broker"));
});

test("createTokenBroker's JSDoc example, as a Next.js route module, serves a device and survives the same bad requests", async () => {
  const declarations = readFileSync(join(dir, "node_modules", "halo-device", "dist", "browser", "server", "token-broker.d.ts"), "utf8");
  const comment = declarations.slice(0, declarations.indexOf("export declare function createTokenBroker"));
  const example = comment.slice(comment.lastIndexOf("@example") + "@example".length, comment.lastIndexOf("*/"));
  const { transform } = await import("esbuild");
  const { code } = await transform(example.replace(/^\s*\* ?/gm, ""), { loader: "ts", format: "esm" });
  writeFileSync(join(dir, "jsdoc-broker.mjs"), code);
  // The route module, mounted as a server would mount it.
  writeFileSync(join(dir, "jsdoc-broker-serve.mjs"), 'import { serve } from "@hono/node-server";\nconst { POST } = await import("./jsdoc-broker.mjs");\nserve({ fetch: POST, port: 8080 });\n');
  await brokerSurvives(join(dir, "jsdoc-broker-serve.mjs"));
});

test("the npm README's webhook receiver records a notification once, acknowledges its duplicate, refuses a forgery, and delivers", async () => {
  const file = await tsBlock("Webhooks", "webhooks");
  // The block declares `saveRows`, your storage; this one keeps what it is given.
  const saved = [];
  globalThis.saveRows = async (key, rows) => saved.push({ key, rows });
  Object.assign(process.env, { HALO_WEBHOOK_SECRET: "readme-webhook-secret", HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY });
  const { delivery, receive } = await import(pathToFileURL(file).href);
  try {
    const { client } = deviceClient({ HaloDeviceClient }, simulator.url);
    const { id: queryId } = await client.startAsyncQuery("SELECT TOP 2 InternalID FROM Patients");
    await client.waitForQuery(queryId, { pollIntervalMs: 10 });
    const id = "6c0d7b19-1a2b-4c3d-8e4f-a0b1c2d3e4f5";
    const rawBody = JSON.stringify({ id, occurredAt: new Date().toISOString(), siteId: SITE_ID, queryId, webhookSource: "async" });
    const timestamp = new Date().toISOString();
    const signature = createHmac("sha256", process.env.HALO_WEBHOOK_SECRET).update(`${rawBody}.${timestamp}`).digest("hex");
    const request = (sig) => new Request("http://cloud.test/halo", { method: "POST", headers: { "x-halo-id": id, "x-halo-timestamp": timestamp, "x-halo-signature-256": sig }, body: rawBody });
    assert.equal((await receive(request(signature))).status, 204);
    assert.equal((await receive(request(signature))).status, 204, "a duplicate is acknowledged");
    assert.equal((await receive(request("0".repeat(64)))).status, 401, "a forgery is refused");
    for (let i = 0; i < 200 && saved.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(saved.map(({ key, rows }) => [key, rows.length]), [[`async:${SITE_ID}:${queryId}`, 2]]);
    assert.equal(delivery.counters().duplicateNotifications, 1);
  } finally {
    await delivery.close();
    delete globalThis.saveRows;
    for (const name of ["HALO_WEBHOOK_SECRET", "HALO_BASE_URL", "HALO_SUBSCRIPTION_KEY"]) delete process.env[name];
  }
});

test("the npm README's error handling returns the rows, [] for an unavailable practice, and rethrows an auth failure", async () => {
  const { patients } = await import(pathToFileURL(await tsBlock("Errors", "errors")).href);
  const issued = deviceClient({ HaloDeviceClient }, simulator.url).client;
  assert.equal((await patients(issued)).length, 8);
  simulator.fault({ path: "/queries/immediate", status: 504 });
  assert.deepEqual(await patients(issued), [], "a 504 is HaloUnavailableError");
  const refused = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: async () => ({ accessToken: "not-a-halo-token", expiresIn: 3600 }) });
  const error = await patients(refused).catch((caught) => caught);
  assert.equal(error.message, "check the token service");
  assert.equal(error.cause?.code, "HALO_AUTH");
});

test("every code block of the npm README compiles on its own under strict TypeScript against the packed package", async () => {
  const text = readFileSync(NPM_README, "utf8");
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
