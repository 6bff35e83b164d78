// The wasm instance's linear memory, read through the glue. The facade does
// not expose it, but wasm-bindgen's `initSync()` returns the instance's
// exports (which include `memory`) when the module is already initialised,
// and importing the glue by its file URL yields the same module instance the
// package uses. The package's "exports" map hides the glue from bare
// specifiers, hence the file URL. Runs in Node and in browsers.

/** Bytes of wasm memory, or undefined if the glue offers no way to read it. */
export async function wasmMemoryBytes(glueUrl) {
  try {
    const glue = await import(glueUrl);
    return glue.initSync().memory.buffer.byteLength;
  } catch {
    return undefined;
  }
}

export const UNREADABLE =
  "not readable: the glue no longer returns its exports from initSync(); the facade would need to export e.g. `wasmMemoryBytes()` (the instance's `memory.buffer.byteLength`)";
