// Planned failures of queries not yet created: the terminal states a practice or Halo's cache produce
// and a test cannot otherwise reach (the OpenAPI's initialisationFailed*, uploadFailed, and the
// registered query's initialisationFailedCacheError). Each applies to the next matching creation.
import { apiError } from './http.mjs';

/** The states each query mode can be made to end in, as the OpenAPI names them. */
export const FAILURE_STATES = Object.freeze({
  async: Object.freeze(['initialisationFailedCacheError', 'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable', 'uploadFailed']),
  registered: Object.freeze(['initialisationFailedCacheError']),
});

const KNOWN_FIELDS = ['mode', 'status', 'siteId', 'times'];

/** Validates a planned failure `{ mode? = "async", status, siteId?, times? = 1 }` into a stored one. */
export function parseQueryFailure(state, spec) {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw apiError(400, 'The query failure must be an object.');
  for (const key of Object.keys(spec)) {
    if (!KNOWN_FIELDS.includes(key)) throw apiError(400, `${key} is not a query failure field (known: ${KNOWN_FIELDS.join(', ')}).`);
  }
  const { mode = 'async', status, siteId, times = 1 } = spec;
  if (!Object.hasOwn(FAILURE_STATES, mode)) throw apiError(400, 'mode must be "async" or "registered".');
  if (!FAILURE_STATES[mode].includes(status)) throw apiError(400, `status must be one of ${FAILURE_STATES[mode].join(', ')} for ${mode} queries.`);
  if (!Number.isInteger(times) || times < 1) throw apiError(400, 'times must be a positive integer.');
  let siteKey;
  if (siteId !== undefined) {
    const site = typeof siteId === 'string' ? state.sites.byId(siteId) : undefined;
    if (!site) throw apiError(404, 'Site not found.');
    siteKey = site.key;
  }
  return { mode, status, siteId, siteKey, times };
}

/** The state the query being created at `site` must end in (one use consumed), or undefined. */
export function takeQueryFailure(state, mode, site) {
  const index = state.queryFailures.findIndex((failure) => failure.mode === mode && (failure.siteKey === undefined || failure.siteKey === site.key));
  if (index === -1) return undefined;
  const failure = state.queryFailures[index];
  failure.times--;
  if (failure.times === 0) state.queryFailures.splice(index, 1);
  return failure.status;
}

/** A JSON-safe view of the planned failures still queued. */
export function describeQueryFailures(failures) {
  return failures.map(({ siteKey, ...failure }) => failure);
}
