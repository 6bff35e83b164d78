// The size budget: what a browser downloads for each entry of the installed
// package (wasm + glue + facade, each file gzipped) must not exceed
// size-budget.json. The figure comes from bench/sizes.mjs, the code behind
// the bench's size rows, so the two cannot disagree. Only sizes here: the
// bench's timings are not tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { allEntrySizes } from "../bench/sizes.mjs";

const budget = JSON.parse(readFileSync(new URL("../size-budget.json", import.meta.url), "utf8"));

for (const entry of allEntrySizes()) {
  test(`${entry.name} entry: gzip download within size-budget.json`, { skip: entry.missing && "the package has no such entry yet" }, () => {
    const limit = budget[entry.name]?.gzipBytes;
    assert.ok(Number.isInteger(limit), `size-budget.json has no "${entry.name}": { "gzipBytes": … }`);
    const files = entry.files.map((file) => `  ${file.path}: ${file.gzip} B gzip`).join("\n");
    assert.ok(
      entry.total.gzip <= limit,
      `the ${entry.name} entry is ${entry.total.gzip} B gzip, over its budget of ${limit} B (size-budget.json):\n${files}`,
    );
  });
}
