// The packed package in headless Chromium: the same wasm that Node runs,
// loaded by init(), calling the simulator cross-origin (CORS).
import { test } from "node:test";
import assert from "node:assert/strict";
import { withBrowserPage } from "../support/browser.mjs";
import { withSimulator, SUBSCRIPTION_KEY, SITE_ID, DEVICE_ID } from "../support/simulator.mjs";

const ids = { siteId: SITE_ID, deviceId: DEVICE_ID, subscriptionKey: SUBSCRIPTION_KEY };

test("in Chromium: a client before init() throws an error that says to call init()", async () => {
  await withBrowserPage(async ({ page }) => {
    await page.waitForFunction(() => window.helpersReady);
    const outcome = await page.evaluate(async ({ siteId, deviceId }) => {
      const halo = await window.loadPackage();
      try {
        new halo.HaloDeviceClient({ environment: "stage", siteId, deviceId, getToken: async () => ({ accessToken: "x", expiresIn: 60 }) });
        return { threw: false };
      } catch (error) {
        return { threw: true, isHaloError: error instanceof halo.HaloError, code: error.code, message: error.message };
      }
    }, ids);
    assert.equal(outcome.threw, true);
    assert.equal(outcome.isHaloError, true);
    assert.equal(outcome.code, "HALO_NOT_INITIALISED");
    assert.match(outcome.message, /call `await init\(\)`/);
  });
});

test("in Chromium: init() is single-flight and the client runs a real query", async () => {
  await withSimulator({}, async (simulator) => {
    await withBrowserPage(async ({ page, consoleLines }) => {
      await page.waitForFunction(() => window.helpersReady);
      const outcome = await page.evaluate(async ({ baseUrl, siteId, deviceId, subscriptionKey }) => {
        const halo = await window.loadPackage();
        const [a, b] = [halo.init(), halo.init()];
        await Promise.all([a, b]);
        await halo.init();
        const getToken = window.tokenIssuer(baseUrl, subscriptionKey);
        const client = new halo.HaloDeviceClient({ baseUrl, siteId, deviceId, getToken });
        const result = await client.immediateQuery("SELECT InternalID FROM Patients WHERE InternalID = 3");
        let validation;
        try {
          await client.immediateQuery({ text: "SELECT 1", type: "sproc" });
        } catch (error) {
          validation = { name: error.name, field: error.field, isClass: error instanceof halo.HaloValidationError };
        }
        return { rows: result.rows, tokens: getToken.calls, info: client.tokenInfo().hasToken, validation };
      }, { baseUrl: simulator.url, ...ids });
      assert.deepEqual(outcome.rows, [{ InternalID: 3 }]);
      assert.equal(outcome.tokens, 1);
      assert.equal(outcome.info, true);
      assert.deepEqual(outcome.validation, { name: "HaloValidationError", field: "command.type", isClass: true });
      assert.deepEqual(consoleLines.filter((line) => line.startsWith("error") || line.startsWith("pageerror")), []);
    });
  });
});

test("in Chromium: init() accepts bytes, a Response and a compiled Module", async () => {
  await withBrowserPage(async ({ page, origin }) => {
    for (const kind of ["bytes", "response", "module"]) {
      // A fresh page per kind, so each init() really loads the wasm.
      await page.goto(`${origin}/index.html`);
      await page.waitForFunction(() => window.helpersReady);
      const ready = await page.evaluate(async (kind) => {
        const halo = await window.loadPackage();
        const url = "/pkg/dist/browser/wasm/halo_device_bg.wasm";
        const input =
          kind === "bytes" ? new Uint8Array(await (await fetch(url)).arrayBuffer())
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
      assert.deepEqual(ready, { before: "HALO_NOT_INITIALISED", length: 32 }, kind);
    }
  });
});
