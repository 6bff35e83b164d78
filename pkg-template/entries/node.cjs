"use strict";
// Node CommonJS entry: wasm-bindgen's `nodejs` glue compiles the wasm
// synchronously when required, so the client is ready at once.
require("./runtime.js").markReady();
module.exports = require("./index.js");
