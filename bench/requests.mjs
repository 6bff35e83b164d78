// 3. Per-request overhead: `immediateQuery` through the package vs the
// hand-written fetch client, against the simulator on loopback. Calls are
// sequential and interleaved (the order within each pair alternates) so
// that drift in the machine or the simulator affects both sides alike.
import { performance } from "node:perf_hooks";
import { DEVICE_ID, SITE_ID, tokenIssuer } from "../js-tests/scenarios/support.mjs";
import { plainClient } from "./plain-client.mjs";

// A small result, so the figure is the client's overhead rather than decoding.
const SQL = "SELECT TOP 5 * FROM Patients";
const WARM_UP = 200;

export async function measureRequests({ halo, baseUrl, n }) {
  const getToken = tokenIssuer(baseUrl);
  const client = new halo.HaloDeviceClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, getToken });
  const { accessToken } = await getToken({ siteId: SITE_ID, deviceId: DEVICE_ID });
  const plain = plainClient({ baseUrl, siteId: SITE_ID, deviceId: DEVICE_ID, accessToken });
  const sides = {
    package: { call: () => client.immediateQuery(SQL), samples: [] },
    plain: { call: () => plain(SQL), samples: [] },
  };
  const time = async (side, record) => {
    const start = performance.now();
    const { rows } = await side.call();
    const elapsed = performance.now() - start;
    if (rows.length !== 5) throw new Error(`expected 5 rows, got ${rows.length}`);
    if (record) side.samples.push(elapsed);
  };
  for (let i = 0; i < WARM_UP + n; i++) {
    const pair = i % 2 === 0 ? [sides.package, sides.plain] : [sides.plain, sides.package];
    for (const side of pair) await time(side, i >= WARM_UP);
  }
  return { package: sides.package.samples, plain: sides.plain.samples };
}
