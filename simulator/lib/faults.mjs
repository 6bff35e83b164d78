// Injected faults: queued by tests through /_control/faults, consumed in order by matching requests.
import { STATUS_CODES } from 'node:http';
import { apiError, errorEnvelope, jsonResponse } from './http.mjs';
import { SITE_OFFLINE_MESSAGE } from './sites.mjs';

// Messages Halo documents for these statuses; other statuses get their reason phrase. The 500's
// CosmosDB text is a query-creation failure, so other endpoints get the reason phrase instead.
const DEFAULT_MESSAGES = {
  429: 'Rate limit is exceeded. Try again later.',
  503: SITE_OFFLINE_MESSAGE,
  504: 'Query took more than 30 seconds to return a result.',
};
const QUERY_CREATION_500_MESSAGE = 'Failed to create query container in CosmosDB.';

const isRegExp = (value) => Object.prototype.toString.call(value) === '[object RegExp]';

/** Validates a POST /_control/faults body into a stored fault. */
export function parseFault(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError(400, 'Fault must be a JSON object.');
  const known = ['method', 'path', 'status', 'body', 'generic', 'retryAfter', 'delayMs', 'drop', 'times', 'executeBeforeFault', 'stallAfterBytes', 'stallMs', 'cutAfterBytes'];
  for (const key of Object.keys(body)) if (!known.includes(key)) throw apiError(400, `${key} is not a fault field (known: ${known.join(', ')}).`);
  const { method, path, status, retryAfter, delayMs, drop = false, times = 1, executeBeforeFault = false, generic = false, stallAfterBytes, stallMs, cutAfterBytes } = body;
  if (method !== undefined && typeof method !== 'string') throw apiError(400, 'method must be a string.');
  if (typeof generic !== 'boolean') throw apiError(400, 'generic must be a boolean.');
  if (generic && (status === undefined || body.body !== undefined)) throw apiError(400, 'generic needs status and replaces body.');
  if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 599)) {
    throw apiError(400, 'status must be an HTTP status code.');
  }
  if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0)) throw apiError(400, 'delayMs must be a non-negative integer.');
  if (!Number.isInteger(times) || times < 1) throw apiError(400, 'times must be a positive integer.');
  for (const [name, value] of Object.entries({ stallAfterBytes, stallMs, cutAfterBytes })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw apiError(400, `${name} must be a non-negative integer.`);
  }
  if (stallMs !== undefined && stallAfterBytes === undefined) throw apiError(400, 'stallMs needs stallAfterBytes.');
  const streamFault = stallAfterBytes !== undefined || cutAfterBytes !== undefined;
  if (status === undefined && !drop && delayMs === undefined && !streamFault) {
    throw apiError(400, 'A fault needs status, drop, delayMs, stallAfterBytes or cutAfterBytes.');
  }
  // The real handler already answered, so only a replacement answer (status or drop) makes sense.
  if (executeBeforeFault && status === undefined && !drop) throw apiError(400, 'executeBeforeFault needs status or drop.');
  // A string is matched as a substring only: a pattern from a JSON body is never compiled, so no request
  // can make matching slow. A RegExp (in-process only: JSON has none) is the caller's own; it is copied
  // without the g and y flags, whose lastIndex would make test() answer differently on each request.
  let pathPattern;
  if (isRegExp(path)) pathPattern = new RegExp(path.source, path.flags.replace(/[gy]/g, ''));
  else if (path !== undefined && typeof path !== 'string') throw apiError(400, 'path must be a string (in-process: or a RegExp).');
  return {
    method: method?.toUpperCase(),
    path: pathPattern ? String(pathPattern) : path,
    pathPattern,
    status,
    body: body.body,
    generic,
    retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
    delayMs,
    drop: Boolean(drop),
    times,
    executeBeforeFault: Boolean(executeBeforeFault),
    stallAfterBytes,
    stallMs,
    cutAfterBytes,
  };
}

function matches(fault, method, path) {
  if (fault.method && fault.method !== method) return false;
  if (fault.pathPattern) return fault.pathPattern.test(path);
  return fault.path === undefined || path.includes(fault.path);
}

/** The first queued fault for this request, with one use consumed. */
export function takeFault(faults, method, path) {
  const index = faults.findIndex((fault) => matches(fault, method, path));
  if (index === -1) return undefined;
  const fault = faults[index];
  fault.times--;
  if (fault.times === 0) faults.splice(index, 1);
  return fault;
}

/**
 * The response a status fault answers with: its own body, the reason phrase as text (`generic`: what a
 * gateway sends, no Halo envelope), or the error envelope. A 503 without its own `retryAfter` gets the
 * simulator's `retryAfterSeconds` when set. `route` is the matched route, if any.
 */
export function faultResponse(fault, route, options) {
  const retryAfter = fault.retryAfter ?? (fault.status === 503 && options.retryAfterSeconds !== undefined ? String(options.retryAfterSeconds) : undefined);
  const headers = retryAfter === undefined ? {} : { 'Retry-After': retryAfter };
  const reason = STATUS_CODES[fault.status] ?? 'Fault';
  const text = fault.generic ? reason : fault.body;
  if (typeof text === 'string') {
    return { status: fault.status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, body: text };
  }
  const message = fault.status === 500 && route?.createsQuery ? QUERY_CREATION_500_MESSAGE : DEFAULT_MESSAGES[fault.status] ?? reason;
  return jsonResponse(fault.status, fault.body ?? errorEnvelope(fault.status, message), headers);
}

/** A JSON-safe view of the queued faults, for GET /_control/faults. */
export function describeFaults(faults) {
  return faults.map(({ pathPattern, ...fault }) => fault);
}
