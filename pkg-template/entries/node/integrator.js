// Node ESM entry of halo-device/integrator: ./index.js loads the wasm once.
import "./index.js";

export * from "../browser/integrator.js";
