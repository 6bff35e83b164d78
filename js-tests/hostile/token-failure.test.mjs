// A getToken that fails says why: the HaloAuthError carries the thrown
// error's own message (cleaned, scrubbed of the device id), and is retryable
// only when the token service could not be reached (fetch's TypeError).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import { DEVICE_ID, hostileClient, rejectsWith } from "./support.mjs";

test("a rejected getToken's own message reaches the HaloAuthError, scrubbed, not retryable", async () => {
  const host = { getToken: async () => { throw new Error(`broker refused device ${DEVICE_ID}\r\nInjected: yes`); } };
  const error = await rejectsWith(halo, hostileClient(halo, host).immediateQuery("SELECT 1"), "HALO_AUTH");
  assert.match(error.message, /getToken rejected: broker refused device \S+ Injected: yes/);
  assert.ok(!error.message.includes(DEVICE_ID), error.message);
  assert.equal(error.retryable, false);
  assert.equal(host.fetches, 0, "nothing sent without a token");
});

test("a token service that cannot be reached is a retryable HaloAuthError", async () => {
  const host = { getToken: async () => { throw new TypeError("fetch failed"); } };
  const error = await rejectsWith(halo, hostileClient(halo, host).immediateQuery("SELECT 1"), "HALO_AUTH");
  assert.match(error.message, /fetch failed/);
  assert.equal(error.retryable, true);
});
