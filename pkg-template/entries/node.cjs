"use strict";
// Node CommonJS entry: wasm-bindgen's `nodejs` glue compiles the wasm
// synchronously when required, so the client is ready at once.
require("./init.js").deviceWasm.markReady();
module.exports = require("./index.js");
