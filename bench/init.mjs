// 2. Cold start: what it costs to get from "nothing loaded" to "client
// usable", median of fresh loads, against the hand-written fetch module
// (plain-client.mjs) loaded the same way in the same run. That baseline is
// the alternative a user weighs (their own few lines of fetch), so the ratio
// answers "how much slower is it to start with the package than without".
// The absolute figures show what the wasm adds in milliseconds.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./stats.mjs";

const CHILD = fileURLToPath(new URL("./init-child.mjs", import.meta.url));
const PLAIN = "./plain-client.mjs";

/** Node: a fresh `node` per sample, timing import (+ init) inside it; interleaved. */
export function measureNodeInit({ samples }) {
  const times = { package: [], plain: [] };
  const sample = (specifier) => JSON.parse(execFileSync(process.execPath, [CHILD, specifier], { encoding: "utf8" })).ms;
  for (let i = 0; i < samples; i++) {
    times.package.push(sample("halo-device"));
    times.plain.push(sample(PLAIN));
  }
  return { package: median(times.package), plain: median(times.plain), samples };
}

// In the page: import the module, then `await init()` if it has one.
async function loadInPage(url) {
  const start = performance.now();
  const loaded = await import(url);
  const imported = performance.now();
  if (typeof loaded.init === "function") await loaded.init();
  const end = performance.now();
  return { importMs: imported - start, initMs: end - imported, totalMs: end - start };
}

/** Chromium: a first-visit page per sample (no HTTP or code cache); interleaved. */
export async function measureBrowserInit({ browser, packageEntryUrl, samples }) {
  const runs = { package: [], plain: [] };
  for (let i = 0; i < samples; i++) {
    runs.package.push(await browser.inFreshPage(loadInPage, packageEntryUrl));
    runs.plain.push(await browser.inFreshPage(loadInPage, "/bench/plain-client.mjs"));
  }
  const of = (key, side) => median(runs[side].map((run) => run[key]));
  return { package: of("totalMs", "package"), packageInit: of("initMs", "package"), plain: of("totalMs", "plain"), samples };
}
