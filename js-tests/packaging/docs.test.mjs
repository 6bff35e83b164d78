// API docs: TypeDoc over the packed package's declarations (typedoc.json,
// warnings are errors), one entry point per export subpath, the gaps in
// per-symbol docs held to docs/api-doc-gaps.json, and tsc over the examples.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { ROOT, TSC, bin, run } from "./support.mjs";

const GAPS_FILE = join(ROOT, "docs", "api-doc-gaps.json");
const API_JSON = join(ROOT, "build", "docs", "api.json");
const KIND = { Class: 128, Method: 2048, Reference: 4194304 };
let typedoc;

before(async () => {
  typedoc = await run(bin("typedoc"), ["--json", API_JSON], { cwd: ROOT }).catch((error) => error);
});

test("TypeDoc builds the API docs with no warnings (treatWarningsAsErrors)", () => {
  assert.equal(typedoc.exitCode, undefined, `${typedoc.stdout}${typedoc.stderr}`);
  assert.doesNotMatch(typedoc.stdout + typedoc.stderr, /\[warning\]|\[error\]/);
  assert.ok(existsSync(join(ROOT, "build", "docs", "index.html")));
  assert.ok(existsSync(join(ROOT, "build", "docs", "classes", "index.HaloDeviceClient.html")));
});

test("typedoc.json documents every export subpath of the package", () => {
  const config = JSON.parse(readFileSync(join(ROOT, "typedoc.json"), "utf8"));
  const packageDir = dirname(createRequire(join(ROOT, "package.json")).resolve("halo-device/package.json"));
  const { exports } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const typed = Object.values(exports).flatMap((target) => (typeof target === "object" && target.types ? [join(packageDir, target.types)] : []));
  assert.ok(typed.length >= 1);
  assert.deepEqual(typed.map((file) => relative(ROOT, file)).sort(), [...config.entryPoints].sort());
});

/** "module.Symbol[#method]: summary+example" for each public symbol lacking either. */
function docGaps(api) {
  const commentOf = (r) => r.comment ?? r.signatures?.find((signature) => signature.comment)?.comment;
  const gaps = [];
  for (const module of api.children) {
    for (const symbol of (module.children ?? []).filter((s) => s.kind !== KIND.Reference)) {
      const methods = symbol.kind === KIND.Class ? (symbol.children ?? []).filter((m) => m.kind === KIND.Method && !m.inheritedFrom) : [];
      for (const reflection of [symbol, ...methods]) {
        const comment = commentOf(reflection);
        const missing = [!comment?.summary?.length && "summary", !comment?.blockTags?.some((tag) => tag.tag === "@example") && "example"];
        const name = `${module.name}.${symbol.name}${reflection === symbol ? "" : `#${reflection.name}`}`;
        if (missing.some(Boolean)) gaps.push(`${name}: ${missing.filter(Boolean).join("+")}`);
      }
    }
  }
  return gaps.sort();
}

test("every public symbol has a summary and an @example, except the known gaps in docs/api-doc-gaps.json", () => {
  const gaps = docGaps(JSON.parse(readFileSync(API_JSON, "utf8")));
  // UPDATE_DOC_GAPS=1 rewrites the list (review the diff: it should only shrink).
  if (process.env.UPDATE_DOC_GAPS === "1") writeFileSync(GAPS_FILE, JSON.stringify(gaps, null, 2) + "\n");
  const known = JSON.parse(readFileSync(GAPS_FILE, "utf8"));
  assert.deepEqual(
    { newGaps: gaps.filter((g) => !known.includes(g)), nowDocumented: known.filter((g) => !gaps.includes(g)) },
    { newGaps: [], nowDocumented: [] },
    "document the new gaps, or remove the documented ones from docs/api-doc-gaps.json",
  );
  assert.ok(docGaps({ children: [{ name: "m", children: [{ name: "f", kind: 64, signatures: [{}] }] }] }).includes("m.f: summary+example"));
});

test("the examples type-check (tsc --checkJs over examples/node/cli.mjs, examples/browser and the webhook receiver)", async () => {
  const { stdout } = await run(TSC[5], ["-p", join("docs", "tsconfig.examples.json"), "--listFiles"], { cwd: ROOT });
  assert.match(stdout, /examples\/node\/cli\.mjs/);
  assert.match(stdout, /examples\/browser\/app\.js/);
  assert.match(stdout, /examples\/webhooks\/receiver\.mjs/);
});
