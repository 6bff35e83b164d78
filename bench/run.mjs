#!/usr/bin/env node
// The bench: `node bench/run.mjs [--no-build] [--only=sizes,init,requests,cpu,decode,storm,stream,memory,sharing,delivery]`
// (npm run bench).
// Builds and installs the release package as scripts/test.sh does (unless
// --no-build: then it measures what node_modules/halo-device holds), runs
// every measurement, and prints one Markdown table on stdout. Progress goes
// to stderr. See bench/README.md for what each figure means.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { measureCpu } from "./cpu.mjs";
import { measureDelivery } from "./delivery.mjs";
import { measureBrowserDecode, measureNodeDecode, pageData } from "./decode.mjs";
import { measureBrowserInit, measureNodeInit } from "./init.mjs";
import { measureMemory } from "./memory.mjs";
import { table } from "./report.mjs";
import { measureRequests } from "./requests.mjs";
import { allEntrySizes, packageRoot } from "./sizes.mjs";
import { startSimulatorProcess } from "./simulator.mjs";
import { measureSharing } from "./sharing.mjs";
import { measureStorm } from "./storm.mjs";
import { measureStream } from "./stream.mjs";

// Sample counts: enough for stable medians, the whole run within ~5 minutes
// on 2 cores (the build included).
const NODE_INIT_SAMPLES = 21;
const BROWSER_INIT_SAMPLES = 21;
const REQUESTS = 2000;
const CPU_BLOCK = 2000;
const CPU_BLOCKS = 10;
const DECODE_NODE_SAMPLES = 9;
const DECODE_BROWSER_REPS = 11;
const STORM_SIZE = 1000;
const STORM_ROUNDS = 7;
const MEMORY_CALLS = 100_000;
// A ~200 MB streamed page: 1,000,000 rows of 200 bytes.
const STREAM_ROWS = 1_000_000;
const STREAM_ROW_BYTES = 200;
// Issue 20's shapes for token sharing: clients in one context, worker threads.
const SHARING_CLIENTS = 50;
const SHARING_WORKERS = 40;
const SHARING_ROUNDS = 5;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const started = performance.now();
// `--only=a,b` measures only those rows (a quick look while working on one
// of them); the default is every row.
const onlyArg = process.argv.find((arg) => arg.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",")) : null;
const wanted = (row) => !only || only.has(row);

if (!process.argv.includes("--no-build")) {
  log("building and installing the release package");
  const toStderr = { cwd: root, stdio: ["ignore", process.stderr, process.stderr] };
  execFileSync(process.execPath, ["scripts/build-package.mjs"], toStderr);
  const { version } = JSON.parse(readFileSync(join(root, "pkg-template", "package.json"), "utf8"));
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", `./build/halo-device-${version}.tgz`], toStderr);
}

let pkgRoot;
try {
  pkgRoot = packageRoot();
} catch {
  log("halo-device is not installed: run without --no-build");
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(pkgRoot, "package.json"), "utf8"));
// Imported only now, after the install: "halo-device" is the fresh build,
// and the js-tests' browser support (for its Chromium flags) resolves the
// installed package when it loads.
const halo = await import("halo-device");
const { BENCH_DIR, startBrowser } = await import("./browser.mjs");

// Other work on the machine shows up as noise: the header reports the load.
const loadAtStart = loadavg()[0];
log("sizes");
const sizes = allEntrySizes(pkgRoot);
const device = sizes.find((entry) => entry.name === "device");
const entryPath = device.entry;
// Wasm memory is read through the glue instance Node's entry initialises.
// The browser download's glue is bundled into a chunk: another module
// instance, never initialised in Node, which cannot say.
const glueUrl = pathToFileURL(join(pkgRoot, "dist", "esm", "wasm", "halo_device.js")).href;

