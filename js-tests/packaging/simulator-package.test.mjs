// The halo-cloud-simulator package as a user gets it: a fresh project
// installs both tarballs (build/halo-device-<version>.tgz, build/halo-cloud-simulator.tgz),
// takes the app and its node:test suite from the simulator README's "Use it
// in your tests" as written, and runs `npm test`; the bin runs through npx,
// and index.d.ts compiles in a strict TypeScript project.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT, SIMULATOR_TARBALL, TARBALL, TSC, consumerProjectWith, run } from "./support.mjs";

let dir;
before(async () => {
  dir = await consumerProjectWith([TARBALL, SIMULATOR_TARBALL], "simulator-app", "simulator-app");
});

/** The ```js blocks of the README's "Use it in your tests", each opening with `// <file>`. */
function readmeFiles() {
  const text = readFileSync(join(ROOT, "simulator", "README.md"), "utf8");
  const start = text.indexOf("\n## Use it in your tests\n");
  assert.notEqual(start, -1, 'no "## Use it in your tests" section in simulator/README.md');
  const section = text.slice(start, text.indexOf("\n## ", start + 1));
  return [...section.matchAll(/\n```js\n\/\/ (\S+)[^\n]*\n([\s\S]*?)\n```/g)].map(([, file, code]) => ({ file, code }));
}

test("the tarball ships the package files only, with an executable bin", async () => {
  const { stdout } = await run("tar", ["tzvf", SIMULATOR_TARBALL]);
  const entries = stdout.trim().split("\n").map((line) => ({ mode: line.split(/\s+/)[0], file: line.split(/\s+/).pop() }));
  const files = entries.map((entry) => entry.file);
  for (const file of ["package/package.json", "package/README.md", "package/index.mjs", "package/index.d.ts", "package/bin/halo-sim.mjs", "package/lib/server.mjs"]) {
    assert.ok(files.includes(file), `${file} in ${files.join(", ")}`);
  }
  assert.ok(!files.some((file) => file.startsWith("package/test/")), "no tests shipped");
  assert.match(entries.find((entry) => entry.file === "package/bin/halo-sim.mjs").mode, /^-rwxr-xr-x/);
  const manifest = JSON.parse(readFileSync(join(dir, "node_modules", "halo-cloud-simulator", "package.json"), "utf8"));
  assert.equal(manifest.dependencies, undefined, "node: built-ins only");
  assert.ok(statSync(join(dir, "node_modules", ".bin", "halo-cloud-simulator")).mode & 0o111);
});

test("the README's app and its node:test suite pass against the installed simulator", async () => {
  const files = readmeFiles();
  assert.deepEqual(files.map(({ file }) => file), ["src/patients.mjs", "test/patients.test.mjs"]);
  for (const { file, code } of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), `${code}\n`);
  }
  // As its own run, not a subtest of this one; TAP whatever the Node version's default reporter.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const { stdout } = await run("npm", ["test", "--", "--test-reporter=tap"], { cwd: dir, env });
  assert.match(stdout, /^# tests 5$/m, stdout);
  assert.match(stdout, /^# pass 5$/m, stdout);
  assert.match(stdout, /^# fail 0$/m, stdout);
  for (const name of ["counts the seeded patients", "reads a table the test seeded", "rides out a 503", "a 504 after the SQL ran", "renews an expired token"]) {
    assert.match(stdout, new RegExp(`^ok \\d+ - ${name}`, "m"), name);
  }
});

test("npx halo-cloud-simulator starts the installed bin, prints its URL and serves; --help lists the flags", async (t) => {
  const help = await run("npx", ["--offline", "halo-cloud-simulator", "--help"], { cwd: dir });
  for (const flag of ["--port", "--token-lifetime", "--seed", "--subscription-key", "--verbose"]) assert.match(help.stdout, new RegExp(`^  ${flag}\\b`, "m"));
  // Its own process group, so the kill reaches node under npx.
  const child = spawn("npx", ["--offline", "halo-cloud-simulator", "--port", "0", "--token-lifetime", "60", "--subscription-key", "npx-key"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => process.kill(-child.pid, "SIGTERM"));
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  const url = /^Halo Cloud simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
  assert.ok(url, line);
  const response = await fetch(`${url}/integrator/token`, {
    method: "POST",
    headers: { "Ocp-Apim-Subscription-Key": "npx-key", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:halo-connect:oauth:desktop-token", device_id: "npx-device", site_id: "3f2504e0-4f89-41d3-9a0c-0305e82c3301" }),
  });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).expires_in, 60);
});

test("index.d.ts compiles in a strict TypeScript project, and refuses what the simulator refuses", async () => {
  const { exitCode = 0, stdout } = await run(TSC[5], ["-p", "tsconfig.json"], { cwd: dir }).catch((error) => error);
  assert.deepEqual({ exitCode, errors: stdout.split("\n").filter((line) => / error TS\d+/.test(line)) }, { exitCode: 0, errors: [] });
});
