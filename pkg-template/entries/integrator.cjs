"use strict";
// Node CommonJS entry of halo-device/integrator (see node.cjs).
require("./integrator-init.js").integratorWasm.markReady();
module.exports = require("./integrator.js");
