#!/usr/bin/env node
// The size idioms clippy cannot tell apart (docs/contributing.md, "Size
// idioms"): a `char` or string literal as the pattern of a str search.
// `split('/')` and `split(chars::is('/'))` are the same method to clippy,
// but the first brings `CharSearcher` and `memchr` into the wasm, and
// `find("://")` the two-way substring searcher with its panics (bench/
// README.md, "Size levers"); so is each `collect::<Result<…>>()`'s own
// `GenericShunt`. This reads the Rust that ships (src/, without `#[cfg(test)]`
// code and test-only modules) and lists every such call with its file and
// line. `js-tests/packaging/wasm-machinery.test.mjs` is the backstop on the
// built wasm; this names the line, before any wasm is built.
//
//   node scripts/size-idioms.mjs      # exit 1 and the list, if any
//
// A line that must keep one (code no device export reaches) says why, at
// its end or in a comment line right above: `// size-idiom: allowed, <reason>`.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The str methods whose pattern argument runs a searcher. */
const SEARCHES = "split|rsplit|split_terminator|rsplit_terminator|split_inclusive|split_once|rsplit_once|find|rfind|contains|matches|rmatches|match_indices|rmatch_indices|trim_matches|trim_start_matches|trim_end_matches|replace|replacen";
const CHAR = String.raw`'(?:[^'\\\n]|\\(?:[nrt0\\'"]|x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}))'`;
const STRING = String.raw`(?:b?r#*)?"`;

export const IDIOMS = [
  {
    idiom: "a char pattern (CharSearcher, memchr): use chars::is('c')",
    pattern: new RegExp(String.raw`\.(?:${SEARCHES})\(\s*${CHAR}|\.(?:splitn|rsplitn)\([^,()]*,\s*${CHAR}`, "g"),
  },
  {
    idiom: "a substring search (the two-way searcher and its panics): compare bytes, or split with chars::is",
    pattern: new RegExp(String.raw`\.(?:${SEARCHES})\(\s*${STRING}|\.(?:splitn|rsplitn)\([^,()]*,\s*${STRING}`, "g"),
  },
  {
    idiom: "collect::<Result<…>>() or collect::<Option<…>>() (a GenericShunt each): write the loop",
    pattern: /\.collect::<\s*(?:Result|Option)\s*</g,
  },
];

const ALLOWED = /\/\/\s*size-idiom: allowed, \S/;
const COMMENT = /\/\/[^\n]*|\/\*[\s\S]*?\*\//y;
const STRING_LITERAL = /b?r(#*)"[\s\S]*?"\1|b?"(?:[^"\\]|\\[\s\S])*"/y;
const CHAR_LITERAL = new RegExp(`b?${CHAR}`, "y");
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * The text with comments, string contents and char literals blanked (line
 * breaks kept), so that neither a `{` in a string nor `split('/')` in a doc
 * comment counts. With `keepLiterals`, string quotes and char literals stay
 * for the idioms to see; comments always go.
 */
export function mask(source, { keepLiterals = false } = {}) {
  const blank = (text) => text.replace(/[^\n]/g, " ");
  const out = [];
  let i = 0;
  const at = (regex) => {
    regex.lastIndex = i;
    return regex.exec(source)?.[0];
  };
  while (i < source.length) {
    const comment = at(COMMENT);
    const string = comment === undefined ? at(STRING_LITERAL) : undefined;
    const char = comment === undefined && string === undefined ? at(CHAR_LITERAL) : undefined;
    // Whole identifiers, so an `r` or `br` ending a name never opens a string.
    const word = comment ?? string ?? char ?? at(IDENTIFIER) ?? source[i];
    if (comment !== undefined) out.push(blank(comment));
    else if (string !== undefined && keepLiterals) {
      const open = string.indexOf('"') + 1;
      const close = string.lastIndexOf('"');
      out.push(string.slice(0, open) + blank(string.slice(open, close)) + string.slice(close));
    } else if (string !== undefined || (char !== undefined && !keepLiterals)) out.push(blank(word));
    else out.push(word);
    i += word.length;
  }
  return out.join("");
}

const TEST_ONLY = /#\[cfg\((?:test|all\(test\b[^\]]*)\)\]\s*/g;

/**
 * The source with every `#[cfg(test)]` item blanked (a `mod tests { … }`, a
 * test-only `use` or fn), and the names of the test-only modules it
 * declares without a body (`#[cfg(test)] mod generate;`).
 */
export function withoutTests(source) {
  const masked = mask(source);
  const chars = [...source];
  const testModules = [];
  for (const match of masked.matchAll(TEST_ONLY)) {
    const start = match.index;
    let at = start + match[0].length;
    const declared = /^(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/.exec(masked.slice(at));
    if (declared) testModules.push(declared[1]);
    // The item ends at its first `;` outside braces, or its block's `}`.
    let depth = 0;
    for (; at < masked.length; at += 1) {
      if (masked[at] === "{") depth += 1;
      else if (masked[at] === "}" && --depth === 0) break;
      else if (masked[at] === ";" && depth === 0) break;
    }
    for (let k = start; k <= at && k < chars.length; k += 1) if (chars[k] !== "\n") chars[k] = " ";
  }
  return { source: chars.join(""), testModules };
}

/** Every violation in one file's source: `{ line, idiom, text }`. */
export function violations(source) {
  const lines = source.split("\n");
  const seen = mask(withoutTests(source).source, { keepLiterals: true });
  const found = [];
  for (const { idiom, pattern } of IDIOMS) {
    for (const match of seen.matchAll(pattern)) {
      const line = seen.slice(0, match.index).split("\n").length;
      const above = lines[line - 2] ?? "";
      if (ALLOWED.test(lines[line - 1]) || (/^\s*\/\//.test(above) && ALLOWED.test(above))) continue;
      found.push({ line, idiom, text: lines[line - 1].trim() });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The Rust files under `src` that ship: test-only modules (and their folders) left out. */
export function shippedFiles(src) {
  const files = readdirSync(src, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".rs"))
    .map((name) => join(src, name))
    .sort();
  const testOnly = [];
  for (const file of files) {
    const { testModules } = withoutTests(readFileSync(file, "utf8"));
    const owner = /(?:^|[\\/])(?:lib|mod|main)\.rs$/.test(file) ? dirname(file) : file.slice(0, -".rs".length);
    for (const name of testModules) testOnly.push(join(owner, `${name}.rs`), join(owner, name) + sep);
  }
  return files.filter((file) => !testOnly.some((excluded) => file === excluded || file.startsWith(excluded)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const report = shippedFiles(join(root, "src")).flatMap((file) =>
    violations(readFileSync(file, "utf8")).map(({ line, idiom, text }) => `${relative(root, file)}:${line}: ${idiom}\n    ${text}`),
  );
  if (report.length > 0) {
    console.error(`${report.length} size idiom(s) broken (docs/contributing.md, "Size idioms"):\n${report.join("\n")}`);
    process.exit(1);
  }
}
