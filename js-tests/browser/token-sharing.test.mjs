// `tokenSharing` in real Chromium: several pages of one origin (tabs of one
// profile) with a client each for the same site and device renew once
// between them, and a renewer that closes mid-renewal hands over.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "../support/browser.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { control, DEVICE_ID } from "../scenarios/support.mjs";

const PAGES = 3;
const CALLS_PER_PAGE = 300;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/**
 * Opens `count` pages of one context, each with a client (shared or not)
 * whose `getToken` counts its calls and waits `delayMs` (page 0 only).
 */
async function openClients(baseUrl, count, { sharing = true, delayMs = 0, tokenTimeoutMs } = {}) {
  const context = await browser.newContext();
  const pages = [];
  for (let index = 0; index < count; index++) {
    const page = await context.newPage();
    await page.evaluate(
      async ({ baseUrl, sharing, delayMs, tokenTimeoutMs }) => {
        const halo = await import("/pkg/dist/browser/index.js");
        const { SITE_ID, DEVICE_ID, tokenIssuer } = await import("/scenarios/support.mjs");
        await halo.init();
        const issue = tokenIssuer(baseUrl);
        window.getTokenCalls = 0;
        // Set by a test: the next getToken never settles and ignores its signal.
        window.hangNext = false;
        window.client = new halo.HaloDeviceClient({
          baseUrl,
          siteId: SITE_ID,
          deviceId: DEVICE_ID,
          getToken: async (request) => {
            window.getTokenCalls += 1;
            if (window.hangNext) {
              window.hangNext = false;
              return new Promise(() => {});
            }
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            return issue(request);
          },
          ...(tokenTimeoutMs === undefined ? {} : { tokenTimeoutMs }),
          ...(sharing ? { tokenSharing: { channel: "js-tests" } } : {}),
        });
        window.run = async (calls) => {
          const outcomes = await Promise.allSettled(
            Array.from({ length: calls }, () => window.client.immediateQuery("SELECT TOP 1 InternalID FROM Patients")),
          );
          return outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => `${outcome.reason?.code}: ${outcome.reason?.message}`);
        };
      },
      { baseUrl, sharing, delayMs: index === 0 ? delayMs : 0, tokenTimeoutMs },
    );
    pages.push(page);
  }
  const getTokenCalls = async (open = pages) => (await Promise.all(open.map((page) => page.evaluate(() => window.getTokenCalls)))).reduce((a, b) => a + b, 0);
  return { context, pages, getTokenCalls };
}

const runEverywhere = (pages, calls) => Promise.all(pages.map((page) => page.evaluate((calls) => window.run(calls), calls)));

test(`${PAGES} pages × ${CALLS_PER_PAGE} concurrent calls on an expired token: one getToken across all pages`, () =>
  withSimulator({}, async (simulator) => {
    const { context, pages, getTokenCalls } = await openClients(simulator.url, PAGES);
    try {
      // The first page fetches the token; the others adopt it.
      for (const page of pages) assert.deepEqual(await page.evaluate(() => window.run(1)), []);
      assert.equal(await getTokenCalls(), 1);

      // Halo stops accepting it: every page's calls meet 401 at once.
      await control(simulator.url, "POST", "tokens/expire", { deviceId: DEVICE_ID });
      const failures = await runEverywhere(pages, CALLS_PER_PAGE);
      assert.deepEqual(failures.flat(), [], "every call succeeds");
      assert.equal(await getTokenCalls(), 2, "one renewal between all pages");
      const { tokenRequests } = await control(simulator.url, "GET", "stats");
      assert.equal(tokenRequests, 2);
      // The 401s themselves are logged by Chromium; nothing else may be.
      for (const page of pages) assert.deepEqual(page.errors.filter((line) => !line.includes("status of 401")), []);
    } finally {
      await context.close();
    }
  }));

test("without tokenSharing each page renews on its own (what the option saves)", () =>
  withSimulator({}, async (simulator) => {
    const { context, pages, getTokenCalls } = await openClients(simulator.url, PAGES, { sharing: false });
    try {
      assert.deepEqual((await runEverywhere(pages, 10)).flat(), []);
      assert.equal(await getTokenCalls(), PAGES);
    } finally {
      await context.close();
    }
  }));

test("a page closed mid-renewal hands over: every other page still gets a token", () =>
  withSimulator({}, async (simulator) => {
    const { context, pages, getTokenCalls } = await openClients(simulator.url, PAGES, { delayMs: 2_000 });
    try {
      const [renewer, ...others] = pages;
      // The first page holds the renewal (its getToken takes 2 s)…
      renewer.evaluate(() => window.run(1)).catch(() => {});
      await renewer.waitForFunction(() => window.getTokenCalls === 1);
      // …the others wait for it, and it closes before it answers.
      const waiting = runEverywhere(others, 20);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await getTokenCalls(others), 0, "the others wait for the renewer");
      await renewer.close();
      assert.deepEqual((await waiting).flat(), []);
      assert.equal(await getTokenCalls(others), 1, "one of the others renews, once");
    } finally {
      await context.close();
    }
  }));

// A stuck renewer under Web Locks: its lock callback gives the lock up when
// the client gives its getToken up (tokenTimeoutMs); the next page renews
// and every page recovers on its next call.
for (const count of [2, 3]) {
  test(`${count} pages, a getToken that hangs once (ignoring its signal): the lock passes on at tokenTimeoutMs, every page recovers on its next call`, () =>
    withSimulator({}, async (simulator) => {
      const { context, pages, getTokenCalls } = await openClients(simulator.url, count, { tokenTimeoutMs: 1_000 });
      try {
        const [hung, ...others] = pages;
        await hung.evaluate(() => {
          window.hangNext = true;
        });
        const hungCall = hung.evaluate(() => window.run(3));
        await hung.waitForFunction(() => window.getTokenCalls === 1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const otherCalls = runEverywhere(others, 3);
        const hungFailures = await hungCall;
        assert.equal(hungFailures.length, 3);
        for (const failure of hungFailures) assert.match(failure, /^HALO_TIMEOUT: .*getToken did not settle within 1000 ms/);
        for (const failure of (await otherCalls).flat()) assert.match(failure, /^HALO_TIMEOUT: /);
        assert.deepEqual((await runEverywhere(pages, 5)).flat(), []);
        assert.equal(await getTokenCalls(), 2, "the stuck getToken, then one renewal");
        assert.equal((await control(simulator.url, "GET", "stats")).tokenRequests, 1);
      } finally {
        await context.close();
      }
    }));
}

test("a malformed tokenSharing option is a HaloValidationError naming the field", async () => {
  const page = await browser.newPage();
  try {
    const outcome = await page.evaluate(async () => {
      const halo = await import("/pkg/dist/browser/index.js");
      await halo.init();
      return [{ channel: "" }, { channel: 5 }, "my-app", Object.create({ channel: "inherited" })].map((tokenSharing) => {
        try {
          new halo.HaloDeviceClient({ baseUrl: "http://127.0.0.1:9", siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", deviceId: "js-tests-device-5f0c2a9d81e3b7c4", getToken: async () => ({ accessToken: "t", expiresIn: 60 }), tokenSharing });
          return "accepted";
        } catch (error) {
          return `${error.name} ${error.field}`;
        }
      });
    });
    assert.deepEqual(outcome, Array(4).fill("HaloValidationError tokenSharing"));
  } finally {
    await page.close();
  }
});
