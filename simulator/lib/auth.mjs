// Request authentication: the Integrator API's subscription key and the Desktop API's token + DeviceId.
import { apiError, HttpError, jsonResponse } from './http.mjs';

const MISSING_KEY_MESSAGE =
  'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID_KEY_MESSAGE =
  'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

const DEVICE_HEADERS_MESSAGE =
  'The Integrator API authenticates with Ocp-Apim-Subscription-Key only: Device API headers (Authorization, DeviceId) are not accepted.';

/**
 * The Integrator API's published security is the subscription key alone. A request that also carries the
 * Desktop API's `Authorization` or `DeviceId` is a client mixing the two doors, so it is refused with 400
 * rather than silently served: a device token must never travel to the integrator's door.
 */
export function refuseDeviceHeaders(ctx) {
  const { authorization, deviceid } = ctx.request.headers;
  if (authorization !== undefined || deviceid !== undefined) throw apiError(400, DEVICE_HEADERS_MESSAGE);
}

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
