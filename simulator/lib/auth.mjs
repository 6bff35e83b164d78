// Request authentication: the Integrator API's subscription key and the Desktop API's token + DeviceId.
import { apiError, HttpError, jsonResponse } from './http.mjs';

const MISSING_KEY_MESSAGE =
  'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID_KEY_MESSAGE =
  'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

export function requireSubscriptionKey(ctx) {
  const key = ctx.request.headers['ocp-apim-subscription-key'];
  if (!key) throw apiError(401, MISSING_KEY_MESSAGE);
  if (key !== ctx.state.options.subscriptionKey) throw apiError(401, INVALID_KEY_MESSAGE);
}

// Halo's documented expired-token body; it is not the usual error envelope.
const invalidToken = () => new HttpError(jsonResponse(401, { error: { statusCode: 401, message: 'Invalid token' } }));

/**
 * A Desktop API call must carry `Authorization: Bearer <token>` and `DeviceId`, and the token must be
 * live and issued for that device and for the addressed site. Every failure is the same 401.
 */
export function requireDeviceToken(ctx, site) {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.request.headers.authorization ?? '');
  const deviceId = ctx.request.headers.deviceid;
  if (!match || !deviceId) throw invalidToken();
  const grant = ctx.state.tokens.find(match[1]);
  if (!grant || grant.deviceId !== deviceId || grant.siteId !== site.id.toLowerCase()) throw invalidToken();
}
