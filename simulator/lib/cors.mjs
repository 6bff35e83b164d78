// CORS: the WASM client runs in browsers, so every response must be readable cross-origin.

const EXPOSED_HEADERS = 'Retry-After, Size, Rows-Count, Rows-Range-Start, Rows-Range-End';

/** Headers added to every response. Echoing the Origin keeps credentialed browser requests working. */
export function corsHeaders(request) {
  const origin = request.headers.origin;
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    ...(origin ? { Vary: 'Origin' } : {}),
  };
}

/** The answer to an OPTIONS preflight, for any path. */
export function preflightHeaders(request) {
  return {
    ...corsHeaders(request),
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, DeviceId, Content-Type, Ocp-Apim-Subscription-Key',
    'Access-Control-Max-Age': '600',
  };
}
