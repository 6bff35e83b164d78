// Device tokens: issue (POST /integrator/token), look up, and expire on demand.
import { randomBytes, randomUUID } from 'node:crypto';
import { apiError, contentTypeOf, isGuid, jsonResponse, parseFormBody } from './http.mjs';
import { GUID_NO_LONGER_VALID_MESSAGE } from './sites.mjs';
import { requireSubscriptionKey } from './auth.mjs';

// The Desktop API's grant type, and the older Device API's, which Halo still documents.
const GRANT_TYPES = ['urn:halo-connect:oauth:desktop-token', 'urn:halo-connect:oauth:device-token'];

const base64Url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenStore() {
  const tokens = new Map(); // access token -> { siteId, deviceId, expiresAt }
  return {
    /**
     * A JWT-shaped but opaque token: only this store can vouch for it. Its `iat`/`exp` claims come from
     * the simulator's (possibly skewed) clock; its real lifetime does not depend on the skew.
     */
    issue(siteId, deviceId, lifetimeSeconds, clockNow = Date.now()) {
      const issuedAt = Math.floor(clockNow / 1000);
      const claims = { iss: 'halo-cloud-simulator', sub: deviceId, site: siteId, iat: issuedAt, exp: issuedAt + lifetimeSeconds, jti: randomUUID() };
      const token = `${base64Url({ alg: 'HS256', typ: 'JWT' })}.${base64Url(claims)}.${randomBytes(32).toString('base64url')}`;
      tokens.set(token, { siteId: siteId.toLowerCase(), deviceId, expiresAt: Date.now() + lifetimeSeconds * 1000 });
      return token;
    },

    /** The grant behind a token, or undefined when unknown or expired. */
    find(token) {
      const grant = tokens.get(token);
      return grant && grant.expiresAt > Date.now() ? grant : undefined;
    },

    /** Expires every token (or those of one device) now; returns how many were affected. */
    expire(deviceId) {
      let count = 0;
      for (const grant of tokens.values()) {
        if (deviceId !== undefined && grant.deviceId !== deviceId) continue;
        grant.expiresAt = Date.now() - 1;
        count++;
      }
      return count;
    },
  };
}

/** POST /integrator/token */
export function obtainToken(ctx) {
  requireSubscriptionKey(ctx);
  if (contentTypeOf(ctx.request) !== 'application/x-www-form-urlencoded') {
    throw apiError(415, 'Content-Type must be application/x-www-form-urlencoded.');
  }
  const form = parseFormBody(ctx.rawBody);
  for (const field of ['grant_type', 'device_id', 'site_id']) {
    if (!form[field]) throw apiError(400, `${field} is required.`);
  }
  if (!GRANT_TYPES.includes(form.grant_type)) {
    throw apiError(400, `Unsupported grant_type; use ${GRANT_TYPES[0]}.`);
  }
  const { tokenLifetime } = ctx.state.options;
  return jsonResponse(200, {
    access_token: issueSiteToken(ctx.state, form.site_id, form.device_id, tokenLifetime),
    token_type: 'Bearer',
    expires_in: tokenLifetime,
  });
}

/**
 * The token endpoint's site checks, then a token: a malformed GUID is 400, a changed one or a
 * non-authoritative site 403, an unknown one 404. Shared with the programmatic issueToken.
 */
export function issueSiteToken(state, siteId, deviceId, lifetimeSeconds) {
  const { sites } = state;
  if (!isGuid(siteId)) throw apiError(400, 'site_id must be a Halo GUID.');
  if (sites.isRetired(siteId)) throw apiError(403, GUID_NO_LONGER_VALID_MESSAGE);
  const site = sites.byId(siteId);
  if (!site) throw apiError(404, 'Site not found.');
  if (!site.authoritative) throw apiError(403, 'Site is not authoritative for its PMS ID.');
  return state.tokens.issue(site.id, deviceId, lifetimeSeconds, state.clock.now());
}
