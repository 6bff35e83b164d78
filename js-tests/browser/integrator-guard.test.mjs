// In a browser the subscription key would be exposed to every visitor:
// HaloIntegratorClient refuses to start there unless told otherwise.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "../support/browser.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("in Chromium: HaloIntegratorClient throws unless dangerouslyAllowBrowser is set", async () => {
  await withSimulator({}, async (simulator) => {
    const page = await browser.newPage();
    const outcome = await page.evaluate(
      async ({ baseUrl, subscriptionKey, siteId }) => {
        const halo = await import("/pkg/dist/browser/integrator.js");
        await halo.init();
        let guard;
        try {
          new halo.HaloIntegratorClient({ baseUrl, subscriptionKey });
        } catch (error) {
          guard = { isClass: error instanceof halo.HaloValidationError, field: error.field, message: error.message };
        }
        const allowed = new halo.HaloIntegratorClient({ baseUrl, subscriptionKey, dangerouslyAllowBrowser: true });
        return { guard, site: (await allowed.getSite(siteId)).id };
      },
      { baseUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY, siteId: SITE_ID },
    );
    assert.equal(outcome.guard.isClass, true);
    assert.equal(outcome.guard.field, "dangerouslyAllowBrowser");
    assert.match(outcome.guard.message, /subscription key must stay on your server/);
    assert.ok(!outcome.guard.message.includes(SUBSCRIPTION_KEY));
    assert.equal(outcome.site, SITE_ID, "allowed when asked for explicitly");
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
