// The token engine through the packed package: single-flight renewal,
// generation checks, failure handling and secret hygiene.
import { check, control, deviceClient, DEVICE_ID, equal, fault, rejects, sleep, stats, tokenIssuer } from "./support.mjs";

const IMMEDIATE = "queries/immediate";

export const scenarios = [
  {
    name: "1,000 concurrent calls on an expired token make exactly 1 token request",
    async run({ halo, baseUrl }) {
      // The first token lives 1 s, the next an hour: the burst starts on an
      // expired token and cannot outlive the renewed one.
      const issuer = tokenIssuer(baseUrl);
      const getToken = async (request) => {
        const token = await issuer(request);
        return issuer.calls === 1 ? { ...token, expiresIn: 1 } : token;
      };
      const { client } = deviceClient(halo, baseUrl, { getToken });
      await client.immediateQuery("SELECT 1 AS one");
      await sleep(1100);
      equal(client.tokenInfo().hasToken, false, "the client knows its token expired");
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.immediateQuery(`SELECT ${i} AS n`)));
      equal(results.map((r) => r.rows[0].n).slice(0, 3), [0, 1, 2], "every call succeeded with its own answer");
      equal(results.length, 1000, "all settled");
      equal(issuer.calls, 2, "the first token and exactly one renewal");
      equal((await stats(baseUrl)).tokenRequests, 2, "the token endpoint saw the same");
    },
  },
  {
    name: "a token that expires mid-burst is renewed once and every call succeeds",
    async run({ halo, baseUrl }) {
      const { client, getToken, events } = deviceClient(halo, baseUrl);
      await client.immediateQuery("SELECT 1 AS one");
      const calls = [];
      for (let i = 0; i < 300; i++) {
        calls.push(client.immediateQuery(`SELECT ${i} AS n`));
        if (i === 100) await control(baseUrl, "POST", "tokens/expire");
      }
      const results = await Promise.all(calls);
      equal(results.map((r) => r.rows[0].n), Array.from({ length: 300 }, (_, i) => i), "every call succeeded");
      equal(getToken.calls, 2, "one renewal for every 401 of the old token");
      check(events.filter((e) => e.type === "response" && e.status === 401).length >= 1, "some calls did see the 401");
    },
  },
  {
    name: "a failed renewal rejects every waiter with the same error, and the next call recovers",
    async run({ halo, baseUrl }) {
      const getToken = tokenIssuer(baseUrl, { failFirst: 1 });
      const { client, events } = deviceClient(halo, baseUrl, { getToken });
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => client.immediateQuery("SELECT 1 AS one")));
      check(outcomes.every((o) => o.status === "rejected"), "all 20 rejected");
      const errors = outcomes.map((o) => o.reason);
      check(errors.every((e) => e instanceof halo.HaloAuthError), "typed");
      equal(new Set(errors.map((e) => e.message)).size, 1, "the same error for all");
      check(errors[0].cause instanceof Error && errors[0].cause.message.includes("token service unavailable"), "getToken's error is the cause");
      equal(getToken.calls, 1, "one renewal attempt for all waiters");
      equal(events.filter((e) => e.type === "tokenRenewalFailed").length, 1, "one failure event");
      equal((await client.immediateQuery("SELECT 2 AS two")).rows, [{ two: 2 }], "the client recovered");
      equal(getToken.calls, 2, "after one more renewal");
      equal((await stats(baseUrl)).createQueryPosts, 1, "nothing was sent without a token");
    },
  },
  {
    name: "a second 401 is a HaloAuthError, not a loop",
    async run({ halo, baseUrl }) {
      const { client, getToken } = deviceClient(halo, baseUrl);
      await fault(baseUrl, { path: IMMEDIATE, status: 401, body: { error: { statusCode: 401, message: "Invalid token" } }, times: 5 });
      const error = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloAuthError);
      equal([error.status, error.code, error.retryable], [401, "HALO_AUTH", false], "details");
      equal(getToken.calls, 2, "renewed once");
      equal((await stats(baseUrl)).createQueryPosts, 2, "sent twice, not more");
      await control(baseUrl, "DELETE", "faults");
    },
  },
  {
    name: "a getToken that never settles is bounded by tokenTimeoutMs, and its signal aborts there",
    async run({ halo, baseUrl }) {
      const signals = [];
      const getToken = ({ signal }) => (signals.push(signal), new Promise(() => {}));
      const { client } = deviceClient(halo, baseUrl, { getToken, tokenTimeoutMs: 100 });
      const error = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloTimeoutError);
      check(error.message.includes("getToken"), "says what timed out");
      // A getToken (or tokenSharing's renewer) that listens stops at the bound.
      equal(signals.length, 1, "asked once");
      equal(signals[0].aborted, true, "its signal aborted at the bound");
      equal((await stats(baseUrl)).createQueryPosts, 0, "nothing sent");
    },
  },
  {
    name: "getToken answers of the wrong shape are HaloAuthErrors",
    async run({ halo, baseUrl }) {
      for (const answer of [{}, { accessToken: "" }, { accessToken: "t", expiresIn: 0 }, { accessToken: "t", expiresIn: "3600" }, null]) {
        const { client } = deviceClient(halo, baseUrl, { getToken: async () => answer });
        await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloAuthError && e.message.includes("accessToken"), JSON.stringify(answer));
      }
    },
  },
  {
    name: "tokens and device ids never reach an error, an event or tokenInfo, even when the server echoes them",
    async run({ halo, baseUrl }) {
      const issued = [];
      const issuer = tokenIssuer(baseUrl);
      const getToken = async (request) => {
        const token = await issuer(request);
        issued.push(token.accessToken);
        return token;
      };
      const { client, events } = deviceClient(halo, baseUrl, { getToken });
      await client.immediateQuery("SELECT 1 AS one");
      const echo = `token ${issued[0]} is not valid for device ${DEVICE_ID}`;
      await fault(baseUrl, { path: IMMEDIATE, status: 400, body: { error: { status: 400, statusText: "Bad Request", message: echo } } });
      const error = await rejects(client.immediateQuery("SELECT 1"), (e) => e instanceof halo.HaloError);
      const seen = [error.message, String(error.stack), JSON.stringify(error), JSON.stringify(events), JSON.stringify(client.tokenInfo())].join("\n");
      check(error.message.includes("[redacted]"), "the echo was scrubbed");
      for (const secret of [issued[0], DEVICE_ID]) check(!seen.includes(secret), "a secret leaked");
    },
  },
];
