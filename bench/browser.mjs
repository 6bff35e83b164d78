// Headless Chromium (Debian's, through playwright-core, with the flags the
// js-tests use on this network) and a static server on loopback for the
// installed package, the bench's own modules and generated data.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../js-tests/support/browser.mjs";

const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>halo-device bench</title>';

/**
 * `roots` maps URL prefixes to directories; `blobs` maps paths to strings
 * served from memory. Nothing may be cached (Cache-Control: no-store), and
 * each `newPage()` has a fresh browser context (its own HTTP and code
 * caches): every page load is a first visit.
 */
export async function startBrowser({ roots, blobs = {} }) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const headers = { "Cache-Control": "no-store" };
    if (path === "/") return response.writeHead(200, { ...headers, "Content-Type": TYPES[".html"] }).end(PAGE);
    if (path in blobs) return response.writeHead(200, { ...headers, "Content-Type": "text/plain" }).end(blobs[path]);
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    const file = prefix && normalize(join(roots[prefix], path.slice(prefix.length)));
    if (!file || !file.startsWith(roots[prefix] + sep)) return response.writeHead(404).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  return {
    origin,
    version: browser.version(),
    /** Runs `fn(arg)` in a first-visit page and closes it. */
    async inFreshPage(fn, arg) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${origin}/`);
        return await page.evaluate(fn, arg);
      } finally {
        await context.close();
      }
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
