// Node ESM entry of halo-device/integrator: its own wasm, compiled at import.
import { readFileSync } from "node:fs";
import { initSync } from "../esm/wasm/halo_integrator.js";
import { integratorWasm } from "../esm/integrator-init.js";

initSync({ module: readFileSync(new URL("../browser/wasm/halo_integrator_bg.wasm", import.meta.url)) });
integratorWasm.markReady();

export * from "../esm/integrator.js";
