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
