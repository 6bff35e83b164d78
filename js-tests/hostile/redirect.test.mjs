// No redirect is ever followed: a 3xx from "Halo" (or a browser's
// opaqueredirect) is a HALO_PROTOCOL error naming it, not retried, and the
// host named in Location receives nothing: no token, no DeviceId, no
// subscription key, no body. Two real servers on two ports.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as halo from "halo-device";
import * as integrator from "halo-device/integrator";
import { launchBrowser } from "../support/browser.mjs";
import { DEVICE_ID, SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { rejectsWith } from "./support.mjs";

const STATUSES = [301, 302, 303, 307, 308];
const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Authorization, DeviceId, Content-Type, Ocp-Apim-Subscription-Key",
  "Access-Control-Allow-Methods": "GET, POST, DELETE",
};

/** A server on loopback that records every request (headers and body). */
async function recordingServer(answer) {
  const requests = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "OPTIONS") return response.writeHead(204, CORS).end();
      requests.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      answer(request, response);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { requests, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

let target;
let redirector;
let status = 302;
before(async () => {
  target = await recordingServer((_request, response) => response.writeHead(200, { ...CORS, "Content-Type": "application/json" }).end("{}"));
  redirector = await recordingServer((request, response) => response.writeHead(status, { ...CORS, Location: `${target.url}${request.url}` }).end());
});
after(async () => {
  await target.close();
  await redirector.close();
});

function reset(next) {
  status = next;
  target.requests.length = 0;
  redirector.requests.length = 0;
}

describe("Node", () => {
  for (const code of STATUSES) {
    test(`device entry, ${code}: HALO_PROTOCOL naming it, sent once, and nothing reaches Location`, async () => {
      reset(code);
      const client = new halo.HaloDeviceClient({
        baseUrl: redirector.url,
        siteId: SITE_ID,
        deviceId: DEVICE_ID,
        maxRetries: 3,
        getToken: async () => ({ accessToken: "redirect-test-token", expiresIn: 3600 }),
      });
      const error = await rejectsWith(halo, client.fhirCapabilities(), "HALO_PROTOCOL");
      assert.equal(error.status, code);
      assert.match(error.message, new RegExp(`\\b${code}\\b`));
      assert.equal(error.retryable, false);
      assert.equal(redirector.requests.length, 1, "a redirect is not retried");
      assert.equal(redirector.requests[0].headers.deviceid, DEVICE_ID);
      assert.deepEqual(target.requests, [], "the redirect's target received a request");
    });

    test(`integrator entry, ${code}: the token call and a read are HALO_PROTOCOL, and nothing reaches Location`, async () => {
      reset(code);
      const client = new integrator.HaloIntegratorClient({ baseUrl: redirector.url, subscriptionKey: SUBSCRIPTION_KEY, maxRetries: 3 });
      const token = await rejectsWith(integrator, client.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID }), "HALO_PROTOCOL");
      assert.equal(token.status, code);
      const sites = await rejectsWith(integrator, client.findSites({ pmsId: "12345", pmsName: "Best Practice" }), "HALO_PROTOCOL");
      assert.equal(sites.status, code);
      assert.deepEqual(redirector.requests.map((r) => `${r.method} ${r.url.split("?")[0]}`), ["POST /integrator/token", "GET /integrator/sites"]);
      assert.equal(redirector.requests[0].headers["ocp-apim-subscription-key"], SUBSCRIPTION_KEY);
      assert.deepEqual(target.requests, [], "the redirect's target received a request");
    });
  }
});

describe("Chromium", () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  for (const code of STATUSES) {
    test(`device entry, ${code} (an opaqueredirect): HALO_PROTOCOL, sent once, and nothing reaches Location`, async () => {
      reset(code);
      const page = await browser.newPage();
      try {
        const outcome = await page.evaluate(
          async ({ baseUrl, siteId, deviceId }) => {
            const halo = await import("/pkg/dist/browser/index.js");
            await halo.init();
            const client = new halo.HaloDeviceClient({
              baseUrl,
              siteId,
              deviceId,
              maxRetries: 3,
              getToken: async () => ({ accessToken: "redirect-test-token", expiresIn: 3600 }),
            });
            try {
              await client.immediateQuery("SELECT 1");
              return { resolved: true };
            } catch (error) {
              return { isHaloError: error instanceof halo.HaloError, code: error.code, retryable: error.retryable, message: error.message };
            }
          },
          { baseUrl: redirector.url, siteId: SITE_ID, deviceId: DEVICE_ID },
        );
        assert.equal(outcome.isHaloError, true, JSON.stringify(outcome));
        assert.equal(outcome.code, "HALO_PROTOCOL", outcome.message);
        assert.equal(outcome.retryable, false);
        assert.match(outcome.message, /opaqueredirect/);
        assert.equal(redirector.requests.length, 1, "a redirect is not retried");
        assert.deepEqual(target.requests, [], "the redirect's target received a request");
      } finally {
        await page.close();
      }
    });
  }
});
