#!/usr/bin/env node
// A token broker as one route of a Hono app (the same handler mounts in any
// router that hands out a web `Request`), with a health check that asks
// Halo whether it accepts the key. Runs on Node through @hono/node-server.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 HALO_SUBSCRIPTION_KEY=… node examples/broker/hono.mjs
//
// First stdout line: "token broker listening on http://127.0.0.1:<port>".
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { HaloIntegratorClient, createTokenBroker } from "halo-device/integrator";
import { demoAuthorize, logBrokerEvent } from "./sign-in.mjs";

const integrator = new HaloIntegratorClient({
  baseUrl: process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010",
  subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key",
});
const broker = createTokenBroker({ integrator, authorize: demoAuthorize(integrator), allowedOrigins: process.env.ALLOWED_ORIGINS?.split(",") ?? [], onEvent: logBrokerEvent });

const app = new Hono();
app.all("/device-token", (c) => broker(c.req.raw));
app.get("/healthz", async (c) => {
  const refused = await integrator.checkKey().then(() => undefined, (error) => error);
  return refused ? c.json({ halo: integrator.environment ?? integrator.baseUrl, ok: false, code: refused.code }, 503) : c.json({ halo: integrator.environment ?? integrator.baseUrl, ok: true });
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, ({ port }) => {
  console.log(`token broker listening on http://127.0.0.1:${port}`);
});
