// Every validation rule: a HaloValidationError naming the field, thrown
// before anything is sent (the simulator sees no request at all).
import { check, deviceClient, equal, rejects, stats, SITE_ID } from "./support.mjs";

const QUERY_ID = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";

export const scenarios = [
  {
    name: "bad call arguments are HaloValidationErrors naming the field, and nothing is sent",
    async run({ halo, baseUrl }) {
      const { client, getToken } = deviceClient(halo, baseUrl);
      const cases = [
        [() => client.immediateQuery(""), "command.text"],
        [() => client.immediateQuery({ text: "   " }), "command.text"],
        [() => client.immediateQuery({ text: "SELECT 1", executionMode: "rows" }), "command.executionMode"],
        [() => client.immediateQuery({ text: "SELECT 1", type: "sproc" }), "command.type"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "@a", type: "Integer" }] }), "command.parameters[0].type"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "@a" }] }), "command.parameters[0].type"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "", type: "Int" }] }), "command.parameters[0].name"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "@a", type: "Int", direction: "in" }] }), "command.parameters[0].direction"],
        [() => client.immediateQuery("SELECT 1", { maxTimeInQueueMs: 60_001 }), "maxTimeInQueueMs"],
        [() => client.immediateQuery("SELECT 1", { maxTimeInQueueMs: -1 }), "maxTimeInQueueMs"],
        [() => client.immediateQuery("SELECT 1", { catalogue: " " }), "catalogue"],
        [() => client.startAsyncQuery("SELECT 1", { maxTimeInQueueMs: 7_200_001 }), "maxTimeInQueueMs"],
        [() => client.getQuery("not-a-query-id"), "queryId"],
        [() => client.waitForQuery(QUERY_ID, { pollIntervalMs: 1 }), "pollIntervalMs"],
        [() => client.getResultPage(QUERY_ID, 0), "pageNumber"],
        [() => client.getResultPage(QUERY_ID, 1.5), "pageNumber"],
        [() => client.createRegisteredQuery({ name: "x", command: "SELECT 1", frequencySeconds: 59, durationSeconds: 600 }), "frequencySeconds"],
        [() => client.createRegisteredQuery({ name: "x", command: "SELECT 1", frequencySeconds: 60, durationSeconds: 86_401 }), "durationSeconds"],
        [() => client.createRegisteredQuery({ name: "", command: "SELECT 1", frequencySeconds: 60, durationSeconds: 600 }), "name"],
        [() => client.createRegisteredQuery({ name: "x", command: "", frequencySeconds: 60, durationSeconds: 600 }), "command.text"],
        [() => client.getRegisteredQuery("../token"), "registeredQueryId"],
        [() => client.fhirRead("Patient", ".."), "id"],
        [() => client.fhirRead("Patient", "1/2"), "id"],
        [() => client.fhirRead("Patient", "1?x=1"), "id"],
        [() => client.fhirRead("Patient", "1#x"), "id"],
        [() => client.fhirRead("../Patient", "1"), "resourceType"],
        [() => client.fhirSearch("Patient", { family: "x" }, { method: "PUT" }), "method"],
        [() => client.immediateQuery(42), "command"],
        [() => client.immediateQuery({ text: 7 }), "command.text"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: "none" }), "command.parameters"],
        [() => client.immediateQuery({ text: "SELECT 1", parameters: [{ name: "@a", type: "Int", value: 5 }] }), "command.parameters[0].value"],
        [() => client.immediateQuery("SELECT 1", { maxTimeInQueueMs: "5000" }), "maxTimeInQueueMs"],
      ];
      for (const [call, field] of cases) {
        await rejects(call(), (e) => e instanceof halo.HaloValidationError && e instanceof halo.HaloError && e.field === field && e.code === "HALO_VALIDATION" && e.retryable === false, `field ${field}`);
      }
      equal(getToken.calls, 0, "no token was requested");
      equal((await stats(baseUrl)).requests, {}, "nothing reached the server");
    },
  },
  {
    name: "bad client options are HaloValidationErrors naming the option",
    async run({ halo, baseUrl }) {
      const getToken = async () => ({ accessToken: "unused", expiresIn: 60 });
      const base = { baseUrl, siteId: SITE_ID, deviceId: "device-0123456789abcdef", getToken };
      const cases = [
        [{ siteId: "not-a-guid" }, "siteId"],
        [{ siteId: "3f2504e04f8941d39a0c0305e82c3301" }, "siteId"],
        [{ deviceId: "" }, "deviceId"],
        [{ deviceId: "1234567890123456789012" }, "deviceId"],
        [{ deviceId: "short-id" }, "deviceId"],
        [{ deviceId: "has spaces in the device id" }, "deviceId"],
        [{ baseUrl: undefined }, "environment"],
        [{ baseUrl: undefined, environment: "dev" }, "environment"],
        [{ environment: "stage" }, "baseUrl"],
        [{ baseUrl: "ftp://127.0.0.1" }, "baseUrl"],
        [{ pathPrefix: "desktop" }, "pathPrefix"],
        [{ attemptTimeoutMs: 0 }, "attemptTimeoutMs"],
        [{ maxRetries: 11 }, "maxRetries"],
        [{ getToken: undefined }, "getToken"],
        [{ siteId: 123 }, "siteId"],
        [{ allowWeakDeviceId: "yes" }, "allowWeakDeviceId"],
      ];
      for (const [override, field] of cases) {
        let error;
        try {
          new halo.HaloDeviceClient({ ...base, ...override });
        } catch (caught) {
          error = caught;
        }
        check(error instanceof halo.HaloValidationError && error.field === field, `option ${field}: ${error?.field} ${error?.message}`);
        check(!error.message.includes("1234567890123456789012"), "the device id is not echoed");
      }
      check(new halo.HaloDeviceClient({ ...base, deviceId: "12345", allowWeakDeviceId: true }), "weak ids when allowed");
      check(new halo.HaloDeviceClient({ ...base, baseUrl: undefined, environment: "production" }), "production");
      const ids = new Set(Array.from({ length: 50 }, () => halo.generateDeviceId()));
      equal(ids.size, 50, "random device ids");
      check([...ids].every((id) => /^[0-9a-f]{32}$/.test(id)), "32 hex characters");
    },
  },
];
