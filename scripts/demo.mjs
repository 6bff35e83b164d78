#!/usr/bin/env node
// Starts the simulator (tokens live 5 s, so the demo shows a renewal), runs
// examples/node/demo.mjs against it, and stops the simulator.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const simulator = spawn(process.execPath, [join(root, "simulator", "bin", "halo-sim.mjs"), "--port", "0", "--token-lifetime", "5"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const [line] = await once(createInterface({ input: simulator.stdout }), "line");
const baseUrl = line.match(/https?:\/\/\S+/)?.[0];
if (!baseUrl) throw new Error(`the simulator printed no URL: ${line}`);
console.log(line);
const demo = spawn(process.execPath, [join(root, "examples", "node", "demo.mjs")], {
  stdio: "inherit",
  env: { ...process.env, HALO_BASE_URL: baseUrl },
});
const [code] = await once(demo, "exit");
simulator.kill();
process.exit(code ?? 1);
