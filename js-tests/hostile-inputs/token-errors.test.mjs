// What getToken gives back reaches the app in a form it can branch on: a
// HaloError it threw (a broker's HaloForbiddenError: the practice moved)
// is the call's rejection itself, not the cause of a HaloAuthError; Halo's
// raw snake_case token body gets a hint instead of a bare "missing".
import { test } from "node:test";
import assert from "node:assert/strict";
import { HaloAuthError, HaloForbiddenError, HaloRateLimitError } from "halo-device";
import { client, failure } from "./support.mjs";

test("getToken: a HaloError it throws or rejects with reaches the caller as itself", async () => {
  const moved = new HaloForbiddenError("the token endpoint says this device's practice moved", { code: "HALO_FORBIDDEN", status: 403, retryable: false });
  const busy = new HaloRateLimitError("the broker is busy", { code: "HALO_RATE_LIMIT", status: 429, retryable: true, retryAfterMs: 1000 });
  const throwing = () => {
    throw moved;
  };
  for (const [label, getToken, expected] of [
    ["rejects", async () => Promise.reject(moved), moved],
    ["throws", throwing, moved],
    ["another kind", async () => Promise.reject(busy), busy],
  ]) {
    const { client: device, fetch } = client({ getToken });
    const error = await failure(() => device.immediateQuery("SELECT 1"));
    assert.equal(error, expected, `${label}: ${error?.name}: ${error?.message}`);
    assert.equal(fetch.requests.length, 0, label);
  }
  // Anything else is still a HaloAuthError with what was thrown as its cause.
  const plain = new Error("broker down");
  const { client: device } = client({ getToken: async () => Promise.reject(plain) });
  const error = await failure(() => device.immediateQuery("SELECT 1"));
  assert.ok(error instanceof HaloAuthError, `${error.name}: ${error.message}`);
  assert.equal(error.cause, plain);
});

test("getToken: Halo's raw snake_case body is refused with a hint", async () => {
  const { client: device } = client({ getToken: async () => ({ access_token: "eyJ.raw.body", token_type: "Bearer", expires_in: 3600 }) });
  const error = await failure(() => device.immediateQuery("SELECT 1"));
  assert.ok(error instanceof HaloAuthError, `${error.name}: ${error.message}`);
  assert.match(error.message, /access_token/);
  assert.match(error.message, /accessToken/);
  assert.doesNotMatch(error.message, /eyJ/);
});
