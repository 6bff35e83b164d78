// Run by fate.test.mjs in a child `node --unhandled-rejections=strict`: each
// way the call loop abandons host work it started (a fetch or a body that
// ignores its signal and rejects later), then a pause long enough for every
// late rejection. Under strict mode one unhandled rejection ends this
// process with exit code 1, so reaching the last line is the assertion.
import * as halo from "halo-device";
import * as integrator from "halo-device/integrator";
import { DEVICE_ID, SITE_ID, TOKEN } from "./support.mjs";

const LATE_MS = 150;
const rejectLater = (ms = LATE_MS) => new Promise((_resolve, reject) => setTimeout(() => reject(new TypeError("fetch failed")), ms));

function okResponse() {
  const body = { id: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", status: "successful", result: { rows: 0, data: "", parameters: [] } };
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
}

/** A device client (its token already held) whose fetch does what `host.fetch` does, recording each init. */
async function device(host, options = {}) {
  host.inits = [];
  host.fetch = async () => okResponse();
  const client = new halo.HaloDeviceClient({
    baseUrl: "http://127.0.0.1:9",
    siteId: SITE_ID,
    deviceId: DEVICE_ID,
    getToken: async () => ({ accessToken: TOKEN, expiresIn: 3600 }),
    maxRetries: 0,
    fetch: (url, init) => {
      host.inits.push(init);
      return host.fetch(url, init);
    },
    ...options,
  });
  await client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d");
  host.inits = [];
  return client;
}

const outcome = (error) => ({ name: error?.name, code: error?.code, sent: error?.sent });
const paths = {};

async function run(name, body) {
  const host = {};
  try {
    const error = await body(host).then(() => undefined, (caught) => caught);
    paths[name] = { ...outcome(error), fetches: host.inits?.length ?? 0, aborted: (host.inits ?? []).every((init) => init.signal.aborted) };
  } catch (thrown) {
    paths[name] = { threw: String(thrown) };
  }
}

await run("signal-like object with a held token", async (host) => {
  const client = await device(host);
  host.fetch = () => rejectLater();
  return client.immediateQuery("UPDATE Patients SET Suburb = 'Fitzroy' WHERE InternalID = 2", { signal: { aborted: false } });
});

await run("fetch ignoring its signal past attemptTimeoutMs", async (host) => {
  const client = await device(host, { attemptTimeoutMs: 100 });
  host.fetch = () => rejectLater(200);
  return client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d");
});

await run("caller abort while fetch ignores it", async (host) => {
  const client = await device(host);
  host.fetch = () => rejectLater();
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("user left")), 30);
  return client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { signal: controller.signal });
});

await run("the call's deadline while fetch ignores it", async (host) => {
  const client = await device(host);
  host.fetch = () => rejectLater();
  return client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { timeoutMs: 50 });
});

await run("a signal that breaks once the request is out", async (host) => {
  const client = await device(host, { attemptTimeoutMs: 100 });
  const real = new AbortController().signal;
  let broken = false;
  const signal = {
    get aborted() {
      if (broken) throw new Error("this signal is gone");
      return false;
    },
    reason: undefined,
    addEventListener: (...args) => real.addEventListener(...args),
    removeEventListener: (...args) => real.removeEventListener(...args),
  };
  host.fetch = () => {
    broken = true;
    return rejectLater(200);
  };
  return client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { signal });
});

await run("a body that stalls, then fails", async (host) => {
  const client = await device(host, { attemptTimeoutMs: 100 });
  host.fetch = async () => {
    const body = new ReadableStream({
      start(controller) {
        setTimeout(() => controller.error(new TypeError("terminated")), 200);
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  };
  return client.getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d");
});

await run("integrator: signal-like object", async (host) => {
  host.inits = [];
  const client = new integrator.HaloIntegratorClient({
    baseUrl: "http://127.0.0.1:9",
    subscriptionKey: "fate-abandon-key",
    fetch: (url, init) => {
      host.inits.push(init);
      return rejectLater();
    },
  });
  return client.site(SITE_ID).getQuery("0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", { signal: { aborted: false } });
});

await new Promise((resolve) => setTimeout(resolve, 400));
console.log(JSON.stringify({ survived: true, paths }));
