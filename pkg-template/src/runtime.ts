import { HaloError } from "./errors.js";

// Whether the wasm module is instantiated. Node entries mark it at import;
// in browsers `init()` does.
let ready = false;

/** @internal Called by the loaders once the wasm module is instantiated. */
export function markReady(): void {
  ready = true;
}

export function isReady(): boolean {
  return ready;
}

/** Throws the error that tells a browser user to call `init()` first. */
export function assertReady(): void {
  if (!ready) {
    throw new HaloError("halo-device is not initialised: call `await init()` first (browsers and Electron renderers)", {
      code: "HALO_NOT_INITIALISED",
      retryable: false,
    });
  }
}
