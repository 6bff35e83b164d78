import loadIntegrator, { onPanic } from "./wasm/halo_integrator.js";
import { WasmLoader, type InitInput } from "./loader.js";

/** @internal */
export const integratorWasm = new WasmLoader("halo-device/integrator", loadIntegrator, onPanic);

/**
 * Loads the integrator's WebAssembly core. Resolves at once in Node, where
 * this entry belongs; browsers need it only with `dangerouslyAllowBrowser`.
 *
 * @example
 * import { init, HaloIntegratorClient } from "halo-device/integrator";
 * await init();
 */
export function init(input?: InitInput): Promise<void> {
  return integratorWasm.init(input);
}
