#!/usr/bin/env node
// The main demo: a device app asks its integrator's cloud for a token, runs
// queries against Halo Cloud (here, the local simulator), and keeps working
// as its token expires and is renewed.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 node examples/node/demo.mjs
//
// For the demo, this process also plays the integrator's cloud (see
// `issueToken`). In a real app that code runs on your server, because it
// holds the subscription key; the device only ever sees device tokens.
import { HaloDeviceClient, HaloError, generateDeviceId } from "halo-device";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const subscriptionKey = process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key";
const siteId = process.env.HALO_SITE_ID ?? "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

async function issueToken({ siteId, deviceId }) {
  const response = await fetch(`${baseUrl}/integrator/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Ocp-Apim-Subscription-Key": subscriptionKey },
    body: new URLSearchParams({ grant_type: "urn:halo-connect:oauth:desktop-token", device_id: deviceId, site_id: siteId }),
  });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const token = await response.json();
  return { accessToken: token.access_token, expiresIn: token.expires_in };
}

const client = new HaloDeviceClient({
  baseUrl,
  siteId,
  deviceId: generateDeviceId(),
  getToken: issueToken,
  onEvent: (event) => {
    if (event.type === "tokenRenewed") console.log(`  [event] token renewed (#${event.renewals}, valid ${event.expiresInMs / 1000} s)`);
    if (event.type === "retry") console.log(`  [event] retrying ${event.method} ${event.path} in ${event.delayMs} ms`);
  },
});

try {
  console.log("1. Patients (an immediate query; the first call fetches a token):");
  const patients = await client.immediateQuery("SELECT InternalID, Firstname, Surname, DOB FROM Patients ORDER BY InternalID");
  console.table(patients.rows);

  console.log("2. One patient, by parameter:");
  const one = await client.immediateQuery({
    text: "SELECT InternalID, Firstname, Surname FROM Patients WHERE InternalID = @id",
    parameters: [{ name: "@id", type: "Int", value: "2" }],
  });
  console.table(one.rows);

  const lifetimeMs = client.tokenInfo().expiresAt.getTime() - Date.now();
  console.log(`3. Waiting ${Math.ceil(lifetimeMs / 1000)} s for the token to expire; the next call renews it before sending:`);
  await new Promise((resolve) => setTimeout(resolve, lifetimeMs + 200));
  const appointments = await client.immediateQuery("SELECT TOP 3 AppointmentID, InternalID, AppointmentDate FROM Appointments ORDER BY AppointmentID");
  console.table(appointments.rows);

  console.log("4. Bad input never leaves the device:");
  try {
    await client.immediateQuery({ text: "SELECT 1", executionMode: "rows" });
  } catch (error) {
    if (!(error instanceof HaloError)) throw error;
    console.log(`  ${error.name} (${error.code}) on ${error.field}: ${error.message}`);
  }
  const info = client.tokenInfo();
  console.log(`Done: ${info.renewals} tokens fetched in all.`);
} catch (error) {
  console.error(error instanceof HaloError ? `${error.name} ${error.code}: ${error.message}` : error);
  process.exitCode = 1;
}
