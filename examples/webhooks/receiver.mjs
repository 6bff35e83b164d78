#!/usr/bin/env node
// A webhook receiver in the integrator's cloud: verifies each notification
// from Halo Cloud (signature, age, replay, payload), logs it, then fetches
// the query's results with a device client of its own.
//
//   HALO_BASE_URL=… HALO_SUBSCRIPTION_KEY=… HALO_WEBHOOK_SECRET=… PORT=… node examples/webhooks/receiver.mjs
//
// First stdout line: "webhook receiver listening on http://127.0.0.1:<port>".
import { createServer } from "node:http";
import { HaloDeviceClient, generateDeviceId } from "halo-device";
import { HaloIntegratorClient, HaloWebhookError, verifyWebhook } from "halo-device/integrator";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const secret = process.env.HALO_WEBHOOK_SECRET ?? "sim-webhook-secret";
const integrator = new HaloIntegratorClient({ baseUrl, subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key" });
const serverDeviceId = generateDeviceId();
const devices = new Map(); // one device client per practice

function deviceFor(siteId) {
  if (!devices.has(siteId)) {
    devices.set(siteId, new HaloDeviceClient({ baseUrl, siteId, deviceId: serverDeviceId, getToken: (request) => integrator.issueDeviceToken(request) }));
  }
  return devices.get(siteId);
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    try {
      const hook = await verifyWebhook({ rawBody: Buffer.concat(chunks).toString("utf8"), headers: request.headers, secret });
      response.writeHead(204).end(); // acknowledge first: Halo retries slow receivers
      console.log(`receiver: verified ${hook.webhookSource} webhook for query ${hook.queryId}`);
      const device = deviceFor(hook.siteId);
      const rows = hook.webhookSource === "async"
        ? (await device.getResultPage(hook.queryId, 1)).rows
        : (await device.getRegisteredQueryResult(hook.queryId)).rows;
      console.log(`receiver: fetched ${rows.length} row(s) of its results`);
    } catch (error) {
      if (!response.headersSent) response.writeHead(error instanceof HaloWebhookError ? 401 : 500).end();
      console.error(`receiver: refused (${error.reason ?? error.code}): ${error.message}`);
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`webhook receiver listening on http://127.0.0.1:${server.address().port}`);
});
