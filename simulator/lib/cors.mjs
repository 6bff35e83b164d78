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

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a browser may drive /_control from where this request comes from. The control API has no
 * authentication, so a web page the tester visits must not reset, fault or read the simulator:
 * requests carrying an `Origin` are allowed only from the simulator's own origin and, by default
 * (`controlOrigins: "loopback"`, so test pages on another local port keep working), from loopback
 * origins; `"self"` allows only its own, an array those origins too. `Origin: null` (sandboxed frames,
 * file: pages) is refused, and so is a request without `Origin` that the browser marks cross-site.
 * Clients that are not browsers send neither header and are served.
 */
export function controlOriginAllowed(request, allowed) {
  const { origin } = request.headers;
  if (origin === undefined) return request.headers['sec-fetch-site'] !== 'cross-site';
  let parsed;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes "null"
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const own = `http://127.0.0.1:${request.socket.localPort}`;
  if (parsed.origin === own || parsed.origin === `http://localhost:${request.socket.localPort}`) return true;
  if (allowed === 'loopback') return LOOPBACK_HOSTS.has(parsed.hostname);
  return Array.isArray(allowed) && allowed.includes(parsed.origin);
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
