#!/usr/bin/env node
// Halo Cloud simulator CLI. The first stdout line is the listening URL; logs go to stderr (--verbose).
import { startSimulator } from '../index.mjs';
import { CLI_FLAGS, parseCliArgs } from '../lib/options.mjs';

const USAGE = `Usage: halo-sim [${CLI_FLAGS.map((flag) => (flag === '--verbose' ? flag : `${flag} <value>`)).join('] [')}]`;

let options;
try {
  options = parseCliArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\nSee simulator/README.md for details.\n`);
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
  process.stderr.write(`halo-sim: ${error.message}\n`);
  process.exit(1);
}
