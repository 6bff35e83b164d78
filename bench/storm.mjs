// 5. Renewal storm: a burst of concurrent calls when the token has expired
// must cost exactly one token request, and little time beyond the same
// burst with a valid token. Two ways a token expires:
//   server: Halo expired it early (/_control/tokens/expire): every call is
//           sent, gets 401, and all must share one renewal and retry;
//   client: its `expiresIn` ran out: calls must wait for one renewal
//           before anything is sent.
import { performance } from "node:perf_hooks";
import { DEVICE_ID, SITE_ID, control, sleep, stats, tokenIssuer } from "../js-tests/scenarios/support.mjs";

const SQL = "SELECT TOP 1 InternalID FROM Patients";
const SHORT_LIFETIME_S = 1;

async function burst(client, size) {
  const start = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: size }, () => client.immediateQuery(SQL)));
  const wallMs = performance.now() - start;
  const failed = outcomes.filter((outcome) => outcome.status === "rejected");
  return { wallMs, failures: failed.length, firstFailure: failed[0]?.reason };
}

/** Runs `rounds` × (valid burst, expire, expired burst) per kind of expiry. */
export async function measureStorm({ halo, baseUrl, size, rounds }) {
  const issuer = tokenIssuer(baseUrl);
  // Tokens the client will see expire after SHORT_LIFETIME_S (the simulator
  // still accepts them for an hour), when `shortLived` is set.
  let shortLived = false;
  const getToken = async (request) => {
    const token = await issuer(request);
    return shortLived ? { ...token, expiresIn: SHORT_LIFETIME_S } : token;
  };
  const client = new halo.HaloDeviceClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, getToken });
  // Warm-up: the token, and the keep-alive connections a burst opens.
  await burst(client, size);

  const expire = {
    server: () => control(baseUrl, "POST", "tokens/expire", { deviceId: DEVICE_ID }),
    async client() {
      // Next token short-lived: renew now (server-side expiry), let it run out.
      shortLived = true;
      await control(baseUrl, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      await client.immediateQuery(SQL);
      shortLived = false;
      await sleep(SHORT_LIFETIME_S * 1000 + 50);
    },
  };
  const results = {};
  for (const [kind, expireToken] of Object.entries(expire)) {
    results[kind] = { valid: [], expired: [], tokenRequests: [], failures: 0, firstFailure: undefined };
    for (let round = 0; round < rounds; round++) {
      const valid = await burst(client, size);
      await expireToken();
      const before = (await stats(baseUrl)).tokenRequests;
      const expired = await burst(client, size);
      const tokenRequests = (await stats(baseUrl)).tokenRequests - before;
      const r = results[kind];
      r.valid.push(valid.wallMs);
      r.expired.push(expired.wallMs);
      r.tokenRequests.push(tokenRequests);
      r.failures += valid.failures + expired.failures;
      r.firstFailure ??= valid.firstFailure ?? expired.firstFailure;
    }
  }
  return results;
}
