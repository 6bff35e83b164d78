// Response bodies are bounded: one whose Content-Length is over the limit is
// refused unread, and one that streams past the limit without saying its
// length is cancelled as soon as it passes it (it never ends here):
// HALO_PROTOCOL, never retried, the connection closed, and the client still
// works.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as halo from "halo-device";
import { DEVICE_ID, goodToken, rejectsWith, SITE_ID } from "./support.mjs";

const LIMIT = 48 << 20;
const QUERY = JSON.stringify({ id: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", status: "successful", result: { rows: 0, data: "", parameters: [] } });

let server;
let url;
const requests = [];
before(async () => {
  server = createServer((request, response) => {
    requests.push(request.url);
    if (request.url.endsWith("/metadata")) {
      // Declares a body over the limit, then sends it only slowly.
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(LIMIT + 1) });
      response.write("[");
    } else if (request.url.includes("/fhir/R4/Patient/")) {
      // No length given: a chunked body that runs past the limit and then
      // never ends, so only a client that counts as it reads can settle.
      response.writeHead(200, { "Content-Type": "application/json" });
      const chunk = "x".repeat(1 << 20);
      response.write('"');
      for (let i = 0; i <= LIMIT >> 20; i++) response.write(chunk);
    } else {
      response.writeHead(200, { "Content-Type": "application/json" }).end(QUERY);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const client = () => new halo.HaloDeviceClient({ baseUrl: url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: goodToken });

test("a Content-Length over the limit is refused before the body is read, and not retried", async () => {
  const device = client();
  requests.length = 0;
  const error = await rejectsWith(halo, device.fhirCapabilities(), "HALO_PROTOCOL", 2000);
  assert.match(error.message, /larger than the 48 MiB/);
  assert.equal(requests.length, 1, "sent once");
  assert.equal((await device.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d")).status, "successful", "the client still works");
});

test("a body without a length is cancelled as soon as it passes the limit", async () => {
  const device = client();
  requests.length = 0;
  const error = await rejectsWith(halo, device.fhirRead("Patient", "1"), "HALO_PROTOCOL", 20_000);
  assert.match(error.message, /larger than the 48 MiB/);
  assert.equal(requests.length, 1, "sent once");
});
