// Every error class from real server answers, and the retry rules.
import { check, control, deviceClient, equal, fault, rejects, SITE_ID, stats } from "./support.mjs";

const IMMEDIATE = "queries/immediate";
const onlyRequests = (events) => events.filter((e) => e.type === "request").length;

export const scenarios = [
  {
    name: "429 is retried after Retry-After; a long Retry-After is a HaloRateLimitError with retryAfterMs",
    async run({ halo, baseUrl }) {
      const { client, events } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: IMMEDIATE, status: 429, retryAfter: "0", times: 1 });
      equal((await client.immediateQuery("SELECT 1 AS one")).rows, [{ one: 1 }], "retried and succeeded");
      const retry = events.find((e) => e.type === "retry");
      check(retry && retry.delayMs === 0 && retry.attempt === 1, "a retry event");
      await fault(baseUrl, { path: IMMEDIATE, status: 429, retryAfter: "3600", times: 1 });
      const error = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloRateLimitError);
      equal([error.status, error.retryAfterMs, error.retryable, error.code], [429, 3_600_000, true, "HALO_RATE_LIMIT"], "rate limit details");
    },
  },
  {
    name: "503 on create is retried (the query never ran); persistent 503 on a read ends as HaloUnavailableError",
    async run({ halo, baseUrl }) {
      const { client, events } = deviceClient(halo, baseUrl, { maxRetries: 2 });
      await fault(baseUrl, { path: IMMEDIATE, status: 503, retryAfter: "0", times: 1 });
      equal((await client.immediateQuery("SELECT 1 AS one")).rows, [{ one: 1 }], "second attempt succeeded");
      await fault(baseUrl, { path: "/queries/", method: "GET", status: 503, retryAfter: "0", times: 10 });
      const before = onlyRequests(events);
      const error = await rejects(client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"), (e) => e instanceof halo.HaloUnavailableError);
      equal([error.status, error.retryable], [503, true], "details");
      equal(onlyRequests(events) - before, 3, "one attempt and two retries");
      await control(baseUrl, "DELETE", "faults");
    },
  },
  {
    name: "a 504 on create is not retried, and the simulator executed the query exactly once",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: IMMEDIATE, status: 504, executeBeforeFault: true, times: 1 });
      const error = await rejects(client.immediateQuery("UPDATE Patients SET Suburb = 'Fitzroy' WHERE InternalID = 2", {}), (e) => e instanceof halo.HaloUnavailableError);
      equal(error.status, 504, "status");
      const counted = await stats(baseUrl);
      equal([counted.createQueryPosts, counted.executionsTotal], [1, 1], "one POST, one execution");
    },
  },
  {
    name: "a dropped connection on create is a HaloNetworkError and the client does not send it again",
    async run({ halo, baseUrl }) {
      const { client, events } = deviceClient(halo, baseUrl);
      // Two drops: Chromium itself resends a request once when a reused
      // keep-alive connection closes before any response byte (below fetch,
      // out of any client's reach); the client must not add a retry of its own.
      await fault(baseUrl, { path: IMMEDIATE, drop: true, executeBeforeFault: true, times: 2 });
      const error = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloNetworkError);
      equal([error.code, error.retryable], ["HALO_NETWORK", true], "details");
      equal(events.filter((e) => e.type === "request").length, 1, "the client sent it once");
      equal(events.filter((e) => e.type === "retry").length, 0, "and scheduled no retry");
      await control(baseUrl, "DELETE", "faults");
    },
  },
  {
    name: "an attempt that exceeds attemptTimeoutMs is a HaloTimeoutError; reads are retried after one",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl, { attemptTimeoutMs: 100 });
      await fault(baseUrl, { path: IMMEDIATE, delayMs: 400, times: 1 });
      await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloTimeoutError && e.code === "HALO_TIMEOUT");
      await fault(baseUrl, { path: "fhir/R4/metadata", delayMs: 400, times: 1 });
      equal((await client.fhirCapabilities()).resourceType, "CapabilityStatement", "the read was retried");
    },
  },
  {
    name: "500, 400 and 403 map to HaloError, HaloError and HaloForbiddenError",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: "fhir/R4/metadata", status: 500, times: 10 });
      const server = await rejects(client.fhirCapabilities({ timeoutMs: 60_000 }), (e) => e instanceof halo.HaloError && e.code === "HALO_SERVER");
      equal(server.status, 500, "500");
      await control(baseUrl, "DELETE", "faults");
      const bad = await rejects(client.immediateQuery("SELEKT * FROM Patients"), (e) => e instanceof halo.HaloError && e.code === "HALO_BAD_REQUEST");
      equal([bad.status, bad.retryable], [400, false], "400");
      const failed = await rejects(client.immediateQuery("SELECT Nope FROM Patients"), (e) => e instanceof halo.HaloQueryFailedError);
      equal([failed.queryStatus, failed.errorType], ["executionFailed", "mssql"], "execution failure");
      await control(baseUrl, "POST", `sites/${SITE_ID}/change-guid`, {});
      const forbidden = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloForbiddenError);
      equal(forbidden.status, 403, "403");
      check(forbidden.message.includes("Halo GUID"), "explains a changed GUID");
    },
  },
  {
    name: "a call's timeoutMs bounds all its retries",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: "fhir/R4/metadata", status: 503, retryAfter: "1", times: 10 });
      const started = Date.now();
      await rejects(client.fhirCapabilities({ timeoutMs: 500 }), (e) => e instanceof halo.HaloUnavailableError);
      check(Date.now() - started < 900, "gave up without sleeping past the deadline");
      await control(baseUrl, "DELETE", "faults");
    },
  },
  {
    name: "an aborted call rejects with the signal's reason and stops its retries",
    async run({ halo, baseUrl }) {
      const { client } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: IMMEDIATE, status: 503, retryAfter: "1", times: 10 });
      const controller = new AbortController();
      const reason = new Error("the user navigated away");
      setTimeout(() => controller.abort(reason), 100);
      const error = await rejects(client.immediateQuery("SELECT 1", { signal: controller.signal }), (e) => e === reason);
      check(error === reason, "the signal's own reason");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const posts = (await stats(baseUrl)).createQueryPosts;
      equal(posts, 1, "no retry after the abort");
      await control(baseUrl, "DELETE", "faults");
      const aborted = AbortSignal.abort();
      await rejects(client.immediateQuery("SELECT 1", { signal: aborted }), (e) => e?.name === "AbortError");
    },
  },
];
