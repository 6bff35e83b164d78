#!/usr/bin/env node
// The integrator's cloud, in miniature: a token broker. Devices sign in with
// their own credential (here a demo one), and the broker, which alone holds
// the Halo subscription key, asks Halo Cloud for a device token for them.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 HALO_SUBSCRIPTION_KEY=… node examples/broker/server.mjs
//
// First stdout line: "token broker listening on http://127.0.0.1:<port>".
import { createServer } from "node:http";
import { HaloIntegratorClient, HaloError } from "halo-device/integrator";

const integrator = new HaloIntegratorClient({
  baseUrl: process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010",
  subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key",
});

// Onboarding, once per practice: trade the PMS ID the practice knows for its
// Halo GUID, checking the practice name we recorded when it signed up.
const practice = { pmsId: process.env.HALO_PMS_ID ?? "12345", pmsName: "Best Practice", expect: { practiceName: "Halo Clinic North" } };
const { siteId, site } = await integrator.resolveSite(practice);

// Tokens are cached per device while they have a tenth of their life left,
// sparing Halo's token endpoint when a device restarts or asks twice. The
// device's client says why it asks (getToken's `reason`): "rejected" means
// Halo has just refused the token it holds, so the cached copy is skipped.
// This cache is the broker's only state, per process and an optimisation
// only: copies behind a load balancer need neither affinity nor a shared
// cache (a copy that has no token for a device asks Halo for one).
const cache = new Map(); // deviceId -> { token, freshUntil }

async function deviceToken(deviceId, reason) {
  const cached = cache.get(deviceId);
  if (cached && reason !== "rejected" && cached.freshUntil > Date.now()) return cached.token;
  const token = await integrator.issueDeviceToken({ siteId, deviceId });
  cache.set(deviceId, { token, freshUntil: Date.now() + token.expiresIn * 900 });
  console.log(`broker: issued a token for a device at ${site.practiceMetadata?.practiceName ?? siteId}, valid ${token.expiresIn} s (${reason ?? "no reason given"})`);
  return token;
}

/** The device's `{ reason }`, if it sent a JSON body; anything else is no reason. */
async function reasonOf(request) {
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 1024) return undefined;
  }
  try {
    const reason = JSON.parse(text)?.reason;
    return ["initial", "expiring", "rejected"].includes(reason) ? reason : undefined;
  } catch {
    return undefined;
  }
}

// Your real app would check a user session or a device certificate here.
const DEMO_CREDENTIALS = new Map([[process.env.DEMO_DEVICE_CREDENTIAL ?? "demo-device-credential", process.env.DEMO_DEVICE_ID ?? "demo-workstation-4f3a9c21d4e5b6a7"]]);

const server = createServer(async (request, response) => {
  const reply = (status, body) => response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  if (request.method !== "POST" || request.url !== "/device-token") return reply(404, { error: "not found" });
  const credential = request.headers.authorization?.replace(/^Bearer /, "");
  const deviceId = DEMO_CREDENTIALS.get(credential ?? "");
  if (!deviceId) return reply(401, { error: "unknown device" });
  try {
    const token = await deviceToken(deviceId, await reasonOf(request));
    reply(200, { accessToken: token.accessToken, expiresIn: token.expiresIn, siteId, deviceId });
  } catch (error) {
    console.error(`broker: ${error instanceof HaloError ? `${error.name} ${error.code}` : "error"}: ${error.message}`);
    reply(502, { error: "could not get a device token" });
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`token broker listening on http://127.0.0.1:${server.address().port}`);
});
