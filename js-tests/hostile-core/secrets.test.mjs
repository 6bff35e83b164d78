// Secrets and personal data through the packed package: a GET search's
// parameters, a baseUrl's password, and secrets quoted by what the host
// throws (getToken, fetch) stay out of events, messages and causes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HaloAuthError, HaloNetworkError, HaloValidationError } from "halo-device";
import { HaloIntegratorClient } from "halo-device/integrator";
import { answering, client, DEVICE_ID, failure, revealsNone, scriptedFetch } from "./support.mjs";

const PATIENT = "Zyxwvutsrq";
const KEY = "0123456789abcdef0123456789abcdef";

test("a GET FHIR search's parameters go in the URL only: events and errors name the path without them", async () => {
  const events = [];
  const fetch = scriptedFetch(() => ({ status: 503, body: { message: "busy" } }));
  const { client: c } = client({ fetch, maxRetries: 1, onEvent: (event) => events.push(event) });
  const busy = await failure(() => c.fhirSearch("Patient", { family: PATIENT }, { method: "GET" }));
  assert.equal(busy.code, "HALO_UNAVAILABLE");
  assert.ok(fetch.requests[0].url.endsWith(`/fhir/R4/Patient?family=${PATIENT}`), fetch.requests[0].url);
  const types = new Set(events.map((event) => event.type));
  for (const type of ["request", "response", "retry"]) assert.ok(types.has(type), `a ${type} event`);
  for (const event of events.filter((event) => "path" in event)) {
    assert.match(event.path, /\/fhir\/R4\/Patient$/, JSON.stringify(event));
  }
  const thrower = async () => {
    throw new TypeError("connection reset");
  };
  const { client: offline } = client({ fetch: thrower });
  const network = await failure(() => offline.fhirSearch("Patient", { family: PATIENT }, { method: "GET" }));
  assert.ok(network instanceof HaloNetworkError, network.message);
  assert.match(network.message, /GET \/desktop\/sites\/[^ ]+\/fhir\/R4\/Patient\)/);
  revealsNone(busy, [PATIENT], "503");
  revealsNone(network, [PATIENT], "network error");
  assert.ok(!JSON.stringify(events).includes(PATIENT));
});

test("a baseUrl with user:password@ is refused for both clients, and never quoted", async () => {
  for (const baseUrl of ["https://user:s3cret-pass@api.example.com", "http://s3cret-pass@127.0.0.1:4010/halo"]) {
    for (const create of [
      () => client({ baseUrl }),
      () => new HaloIntegratorClient({ baseUrl, subscriptionKey: KEY }),
    ]) {
      let error;
      try {
        create();
      } catch (thrown) {
        error = thrown;
      }
      assert.ok(error instanceof HaloValidationError, `${baseUrl}: ${error}`);
      assert.equal(error.field, "baseUrl");
      revealsNone(error, ["s3cret-pass", baseUrl], baseUrl);
    }
  }
  let error;
  try {
    client({ baseUrl: "ftp://s3cret-pass.example" });
  } catch (thrown) {
    error = thrown;
  }
  assert.equal(error.field, "baseUrl");
  revealsNone(error, ["s3cret-pass"], "any refused baseUrl");
});

test("getToken's thrown error quoting the token or the device id becomes a scrubbed cause, to every depth", async () => {
  const token = "leaked-token-7b1e9f3a2c";
  let calls = 0;
  const getToken = async () => {
    calls += 1;
    if (calls === 1) return { accessToken: token, expiresIn: 3600 };
    const inner = new Error(`device ${DEVICE_ID} is not enrolled`, { cause: { header: `Bearer ${token}`, [token]: true } });
    throw new Error(`bad token ${token}`, { cause: inner });
  };
  const { client: c } = client({ getToken, fetch: answering(401, { message: "Invalid token" }) });
  const error = await failure(() => c.immediateQuery("SELECT 1"));
  assert.ok(error instanceof HaloAuthError, error.message);
  assert.ok(error.cause instanceof Error, "the cause is kept, scrubbed");
  assert.match(error.cause.message, /^bad token \[redacted\]$/);
  assert.match(error.cause.cause.message, /^device \[redacted\] is not enrolled$/);
  revealsNone(error, [token, DEVICE_ID], "getToken's error");
});

test("a cause that quotes no secret is kept as it is", async () => {
  const thrown = new Error("token service unavailable", { cause: new Error("ECONNREFUSED") });
  const { client: c } = client({
    getToken: async () => {
      throw thrown;
    },
  });
  const error = await failure(() => c.immediateQuery("SELECT 1"));
  assert.equal(error.cause, thrown);
});

test("fetch's error quoting the token, the device id or the subscription key is scrubbed from the cause", async () => {
  const token = "hostile-token-5a8f0c";
  const quoting = async (url, init) => {
    const headers = new Headers(init.headers);
    const error = new TypeError(`invalid header: ${[...headers].map(([name, value]) => `${name}=${value}`).join(", ")}`);
    error.request = { headers: Object.fromEntries(headers) };
    throw error;
  };
  const { client: c } = client({ fetch: quoting });
  const device = await failure(() => c.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d"));
  assert.ok(device instanceof HaloNetworkError, device.message);
  assert.ok(device.cause instanceof Error && device.cause.message.startsWith("invalid header"), device.cause?.message);
  assert.equal(device.cause.name, "TypeError");
  revealsNone(device, [token, DEVICE_ID], "device fetch");
  const integrator = new HaloIntegratorClient({ baseUrl: "http://halo.invalid", subscriptionKey: KEY, fetch: quoting, maxRetries: 0 });
  const keyed = await failure(() => integrator.getSite("3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
  assert.ok(keyed instanceof HaloNetworkError, keyed.message);
  revealsNone(keyed, [KEY], "integrator fetch");
});
