"use strict";
// Node CommonJS entry of halo-device/integrator (see node.cjs).
require("./runtime.js").markReady();
module.exports = require("./integrator.js");
