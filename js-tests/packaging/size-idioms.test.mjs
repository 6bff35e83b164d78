// scripts/size-idioms.mjs, the check clippy cannot make (a char or string
// literal as a str search's pattern, a collect into Result), finds each
// idiom in code that ships, names its line, and leaves alone what clippy
// and the wasm never see: `chars::is` patterns, comments, strings, and
// `#[cfg(test)]` code and modules. And the tree passes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDIOMS, shippedFiles, violations } from "../../scripts/size-idioms.mjs";
import { ROOT } from "./support.mjs";

const [CHAR, SUBSTRING, SHUNT] = IDIOMS.map(({ idiom }) => idiom);
const found = (source) => violations(source).map(({ line, idiom }) => [line, idiom]);

test("a char pattern is found, on its line, in each search method", () => {
  const source = [
    "fn f(path: &str) -> usize {",
    "    let a = path.split('/').count();",
    "    let b = path.split_once( '?' );",
    "    let c = path.trim_end_matches('\\u{FFFD}');",
    "    let d = path.rsplitn(2, '.').count();",
    "    let e = path.contains(b'x' as char);", // not a literal pattern: the wasm backstop's
    "    a + d",
    "}",
  ].join("\n");
  assert.deepEqual(found(source), [[2, CHAR], [3, CHAR], [4, CHAR], [5, CHAR]]);
});

test("a substring search is found, raw strings included", () => {
  assert.deepEqual(found('fn f(url: &str) -> bool {\n    url.find("://").is_some() || url.contains(r#"a"b"#)\n}'), [[2, SUBSTRING], [2, SUBSTRING]]);
  assert.deepEqual(found('fn f(s: &str) -> String {\n    s.replace("a", "b")\n}'), [[2, SUBSTRING]]);
});

test("a collect into Result or Option is found", () => {
  assert.deepEqual(found("fn f(v: &[&str]) -> Result<Vec<u8>, E> {\n    v.iter().map(parse).collect::<Result<Vec<_>, _>>()\n}"), [[2, SHUNT]]);
});

test("chars::is patterns, prefix checks, comments, strings and char literals elsewhere are not violations", () => {
  const source = [
    "use crate::core::chars::is;",
    "/// Splits like `path.split('/')` would, and `find(\"://\")` too.",
    "fn f(path: &str) -> bool {",
    "    // path.split('/') is what this avoids",
    "    let message = \"never .split('/') in a string\";",
    "    let slash = '/';",
    "    path.split(is('/')).count() > 1 && path.starts_with(\"https://\") && path.strip_prefix('?').is_some() && message.len() > 0 && slash == '/'",
    "}",
  ].join("\n");
  assert.deepEqual(found(source), []);
});

test("#[cfg(test)] code is not what ships: its items are skipped, braces in its strings and chars included", () => {
  const source = [
    "pub fn shipped(path: &str) -> bool { path.contains(is('@')) }",
    "#[cfg(test)]",
    "mod tests {",
    "    #[test]",
    "    fn braces() { assert_eq!(\"}\".split('}').count(), 2); let _ = '{'; }",
    "}",
    "#[cfg(all(test, not(target_arch = \"wasm32\")))]",
    "fn helper(s: &str) -> Option<&str> { s.split_once('=').map(|(a, _)| a) }",
    "pub fn after(path: &str) -> usize { path.split('/').count() }",
  ].join("\n");
  assert.deepEqual(found(source), [[9, CHAR]]);
});

test("a line that must keep one says why, at its end or in a comment line above it", () => {
  const source = [
    "fn integrator_only(s: &str) -> bool {",
    "    // size-idiom: allowed, the integrator wasm only; no device export reaches it",
    "    s.contains('@')",
    "        || s.contains('#') // size-idiom: allowed, same",
    "        || s.contains('%') // size-idiom: allowed,",
    "        || s.contains('&')",
    "}",
  ].join("\n");
  // Line 5's allowance gives no reason; line 6 is under a line of code, not a comment.
  assert.deepEqual(found(source), [[5, CHAR], [6, CHAR]]);
});

test("test-only modules (`#[cfg(test)] mod x;`) and their folders are not scanned", () => {
  const src = mkdtempSync(join(tmpdir(), "size-idioms-"));
  try {
    mkdirSync(join(src, "core", "boundary"), { recursive: true });
    writeFileSync(join(src, "lib.rs"), "pub mod core;\n#[cfg(test)]\nmod generated;\n");
    writeFileSync(join(src, "generated.rs"), "");
    writeFileSync(join(src, "core", "mod.rs"), "#[cfg(test)]\npub mod boundary;\npub mod error;\n");
    writeFileSync(join(src, "core", "boundary", "mod.rs"), "");
    writeFileSync(join(src, "core", "error.rs"), "#[cfg(test)]\nmod generate;\n");
    mkdirSync(join(src, "core", "error"));
    writeFileSync(join(src, "core", "error", "generate.rs"), "");
    assert.deepEqual(shippedFiles(src).map((file) => file.slice(src.length + 1)), ["core/error.rs", "core/mod.rs", "lib.rs"]);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
});

test("the Rust that ships keeps every size idiom", async () => {
  const { readFileSync } = await import("node:fs");
  const files = shippedFiles(join(ROOT, "src"));
  assert.ok(files.length > 40, `${files.length} files`);
  const broken = files.flatMap((file) => violations(readFileSync(file, "utf8")).map(({ line, text }) => `${file}:${line}: ${text}`));
  assert.deepEqual(broken, []);
});
