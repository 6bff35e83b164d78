import { fromCore } from "./errors.js";
import type { WasmLoader } from "./loader.js";

/** Runs one call into an entry's wasm, mapping its errors. */
export type CoreRunner = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * `core` for one entry's wasm instance: awaits a core call, re-throwing its
 * errors as the facade's classes. A trap (`WebAssembly.RuntimeError`)
 * leaves the instance's memory in an unknown state, so it poisons the
 * instance: that call, the calls under way and every later call reject at
 * once with `HALO_INTERNAL` instead of hanging or misbehaving.
 */
export function guarded(wasm: WasmLoader): CoreRunner {
  return async function core<T>(call: () => Promise<T>): Promise<T> {
    try {
      wasm.assertReady();
      return await Promise.race([call(), wasm.trapped]);
    } catch (error) {
      throw error instanceof WebAssembly.RuntimeError ? wasm.poison(error) : fromCore(error);
    }
  };
}

/**
 * `options[key]` only when it is the object's own property: one inherited
 * from a polluted `Object.prototype` must not become the client's `fetch`
 * or a call's `signal`. (The core reads the plain-data options the same way.)
 */
export function own<T extends object, K extends keyof T>(options: T | null | undefined, key: K): T[K] | undefined {
  return options !== null && options !== undefined && Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
}
