// Integrator API site endpoints: find sites by PMS ID, get a site, pair with a site.
import { apiError, isGuid, jsonResponse } from './http.mjs';
import { GUID_NO_LONGER_VALID_MESSAGE, PMS_NAME_TO_TYPE, toSiteResource } from './sites.mjs';

const PMS_NAMES = Object.keys(PMS_NAME_TO_TYPE);

/** Both PMS query parameters, validated as GET /integrator/sites and pair-site require. */
function pmsParameters(searchParams) {
  const pmsId = searchParams.get('practiceManagementSiteId');
  const pmsName = searchParams.get('practiceManagementName');
  if (!pmsId) throw apiError(400, 'practiceManagementSiteId is required.');
  if (!pmsName) throw apiError(400, 'practiceManagementName is required.');
  if (!PMS_NAMES.includes(pmsName)) throw apiError(400, `practiceManagementName must be one of ${PMS_NAMES.join(', ')}.`);
  return { pmsId, pmsName };
}

/** GET /integrator/sites — every site for the PMS ID, including non-authoritative duplicates. */
export function findSites(ctx) {
  const { pmsId, pmsName } = pmsParameters(ctx.url.searchParams);
  return jsonResponse(200, { sites: ctx.state.sites.findByPmsId(pmsId, pmsName).map(toSiteResource) });
}

/** GET /integrator/sites/{siteId} */
export function getSite(ctx) {
  const { siteId } = ctx.params;
  if (!isGuid(siteId)) throw apiError(400, 'Halo GUID must be a valid GUID.');
  if (ctx.state.sites.isRetired(siteId)) throw apiError(403, GUID_NO_LONGER_VALID_MESSAGE);
  const site = ctx.state.sites.byId(siteId);
  if (!site) throw apiError(404, 'Site not found.');
  return jsonResponse(200, toSiteResource(site));
}

/**
 * POST /integrator/pair-site (and the deprecated /integrator/pairSite). Pairs with the authoritative
 * site for the PMS ID. Best Practice needs the practice's pairing code: missing -> 400, wrong -> 403.
 */
export function pairSite(ctx) {
  const { pmsId, pmsName } = pmsParameters(ctx.url.searchParams);
  const candidates = ctx.state.sites.findByPmsId(pmsId, pmsName);
  const site = candidates.find((candidate) => candidate.authoritative) ?? candidates[0];
  if (!site) throw apiError(404, 'No site found for this PMS ID.');
  if (site.pmsType === 'BestPractice') {
    const pairingCode = ctx.url.searchParams.get('pairingCode');
    if (!pairingCode) throw apiError(400, 'pairingCode is required for Best Practice sites.');
    if (pairingCode !== site.pairingCode) throw apiError(403, 'The pairing code is not valid for this site.');
  }
  return jsonResponse(200, toSiteResource(site));
}
