// Injected faults: queued by tests through /_control/faults, consumed in order by matching requests.
import { STATUS_CODES } from 'node:http';
import { apiError, errorEnvelope, jsonResponse } from './http.mjs';

// Messages Halo documents for these statuses; other statuses get their reason phrase.
const DEFAULT_MESSAGES = {
  429: 'Rate limit is exceeded. Try again later.',
  500: 'Failed to create query container in CosmosDB.',
  503: 'Site could not be contacted, please try again later or contact a system administrator.',
  504: 'Query took more than 30 seconds to return a result.',
};

/** Validates a POST /_control/faults body into a stored fault. */
export function parseFault(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError(400, 'Fault must be a JSON object.');
  const { method, path, status, retryAfter, delayMs, drop = false, times = 1, executeBeforeFault = false, stallAfterBytes, stallMs, cutAfterBytes } = body;
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
  let pathPattern;
  if (path !== undefined) {
    if (typeof path !== 'string') throw apiError(400, 'path must be a string.');
    try {
      pathPattern = new RegExp(path);
    } catch {
      pathPattern = undefined; // not a valid regex: substring matching only
    }
  }
  return {
    method: method?.toUpperCase(),
    path,
    pathPattern,
    status,
    body: body.body,
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
  if (fault.path === undefined) return true;
  return path.includes(fault.path) || Boolean(fault.pathPattern?.test(path));
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

/** The response a status fault answers with: its own body, or the error envelope. */
export function faultResponse(fault) {
  const headers = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
  if (typeof fault.body === 'string') {
    return { status: fault.status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, body: fault.body };
  }
  const body = fault.body ?? errorEnvelope(fault.status, DEFAULT_MESSAGES[fault.status] ?? STATUS_CODES[fault.status] ?? 'Fault');
  return jsonResponse(fault.status, body, headers);
}

/** A JSON-safe view of the queued faults, for GET /_control/faults. */
export function describeFaults(faults) {
  return faults.map(({ pathPattern, ...fault }) => fault);
}