let nodeInit, browserInit, browserDecode, nodeDecode, requests, storm, stream, cpuOverhead, memory, sharing, delivery;
if (wanted("init")) {
  log("init in Node");
  nodeInit = measureNodeInit({ samples: NODE_INIT_SAMPLES });
}
const data = pageData();
const browser = wanted("init") || wanted("decode") ? await startBrowser({ roots: { "/pkg/": pkgRoot, "/bench/": BENCH_DIR }, blobs: { "/data/page.b64": data } }) : null;
try {
  if (wanted("init")) {
    log("init in Chromium");
    browserInit = await measureBrowserInit({ browser, packageEntryUrl: `/pkg/${entryPath}`, samples: BROWSER_INIT_SAMPLES });
  }
  if (wanted("decode")) {
    log("decoding in Chromium");
    browserDecode = await measureBrowserDecode({ browser, entryUrl: `/pkg/${entryPath}`, dataUrl: "/data/page.b64", reps: DECODE_BROWSER_REPS });
  }
} finally {
  await browser?.close();
}

if (wanted("decode")) {
  log("decoding in Node");
  nodeDecode = measureNodeDecode({ data, glueUrl, samples: DECODE_NODE_SAMPLES });
}

if (wanted("requests") || wanted("storm") || wanted("stream") || wanted("sharing") || wanted("delivery")) {
  const simulator = await startSimulatorProcess();
  try {
    if (wanted("requests")) {
      log(`per-request overhead (${REQUESTS} + ${REQUESTS} calls)`);
      requests = await measureRequests({ halo, baseUrl: simulator.url, n: REQUESTS });
    }
    if (wanted("storm")) {
      log(`renewal storm (${STORM_ROUNDS} rounds of ${STORM_SIZE} calls)`);
      storm = await measureStorm({ halo, baseUrl: simulator.url, size: STORM_SIZE, rounds: STORM_ROUNDS });
    }
    if (wanted("stream")) {
      log(`streaming a page of ${STREAM_ROWS} rows`);
      stream = await measureStream({ baseUrl: simulator.url, rows: STREAM_ROWS, rowBytes: STREAM_ROW_BYTES });
    }
    if (wanted("sharing")) {
      log(`token sharing (${SHARING_CLIENTS} clients in one context, ${SHARING_WORKERS} worker threads, ${SHARING_ROUNDS} rounds)`);
      sharing = await measureSharing({ halo, baseUrl: simulator.url, clients: SHARING_CLIENTS, workers: SHARING_WORKERS, rounds: SHARING_ROUNDS });
    }
    if (wanted("delivery")) {
      log("result delivery through BullMQ and Redis, and reconciliation");
      delivery = await measureDelivery({ baseUrl: simulator.url });
    }
  } finally {
    await simulator.close();
  }
}

if (wanted("cpu")) {
  log(`CPU per call, in-process fetch (${CPU_BLOCKS} blocks of ${CPU_BLOCK} calls a side)`);
  cpuOverhead = measureCpu({ perBlock: CPU_BLOCK, blocks: CPU_BLOCKS });
}

if (wanted("memory")) {
  log(`memory (${MEMORY_CALLS} calls, twice)`);
  memory = measureMemory({ glueUrl, total: MEMORY_CALLS });
}

const cpu = cpus();
const budget = JSON.parse(readFileSync(join(root, "size-budget.json"), "utf8"));
console.log(`halo-device ${version} (${relative(root, pkgRoot)}), ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version}, Chromium ${browser?.version ?? "(not started)"}, ${cpu.length} × ${cpu[0]?.model}, load average ${loadAtStart.toFixed(1)} before measuring, ${loadavg()[0].toFixed(1)} after\n`);
console.log(
  table({
    sizes: wanted("sizes") ? sizes : undefined,
    init: nodeInit && { node: nodeInit, browser: browserInit },
    requests,
    cpu: cpuOverhead,
    decode: nodeDecode && { node: nodeDecode, browser: browserDecode, pageBytes: data.length },
    storm,
    stormSize: STORM_SIZE,
    memory,
    stream,
    sharing,
    delivery,
  }),
);
const budgets = sizes
  .filter((entry) => !entry.missing)
  .map((entry) => `${entry.name} ${entry.total.gzip} B of ${budget[entry.name]?.gzipBytes ?? "(no budget)"} B`);
console.log(`\nSizes in KiB/MiB (1024). size-budget.json (checked by js-tests/size-budget.test.mjs): ${budgets.join("; ")}. Bench time ${((performance.now() - started) / 1000).toFixed(0)} s.`);
