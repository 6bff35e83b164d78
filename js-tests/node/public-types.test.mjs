// The published .d.ts files name real types: no `any` anywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const packageRoot = dirname(createRequire(import.meta.url).resolve("halo-device/package.json"));

function declarationFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return declarationFiles(path);
    return entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

// The package's own declarations, and the wasm-bindgen glue's that the build
// compiles the facade against (build/), internal ones included.
const buildDir = join(dirname(new URL(import.meta.url).pathname), "..", "..", "build");

test("no `any` in any declaration file the build writes, shipped or internal", () => {
  const files = [
    ...declarationFiles(join(packageRoot, "dist")),
    ...declarationFiles(join(buildDir, "stage", "src", "wasm")),
    ...declarationFiles(join(buildDir, "nodejs-glue")),
  ];
  assert.ok(files.length >= 8, `found ${files.length} declaration files`);
  const offenders = files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .map((line, index) => ({ file, line: index + 1, text: line }))
      // Prose in doc comments may say "any"; only code lines count.
      .filter(({ text }) => !/^\s*(\/\*\*|\*)/.test(text))
      .filter(({ text }) => /(?<![\w$"'])any(?![\w$"'])/.test(text.replace(/\/\/.*|\/\*.*?\*\//g, ""))),
  );
  assert.deepEqual(offenders, []);
});
