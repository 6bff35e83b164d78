// Loading the wasm in Chromium: the error before init(), single-flight
// init(), and every documented input to init().
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "../support/browser.mjs";
import { SITE_ID, DEVICE_ID } from "../scenarios/support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a client created before init() throws an error that says to call init()", async () => {
  const page = await browser.newPage();
  const outcome = await page.evaluate(
    async ({ siteId, deviceId }) => {
      const halo = await import("/pkg/dist/browser/index.js");
      try {
        new halo.HaloDeviceClient({ environment: "stage", siteId, deviceId, getToken: async () => ({ accessToken: "x", expiresIn: 60 }) });
        return { threw: false };
      } catch (error) {
        return { threw: true, isHaloError: error instanceof halo.HaloError, code: error.code, message: error.message };
      }
    },
    { siteId: SITE_ID, deviceId: DEVICE_ID },
  );
  assert.deepEqual({ ...outcome, message: undefined }, { threw: true, isHaloError: true, code: "HALO_NOT_INITIALISED", message: undefined });
  assert.match(outcome.message, /call `await init\(\)`/);
  await page.close();
});

test("concurrent init() calls share one load", async () => {
  const page = await browser.newPage();
  const loads = await page.evaluate(async () => {
    let wasmFetches = 0;
    const realFetch = window.fetch;
    window.fetch = (...args) => {
      if (String(args[0]).endsWith(".wasm")) wasmFetches += 1;
      return realFetch(...args);
    };
    const halo = await import("/pkg/dist/browser/index.js");
    await Promise.all([halo.init(), halo.init(), halo.init()]);
    await halo.init();
    return wasmFetches;
  });
  assert.equal(loads, 1);
  assert.deepEqual(page.errors, []);
  await page.close();
});

for (const kind of ["url", "bytes", "response", "module"]) {
  test(`init() accepts ${kind === "url" ? "a URL" : kind === "module" ? "a compiled WebAssembly.Module" : kind === "bytes" ? "raw bytes" : "a Response"}`, async () => {
    const page = await browser.newPage();
    const outcome = await page.evaluate(async (kind) => {
      const halo = await import("/pkg/dist/browser/index.js");
      const url = "/pkg/dist/browser/wasm/halo_device_bg.wasm";
      const input =
        kind === "url" ? new URL(url, location.href)
        : kind === "bytes" ? new Uint8Array(await (await fetch(url)).arrayBuffer())
        : kind === "response" ? fetch(url)
        : await WebAssembly.compileStreaming(fetch(url));
      let before;
      try {
        halo.generateDeviceId();
      } catch (error) {
        before = error.code;
      }
      await halo.init(input);
      return { before, length: halo.generateDeviceId().length };
    }, kind);
    assert.deepEqual(outcome, { before: "HALO_NOT_INITIALISED", length: 32 });
    await page.close();
  });
}

test("init() with a URL that serves no wasm rejects with HALO_LOAD naming the URL and status, and can be tried again", async () => {
  const page = await browser.newPage();
  const outcome = await page.evaluate(async () => {
    const halo = await import("/pkg/dist/browser/index.js");
    const error = await halo.init("/pkg/dist/browser/wasm/no-such-file.wasm").catch((error) => error);
    await halo.init();
    return { isHaloError: error instanceof halo.HaloError, code: error.code, message: error.message, length: halo.generateDeviceId().length };
  });
  assert.deepEqual({ ...outcome, message: undefined }, { isHaloError: true, code: "HALO_LOAD", message: undefined, length: 32 });
  assert.match(outcome.message, /\(HTTP 404\) from http:\/\/[^ ]*\/no-such-file\.wasm/);
  await page.close();
});
