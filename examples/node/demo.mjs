#!/usr/bin/env node
// The main demo: a device app asks its integrator's cloud (the token broker
// in examples/broker) for a device token, runs queries against Halo Cloud
// (here, the local simulator), and keeps working as its token expires.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 HALO_TOKEN_BROKER_URL=http://127.0.0.1:4020 node examples/node/demo.mjs
//
// The device never sees the subscription key: only the broker has it.
import { HaloDeviceClient, HaloError } from "halo-device";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const brokerUrl = process.env.HALO_TOKEN_BROKER_URL ?? "http://127.0.0.1:4020";
const credential = process.env.DEMO_DEVICE_CREDENTIAL ?? "demo-device-credential";

/**
 * Signs in to the broker; its answer says which practice and device we are.
 * `reason` is getToken's: on "rejected" the broker skips its cache.
 */
async function askBroker(reason = "initial", signal = undefined) {
  const response = await fetch(`${brokerUrl}/device-token`, {
    method: "POST",
    headers: { Authorization: `Bearer ${credential}`, "Content-Type": "application/json" },
    body: JSON.stringify({ reason }),
    signal,
  });
  if (!response.ok) throw new Error(`the token broker answered ${response.status}`);
  return response.json();
}

const first = await askBroker();
let handedOver = first;
async function getToken({ reason, signal }) {
  const token = handedOver ?? (await askBroker(reason, signal));
  handedOver = undefined;
  return token;
}

const client = new HaloDeviceClient({
  baseUrl,
  siteId: first.siteId,
  deviceId: first.deviceId,
  getToken,
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

  console.log("4. An async query; Halo Cloud notifies the integrator's webhook receiver when it is done:");
  const observations = await client.asyncQuery("SELECT ObservationID, Code, Value FROM Observations", { pollIntervalMs: 100 });
  console.log(`  ${observations.rows.length} rows in ${observations.query.result.pages.length} pages; first: ${JSON.stringify(observations.rows[0])}`);

  console.log("5. Bad input never leaves the device:");
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
