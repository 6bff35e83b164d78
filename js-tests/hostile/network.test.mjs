// A network failure names the server it could not reach (its origin), so an
// app's log says where to look, and nothing of the path's query string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import * as halo from "halo-device";
import { DEVICE_ID, goodToken, rejectsWith, SITE_ID } from "./support.mjs";

test("a refused connection is HALO_NETWORK naming the origin, not the search", async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  await new Promise((resolve) => server.close(resolve));
  const client = new halo.HaloDeviceClient({ baseUrl: origin, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: goodToken, maxRetries: 0 });
  const error = await rejectsWith(halo, client.fhirSearch("Patient", { family: "Citizen" }, { method: "GET" }), "HALO_NETWORK", 5000);
  assert.ok(error.message.includes(origin), error.message);
  assert.ok(!error.message.includes("Citizen"), error.message);
});
