#!/usr/bin/env node
// The browser example's server. It plays two parts that a real deployment
// splits between a static host and your cloud:
//   - static files: this folder, and the package's browser build under
//     /halo-device/ (the page maps the bare "halo-device" import there), with
//     `Content-Type: application/wasm` for the .wasm, which streaming
//     compilation requires;
//   - your cloud's token service: POST /api/halo-token asks Halo's
//     POST /integrator/token with the subscription key, which never reaches
//     the browser. There is no login in this example; a real service would
//     check who is asking before it hands out a device token.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 node examples/browser/server.mjs [--port 8080]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { HaloIntegratorClient } from "halo-device/integrator";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = () => dirname(createRequire(import.meta.url).resolve("halo-device/package.json"));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};


async function readJson(request) {
  let text = "";
  for await (const chunk of request) text += chunk;
  return JSON.parse(text);
}

/**
 * Starts the server. `routes` maps URL prefixes to folders (longest first);
 * the default serves this example. Resolves with `{ url, close() }`.
 *
 * @param {{ haloUrl: string, subscriptionKey: string, siteId: string, port?: number, routes?: Record<string, string> }} options
 */
export async function startServer({ haloUrl, subscriptionKey, siteId, port = 0, routes }) {
  const table = routes ?? { "/halo-device/": join(packageDir(), "dist", "browser"), "/": here };
  const prefixes = Object.keys(table).sort((a, b) => b.length - a.length);
  // Your cloud's side of the token workflow: the subscription key stays here.
  const integrator = new HaloIntegratorClient({ baseUrl: haloUrl, subscriptionKey });
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    try {
      if (path === "/api/config") {
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ baseUrl: haloUrl, siteId }));
      } else if (path === "/api/halo-token" && request.method === "POST") {
        const { siteId: site, deviceId } = await readJson(request);
        const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId: site, deviceId });
        const token = { accessToken, expiresIn };
        response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify(token));
      } else {
        const prefix = prefixes.find((p) => path.startsWith(p));
        const root = table[prefix];
        const file = normalize(join(root, path.slice(prefix.length) || "index.html"));
        if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) throw Object.assign(new Error("outside"), { status: 403 });
        const body = await readFile(file);
        response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
      }
    } catch (error) {
      const status = error.status ?? (error.code === "ENOENT" || error.code === "EISDIR" ? 404 : 502);
      response.writeHead(status, { "Content-Type": "text/plain" }).end(status === 502 ? error.message : "");
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const portFlag = process.argv.indexOf("--port");
  const { url } = await startServer({
    haloUrl: process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010",
    subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key",
    siteId: process.env.HALO_SITE_ID ?? "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    port: portFlag > 0 ? Number(process.argv[portFlag + 1]) : 8080,
  });
  console.log(`browser example on ${url}/`);
}
