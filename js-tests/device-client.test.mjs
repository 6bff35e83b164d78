// Every device-client scenario (js-tests/scenarios), through the packed
// package, once in Node and once in headless Chromium, each against a fresh
// simulator. The same scenario code runs in both runtimes.
import { after, before, describe, test } from "node:test";
import * as halo from "halo-device";
import assert from "node:assert/strict";
import { scenarios } from "./scenarios/index.mjs";
import { leakedSecrets, recordConsole } from "./scenarios/support.mjs";
import { launchBrowser } from "./support/browser.mjs";
import { withSimulator } from "./support/simulator.mjs";

describe("Node", () => {
  // Console output joins the record too: nothing the suite prints may hold a secret.
  recordConsole();
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      await withSimulator(scenario.simulator ?? {}, (simulator) => scenario.run({ halo, baseUrl: simulator.url }));
      assert.deepEqual(leakedSecrets(), [], "a token, device id or key reached an error or an event");
    });
  }
});

describe("Chromium", () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  for (const scenario of scenarios) {
    test(scenario.name, () =>
      withSimulator(scenario.simulator ?? {}, async (simulator) => {
        const page = await browser.newPage();
        try {
          const failure = await page.evaluate(
            async ({ name, baseUrl }) => {
              const halo = await import("/pkg/dist/browser/index.js");
              await halo.init();
              const { scenarios } = await import("/scenarios/index.mjs");
              const { leakedSecrets } = await import("/scenarios/support.mjs");
              try {
                await scenarios.find((s) => s.name === name).run({ halo, baseUrl });
                const leaks = leakedSecrets();
                return leaks.length === 0 ? null : `secrets leaked: ${leaks.length} outputs`;
              } catch (error) {
                return `${error?.name}: ${error?.message}\n${error?.stack ?? ""}`;
              }
            },
            { name: scenario.name, baseUrl: simulator.url },
          );
          if (failure) throw new Error(failure);
        } finally {
          await page.close();
        }
      }),
    );
  }
});
