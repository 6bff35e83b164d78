// A token broker as a Next.js App Router route handler: save it as
// app/api/halo-token/route.js (the same two exports serve Remix actions,
// SvelteKit endpoints and any framework whose handlers take a `Request`).
// The device's getToken is then `brokerTokenProvider("/api/halo-token")`.
import { HaloIntegratorClient, createTokenBroker } from "halo-device/integrator";
import { demoAuthorize, logBrokerEvent } from "./sign-in.mjs";

const integrator = new HaloIntegratorClient({
  baseUrl: process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010",
  subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key",
});
const broker = createTokenBroker({ integrator, authorize: demoAuthorize(integrator), onEvent: logBrokerEvent });

export async function POST(request) {
  return broker(request);
}

export async function OPTIONS(request) {
  return broker(request);
}
