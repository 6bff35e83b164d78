// The examples run against the simulator: the Node CLI (query, async query
// with pages, registered query, FHIR search) and the browser page, which is
// screenshot in headless Chromium and must show the simulator's rows.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "../../simulator/index.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { startServer } from "../../examples/browser/server.mjs";
import { ROOT, launchChromium, recordingPage, run, settled } from "./support.mjs";

let simulator;
before(async () => {
  simulator = await startSimulator({ subscriptionKey: SUBSCRIPTION_KEY, asyncStepMs: 10 });
});
after(() => simulator?.close());

async function cli(...args) {
  const env = { ...process.env, HALO_BASE_URL: simulator.url, HALO_SUBSCRIPTION_KEY: SUBSCRIPTION_KEY, HALO_SITE_ID: SITE_ID };
  const { stdout } = await run(process.execPath, [join(ROOT, "examples", "node", "cli.mjs"), ...args, "--json"], { env });
  return JSON.parse(stdout);
}

test("examples/node/cli.mjs: query, async query with pages, registered query, FHIR search", async () => {
  const [query, async, registered, fhir] = await Promise.all([
    cli("query", "SELECT InternalID, Surname FROM Patients WHERE InternalID <= 2 ORDER BY InternalID"),
    cli("async", "SELECT ObservationID FROM Observations"),
    cli("registered", "SELECT AppointmentID FROM Appointments WHERE PractitionerID = 1 ORDER BY AppointmentID"),
    cli("fhir", "Patient", "family=Smith"),
  ]);
  assert.deepEqual(query, { rowCount: 2, rows: [{ InternalID: 1, Surname: "Smith" }, { InternalID: 2, Surname: "Citizen" }] });
  assert.equal(async.rowCount, 1000);
  assert.deepEqual(async.pages.map((page) => page.pageNumber), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(registered.rows, [{ AppointmentID: 1 }, { AppointmentID: 3 }, { AppointmentID: 7 }, { AppointmentID: 10 }]);
  assert.deepEqual(fhir, { total: 2, ids: ["1", "8"] });
});

test("examples/node/cli.mjs reports a Halo error and exits 1", async () => {
  const failure = await cli("fhir", "Patient", "bogus=1").then(() => assert.fail("it succeeded"), (error) => error);
  assert.equal(failure.exitCode, 1);
  assert.match(failure.stderr, /HaloError \(HALO_BAD_REQUEST\): Unknown search parameter 'bogus'/);
});

/** Share of pixels unlike the top-left one, and the number of distinct colours, of a PNG. */
async function inkOf(browser, png) {
  const page = await browser.newPage();
  try {
    await page.setContent(`<img src="data:image/png;base64,${png.toString("base64")}">`);
    return await page.evaluate(async () => {
      const image = document.querySelector("img");
      await image.decode();
      const canvas = Object.assign(document.createElement("canvas"), { width: image.naturalWidth, height: image.naturalHeight });
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set();
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        colours.add(rgb);
        if (rgb !== ((data[0] << 16) | (data[1] << 8) | data[2])) inked += 1;
      }
      return { inked: inked / (data.length / 4), colours: colours.size };
    });
  } finally {
    await page.close();
  }
}

test("examples/browser: the page shows the simulator's patients, and its screenshot is not blank", async () => {
  const [server, browser] = await Promise.all([
    startServer({ haloUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY, siteId: SITE_ID }),
    launchChromium(),
  ]);
  try {
    const page = await recordingPage(browser);
    await page.setViewportSize({ width: 800, height: 520 });
    await page.goto(`${server.url}/`);
    const outcome = await settled(page, "#status");
    assert.deepEqual(outcome, { state: "done", text: "8 patients" });
    const cells = await page.locator("#patients tbody tr").evaluateAll((rows) => rows.map((row) => row.cells[1].textContent));
    assert.deepEqual(cells.slice(0, 2), ["Mr John Smith", "Mrs Jane Citizen"]);
    assert.equal(cells.length, 8);
    assert.match(await page.textContent("#token"), /^Device token #1, valid until /);
    assert.deepEqual(page.problems, []);

    const png = await page.screenshot();
    mkdirSync(join(ROOT, "build", "packaging"), { recursive: true });
    writeFileSync(join(ROOT, "build", "packaging", "browser-example.png"), png);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    const ink = await inkOf(browser, png);
    assert.ok(ink.inked > 0.05 && ink.colours > 50, `screenshot looks blank: ${JSON.stringify(ink)}`);
    // The measure can fail: an empty page of the same size scores nothing.
    await page.setContent("<body></body>");
    assert.deepEqual(await inkOf(browser, await page.screenshot()), { inked: 0, colours: 1 });
  } finally {
    await browser.close();
    await server.close();
  }
});
