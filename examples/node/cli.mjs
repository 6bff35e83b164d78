#!/usr/bin/env node
// A small command line over the Device API, against Halo Cloud or the local
// simulator:
//
//   node examples/node/cli.mjs query "SELECT InternalID, Surname FROM Patients"
//   node examples/node/cli.mjs async "SELECT * FROM Observations"         # paged
//   node examples/node/cli.mjs registered "SELECT * FROM Appointments"    # create, read, cancel
//   node examples/node/cli.mjs fhir Patient family=Smith gender=male
//
// Add --json for machine-readable output. Settings come from HALO_BASE_URL,
// HALO_SITE_ID and HALO_SUBSCRIPTION_KEY (the simulator's defaults if unset).
// As in demo.mjs, this process also plays the integrator's cloud to get
// device tokens; a real device app asks your cloud instead.
import { HaloDeviceClient, HaloError, generateDeviceId } from "halo-device";
import { HaloIntegratorClient } from "halo-device/integrator";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const subscriptionKey = process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key";
const siteId = process.env.HALO_SITE_ID ?? "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

// The integrator's cloud, in-process for this example (see examples/broker).
const integrator = new HaloIntegratorClient({ baseUrl, subscriptionKey });
const issueToken = (request) => integrator.issueDeviceToken(request);

const client = new HaloDeviceClient({ baseUrl, siteId, deviceId: generateDeviceId(), getToken: issueToken });

const COMMANDS = {
  /** An immediate query: one round trip, results up to 8 MB. */
  async query(sql) {
    const { rows, rowCount } = await client.immediateQuery(sql);
    return { rowCount, rows };
  },
  /** An async query, read page by page as Halo makes the pages available. */
  async async(sql) {
    const { id } = await client.startAsyncQuery(sql);
    const pages = [];
    for await (const page of client.resultPages(id, { pollIntervalMs: 100 })) pages.push({ pageNumber: page.pageNumber, rows: page.rows.length });
    return { queryId: id, pages, rowCount: pages.reduce((sum, page) => sum + page.rows, 0) };
  },
  /** A registered query: Halo runs it on a schedule; read its latest result, then cancel it. */
  async registered(sql) {
    const { id } = await client.createRegisteredQuery({ name: "cli", command: sql, frequencySeconds: 60, durationSeconds: 3600 });
    try {
      const { rows, rowCount } = await client.getRegisteredQueryResult(id);
      return { registeredQueryId: id, rowCount, rows };
    } finally {
      await client.cancelRegisteredQuery(id);
    }
  },
  /** A FHIR search, POSTed as a form so the parameters stay out of URLs. */
  async fhir(resourceType, ...params) {
    const bundle = await client.fhirSearch(resourceType, params.map((param) => param.split("=", 2)));
    return { total: bundle.total, ids: (bundle.entry ?? []).map((entry) => entry.resource?.id) };
  },
};

const args = process.argv.slice(2).filter((arg) => arg !== "--json");
const [name, ...rest] = args;
if (!Object.hasOwn(COMMANDS, name)) {
  console.error(`usage: cli.mjs ${Object.keys(COMMANDS).join("|")} … [--json]`);
  process.exit(2);
}

try {
  const result = await COMMANDS[name](...rest);
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(result));
  } else {
    const { rows, ...summary } = result;
    console.log(summary);
    if (rows) console.table(rows);
  }
} catch (error) {
  console.error(error instanceof HaloError ? `${error.name} (${error.code}): ${error.message}` : error);
  process.exitCode = 1;
}
