// init() with a URL that serves something other than the wasm (an app's
// HTML fallback, a 404 page) fails with a typed HALO_LOAD error naming the
// URL, the status and the content type it got, instead of the compiler's
// "expected magic word 00 61 73 6d"; a later init() with the right file
// still works. The browser entry's loader, run in Node.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const root = dirname(createRequire(import.meta.url).resolve("halo-device/package.json"));
const browserEntry = pathToFileURL(join(root, "dist", "browser", "index.js")).href;
const wasm = readFileSync(join(root, "dist", "browser", "wasm", "halo_device_bg.wasm"));

let server;
let base;
before(async () => {
  server = createServer((request, response) => {
    if (request.url === "/app/halo_device_bg.wasm") {
      response.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>My app</title>");
    } else if (request.url === "/octet/halo_device_bg.wasm") {
      response.writeHead(200, { "Content-Type": "application/octet-stream" }).end(wasm);
    } else {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

async function loadFails(halo, input, ...patterns) {
  const error = await halo.init(input).then(() => assert.fail("init() resolved"), (error) => error);
  assert.ok(error instanceof halo.HaloError, String(error));
  assert.equal(error.code, "HALO_LOAD");
  for (const pattern of patterns) assert.match(error.message, pattern);
  assert.doesNotMatch(error.message, /magic word/);
  return error;
}

test("an HTML page or a 404 in place of the wasm is a HALO_LOAD error naming the URL, the status and the content type", async () => {
  const halo = await import(browserEntry);
  await loadFails(halo, `${base}/app/halo_device_bg.wasm`, /got text\/html \(HTTP 200\) from http:\/\/127\.0\.0\.1:\d+\/app\/halo_device_bg\.wasm, not WebAssembly/, /application\/wasm/);
  await loadFails(halo, new URL("/missing.wasm", base), /got text\/plain \(HTTP 404\) from http:\/\/127\.0\.0\.1:\d+\/missing\.wasm/);
  await loadFails(halo, fetch(`${base}/missing.wasm`), /HTTP 404/);
  await loadFails(halo, new TextEncoder().encode("<!doctype html>"), /bytes given to init\(\) are not WebAssembly/, /init\(bytes\)/);
  const unreachable = await loadFails(halo, "http://127.0.0.1:9/halo_device_bg.wasm", /fetching http:\/\/127\.0\.0\.1:9\/halo_device_bg\.wasm failed/, /connect-src/, /file:\/\//);
  assert.equal(unreachable.retryable, true);
  assert.throws(() => halo.generateDeviceId(), (error) => error.code === "HALO_NOT_INITIALISED");

  // The real file, even with a generic content type, still loads afterwards.
  await halo.init(`${base}/octet/halo_device_bg.wasm`);
  assert.equal(halo.generateDeviceId().length, 32);
});
