// One "tab" for js-tests/node/token-sharing.test.mjs: a worker thread is its
// own JavaScript context, as a tab is, with its own copy of the package and
// no Web Locks, so `tokenSharing` falls back to its BroadcastChannel election.
import { parentPort, workerData } from "node:worker_threads";
import { HaloDeviceClient } from "halo-device";
import { DEVICE_ID, SITE_ID, tokenIssuer } from "../scenarios/support.mjs";

const { baseUrl, delayMs = 0, tokenTimeoutMs, sharing = true } = workerData;
let hangOnce = false;
const issue = tokenIssuer(baseUrl);
let getTokenCalls = 0;
const client = new HaloDeviceClient({
  baseUrl,
  siteId: SITE_ID,
  deviceId: DEVICE_ID,
  getToken: async (request) => {
    getTokenCalls += 1;
    parentPort.postMessage({ type: "getToken" });
    if (hangOnce) {
      hangOnce = false;
      return new Promise(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return issue(request);
  },
  ...(tokenTimeoutMs === undefined ? {} : { tokenTimeoutMs }),
  ...(sharing ? { tokenSharing: { channel: "js-tests" } } : {}),
});

const handlers = {
  async run({ calls }) {
    const outcomes = await Promise.allSettled(Array.from({ length: calls }, () => client.immediateQuery("SELECT TOP 1 InternalID FROM Patients")));
    return outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => `${outcome.reason?.code}: ${outcome.reason?.message}`);
  },
  calls: () => getTokenCalls,
  // The next getToken never settles and ignores its signal (a stuck token
  // service behind a wrapper that drops the signal).
  hangNext: () => {
    hangOnce = true;
  },
  close: () => client.close(),
};

parentPort.on("message", async ({ id, type, ...args }) => {
  parentPort.postMessage({ id, result: await handlers[type](args) });
});
parentPort.postMessage({ type: "ready" });
