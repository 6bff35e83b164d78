// Node ESM entry: the wasm is read from disk and compiled synchronously at
// import, so `init()` resolves at once and the client works without it.
import { readFileSync } from "node:fs";
import { initSync } from "../esm/wasm/halo_device.js";
import { deviceWasm } from "../esm/init.js";

initSync({ module: readFileSync(new URL("../browser/wasm/halo_device_bg.wasm", import.meta.url)) });
deviceWasm.markReady();

export * from "../esm/index.js";
