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
  // The calls under way, each by its reject. Racing every call against
  // `wasm.trapped` itself would leave a reaction on that never-settling
  // promise per call, and with it the call's result: a long-running server
  // kept every page it ever read (a streamed page's every row).
  const pending = new Set<(error: unknown) => void>();
  wasm.trapped.catch((error: unknown) => {
    for (const reject of pending) reject(error);
    pending.clear();
  });
  const untilTrapped = <T>(running: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.add(reject);
      const settled = () => pending.delete(reject);
      running.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  return async function core<T>(call: () => Promise<T>): Promise<T> {
    try {
      wasm.assertReady();
      return await untilTrapped(call());
    } catch (error) {
      throw error instanceof WebAssembly.RuntimeError ? wasm.poison(error) : fromCore(error);
    }
  };
}

/**
 * The `environment` option once the core accepted it: read again here, and
 * checked again, since a getter may answer differently the second time.
 */
export function environmentOf(options: object): "production" | "stage" | undefined {
  const environment: unknown = own(options as { environment?: unknown }, "environment");
  return environment === "production" || environment === "stage" ? environment : undefined;
}

/**
 * `options[key]` only when it is the object's own property: one inherited
 * from a polluted `Object.prototype` must not become the client's `fetch`
 * or a call's `signal`. (The core reads the plain-data options the same way.)
 */
export function own<T extends object, K extends keyof T>(options: T | null | undefined, key: K): T[K] | undefined {
  return options !== null && options !== undefined && Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
}
