// HaloIntegratorClient against the simulator: tokens, sites, pairing, the
// resolveSite workflow and GUID changes; and no subscription key anywhere.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device/integrator";
import { HaloDeviceClient } from "halo-device";
import { control, DEVICE_ID, SITE_ID } from "../scenarios/support.mjs";
import { withSimulator } from "../support/simulator.mjs";
import { failure, integratorFor, KEY, produced, recordError } from "./support.mjs";

const NON_AUTHORITATIVE = "3f2504e0-4f89-41d3-9a0c-0305e82c3302";
const RIVERSIDE = "3f2504e0-4f89-41d3-9a0c-0305e82c3303";
const BP = { pmsId: "12345", pmsName: "Best Practice" };

test("issueDeviceToken gives a token the device client can use", async () => {
  await withSimulator({ tokenLifetime: 600 }, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    const before = Date.now();
    const token = await integrator.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID });
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.expiresIn, 600);
    assert.ok(token.expiresAt instanceof Date && Math.abs(token.expiresAt.getTime() - (before + 600_000)) < 5_000);
    const device = new HaloDeviceClient({ baseUrl: simulator.url, siteId: SITE_ID, deviceId: DEVICE_ID, getToken: async () => token });
    assert.deepEqual((await device.immediateQuery("SELECT 1 AS one")).rows, [{ one: 1 }]);
    const older = await integrator.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID, grantType: "device" });
    assert.ok(older.accessToken.length > 0, "the older Device grant type is accepted");
    const forbidden = await failure(integrator.issueDeviceToken({ siteId: NON_AUTHORITATIVE, deviceId: DEVICE_ID }));
    assert.ok(forbidden instanceof halo.HaloForbiddenError);
    const invalid = await failure(integrator.issueDeviceToken({ siteId: SITE_ID, deviceId: "123" }));
    assert.ok(invalid instanceof halo.HaloValidationError && invalid.field === "deviceId");
    const grant = await failure(integrator.issueDeviceToken({ siteId: SITE_ID, deviceId: DEVICE_ID, grantType: "password" }));
    assert.equal(grant.field, "grantType");
  });
});

test("a wrong subscription key is a HaloAuthError that does not quote the key", async () => {
  await withSimulator({}, async (simulator) => {
    const wrong = new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: `${KEY}-wrong` });
    const error = await failure(wrong.getSite(SITE_ID));
    assert.ok(error instanceof halo.HaloAuthError && error.status === 401, "not renewed, not retried");
    assert.ok(!error.message.includes(KEY));
    const spaced = (() => {
      try {
        new halo.HaloIntegratorClient({ baseUrl: simulator.url, subscriptionKey: `${KEY} with spaces` });
      } catch (caught) {
        return recordError(caught);
      }
    })();
    assert.equal(spaced.field, "subscriptionKey");
  });
});

test("findSites, getSite and pairSite", async () => {
  await withSimulator({}, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    const sites = await integrator.findSites(BP);
    assert.deepEqual(sites.map((s) => [s.id, s.authoritative]).sort(), [[SITE_ID, true], [NON_AUTHORITATIVE, false]]);
    const site = await integrator.getSite(SITE_ID);
    assert.equal(site.practiceManagementSiteId, "12345");
    assert.ok(site.catalogue.length > 0);
    const paired = await integrator.pairSite({ pmsId: "67890", pmsName: "Best Practice", pairingCode: "XYZ789" });
    assert.equal(paired.id, RIVERSIDE);
    assert.equal((await integrator.pairSite({ pmsId: "ZM-4417", pmsName: "Zedmed" })).practiceManagementName, "Zedmed");
    assert.equal((await failure(integrator.pairSite({ pmsId: "67890", pmsName: "Best Practice" }))).field, "pairingCode");
    assert.ok((await failure(integrator.pairSite({ pmsId: "67890", pmsName: "Best Practice", pairingCode: "WRONG" }))) instanceof halo.HaloForbiddenError);
    assert.equal((await failure(integrator.findSites({ pmsId: "12345", pmsName: "BestPractice" }))).field, "pmsName");
    assert.equal((await failure(integrator.findSites({ pmsId: " ", pmsName: "Zedmed" }))).field, "pmsId");
    assert.ok((await failure(integrator.getSite("00000000-0000-4000-8000-000000000000"))) instanceof halo.HaloNotFoundError);
  });
});

test("resolveSite picks the authoritative site and checks the recorded identifiers", async () => {
  await withSimulator({}, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    const resolved = await integrator.resolveSite({ ...BP, expect: { practiceName: "halo clinic north " } });
    assert.equal(resolved.siteId, SITE_ID, "the non-authoritative duplicate is passed over");
    assert.equal(resolved.site.id, SITE_ID);
    const mismatch = await failure(integrator.resolveSite({ ...BP, expect: { practiceName: "Somewhere Else Medical" } }));
    assert.ok(mismatch instanceof halo.HaloValidationError);
    assert.equal(mismatch.field, "practiceName");
    assert.match(mismatch.message, /Somewhere Else Medical/);
    assert.match(mismatch.message, /Halo Clinic North/);
    const staging = await integrator.resolveSite({ pmsId: "5a7c9e1b", pmsName: "Best Practice" });
    assert.equal(staging.siteId, "5a7c9e1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d", "a staging fake PMS ID");
    assert.ok((await failure(integrator.resolveSite({ pmsId: "99999", pmsName: "Zedmed" }))) instanceof halo.HaloNotFoundError);
  });
});

test("recoverFromGuidChange reports old → new and whether the practice still looks the same", async () => {
  await withSimulator({}, async (simulator) => {
    const integrator = integratorFor(halo, simulator.url);
    const recorded = { practiceName: "Riverside Family Practice" };
    const practice = { siteId: RIVERSIDE, pmsId: "67890", pmsName: "Best Practice", recorded };
    const unchanged = await integrator.recoverFromGuidChange(practice);
    assert.deepEqual([unchanged.changed, unchanged.newSiteId], [false, RIVERSIDE]);
    const { newSiteId } = await control(simulator.url, "POST", `sites/${RIVERSIDE}/change-guid`, {});
    const moved = await integrator.recoverFromGuidChange(practice);
    assert.deepEqual([moved.oldSiteId, moved.newSiteId, moved.changed, moved.canSwitchAutomatically, moved.secondaryChanged], [RIVERSIDE, newSiteId, true, true, []]);
    const merged = await control(simulator.url, "POST", `sites/${newSiteId}/change-guid`, { practiceName: "Riverside & Hills Health" });
    const split = await integrator.recoverFromGuidChange({ ...practice, siteId: newSiteId });
    assert.deepEqual([split.newSiteId, split.changed, split.canSwitchAutomatically, split.secondaryChanged], [merged.newSiteId, true, false, ["practiceName"]]);
  });
});

after(() => {
  const leaks = produced.filter((text) => text.includes(KEY));
  assert.deepEqual(leaks, [], "the subscription key appeared in an error, event or console line");
  assert.ok(produced.length > 10, "the suite recorded what it produced");
});
