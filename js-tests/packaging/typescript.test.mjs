// A TypeScript consumer of the packed tarball, compiled with `strict`,
// `skipLibCheck: false` and a `lib` without esnext.disposable: as a bundler
// app (`types` condition), as a Node app (nodenext, @types/node) through
// both `import` and `require`, and under the legacy `moduleResolution: "node"`
// (node10), which ignores "exports". The consumer code is the workspace's own
// strict consumer (js-tests/types/consumer.ts) plus a CommonJS file.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT, bin, consumerProject, run } from "./support.mjs";

const CONFIGS = ["tsconfig.bundler.json", "tsconfig.node.json", "tsconfig.node-no-dom.json", "tsconfig.node10.json", "tsconfig.probe.json"];
const outcomes = {};

before(async () => {
  const dir = await consumerProject("ts-strict", "ts-strict");
  cpSync(join(ROOT, "js-tests", "types", "consumer.ts"), join(dir, "src", "app.ts"));
  const packageDir = join(dir, "node_modules", "halo-device");
  // Two cores: the compilations run side by side.
  await Promise.all(
    CONFIGS.map(async (config) => {
      const { stdout, exitCode = 0 } = await run(bin("tsc"), ["-p", config, "--listFiles"], { cwd: dir }).catch((error) => error);
      const lines = stdout.split("\n").map((line) => line.trim());
      outcomes[config] = {
        exitCode,
        errors: lines.filter((line) => / error TS\d+/.test(line)),
        packageFiles: lines.map((file) => relative(packageDir, file)).filter((file) => file.startsWith("dist")),
      };
    }),
  );
});

test("a bundler app compiles against dist/browser types (DOM lib, no esnext.disposable)", () => {
  const { exitCode, errors, packageFiles } = outcomes["tsconfig.bundler.json"];
  assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
  assert.ok(packageFiles.includes(join("dist", "browser", "index.d.ts")), packageFiles.join(", "));
  assert.ok(!packageFiles.some((file) => file.startsWith(join("dist", "cjs"))));
});

test("a Node app (nodenext, @types/node) compiles through import (dist/node) and require (dist/cjs)", () => {
  const { exitCode, errors, packageFiles } = outcomes["tsconfig.node.json"];
  assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
  assert.ok(packageFiles.includes(join("dist", "node", "index.d.ts")), `import: ${packageFiles.join(", ")}`);
  assert.ok(packageFiles.includes(join("dist", "cjs", "index.d.ts")), `require: ${packageFiles.join(", ")}`);
});

test("a Node app compiles without the DOM lib (es2022 + @types/node only)", () => {
  const { exitCode, errors } = outcomes["tsconfig.node-no-dom.json"];
  assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
});

test("moduleResolution node (node10) finds both entries' types, halo-device/integrator through typesVersions", () => {
  const { exitCode, errors, packageFiles } = outcomes["tsconfig.node10.json"];
  assert.deepEqual({ exitCode, errors }, { exitCode: 0, errors: [] });
  assert.ok(packageFiles.includes(join("dist", "browser", "integrator.d.ts")), packageFiles.join(", "));
});

test("the probe shows this lib really lacks Symbol.dispose (so the checks above can fail)", () => {
  const { exitCode, errors } = outcomes["tsconfig.probe.json"];
  assert.notEqual(exitCode, 0);
  assert.match(errors.join("\n"), /Property 'dispose' does not exist on type 'SymbolConstructor'/);
});
