// Seeded Halo sites (one per PMS database), their lookup by Halo GUID or PMS ID, and GUID changes.
import { randomUUID } from 'node:crypto';
import { apiError, isGuid } from './http.mjs';
import { createPracticeDatabase } from './database.mjs';

export const PMS_NAME_TO_TYPE = Object.freeze({
  'Best Practice': 'BestPractice',
  Zedmed: 'Zedmed',
  D4w: 'D4w',
});
const PMS_TYPE_TO_NAME = Object.fromEntries(Object.entries(PMS_NAME_TO_TYPE).map(([name, type]) => [type, name]));

export const HALO_LINK_VERSION = '25.1120.4521';
const SEEDED_AT = '2025-01-15T02:30:00.000Z';

const CATALOGUES = {
  BestPractice: [
    { name: 'BPSPatients', isDefault: true },
    { name: 'BPSSamples', isDefault: false },
  ],
  Zedmed: [
    { name: 'Zedmed', isDefault: true },
    { name: 'ZedmedClinical', isDefault: false },
  ],
  D4w: [{ name: 'D4w', isDefault: true }],
};

/** The fixed seed, documented in README.md. */
export const SEEDED_SITES = Object.freeze([
  {
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    pmsType: 'BestPractice',
    pmsId: '12345',
    practiceName: 'Halo Clinic North',
    pmsVersion: '1.13.2.948',
    pairingCode: 'ABC123',
    authoritative: true,
  },
  {
    // A second Link install against a copy of the same Bp database: same PMS ID, not authoritative.
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3302',
    pmsType: 'BestPractice',
    pmsId: '12345',
    practiceName: 'Halo Clinic North',
    pmsVersion: '1.13.2.948',
    pairingCode: 'ABC123',
    authoritative: false,
  },
  {
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3303',
    pmsType: 'BestPractice',
    pmsId: '67890',
    practiceName: 'Riverside Family Practice',
    pmsVersion: '1.12.1.870',
    pairingCode: 'XYZ789',
    authoritative: true,
  },
  {
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3304',
    pmsType: 'Zedmed',
    pmsId: 'ZM-4417',
    practiceName: 'Harbour Medical Centre',
    pmsVersion: '36.3.1',
    authoritative: true,
  },
  {
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3305',
    pmsType: 'D4w',
    pmsId: 'CRN-200145',
    practiceName: 'Smile Dental Group',
    pmsVersion: '9.7.2',
    authoritative: true,
  },
  {
    // A stage developer database without a real PMS ID: Link assigns the GUID's first 8 characters.
    id: '5a7c9e1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d',
    pmsType: 'BestPractice',
    pmsId: '5a7c9e1b',
    practiceName: 'Halo Demo Clinic (stage)',
    pmsVersion: '1.13.2.948',
    pairingCode: 'DEMO01',
    authoritative: true,
  },
]);

/** Fresh sites: the fixed seed plus `seed.sites`, each with the seeded tables plus `seed.tables` (lib/seed.mjs). */
export function createSiteRegistry(seed = { sites: [], tables: [] }) {
  const sites = [...SEEDED_SITES, ...seed.sites].map((spec) => ({
    ...spec,
    // The GUID a site was seeded with never changes, so queries and data survive a GUID change.
    key: spec.id,
    catalogue: CATALOGUES[spec.pmsType],
    createdAt: SEEDED_AT,
    enrichedAt: SEEDED_AT,
    database: createPracticeDatabase(seed.tables),
    offlineSince: undefined, // an ISO time while the practice is offline (setSiteOffline)
  }));
  const retiredGuids = new Map(); // old GUID -> site

  return {
    all: () => sites,
    byId: (id) => sites.find((site) => site.id.toLowerCase() === String(id).toLowerCase()),
    isRetired: (id) => retiredGuids.has(String(id).toLowerCase()),

    /** Sites for a PMS ID; stage fake PMS IDs (a GUID's first 8 characters) match too. */
    findByPmsId(pmsId, pmsName) {
      const pmsType = PMS_NAME_TO_TYPE[pmsName];
      const wanted = pmsId.toLowerCase();
      return sites.filter(
        (site) =>
          site.pmsType === pmsType &&
          (site.pmsId.toLowerCase() === wanted || site.id.slice(0, 8).toLowerCase() === wanted),
      );
    },

    changeGuid(id, { newSiteId = randomUUID(), practiceName } = {}) {
      const site = this.byId(id);
      if (!site) return undefined;
      const oldSiteId = site.id;
      retiredGuids.set(oldSiteId.toLowerCase(), site);
      site.id = newSiteId;
      if (practiceName !== undefined) site.practiceName = practiceName;
      site.enrichedAt = new Date().toISOString();
      return { oldSiteId, newSiteId };
    },
  };
}

/** The Site schema of the Integrator API (SiteForIntegrator), every field filled in. */
export function toSiteResource(site) {
  const now = new Date().toISOString();
  // An offline practice stopped reporting when it went offline.
  const heardFrom = site.offlineSince ?? now;
  const practiceManagementName = PMS_TYPE_TO_NAME[site.pmsType];
  return {
    id: site.id,
    pmsType: site.pmsType,
    availability: site.offlineSince ? 'offline' : 'online',
    status: 'active',
    haloLinkVersion: HALO_LINK_VERSION,
    enrichedAt: site.enrichedAt,
    catalogue: site.catalogue.map((entry) => ({ ...entry })),
    practiceMetadata: {
      pmsType: site.pmsType,
      practiceName: site.practiceName,
      practiceManagementSiteId: site.pmsId,
      practiceManagementVersion: site.pmsVersion,
    },
    name: site.practiceName,
    practiceManagementSiteId: site.pmsId,
    practiceManagementName,
    practiceManagementVersion: site.pmsVersion,
    createdAt: site.createdAt,
    authoritative: site.authoritative,
    clientTimestampUTC: heardFrom,
    heartbeatTimestampUTC: heardFrom,
  };
}

export const SITE_OFFLINE_MESSAGE = 'Site could not be contacted, please try again later or contact a system administrator.';

/** Refuses a call that needs the practice itself (a new query, FHIR) while the site is offline: 503. */
export function requireOnlineSite(state, site) {
  if (!site.offlineSince) return;
  const { retryAfterSeconds } = state.options;
  throw apiError(503, SITE_OFFLINE_MESSAGE, retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(retryAfterSeconds) });
}

export const GUID_NO_LONGER_VALID_MESSAGE =
  'The Halo GUID is no longer valid for this site. Look up the current Halo GUID using the PMS ID.';

/**
 * The site a query/FHIR call addresses, or the documented refusal: 400 for a malformed GUID,
 * 403 for a changed (retired) GUID or a non-authoritative site, 404 for an unknown GUID.
 */
export function requireQueryableSite(registry, siteId) {
  if (!isGuid(siteId)) throw apiError(400, 'Halo GUID must be a valid GUID.');
  if (registry.isRetired(siteId)) throw apiError(403, GUID_NO_LONGER_VALID_MESSAGE);
  const site = registry.byId(siteId);
  if (!site) throw apiError(404, 'Site not found.');
  if (!site.authoritative) {
    throw apiError(403, 'Site is not authoritative for its PMS ID; queries are routed to the authoritative site.');
  }
  return site;
}
