// A TypeScript consumer of the packed tarball, compiled with `strict`,
// `skipLibCheck: false` and a `lib` without esnext.disposable: as a bundler
// app (`types` condition), as a Node app (nodenext, @types/node) through
// both `import` and `require`, and under the legacy `moduleResolution: "node"`
// (node10), which ignores "exports". The consumer code is the workspace's own
// strict consumer (js-tests/types/consumer.ts) plus a CommonJS file. Each
// configuration is compiled by TypeScript 5.x (the workspace's) and by the
// current 7.x (the native compiler, npm alias `typescript7`), which has
// dropped node10: there the test holds it to refusing the option by name.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT, TSC, consumerProject, run } from "./support.mjs";

const CONFIGS = ["tsconfig.bundler.json", "tsconfig.node.json", "tsconfig.node-no-dom.json", "tsconfig.node10.json", "tsconfig.probe.json"];
const MAJORS = [5, 7];
const outcomes = { 5: {}, 7: {} };
const versions = {};

/** Runs `jobs` (functions returning promises) `width` at a time. */
async function pool(jobs, width) {
  const queue = [...jobs];
  await Promise.all(Array.from({ length: width }, async () => {
    while (queue.length > 0) await queue.shift()();
  }));
}

before(async () => {
  const dir = await consumerProject("ts-strict", "ts-strict");
  cpSync(join(ROOT, "js-tests", "types", "consumer.ts"), join(dir, "src", "app.ts"));
  const packageDir = join(dir, "node_modules", "halo-device");
  for (const major of MAJORS) versions[major] = (await run(TSC[major], ["--version"])).stdout.trim();
  const compile = (major, config) => async () => {
    const { stdout, exitCode = 0 } = await run(TSC[major], ["-p", config, "--listFiles"], { cwd: dir }).catch((error) => error);
    const lines = stdout.split("\n").map((line) => line.trim());
    outcomes[major][config] = {
      exitCode,
      errors: lines.filter((line) => / error TS\d+/.test(line)),
      packageFiles: lines.map((file) => relative(packageDir, file)).filter((file) => file.startsWith("dist")),
    };
  };
  // Two cores, and each tsc 5 takes a few hundred MB: three at a time.
  await pool(MAJORS.flatMap((major) => CONFIGS.map((config) => compile(major, config))), 3);
});

test("the matrix runs TypeScript 5.x and 7.x", () => {
  assert.match(versions[5], /^Version 5\.\d+\.\d+$/);
  assert.match(versions[7], /^Version 7\.\d+\.\d+$/);
});

for (const major of MAJORS) {
  test(`TypeScript ${major}: a bundler app compiles against dist/browser types (DOM lib, no esnext.disposable)`, () => {
    const { exitCode, errors, packageFiles } = outcomes[major]["tsconfig.bundler.json"];
    assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
    assert.ok(packageFiles.includes(join("dist", "browser", "index.d.ts")), packageFiles.join(", "));
    assert.ok(!packageFiles.some((file) => file.startsWith(join("dist", "cjs"))));
  });

  test(`TypeScript ${major}: a Node app (nodenext, @types/node) compiles through import (dist/node) and require (dist/cjs)`, () => {
    const { exitCode, errors, packageFiles } = outcomes[major]["tsconfig.node.json"];
    assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
    assert.ok(packageFiles.includes(join("dist", "node", "index.d.ts")), `import: ${packageFiles.join(", ")}`);
    assert.ok(packageFiles.includes(join("dist", "cjs", "index.d.ts")), `require: ${packageFiles.join(", ")}`);
  });

  test(`TypeScript ${major}: a Node app compiles without the DOM lib (es2022 + @types/node only)`, () => {
    const { exitCode, errors } = outcomes[major]["tsconfig.node-no-dom.json"];
    assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
  });

  test(`TypeScript ${major}: the probe shows this lib really lacks Symbol.dispose (so the checks above can fail)`, () => {
    const { exitCode, errors } = outcomes[major]["tsconfig.probe.json"];
    assert.notEqual(exitCode, 0);
    assert.match(errors.join("\n"), /Property 'dispose' does not exist on type 'SymbolConstructor'/);
  });
}

test("TypeScript 5: moduleResolution node (node10) finds both entries' types, halo-device/integrator through typesVersions", () => {
  const { exitCode, errors, packageFiles } = outcomes[5]["tsconfig.node10.json"];
  assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
  assert.ok(packageFiles.includes(join("dist", "browser", "integrator.d.ts")), packageFiles.join(", "));
});

test("TypeScript 7 has removed moduleResolution node10: it refuses the option by name (and nothing else)", () => {
  const { exitCode, errors, packageFiles } = outcomes[7]["tsconfig.node10.json"];
  assert.notEqual(exitCode, 0);
  assert.ok(packageFiles.includes(join("dist", "browser", "integrator.d.ts")), `typesVersions still resolves: ${packageFiles.join(", ")}`);
  assert.deepEqual(errors, [errors.find((line) => /error TS5108: Option 'moduleResolution=node10' has been removed/.test(line))], errors.join("\n"));
});
