// The build's edits of other tools' output (wasm-bindgen's glue and
// declarations), each a named step that fails loudly. A patch written
// against one wasm-bindgen version matches nothing after a bump that
// reshapes its output, and a patch that matches nothing is a silent change
// of the package's types or loading; so each step checks that it found
// what it edits and that what it promises holds afterwards, and otherwise
// throws naming itself. scripts/build-package.mjs runs them;
// js-tests/packaging/build-steps.test.mjs holds each to failing.

/** A step's failure: names the step, the file, and what was not there. */
export class BuildStepError extends Error {
  constructor(step, file, what) {
    super(`build step "${step}" failed on ${file}: ${what}. wasm-bindgen's output may have changed shape; fix the step in scripts/build-steps.mjs rather than skipping it.`);
    this.name = "BuildStepError";
    this.step = step;
  }
}

const count = (text, pattern) => (text.match(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`)) ?? []).length;
const ANY = /\bany\b/g;

/**
 * wasm-bindgen declares `[Symbol.dispose]()` on every class, which breaks
 * consumers whose TypeScript lib lacks esnext.disposable; `free()` stays.
 */
export function dropSymbolDispose(text, file) {
  const lines = text.split("\n");
  const kept = lines.filter((line) => !line.includes("Symbol.dispose"));
  if (kept.length === lines.length) throw new BuildStepError("drop-symbol-dispose", file, "no `[Symbol.dispose]` declaration found");
  return kept.join("\n");
}

/**
 * The raw wasm exports (`*_bg.wasm.d.ts`) take and return externref slots
 * that only the glue touches; wasm-bindgen types them `any`, which would let
 * a mistake type-check. `unknown` says the same without that hole.
 */
export function unknownSlots(text, file) {
  if (count(text, ANY) === 0) throw new BuildStepError("unknown-slots", file, "no `any` to replace");
  return text.replace(ANY, "unknown");
}

/**
 * The same for the glue's `InitOutput` interface (the raw exports again, as
 * `init()` resolves them). Afterwards the declarations hold no `any` at all:
 * one found elsewhere is a new hole this step does not cover.
 */
export function unknownInitOutput(text, file) {
  const interfacePattern = /export interface InitOutput \{[^}]*\}/;
  const found = text.match(interfacePattern);
  if (!found) throw new BuildStepError("unknown-init-output", file, "no `export interface InitOutput { … }`");
  if (count(found[0], ANY) === 0) throw new BuildStepError("unknown-init-output", file, "InitOutput has no `any` to replace");
  const patched = text.replace(interfacePattern, (body) => body.replace(ANY, "unknown"));
  if (count(patched, ANY) > 0) throw new BuildStepError("unknown-init-output", file, "`any` outside InitOutput, which the declarations must not have");
  return patched;
}

/**
 * The web glue finds its wasm beside itself (`new URL('<name>_bg.wasm',
 * import.meta.url)`); bundled into dist/browser, the wasm sits in ./wasm/.
 */
export function wasmBesideBundle(glue, name, file) {
  const url = `new URL('${name}_bg.wasm', import.meta.url)`;
  const uses = glue.split(url).length - 1;
  if (uses !== 1) throw new BuildStepError("wasm-beside-bundle", file, `expected the wasm loaded once with ${url}, found ${uses}`);
  return glue.replace(url, `new URL('./wasm/${name}_bg.wasm', import.meta.url)`);
}

/**
 * The snippet modules (src/wasm/*.js) a CommonJS glue `require`s, as paths
 * relative to the glue. The shell has at least one (response_copy.js): none
 * found means the glue names them another way, and the CommonJS build would
 * `require` ES modules.
 */
export function requiredSnippets(glue, file) {
  const required = new Set([...glue.matchAll(/require\((?:String\.raw`|"|')\.\/(snippets\/[^`"']+\.js)[`"']\)/g)].map((match) => match[1]));
  if (required.size === 0) throw new BuildStepError("snippets-to-commonjs", file, "no `require('./snippets/….js')` found");
  return [...required];
}

/**
 * wasm-bindgen names each import `__wbg_<name>_<16 hex digits>`; the glue
 * spells each name once as a key and the wasm once in its import section.
 * Hex digits are all but incompressible, so the hashes cost the device
 * download about 1 KB of gzip. Each hashed import is renamed to its name
 * without the hash (`_2`, `_3`… after the first of a repeated name), in the
 * wasm's import section and in the glue alike; `glue` is the web glue's
 * text, `wasm` the bytes of the wasm it loads. Returns both rewritten.
 */
export function shortImportNames(glue, wasm, file) {
  const fail = (what) => new BuildStepError("short-import-names", file, what);
  const bytes = new Uint8Array(wasm);
  let at = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  const encode = (value) => {
    const out = [];
    do {
      let byte = value % 128;
      value = Math.floor(value / 128);
      if (value > 0) byte |= 0x80;
      out.push(byte);
    } while (value > 0);
    return out;
  };
  const text = new TextDecoder();
  const utf8 = new TextEncoder();
  const name = () => {
    const length = leb();
    at += length;
    return text.decode(bytes.subarray(at - length, at));
  };
  const limits = () => {
    const flags = bytes[at++];
    leb();
    if (flags & 1) leb();
  };
  while (at < bytes.length && bytes[at] !== 2) {
    at += 1;
    const size = leb();
    at += size;
  }
  if (at >= bytes.length) throw fail("the wasm has no import section");
  const sectionStart = at;
  at += 1;
  const sectionSize = leb();
  const sectionEnd = at + sectionSize;
  const entries = leb();
  const renamed = new Map();
  const taken = new Set();
  const out = [...encode(entries)];
  for (let index = 0; index < entries; index++) {
    const module = name();
    const field = name();
    const descStart = at;
    const kind = bytes[at++];
    if (kind === 0) leb();
    else if (kind === 1) (at++, limits());
    else if (kind === 2) limits();
    else if (kind === 3) at += 2;
    else if (kind === 4) (at++, leb());
    else throw fail(`an import of unknown kind ${kind}`);
    let short = field;
    const hashed = /^(__wbg_\w+?)_[0-9a-f]{16}$/.exec(field);
    if (hashed) {
      short = hashed[1];
      for (let n = 2; taken.has(short) || glue.includes(short + ":"); n++) short = `${hashed[1]}_${n}`;
      renamed.set(field, short);
    }
    taken.add(short);
    for (const part of [module, short]) {
      const encoded = utf8.encode(part);
      out.push(...encode(encoded.length), ...encoded);
    }
    out.push(...bytes.subarray(descStart, at));
  }
  if (at !== sectionEnd) throw fail("the import section did not parse to its end");
  if (renamed.size === 0) throw fail("no import named __wbg_<name>_<hash>");
  let newGlue = glue;
  for (const [long, short] of renamed) {
    const uses = newGlue.split(long).length - 1;
    if (uses !== 1) throw fail(`expected the glue to name ${long} once, found ${uses}`);
    newGlue = newGlue.replace(long, short);
  }
  const section = [2, ...encode(out.length), ...out];
  const result = new Uint8Array(sectionStart + section.length + (bytes.length - sectionEnd));
  result.set(bytes.subarray(0, sectionStart), 0);
  result.set(section, sectionStart);
  result.set(bytes.subarray(sectionEnd), sectionStart + section.length);
  return { glue: newGlue, wasm: result };
}
