// Starts the Halo Cloud simulator in-process and plays the integrator's
// cloud for the tests: it trades the subscription key for device tokens.
import { startSimulator } from "../../simulator/index.mjs";

export const SUBSCRIPTION_KEY = "js-tests-subscription-key";
/** Best Practice site seeded by the simulator (authoritative). */
export const SITE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
export const DEVICE_ID = "js-tests-device-5f0c2a9d81e3b7c4";

export async function withSimulator(options, body) {
  const simulator = await startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, ...options });
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}

/** The integrator cloud's side of the token workflow (never in a device). */
export function tokenIssuer(baseUrl) {
  const issuer = async ({ siteId, deviceId }) => {
    issuer.calls += 1;
    const response = await fetch(`${baseUrl}/integrator/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY },
      body: new URLSearchParams({ grant_type: "urn:halo-connect:oauth:desktop-token", device_id: deviceId, site_id: siteId }),
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const token = await response.json();
    return { accessToken: token.access_token, expiresIn: token.expires_in };
  };
  issuer.calls = 0;
  return issuer;
}

export async function control(baseUrl, method, path, body) {
  const response = await fetch(`${baseUrl}/_control/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`control ${path} answered ${response.status}`);
  return response.status === 204 ? undefined : response.json();
}
