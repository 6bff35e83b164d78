// Response bodies are bounded by maxResponseBytes (48 MiB by default): one
// whose Content-Length is over the limit is refused unread, and one that
// streams past the limit without saying its length is cancelled as soon as it
// passes it (it never ends here): HALO_PROTOCOL, never retried, the
// connection closed, and the client still works. Both clients take the
// option; a value that is not a whole number in range is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as halo from "halo-device";
import { HaloIntegratorClient } from "halo-device/integrator";
import { DEVICE_ID, goodToken, rejectsWith, SITE_ID } from "./support.mjs";

const LIMIT = 48 << 20;
const QUERY = JSON.stringify({ id: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", status: "successful", result: { rows: 0, data: "", parameters: [] } });

const SMALL = 4096;
let server;
let url;
const requests = [];
const closed = [];
before(async () => {
  server = createServer((request, response) => {
    requests.push(request.url);
    if (request.url.includes("/small-limit-")) {
      // Over a small configured limit, with or without a length, then
      // held open: only a cancel by the client closes it.
      const declared = request.url.includes("declared");
      response.writeHead(200, { "Content-Type": "application/json", ...(declared ? { "Content-Length": String(SMALL * 4) } : {}) });
      response.write(`"${"y".repeat(SMALL * 2)}`);
      response.on("close", () => closed.push(request.url));
    } else if (request.url.endsWith("/metadata")) {
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
  assert.match(error.message, /larger than the 50331648 bytes this client reads \(maxResponseBytes\)/);
  assert.equal(requests.length, 1, "sent once");
  assert.equal((await device.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d")).status, "successful", "the client still works");
});

test("a body without a length is cancelled as soon as it passes the limit", async () => {
  const device = client();
  requests.length = 0;
  const error = await rejectsWith(halo, device.fhirRead("Patient", "1"), "HALO_PROTOCOL", 20_000);
  assert.match(error.message, /larger than the 50331648 bytes/);
  assert.equal(requests.length, 1, "sent once");
});

const waitFor = async (check) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

for (const [name, make] of [
  ["the device client", (options) => new halo.HaloDeviceClient({ baseUrl: url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: goodToken, ...options })],
  ["the integrator client", (options) => new HaloIntegratorClient({ baseUrl: url, subscriptionKey: "0123456789abcdef0123456789abcdef", ...options }).site(SITE_ID)],
]) {
  test(`${name} reads no more than its maxResponseBytes, with or without a Content-Length`, async () => {
    const site = make({ maxResponseBytes: SMALL });
    for (const kind of ["declared", "streamed"]) {
      requests.length = 0;
      closed.length = 0;
      const error = await rejectsWith(halo, site.fhirRead("Patient", `small-limit-${kind}`), "HALO_PROTOCOL", 3000);
      assert.match(error.message, /larger than the 4096 bytes this client reads \(maxResponseBytes\)/);
      assert.equal(requests.length, 1, `${kind}: sent once`);
      assert.ok(await waitFor(() => closed.length === 1), `${kind}: the body was cancelled, its connection closed`);
      assert.equal((await site.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d")).status, "successful", `${kind}: the client still works`);
    }
  });

  test(`${name} refuses a maxResponseBytes that is not a whole number of bytes in range`, () => {
    for (const bad of [Number.NaN, -1, 1.5, 1023, 512 * 2 ** 20, Infinity, "4096"]) {
      assert.throws(
        () => make({ maxResponseBytes: bad }),
        (error) => error instanceof halo.HaloValidationError && /maxResponseBytes|options/.test(error.field),
        String(bad),
      );
    }
  });
}
