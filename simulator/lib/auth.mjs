// Request authentication: the Integrator API's subscription key and the Desktop API's token + DeviceId.
import { apiError, errorEnvelope, HttpError, jsonResponse } from './http.mjs';

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

const INVALID_TOKEN_MESSAGE = 'Invalid token';

/**
 * The expired-token 401. The getting-started guide shows {"error":{"statusCode":401,"message":"Invalid token"}};
 * the OpenAPI documents its usual envelope for every 401. Real Halo may send either, so option
 * `unauthorizedBody` picks one ("guide", the default, or "openapi").
 */
const invalidToken = (shape) =>
  new HttpError(
    jsonResponse(401, shape === 'openapi' ? errorEnvelope(401, INVALID_TOKEN_MESSAGE) : { error: { statusCode: 401, message: INVALID_TOKEN_MESSAGE } }),
  );

/**
 * A Desktop API call must carry `Authorization: Bearer <token>` and `DeviceId`, and the token must be
 * live and issued for that device and for the addressed site. Every failure is the same 401.
 */
export function requireDeviceToken(ctx, site) {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.request.headers.authorization ?? '');
  const deviceId = ctx.request.headers.deviceid;
  const shape = ctx.state.options.unauthorizedBody;
  if (!match || !deviceId) throw invalidToken(shape);
  const grant = ctx.state.tokens.find(match[1]);
  if (!grant || grant.deviceId !== deviceId || grant.siteId !== site.id.toLowerCase()) throw invalidToken(shape);
}
