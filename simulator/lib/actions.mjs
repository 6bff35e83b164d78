// What a test can do to the simulator, one function per action. The /_control routes (lib/control.mjs)
// and the programmatic API (lib/api.mjs) both call these, so HTTP and in-process behave alike.
// Invalid arguments throw the HttpError the control API answers with.
import { apiError, isGuid } from './http.mjs';
import { describeFaults, parseFault } from './faults.mjs';
import { describeQueryFailures, parseQueryFailure } from './outcomes.mjs';
import { resetState } from './state.mjs';
import { createGeneratedQuery } from './streams.mjs';
import { issueSiteToken } from './tokens.mjs';
import { createDeliveryRuntime, resolveDelivery, resolveWebhookUrls } from './webhooks.mjs';

/** A value exactly as /_control sends it (undefined fields dropped), detached from the live state. */
const jsonView = (value) => JSON.parse(JSON.stringify(value));

/** An optional argument object: absent means {}, anything but a plain object is refused. */
function argumentObject(value, what) {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw apiError(400, `${what} must be an object.`);
  return value;
}

const badRequest = (message) => {
  throw apiError(400, message);
};

/**
 * Changes where and how notifications go from now on: `url` a template or an array of them
 * (round-robin; null turns webhooks off), `secret`, `delivery` (replaces the whole setting; absent
 * fields take their defaults, and the seeded choices and the round-robin start again). Each field is
 * optional and validated before anything changes. Notifications already made keep the URLs, secret and
 * delivery they were made with.
 */
export function configureWebhooks(state, change) {
  const { url, secret, delivery } = argumentObject(change, 'The webhook configuration');
  for (const key of Object.keys(change ?? {})) {
    if (!['url', 'secret', 'delivery'].includes(key)) badRequest(`${key} is not a webhook setting (known: url, secret, delivery).`);
  }
  const next = { ...state.webhookDelivery.config };
  if (url !== undefined) next.urls = url === null ? [] : resolveWebhookUrls(url, 'url', badRequest);
  if (secret !== undefined && (typeof secret !== 'string' || secret === '')) badRequest('secret must be a non-empty string.');
  if (secret !== undefined) next.secret = secret;
  if (delivery !== undefined) next.delivery = resolveDelivery(delivery, 'delivery', badRequest);
  state.webhookDelivery.config = next;
  if (delivery !== undefined) state.webhookDelivery.runtime = createDeliveryRuntime(next.delivery);
  return describeWebhookConfig(state);
}

/** The webhook configuration without its secret. */
function describeWebhookConfig(state) {
  const { urls, delivery } = state.webhookDelivery.config;
  return jsonView({ urls, delivery });
}

/** Fresh sites (with the seed), data, tokens, queries, faults, counters and webhook log; timers cancelled. */
export function reset(state) {
  resetState(state);
}

/** Expires every issued token, or only `deviceId`'s, now. */
export function expireTokens(state, deviceId) {
  if (deviceId !== undefined && typeof deviceId !== 'string') throw apiError(400, 'deviceId must be a string.');
  return { expired: state.tokens.expire(deviceId) };
}

/**
 * A token for (site, device), as POST /integrator/token would issue it (same site checks), without
 * a token request: the counters only show the client's own fetches.
 */
export function issueToken(state, grant) {
  const { siteId, deviceId, lifetime } = argumentObject(grant, 'The token request');
  if (typeof deviceId !== 'string' || deviceId === '') throw apiError(400, 'deviceId must be a non-empty string.');
  if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 0)) {
    throw apiError(400, 'lifetime must be a non-negative integer (seconds).');
  }
  const expiresIn = lifetime ?? state.options.tokenLifetime;
  return { accessToken: issueSiteToken(state, siteId, deviceId, expiresIn), expiresIn };
}

/** Queues a fault (lib/faults.mjs validates it); returns it as GET /_control/faults lists it. */
export function addFault(state, spec) {
  const fault = parseFault(spec);
  state.faults.push(fault);
  return jsonView(describeFaults([fault])[0]);
}

/** The faults still queued, with their remaining `times`. */
export function listFaults(state) {
  return jsonView(describeFaults(state.faults));
}

export function clearFaults(state) {
  state.faults.length = 0;
}

/**
 * Plans a failure: the next `times` queries of `mode` ("async", the default, or "registered") created
 * (at `siteId`, or anywhere) end in `status` → the plan as queryFailures() lists it.
 */
export function addQueryFailure(state, spec) {
  const failure = parseQueryFailure(state, spec);
  state.queryFailures.push(failure);
  return jsonView(describeQueryFailures([failure])[0]);
}

/** The planned failures still queued, with their remaining `times`. */
export function listQueryFailures(state) {
  return jsonView(describeQueryFailures(state.queryFailures));
}

/** Gives a site a new GUID (random unless given) and optionally a new practice name. */
export function changeSiteGuid(state, siteId, requested) {
  const { newSiteId, practiceName } = argumentObject(requested, 'The change');
  if (newSiteId !== undefined && (!isGuid(newSiteId) || state.sites.byId(newSiteId))) {
    throw apiError(400, 'newSiteId must be an unused GUID.');
  }
  if (practiceName !== undefined && typeof practiceName !== 'string') throw apiError(400, 'practiceName must be a string.');
  const change = state.sites.changeGuid(siteId, { newSiteId, practiceName });
  if (!change) throw apiError(404, 'Site not found.');
  return change;
}

/**
 * Takes a site's practice offline (or back online): new queries and FHIR calls to it answer 503 (with
 * Retry-After when option retryAfterSeconds is set), getSite reports `availability: "offline"` and
 * its last heartbeat, and async queries still initialising there end in initialisationFailedSiteOffline.
 */
export function setSiteOffline(state, siteId, offline) {
  if (typeof offline !== 'boolean') throw apiError(400, 'offline must be a boolean.');
  const site = typeof siteId === 'string' ? state.sites.byId(siteId) : undefined;
  if (!site) throw apiError(404, 'Site not found.');
  if (offline) site.offlineSince ??= new Date().toISOString();
  else site.offlineSince = undefined;
  return { siteId: site.id, offline };
}

/** Skews the simulator's clock (the Date header, token claims, webhook timestamps) by `offsetMs` from now on. */
export function setClockOffset(state, offsetMs) {
  if (!Number.isInteger(offsetMs)) throw apiError(400, 'offsetMs must be an integer (ms).');
  state.clock.offsetMs = offsetMs;
  return { offsetMs };
}

/** A snapshot of the counters (later requests do not change it). */
export function readStats(state) {
  return jsonView(state.stats);
}

/** A snapshot of the webhook deliveries so far. */
export function listWebhooks(state) {
  return jsonView(state.webhooks);
}

/**
 * A successful async query at `siteId` with one page of `rows` generated rows of about `rowBytes`
 * JSON bytes each, made row by row when read (a 200 MB page costs no memory) → its query id.
 */
export function generateQuery(state, siteId, page) {
  return createGeneratedQuery({ state, params: { siteId }, rawBody: '' }, argumentObject(page, 'The page'));
}

/** Every streamed answer so far: its path, body bytes sent and state. */
export function listStreams(state) {
  return jsonView(state.streams);
}

/** Resumes every stalled stream. */
export function releaseStreams(state) {
  const stalled = [...state.stalls];
  for (const wake of stalled) wake();
  return { released: stalled.length };
}
