import loadDevice, { onPanic } from "./wasm/halo_device.js";
import { WasmLoader, type InitInput } from "./loader.js";

/** @internal */
export const deviceWasm = new WasmLoader("halo-device", loadDevice, onPanic);

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
  return deviceWasm.init(input);
}
