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

test("no `any` in the package's declaration files", () => {
  const files = declarationFiles(join(packageRoot, "dist"));
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
