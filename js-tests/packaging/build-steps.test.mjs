// Each edit the build makes to wasm-bindgen's output (scripts/build-steps.mjs)
// does its job on output of the shape wasm-bindgen 0.2.130 writes, and
// throws naming itself on output it does not recognise, so a wasm-bindgen
// bump that reshapes the glue stops the build instead of silently changing
// the package's types or the way it loads its wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BuildStepError, dropSymbolDispose, requiredSnippets, shortImportNames, unknownInitOutput, unknownSlots, wasmBesideBundle } from "../../scripts/build-steps.mjs";

const DECLARATIONS = `export class DeviceClient {
    free(): void;
    [Symbol.dispose](): void;
    call(operation: string, args: Array<any>): Promise<unknown>;
}
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly deviceclient_call: (a: number, b: any, c: any, d: any, e: number) => any;
    readonly onPanic: (a: any) => void;
}
`;
const RAW_EXPORTS = "export const memory: WebAssembly.Memory;\nexport const onPanic: (a: any) => void;\n";
const WEB_GLUE = "if (typeof module_or_path === 'undefined') {\n        module_or_path = new URL('halo_device_bg.wasm', import.meta.url);\n    }\n";
const NODE_GLUE = 'const { copyHead } = require(String.raw`./snippets/halo-device-1c1a27dd8616f762/src/wasm/response_copy.js`);\nconst import1 = require("./snippets/halo-device-1c1a27dd8616f762/src/wasm/response_copy.js");\n';

/** Asserts `call` throws the named step's BuildStepError, naming the file. */
function failsAs(step, call) {
  assert.throws(call, (error) => error instanceof BuildStepError && error.step === step && error.message.includes(`"${step}"`) && error.message.includes("the-file"));
}

test("drop-symbol-dispose removes the declaration, and fails where there is none", () => {
  const patched = dropSymbolDispose(DECLARATIONS, "the-file");
  assert.doesNotMatch(patched, /Symbol\.dispose/);
  assert.match(patched, /free\(\): void;/);
  failsAs("drop-symbol-dispose", () => dropSymbolDispose(patched, "the-file"));
});

test("unknown-init-output leaves no `any` in the declarations, and fails without InitOutput or with an `any` it cannot cover", () => {
  const patched = unknownInitOutput(DECLARATIONS.replace("Array<any>", "Array<unknown>"), "the-file");
  assert.doesNotMatch(patched, /\bany\b/);
  assert.match(patched, /readonly onPanic: \(a: unknown\) => void;/);
  failsAs("unknown-init-output", () => unknownInitOutput(DECLARATIONS.replace("export interface InitOutput", "export type InitOutput ="), "the-file"));
  failsAs("unknown-init-output", () => unknownInitOutput(patched, "the-file"));
  // An `any` outside InitOutput (here a method's argument) would ship.
  failsAs("unknown-init-output", () => unknownInitOutput(DECLARATIONS, "the-file"));
});

test("unknown-slots types the raw exports `unknown`, and fails where there is no `any`", () => {
  const patched = unknownSlots(RAW_EXPORTS, "the-file");
  assert.equal(patched, RAW_EXPORTS.replace("(a: any)", "(a: unknown)"));
  failsAs("unknown-slots", () => unknownSlots(patched, "the-file"));
});

test("wasm-beside-bundle points the glue at ./wasm/, and fails when it loads its wasm another way", () => {
  assert.match(wasmBesideBundle(WEB_GLUE, "halo_device", "the-file"), /new URL\('\.\/wasm\/halo_device_bg\.wasm', import\.meta\.url\)/);
  failsAs("wasm-beside-bundle", () => wasmBesideBundle(WEB_GLUE.replaceAll("'", '"'), "halo_device", "the-file"));
  failsAs("wasm-beside-bundle", () => wasmBesideBundle(WEB_GLUE, "halo_integrator", "the-file"));
  failsAs("wasm-beside-bundle", () => wasmBesideBundle(WEB_GLUE + WEB_GLUE, "halo_device", "the-file"));
});

test("snippets-to-commonjs finds each snippet the CommonJS glue requires, and fails when it finds none", () => {
  assert.deepEqual(requiredSnippets(NODE_GLUE, "the-file"), ["snippets/halo-device-1c1a27dd8616f762/src/wasm/response_copy.js"]);
  failsAs("snippets-to-commonjs", () => requiredSnippets(NODE_GLUE.replaceAll("require(", "import("), "the-file"));
});

/** A wasm that imports `fields` (function imports of type 0) from `./m.js` and exports `run`, which calls the last. */
function wasmImporting(fields) {
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const str = (s) => { const b = [...new TextEncoder().encode(s)]; return [...leb(b.length), ...b]; };
  const section = (id, body) => [id, ...leb(body.length), ...body];
  const imports = [...leb(fields.length), ...fields.flatMap((field) => [...str("./m.js"), ...str(field), 0, 0])];
  const body = [0, 0x10, ...leb(fields.length - 1), 0x0b];
  return new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, imports),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str("run"), 0, ...leb(fields.length)]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

test("short-import-names drops the hashes in the wasm and the glue alike, keeps repeated names apart, and fails on a glue that does not match", async () => {
  const fields = ["__wbg_now_0123456789abcdef", "__wbg_new_1111111111111111", "__wbg_new_2222222222222222", "__wbindgen_init_externref_table"];
  const glue = `const imports = { "./m.js": { ${fields.map((field, index) => `${field}: () => calls.push(${index})`).join(", ")} } };`;
  const { glue: short, wasm } = shortImportNames(glue, wasmImporting(fields), "the-file");
  assert.doesNotMatch(short, /[0-9a-f]{16}/);
  const names = WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map(({ name }) => name);
  assert.deepEqual(names, ["__wbg_now", "__wbg_new", "__wbg_new_2", "__wbindgen_init_externref_table"]);
  // The renamed wasm instantiates against the renamed glue, each import where it was.
  const calls = [];
  const imports = new Function("calls", `${short}; return imports;`)(calls);
  const { instance } = await WebAssembly.instantiate(wasm, imports);
  instance.exports.run();
  assert.deepEqual(calls, [3]);
  failsAs("short-import-names", () => shortImportNames(glue.replace(fields[1], "__wbg_other"), wasmImporting(fields), "the-file"));
  failsAs("short-import-names", () => shortImportNames(glue, wasmImporting(["__wbindgen_init_externref_table"]), "the-file"));
});
