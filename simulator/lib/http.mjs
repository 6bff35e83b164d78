// Response values, the documented error envelope, and request-body helpers shared by all handlers.
import { STATUS_CODES } from 'node:http';

/**
 * A handler's answer. Handlers return these instead of writing to the socket so the fault layer can
 * run a handler (executeBeforeFault) and still answer with something else.
 */
export function jsonResponse(status, body, headers = {}) {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body };
}

export function emptyResponse(status, headers = {}) {
  return { status, headers, body: undefined };
}

/** The documented error envelope: {"error":{"status","statusText","message"}}. */
export function errorEnvelope(status, message) {
  return { error: { status, statusText: STATUS_CODES[status] ?? 'Unknown', message } };
}

/** Thrown anywhere in a handler to end the request with `response`. */
export class HttpError extends Error {
  constructor(response) {
    super(typeof response.body?.error?.message === 'string' ? response.body.error.message : `HTTP ${response.status}`);
    this.response = response;
  }
}

export function apiError(status, message, headers) {
  return new HttpError(jsonResponse(status, errorEnvelope(status, message), headers));
}

export const NOT_FOUND_MESSAGE = 'The server cannot find the requested resource.';

export function contentTypeOf(request) {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Parses a JSON request body; the query endpoints do not insist on a Content-Type. */
export function parseJsonBody(rawBody) {
  if (rawBody.length === 0) throw apiError(400, 'Request body is required.');
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw apiError(400, 'Request body is not valid JSON.');
  }
}

export function parseFormBody(rawBody) {
  return Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readBody(request) {
  const chunks = [];
  let total = 0;
  for await (const chunk of request) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) throw apiError(413, 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value) {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}
