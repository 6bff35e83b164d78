#!/usr/bin/env node
// Halo Cloud simulator CLI (the halo-cloud-simulator package's bin). The first stdout line is the
// listening URL; logs go to stderr (--verbose).
import { startSimulator } from '../index.mjs';
import { cliUsage, parseCliArgs } from '../lib/options.mjs';

const USAGE = cliUsage('halo-cloud-simulator');

let options;
try {
  options = parseCliArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}The control API, seeding and faults: see the package README.\n`);
  process.exit(0);
}

let simulator;
const shutdown = async () => {
  await simulator?.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

try {
  simulator = await startSimulator(options);
  process.stdout.write(`Halo Cloud simulator listening on ${simulator.url}\n`);
} catch (error) {
  process.stderr.write(`halo-cloud-simulator: ${error.message}\n`);
  process.exit(1);
}
