// What a wasm module's bytes are spent on, by function: the sizes of the
// code section's bodies joined with the `name` section. Shared by the
// machinery guard (js-tests/packaging/wasm-machinery.test.mjs) and, run as a
// command, the size breakdown in bench/README.md ("Size levers"):
//
//   node bench/wasm-names.mjs named.wasm [top]   # the largest functions, then by crate/module
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** `[{ name, size }]` for every function with a body (size in code bytes), and the section sizes by id. */
export function wasmFunctions(bytes) {
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const text = (length) => Buffer.from(bytes.subarray(at, (at += length))).toString();
  const limits = () => (bytes[at++] & 1 ? (leb(), leb()) : leb());
  let imported = 0;
  const bodies = [];
  const names = new Map();
  const sections = {};
  while (at < bytes.length) {
    const id = bytes[at++];
    const length = leb();
    const end = at + length;
    sections[id] = (sections[id] ?? 0) + length;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        text(leb());
        text(leb());
        const kind = bytes[at++];
        if (kind === 0) (imported++, leb());
        else if (kind === 1) (at++, limits());
        else if (kind === 2) limits();
        else if (kind === 3) at += 2;
        else if (kind === 4) (at++, leb());
      }
    } else if (id === 10) {
      for (let index = 0, count = leb(); index < count; index++) {
        const size = leb();
        bodies.push({ index: imported + index, size });
        at += size;
      }
    } else if (id === 0 && text(leb()) === "name") {
      while (at < end) {
        const subsection = bytes[at++];
        const subsectionEnd = leb() + at;
        if (subsection === 1) for (let count = leb(); count > 0; count--) names.set(leb(), text(leb()));
        at = subsectionEnd;
      }
    }
    at = end;
  }
  return { functions: bodies.map(({ index, size }) => ({ name: names.get(index) ?? `f${index}`, size })), sections };
}

/** Every function name the module's `name` section holds (imports included). */
export function functionNames(bytes) {
  return wasmFunctions(bytes).functions.map(({ name }) => name);
}

/** The crate module or runtime part a (demangled) function belongs to. */
export function group(name) {
  if (/shim/.test(name)) return "wasm-bindgen export/import shims";
  const own = name.match(/halo_device::(wasm|core)::(\w+)/);
  if (own) return `halo_device::${own[1]}::${own[2]}`;
  if (/\bfmt\b|panick|Display|Debug|pad_integral|do_count_chars/.test(name)) return "core::fmt and the panic machinery";
  if (/talc/.test(name)) return "talc";
  if (/dlmalloc/.test(name)) return "dlmalloc";
  if (/js_sys|wasm_bindgen|web_sys|__wbindgen|externref/.test(name)) return "js-sys / wasm-bindgen runtime";
  if (/^<?alloc|RawVec|alloc::/.test(name)) return "alloc (Vec, String)";
  if (/^<?core|core::/.test(name)) return "core library (iterators, str, slices)";
  if (/^f\d+$/.test(name)) return "unnamed";
  return "other";
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { functions, sections } = wasmFunctions(readFileSync(process.argv[2]));
  const top = Number(process.argv[3] ?? 40);
  const code = functions.reduce((sum, { size }) => sum + size, 0);
  console.log(`code ${code} B, data ${sections[11] ?? 0} B, imports ${sections[2] ?? 0} B, custom ${sections[0] ?? 0} B`);
  for (const { name, size } of [...functions].sort((a, b) => b.size - a.size).slice(0, top)) console.log(String(size).padStart(7), name.slice(0, 150));
  const groups = new Map();
  for (const { name, size } of functions) groups.set(group(name), (groups.get(group(name)) ?? 0) + size);
  console.log("\nby crate/module:");
  for (const [name, size] of [...groups].sort((a, b) => b[1] - a[1])) console.log(String(size).padStart(7), `${((100 * size) / code).toFixed(1).padStart(5)} %`, name);
}
