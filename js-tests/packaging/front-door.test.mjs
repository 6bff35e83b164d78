// The repository's documentation stays navigable: the root README is a short
// front door whose first documentation link is docs/architecture.md, docs/
// holds prose (the vendored OpenAPI documents live in openapi/), every
// docs/*.md is listed in the architecture guide's "Further reading", and
// every relative link of the project's Markdown reaches an existing file and,
// when it names one, an existing heading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const README = join(ROOT, "README.md");
const DOCS = join(ROOT, "docs");
const ARCHITECTURE = join(DOCS, "architecture.md");
const MAX_README_LINES = 150;
/** docs/ is prose; these are the configuration of `npm run docs` (typedoc.json names them). */
const DOCS_CONFIG = new Set(["tsconfig.json", "tsconfig.examples.json", "api-doc-gaps.json"]);

const read = (file) => readFileSync(file, "utf8");
const docsPages = () => readdirSync(DOCS).filter((name) => name.endsWith(".md")).sort();

/** Markdown text without its fenced code blocks, where `[x](y)` is code, not a link. */
function prose(markdown) {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** Every inline link target of a Markdown file, in order (none inside `code`). */
function links(markdown) {
  return [...prose(markdown).replace(/`[^`\n]*`/g, "").matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]);
}

/** GitHub's anchors for a file's headings (github-slugger: lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
function anchors(markdown) {
  const seen = new Map();
  const found = new Set();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** The relative links of `file` that lead nowhere: a missing file, or a missing heading. */
function brokenLinks(file) {
  const broken = [];
  for (const target of links(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [path, anchor] = target.split("#");
    const resolved = path === "" ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      broken.push(`${target}: no ${relative(ROOT, resolved)}`);
      continue;
    }
    if (anchor !== undefined && !(statSync(resolved).isFile() && anchors(read(resolved)).has(anchor))) {
      broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, resolved)}`);
    }
  }
  return broken;
}

test(`the root README is a front door: at most ${MAX_README_LINES} lines, the two commands, docs/architecture.md linked first`, () => {
  const text = read(README);
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  assert.ok(lines <= MAX_README_LINES, `README.md has ${lines} lines; move the detail to docs/`);
  assert.match(text, /^bash scripts\/demo\.sh\b/m);
  assert.match(text, /^bash scripts\/test\.sh\b/m);
  const firstDoc = links(text).find((target) => target.startsWith("docs/"));
  assert.equal(firstDoc, "docs/architecture.md");
});

test("docs/ is prose: Markdown, and only the API reference's configuration besides", () => {
  const other = readdirSync(DOCS).filter((name) => !name.endsWith(".md") && !DOCS_CONFIG.has(name));
  assert.deepEqual(other, [], "move data (e.g. OpenAPI documents, which live in openapi/) out of docs/");
  assert.ok(existsSync(join(ROOT, "openapi", "desktop-26.619.10213.json")));
  assert.ok(existsSync(join(ROOT, "openapi", "integrator-26.619.10213.json")));
});

test('every docs/*.md is listed in docs/architecture.md\'s "Further reading"', () => {
  const text = read(ARCHITECTURE);
  const start = text.indexOf("\n## Further reading\n");
  assert.notEqual(start, -1, 'no "## Further reading" section in docs/architecture.md');
  const listed = new Set(links(text.slice(start)).map((target) => target.split("#")[0]));
  const missing = docsPages().filter((name) => name !== "architecture.md" && !listed.has(name));
  assert.deepEqual(missing, [], "add each new docs page to the Further reading list");
});

test("every relative link of the project's Markdown reaches a file and, if it names one, a heading", () => {
  const files = [README, ...docsPages().map((name) => join(DOCS, name)), join(ROOT, "bench", "README.md"), join(ROOT, "simulator", "README.md")];
  const broken = files.flatMap((file) => brokenLinks(file).map((line) => `${relative(ROOT, file)}: ${line}`));
  assert.deepEqual(broken, []);
});

test("the link checker sees what GitHub renders", () => {
  assert.deepEqual([...anchors("# A: `b` and c\n## Rows-* (x)\n## A: b and c\n```\n# not a heading\n```\n")], ["a-b-and-c", "rows--x", "a-b-and-c-1"]);
  assert.deepEqual(links("[a](x.md#y) `[b](code)`?\n```\n[c](in-a-block.md)\n```\n[d](https://e)"), ["x.md#y", "https://e"]);
});
