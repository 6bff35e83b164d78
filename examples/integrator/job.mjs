#!/usr/bin/env node
// An integrator's nightly job, from its own servers through the Integrator
// API (the subscription key; no device, no token): the same two async
// queries at several practices in parallel, one batch status call per poll
// per practice until both finish, every result page streamed, and a summary.
//
//   HALO_BASE_URL=… HALO_SUBSCRIPTION_KEY=… HALO_SITE_IDS=id,id,… node examples/integrator/job.mjs
import { HaloIntegratorClient } from "halo-device/integrator";

const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
// The simulator's authoritative sites: Best Practice ×2, Zedmed, D4w.
const siteIds = (process.env.HALO_SITE_IDS ?? "3f2504e0-4f89-41d3-9a0c-0305e82c3301,3f2504e0-4f89-41d3-9a0c-0305e82c3303,3f2504e0-4f89-41d3-9a0c-0305e82c3304,3f2504e0-4f89-41d3-9a0c-0305e82c3305").split(",");
const QUERIES = {
  patients: "SELECT InternalID, Suburb, State FROM Patients",
  appointments: "SELECT AppointmentID, Status FROM Appointments",
};

const integrator = new HaloIntegratorClient({ baseUrl, subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key" });

/** Both queries at one practice: started together, waited for with batch status, streamed. */
async function practice(siteId) {
  const site = integrator.site(siteId);
  const names = Object.keys(QUERIES);
  const started = await Promise.all(names.map((name) => site.startAsyncQuery(QUERIES[name])));
  const finished = await site.waitForQueries(started.map((query) => query.id), { pollIntervalMs: 100, timeoutMs: 10 * 60_000 });
  const summary = { siteId };
  for (const [index, entry] of finished.entries()) {
    if (entry.status !== "found" || entry.query.status !== "successful") {
      summary[names[index]] = entry.status === "found" ? entry.query.status : "not found";
      continue;
    }
    let rows = 0;
    for (const { pageNumber } of entry.query.result?.pages ?? []) {
      for await (const _row of site.streamResultPage(entry.queryId, pageNumber)) rows += 1;
    }
    summary[names[index]] = rows;
  }
  return summary;
}

const outcomes = await Promise.allSettled(siteIds.map(practice));
const failed = outcomes.filter((outcome) => outcome.status === "rejected");
console.table(outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : [])));
for (const { reason } of failed) console.error(`job: a practice failed: ${reason?.name} (${reason?.code}): ${reason?.message}`);
console.log(`job: ${outcomes.length - failed.length} of ${siteIds.length} practices done`);
process.exitCode = failed.length === 0 ? 0 : 1;
