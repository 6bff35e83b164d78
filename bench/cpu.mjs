// 3b. In-process CPU overhead per call (see cpu-child.mjs), in a fresh process.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./stats.mjs";

const CHILD = fileURLToPath(new URL("./cpu-child.mjs", import.meta.url));

/** Medians over the blocks: µs of CPU and of wall time per call, each side. */
export function measureCpu({ perBlock, blocks }) {
  const out = JSON.parse(execFileSync(process.execPath, [CHILD, String(perBlock), String(blocks)], { encoding: "utf8" }));
  const summary = (samples) => ({ cpuUs: median(samples.map((s) => s.cpuUs)), wallUs: median(samples.map((s) => s.wallUs)) });
  return { package: summary(out.package), plain: summary(out.plain), calls: perBlock * blocks };
}
