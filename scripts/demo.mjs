#!/usr/bin/env node
// The demo's cast, all on loopback: the Halo Cloud simulator (tokens live
// 5 s, so a renewal shows; webhooks go to the receiver), the integrator's
// token broker and webhook receiver (examples/broker, examples/webhooks),
// and the device app (examples/node/demo.mjs), whose exit code is ours.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const children = [];
// The receiver prints one `delivered …` line per result its worker handed
// to its handler; the demo waits for it (a worker may take a moment).
let resultDelivered;
const delivered = new Promise((resolve) => (resultDelivered = resolve));

/** Starts a Node program, prefixes its output, and resolves its first URL. */
async function start(name, script, args = [], env = {}) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  createInterface({ input: child.stderr }).on("line", (line) => console.error(`[${name}] ${line}`));
  const [first] = await once(lines, "line");
  lines.on("line", (line) => {
    console.log(`[${name}] ${line}`);
    if (name === "receiver" && line.startsWith("delivered ")) resultDelivered();
  });
  console.log(`[${name}] ${first}`);
  const url = first.match(/https?:\/\/\S+/)?.[0];
  if (!url) throw new Error(`${name} printed no URL: ${first}`);
  return url;
}

try {
  const receiverPort = await freePort();
  const secret = "demo-webhook-secret";
  const simulator = await start("halo-cloud", "simulator/bin/halo-sim.mjs", [
    "--port", "0", "--token-lifetime", "5", "--async-step-ms", "100",
    "--webhook-url", `http://127.0.0.1:${receiverPort}/halo/{source}/{siteId}/{queryId}`, "--webhook-secret", secret,
  ]);
  const shared = { HALO_BASE_URL: simulator, HALO_SUBSCRIPTION_KEY: "sim-subscription-key" };
  await start("receiver", "examples/webhooks/receiver.mjs", [], { ...shared, HALO_WEBHOOK_SECRET: secret, PORT: String(receiverPort) });
  const broker = await start("broker", "examples/broker/server.mjs", [], shared);
  const device = spawn(process.execPath, [join(root, "examples", "node", "demo.mjs")], {
    stdio: "inherit",
    env: { ...process.env, HALO_BASE_URL: simulator, HALO_TOKEN_BROKER_URL: broker },
  });
  const [code] = await once(device, "exit");
  await Promise.race([delivered, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  process.exitCode = code ?? 1;
} finally {
  for (const child of children) child.kill();
}
