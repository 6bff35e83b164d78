#!/usr/bin/env node
// Packs simulator/ (its own package.json, `files` and README) to build/halo-cloud-simulator.tgz.
// Nothing is built: the package is the simulator's sources, node: built-ins only.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "build");
const simulator = join(root, "simulator");
mkdirSync(build, { recursive: true });

const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", build], { cwd: simulator, encoding: "utf8" }).trim();
renameSync(join(build, packed.split("\n").pop()), join(build, "halo-cloud-simulator.tgz"));
const version = JSON.parse(readFileSync(join(simulator, "package.json"), "utf8")).version;
console.log(`built build/halo-cloud-simulator.tgz (halo-cloud-simulator ${version})`);
