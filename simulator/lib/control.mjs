// The unauthenticated /_control API tests use to reset, inspect and perturb the simulator. Each route
// only parses its body; the action itself is lib/actions.mjs, which the programmatic API calls too.
import { apiError, emptyResponse, jsonResponse, parseJsonBody } from './http.mjs';
import {
  addFault,
  addQueryFailure,
  changeSiteGuid,
  clearFaults,
  configureWebhooks,
  expireTokens,
  generateQuery,
  issueToken,
  listFaults,
  listQueryFailures,
  listStreams,
  listWebhooks,
  readStats,
  releaseStreams,
  reset,
  setClockOffset,
  setSiteOffline,
} from './actions.mjs';

/** Control bodies are optional; an empty body means {}. */
function optionalJson(rawBody) {
  const body = rawBody.length === 0 ? {} : parseJsonBody(rawBody);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError(400, 'The body must be a JSON object.');
  return body;
}

export const CONTROL_ROUTES = [
  {
    method: 'POST',
    path: '/_control/reset',
    handler(ctx) {
      reset(ctx.state);
      return emptyResponse(204);
    },
  },
  {
    method: 'POST',
    path: '/_control/tokens',
    handler: (ctx) => jsonResponse(201, issueToken(ctx.state, optionalJson(ctx.rawBody))),
  },
  {
    method: 'POST',
    path: '/_control/tokens/expire',
    handler: (ctx) => jsonResponse(200, expireTokens(ctx.state, optionalJson(ctx.rawBody).deviceId)),
  },
  {
    method: 'GET',
    path: '/_control/faults',
    handler: (ctx) => jsonResponse(200, { faults: listFaults(ctx.state) }),
  },
  {
    method: 'POST',
    path: '/_control/faults',
    handler: (ctx) => jsonResponse(201, addFault(ctx.state, parseJsonBody(ctx.rawBody))),
  },
  {
    method: 'DELETE',
    path: '/_control/faults',
    handler(ctx) {
      clearFaults(ctx.state);
      return emptyResponse(204);
    },
  },
  {
    method: 'POST',
    path: '/_control/query-failures',
    handler: (ctx) => jsonResponse(201, addQueryFailure(ctx.state, parseJsonBody(ctx.rawBody))),
  },
  {
    method: 'GET',
    path: '/_control/query-failures',
    handler: (ctx) => jsonResponse(200, { queryFailures: listQueryFailures(ctx.state) }),
  },
  {
    method: 'POST',
    path: '/_control/sites/{siteId}/change-guid',
    handler: (ctx) => jsonResponse(200, changeSiteGuid(ctx.state, ctx.params.siteId, optionalJson(ctx.rawBody))),
  },
  {
    method: 'POST',
    path: '/_control/sites/{siteId}/offline',
    handler: (ctx) => jsonResponse(200, setSiteOffline(ctx.state, ctx.params.siteId, optionalJson(ctx.rawBody).offline)),
  },
  {
    method: 'POST',
    path: '/_control/clock',
    handler: (ctx) => jsonResponse(200, setClockOffset(ctx.state, optionalJson(ctx.rawBody).offsetMs)),
  },
  {
    method: 'GET',
    path: '/_control/stats',
    handler: (ctx) => jsonResponse(200, readStats(ctx.state)),
  },
  {
    method: 'POST',
    path: '/_control/sites/{siteId}/queries/generated',
    handler: (ctx) => jsonResponse(201, { queryId: generateQuery(ctx.state, ctx.params.siteId, optionalJson(ctx.rawBody)) }),
  },
  {
    method: 'GET',
    path: '/_control/streams',
    handler: (ctx) => jsonResponse(200, { streams: listStreams(ctx.state) }),
  },
  {
    method: 'POST',
    path: '/_control/streams/release',
    handler: (ctx) => jsonResponse(200, releaseStreams(ctx.state)),
  },
  {
    method: 'GET',
    path: '/_control/webhooks',
    handler: (ctx) => jsonResponse(200, { webhooks: listWebhooks(ctx.state) }),
  },
  {
    method: 'POST',
    path: '/_control/webhooks/config',
    handler: (ctx) => jsonResponse(200, configureWebhooks(ctx.state, optionalJson(ctx.rawBody))),
  },
];
