// 2. Cold start in Node, in a fresh process per sample:
//   node bench/init-child.mjs <specifier>
// Times the dynamic import (the package's Node entry compiles the wasm
// synchronously at import) plus `init()` if the module has one (it resolves
// at once in Node). Prints one JSON line.
import { performance } from "node:perf_hooks";

const start = performance.now();
const loaded = await import(process.argv[2]);
if (typeof loaded.init === "function") await loaded.init();
process.stdout.write(JSON.stringify({ ms: performance.now() - start }) + "\n");
