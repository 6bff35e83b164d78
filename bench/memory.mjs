// 6. Memory after many calls, in a fresh process (see memory-child.mjs).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./memory-child.mjs", import.meta.url));

export function measureMemory({ glueUrl, total }) {
  return JSON.parse(execFileSync(process.execPath, ["--expose-gc", CHILD, glueUrl, String(total)], { encoding: "utf8" }));
}
