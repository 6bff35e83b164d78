// Registered queries and FHIR.
import { check, deviceClient, equal, rejects } from "./support.mjs";

export const scenarios = [
  {
    name: "registered queries: create, list, get, latest result, cancel",
    simulator: { registeredTimeScale: 0.001 },
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      const { id } = await client.createRegisteredQuery({
        name: "patients",
        command: "SELECT InternalID FROM Patients ORDER BY InternalID",
        frequencySeconds: 60,
        durationSeconds: 3600,
      });
      check(/^[0-9a-f-]{36}$/.test(id), "an id");
      const listed = await client.listRegisteredQueries();
      check(listed.some((q) => q.id === id), "listed");
      const details = await client.getRegisteredQuery(id);
      equal([details.id, details.name, details.status], [id, "patients", "enabled"], "details");
      const latest = await client.getRegisteredQueryResult(id);
      equal(latest.rows.length, 8, "decoded rows of the latest run");
      equal(latest.rows[0], { InternalID: 1 }, "first row");
      equal(latest.rowCount, 8, "row count");
      await client.cancelRegisteredQuery(id);
      equal((await client.getRegisteredQuery(id)).status, "cancelled", "cancelled");
      await rejects(client.getRegisteredQuery("00000000-0000-4000-8000-000000000000"), (e) => e instanceof halo.HaloNotFoundError && e.status === 404);
    },
  },
  {
    name: "FHIR: read, search by POST form and by GET, capabilities, OperationOutcome errors",
    async run({ halo, baseUrl }) {
      const { client, events } = deviceClient(halo, baseUrl);
      const patient = await client.fhirRead("Patient", "1");
      equal([patient.resourceType, patient.id], ["Patient", "1"], "read");
      const posted = await client.fhirSearch("Patient", { family: "Smith" });
      equal(posted.resourceType, "Bundle", "a bundle");
      const names = posted.entry.map((entry) => entry.resource.name[0].family).sort();
      equal(names, ["Smith", "Smithers"], "starts-with search");
      const lastRequest = events.filter((e) => e.type === "request").pop();
      equal([lastRequest.method, lastRequest.path.endsWith("/fhir/R4/Patient/_search")], ["POST", true], "POST _search by default");
      check(!lastRequest.path.includes("Smith"), "search terms stay out of the path");
      const got = await client.fhirSearch("Patient", new URLSearchParams({ given: "Jane" }), { method: "GET" });
      equal(got.entry.map((entry) => entry.resource.id), ["2"], "GET search");
      const practitioners = await client.fhirSearch("Practitioner", [["family", "a"]]);
      check(Array.isArray(practitioners.entry ?? []), "pairs are accepted");
      const capabilities = await client.fhirCapabilities();
      equal(capabilities.resourceType, "CapabilityStatement", "capabilities");
      const missing = await rejects(client.fhirRead("Patient", "999"), (e) => e instanceof halo.HaloNotFoundError);
      check(missing.status === 404, "404");
      await rejects(client.fhirSearch("Patient", { birthdate: "yesterday" }), (e) => e instanceof halo.HaloError && e.code === "HALO_BAD_REQUEST" && e.status === 400);
    },
  },
];
