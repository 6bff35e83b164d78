// YOUR part of a token broker, shared by the three examples here: who is
// asking (a demo device credential stands in for your session or device
// certificate check) and which practice they may reach. Both checks are
// yours: without the second, any signed-in user of any of your customers
// gets a token for any practice your subscription key can reach.
const DEVICES = new Map([
  [process.env.DEMO_DEVICE_CREDENTIAL ?? "demo-device-credential", { deviceId: process.env.DEMO_DEVICE_ID ?? "demo-workstation-4f3a9c21d4e5b6a7", pmsId: process.env.HALO_PMS_ID ?? "12345" }],
]);

/** `authorize` for createTokenBroker: a known credential gets its own device at its own practice. */
export function demoAuthorize(integrator) {
  const sites = new Map(); // PMS ID -> its Halo GUID, resolved once per practice
  const siteOf = (pmsId) => {
    if (!sites.has(pmsId)) {
      const resolving = integrator.resolveSite({ pmsId, pmsName: "Best Practice" }).then((resolved) => resolved.siteId);
      resolving.catch(() => sites.delete(pmsId)); // a failed lookup is tried again next time
      sites.set(pmsId, resolving);
    }
    return sites.get(pmsId);
  };
  return async (request) => {
    const device = DEVICES.get(request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "");
    return device ? { siteId: await siteOf(device.pmsId), deviceId: device.deviceId } : null;
  };
}

/** `onEvent` for createTokenBroker: one line per token, never the token or the device id. */
export function logBrokerEvent(event) {
  if (event.type === "issued") console.log(`broker: issued a token for site ${event.siteId}, valid ${event.expiresIn} s (${event.reason ?? "no reason given"})`);
  if (event.type === "cached") console.log(`broker: served a cached token for site ${event.siteId}, ${event.expiresIn} s left`);
  if (event.type === "failed") console.error(`broker: answered ${event.status} ${event.code}${event.error instanceof Error ? `: ${event.error.message}` : ""}`);
}
