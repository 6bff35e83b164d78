// The Halo Cloud simulator as a separate process on loopback. In its own
// process it runs on the other core, like a real server, so its request
// handling is not counted as client time in the process being measured.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SUBSCRIPTION_KEY } from "../js-tests/scenarios/support.mjs";

const CLI = fileURLToPath(new URL("../simulator/bin/halo-sim.mjs", import.meta.url));

/** Starts `halo-sim --port 0`; resolves with `{ url, close() }` once it listens. */
export async function startSimulatorProcess({ tokenLifetime = 3600 } = {}) {
  const child = spawn(process.execPath, [CLI, "--port", "0", "--subscription-key", SUBSCRIPTION_KEY, "--token-lifetime", String(tokenLifetime)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the simulator exited (${code}) before listening`);
  });
  const lines = createInterface({ input: child.stdout });
  const listening = once(lines, "line").then(([line]) => line.match(/listening on (\S+)/)?.[1]);
  const url = await Promise.race([listening, exited]);
  if (!url) throw new Error("the simulator did not print its URL");
  exited.catch(() => {}); // from here on, exiting is what close() asks for
  return {
    url,
    async close() {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
