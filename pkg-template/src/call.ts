import { fromCore } from "./errors.js";
import type { WasmLoader } from "./loader.js";

/**
 * `core` for one entry's wasm instance: awaits a core call, re-throwing its
 * errors as the facade's classes. A trap (`WebAssembly.RuntimeError`)
 * leaves the instance's memory in an unknown state, so it poisons the
 * instance: that call, the calls under way and every later call reject at
 * once with `HALO_INTERNAL` instead of hanging or misbehaving.
 */
export function guarded(wasm: WasmLoader) {
  return async function core<T>(call: () => Promise<unknown>): Promise<T> {
    try {
      wasm.assertReady();
      return (await Promise.race([call(), wasm.trapped])) as T;
    } catch (error) {
      throw error instanceof WebAssembly.RuntimeError ? wasm.poison(error) : fromCore(error);
    }
  };
}
