#!/usr/bin/env node
// A token broker on node:http (or under Express: `app.use("/halo-token",
// getRequestListener(broker))`): the kit's handler through @hono/node-server,
// which turns Node's request into a web `Request` and back.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 HALO_SUBSCRIPTION_KEY=… node examples/broker/server.mjs
//
// First stdout line: "token broker listening on http://127.0.0.1:<port>".
import { serve } from "@hono/node-server";
import { HaloIntegratorClient, createTokenBroker } from "halo-device/integrator";
import { demoAuthorize, logBrokerEvent } from "./sign-in.mjs";

const integrator = new HaloIntegratorClient({
  baseUrl: process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010",
  subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key",
});

const broker = createTokenBroker({
  integrator,
  authorize: demoAuthorize(integrator),
  allowedOrigins: process.env.ALLOWED_ORIGINS?.split(",") ?? [], // your web app's origins, if it is served elsewhere
  onEvent: logBrokerEvent,
});

serve({ fetch: broker, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, ({ port }) => {
  console.log(`token broker listening on http://127.0.0.1:${port}`);
});
