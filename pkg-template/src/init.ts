import initWasm from "./wasm/halo_device.js";
import { isReady, markReady } from "./runtime.js";

/**
 * Where to load the wasm from: a URL (string or `URL`), a `Response` (or a
 * promise of one), a compiled `WebAssembly.Module`, or the raw bytes.
 */
export type InitInput =
  | string
  | URL
  | Request
  | Response
  | Promise<Response>
  | CompiledModule
  | ArrayBuffer
  | ArrayBufferView;

/**
 * `WebAssembly.Module`, spelled so that it also type-checks where the DOM
 * lib is absent (a Node or Electron main-process project with `@types/node`).
 */
export type CompiledModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never[]) => infer M } } ? M : never;

let loading: Promise<void> | undefined;

/**
 * Loads the WebAssembly core. Call it once before creating a client in a
 * browser or an Electron renderer; it is idempotent and concurrent calls
 * share one load. In Node it resolves at once (the wasm loads at import).
 *
 * Without an argument the wasm is fetched from next to this module, which
 * bundlers such as Vite and webpack 5 rewrite to the emitted asset.
 *
 * @example
 * import { init, HaloDeviceClient } from "halo-device";
 * await init();                         // or init(await fetch("/halo_device_bg.wasm"))
 */
export function init(input?: InitInput): Promise<void> {
  if (isReady()) return Promise.resolve();
  loading ??= initWasm(input === undefined ? undefined : { module_or_path: input }).then(
    () => markReady(),
    (error: unknown) => {
      loading = undefined; // a failed load can be tried again
      throw error;
    },
  );
  return loading;
}
