export * from "../browser/integrator.js";
