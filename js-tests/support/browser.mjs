// Headless Chromium (Debian's, driven by playwright-core) loading the packed
// package from a static server on loopback, as a web app would.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
// The installed tarball, resolved the way an app would find it.
const packageRoot = dirname(createRequire(import.meta.url).resolve("halo-device/package.json"));
const ROOTS = {
  "/pkg/": packageRoot,
  "/scenarios/": join(here, "..", "scenarios"),
  "/": join(here, "..", "browser", "pages"),
};

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

function serveStatic() {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const prefix = Object.keys(ROOTS).find((p) => path.startsWith(p));
    const root = ROOTS[prefix];
    const file = normalize(join(root, path.slice(prefix.length) || "index.html"));
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Opens the test page in a new tab and collects its console errors in `page.errors`. */
async function openPage(opening, origin) {
  const page = await opening;
  page.errors = [];
  page.on("console", (message) => message.type() === "error" && page.errors.push(message.text()));
  page.on("pageerror", (error) => page.errors.push(error.message));
  await page.goto(`${origin}/index.html`);
  return page;
}

/**
 * Starts the static server and Chromium. `newPage()` opens the test page
 * (a fresh module graph, so the package is not yet initialised) and
 * collects its console errors in `page.errors`.
 */
export async function launchBrowser() {
  const server = await serveStatic();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  return {
    origin,
    newPage: () => openPage(browser.newPage(), origin),
    /** Pages of one browsing context, which share `BroadcastChannel`s and Web Locks as tabs of one profile do. */
    async newContext() {
      const context = await browser.newContext();
      return { newPage: () => openPage(context.newPage(), origin), close: () => context.close() };
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
