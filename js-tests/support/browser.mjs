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
const pagesRoot = join(here, "..", "browser", "pages");

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
    const [root, rest] = path.startsWith("/pkg/") ? [packageRoot, path.slice(5)] : [pagesRoot, path.slice(1) || "index.html"];
    const file = normalize(join(root, rest));
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

/**
 * Runs `body({ page, origin })` with a fresh page at the static server's
 * index. Console errors from the page are collected and returned.
 */
export async function withBrowserPage(body) {
  const server = await serveStatic();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const consoleLines = [];
    page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
    await page.goto(`${origin}/index.html`);
    return await body({ page, origin, consoleLines });
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
