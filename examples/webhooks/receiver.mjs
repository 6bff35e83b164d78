#!/usr/bin/env node
// A webhook receiver in the integrator's cloud: verifies each notification
// from Halo Cloud (signature, age, replay, payload), logs it, then fetches
// the query's results through the Integrator API with the subscription key:
// every page of an async result, streamed, or the registered query's result.
//
//   HALO_BASE_URL=… HALO_SUBSCRIPTION_KEY=… HALO_WEBHOOK_SECRET=… PORT=… [REDIS_URL=redis://…] node examples/webhooks/receiver.mjs
//
// Replays are remembered in this process's memory, or, with REDIS_URL, in
// Redis, which every copy of the receiver behind a load balancer shares:
// then a delivery one copy accepted is refused as a replay by all others.
// Apart from that store the receiver keeps no state, so copies can be added
// and removed freely.
//
// First stdout line: "webhook receiver listening on http://127.0.0.1:<port> (replays remembered in …)".
import { createServer } from "node:http";
import { HaloIntegratorClient, HaloWebhookError, createMemorySeenStore, verifyWebhook } from "halo-device/integrator";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const secret = process.env.HALO_WEBHOOK_SECRET ?? "sim-webhook-secret";
const integrator = new HaloIntegratorClient({ baseUrl, subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key" });
// Imported only when asked for, so the in-memory receiver needs no Redis client.
const seen = process.env.REDIS_URL
  ? (await (await import("./redis-seen-store.mjs")).connectRedisSeenStore(process.env.REDIS_URL)).store
  : createMemorySeenStore();

/** Every row of an async query's result, page by page, each page streamed as it downloads. */
async function asyncResult(site, queryId) {
  const query = await site.getQuery(queryId);
  let rows = 0;
  const pages = query.result?.pages ?? [];
  for (const { pageNumber } of pages) {
    // One row at a time, however large the page: store each where it belongs.
    for await (const _row of site.streamResultPage(queryId, pageNumber)) rows += 1;
  }
  return `${rows} row(s) in ${pages.length} page(s), streamed`;
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    try {
      const hook = await verifyWebhook({ rawBody: Buffer.concat(chunks).toString("utf8"), headers: request.headers, secret, seen });
      response.writeHead(204).end(); // acknowledge first: Halo retries slow receivers
      console.log(`receiver: verified ${hook.webhookSource} webhook for query ${hook.queryId}`);
      const site = integrator.site(hook.siteId);
      const fetched = hook.webhookSource === "async"
        ? await asyncResult(site, hook.queryId)
        : `${(await site.getRegisteredQueryResult(hook.queryId)).rows.length} row(s)`;
      console.log(`receiver: fetched ${fetched}`);
    } catch (error) {
      // A forgery or a replay is final (4xx); anything else, such as the
      // replay store being unreachable, asks Halo to deliver again (5xx).
      if (!response.headersSent) response.writeHead(error instanceof HaloWebhookError ? 401 : 500).end();
      console.error(`receiver: refused (${error.reason ?? error.code}): ${error.message}`);
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`webhook receiver listening on http://127.0.0.1:${server.address().port} (replays remembered in ${process.env.REDIS_URL ? "Redis" : "memory"})`);
});
