// Limits through the packed package: a 404 from a doubled path prefix
// says why, retryAfterMs is capped, and a server that answers 401 to
// everything does not get one getToken per call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HaloAuthError, HaloNotFoundError, HaloRateLimitError } from "halo-device";
import { HaloIntegratorClient } from "halo-device/integrator";
import { answering, client, failure, QUERY_ID } from "./support.mjs";

test("a 404 whose baseUrl already ends in the path prefix points at baseUrl and pathPrefix", async () => {
  const doubled = client({ baseUrl: "http://halo.invalid/desktop/", fetch: answering(404, {}) });
  const error = await failure(() => doubled.client.getQuery(QUERY_ID));
  assert.ok(error instanceof HaloNotFoundError, error.message);
  assert.ok(doubled.fetch.urls[0].startsWith("http://halo.invalid/desktop/desktop/sites/"));
  assert.match(error.message, /repeats "\/desktop"/);
  assert.match(error.message, /pathPrefix/);
  const plain = client({ baseUrl: "http://halo.invalid", fetch: answering(404, {}) });
  const ordinary = await failure(() => plain.client.getQuery(QUERY_ID));
  assert.doesNotMatch(ordinary.message, /repeats|pathPrefix/);
  const integrator = new HaloIntegratorClient({ baseUrl: "http://halo.invalid/integrator", subscriptionKey: "0123456789abcdef0123456789abcdef", fetch: answering(404, {}), maxRetries: 0 });
  const site = await failure(() => integrator.getSite("3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
  assert.match(site.message, /repeats "\/integrator"/);
});

test("retryAfterMs is reported up to an hour, however long Retry-After is", async () => {
  for (const retryAfter of ["86400", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"]) {
    const { client: c } = client({ fetch: answering(429, { message: "slow down" }, { "Retry-After": retryAfter }) });
    const error = await failure(() => c.getQuery(QUERY_ID));
    assert.ok(error instanceof HaloRateLimitError, error.message);
    assert.equal(error.retryAfterMs, 3_600_000, retryAfter);
  }
});

test("50 calls against a server that answers 401 to everything cost a bounded number of getToken calls", async () => {
  let getTokenCalls = 0;
  const getToken = async () => {
    getTokenCalls += 1;
    return { accessToken: `rejected-token-${getTokenCalls}-9f3a`, expiresIn: 3600 };
  };
  const fetch = answering(401, { error: { statusCode: 401, message: "Invalid token" } });
  const { client: c } = client({ getToken, fetch });
  for (let call = 0; call < 50; call++) {
    const error = await failure(() => c.getQuery(QUERY_ID));
    assert.ok(error instanceof HaloAuthError, error.message);
    assert.equal(error.status, 401);
  }
  // One renewal per backoff window (250 ms doubling to 30 s): a handful
  // even on a slow machine, where one per call would be 51.
  assert.ok(getTokenCalls <= 8, `${getTokenCalls} getToken calls`);
  assert.ok(fetch.urls.length <= 100, "each call: one request and one retry");
});
