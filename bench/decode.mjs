// 4. Result decoding of one 8 MiB page (base64 `data`, as Halo sends it):
// the package vs the runtime's native path, in Node (fresh process per
// sample, see decode-child.mjs) and in Chromium.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resultData } from "./rows.mjs";
import { MIB, median } from "./stats.mjs";

const CHILD = fileURLToPath(new URL("./decode-child.mjs", import.meta.url));
export const PAGE_BYTES = 8 * MIB;
export const NODE_VARIANTS = ["native", "decodeRows", "plainFetch", "getResultPage"];

/** The page's `data`, generated once per run. */
export const pageData = () => resultData(PAGE_BYTES);

/** Node: `samples` fresh processes per variant, interleaved; medians of time and peak RSS. */
export function measureNodeDecode({ data, glueUrl, samples }) {
  const dir = mkdtempSync(join(tmpdir(), "halo-bench-"));
  try {
    const file = join(dir, "page.b64");
    writeFileSync(file, data, "latin1");
    const runs = Object.fromEntries(NODE_VARIANTS.map((variant) => [variant, []]));
    for (let i = 0; i < samples; i++) {
      for (const variant of NODE_VARIANTS) {
        const out = execFileSync(process.execPath, ["--expose-gc", CHILD, variant, file, glueUrl], { encoding: "utf8" });
        runs[variant].push(JSON.parse(out));
      }
    }
    const rowCounts = new Set(Object.values(runs).flat().map((run) => run.rows));
    if (rowCounts.size !== 1) throw new Error(`the variants decoded different row counts: ${[...rowCounts]}`);
    return Object.fromEntries(
      Object.entries(runs).map(([variant, list]) => [
        variant,
        {
          ms: median(list.map((run) => run.ms)),
          peakBytes: median(list.map((run) => run.peakBytes)),
          wasmGrowth: median(list.map((run) => (run.wasmAfter ?? NaN) - (run.wasmBefore ?? NaN))),
          rows: list[0].rows,
        },
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// In the page: decodeRows vs the browser's correct native path,
// interleaved, after one warm-up each: base64 -> bytes (`Uint8Array.fromBase64`
// where the browser has it, else `atob` and a byte copy) -> `TextDecoder` ->
// `JSON.parse`. Plain `atob` + `JSON.parse` would be faster only because it
// leaves UTF-8 undecoded, garbling every non-ASCII character.
async function decodeInPage({ entryUrl, dataUrl, reps }) {
  const halo = await import(entryUrl);
  const data = await (await fetch(dataUrl)).text();
  const utf8 = new TextDecoder();
  const bytesOf = Uint8Array.fromBase64
    ? (d) => Uint8Array.fromBase64(d)
    : (d) => {
        const binary = atob(d);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        return bytes;
      };
  const sides = { package: (d) => halo.decodeRows(d), native: (d) => JSON.parse(utf8.decode(bytesOf(d))) };
  const times = { package: [], native: [] };
  for (let i = -1; i < reps; i++) {
    for (const side of i % 2 === 0 ? ["package", "native"] : ["native", "package"]) {
      const start = performance.now();
      const rows = sides[side](data);
      const elapsed = performance.now() - start;
      if (!Array.isArray(rows) || rows.length === 0) throw new Error(`${side} decoded no rows`);
      if (i >= 0) times[side].push(elapsed);
    }
  }
  return { ...times, fromBase64: typeof Uint8Array.fromBase64 === "function" };
}

export async function measureBrowserDecode({ browser, entryUrl, dataUrl, reps }) {
  const times = await browser.inFreshPage(decodeInPage, { entryUrl, dataUrl, reps });
  return { package: median(times.package), native: median(times.native), reps, fromBase64: times.fromBase64 };
}
