// The unauthenticated /_control API tests use to reset, inspect and perturb the simulator.
import { apiError, emptyResponse, isGuid, jsonResponse, parseJsonBody } from './http.mjs';
import { describeFaults, parseFault } from './faults.mjs';
import { resetState } from './state.mjs';
import { createGeneratedQuery } from './streams.mjs';

/** Control bodies are optional; an empty body means {}. */
function optionalJson(rawBody) {
  return rawBody.length === 0 ? {} : parseJsonBody(rawBody);
}

export const CONTROL_ROUTES = [
  {
    method: 'POST',
    path: '/_control/reset',
    handler(ctx) {
      resetState(ctx.state);
      return emptyResponse(204);
    },
  },
  {
    method: 'POST',
    path: '/_control/tokens/expire',
    handler(ctx) {
      const { deviceId } = optionalJson(ctx.rawBody);
      return jsonResponse(200, { expired: ctx.state.tokens.expire(deviceId) });
    },
  },
  {
    method: 'GET',
    path: '/_control/faults',
    handler: (ctx) => jsonResponse(200, { faults: describeFaults(ctx.state.faults) }),
  },
  {
    method: 'POST',
    path: '/_control/faults',
    handler(ctx) {
      const fault = parseFault(parseJsonBody(ctx.rawBody));
      ctx.state.faults.push(fault);
      return jsonResponse(201, describeFaults([fault])[0]);
    },
  },
  {
    method: 'DELETE',
    path: '/_control/faults',
    handler(ctx) {
      ctx.state.faults.length = 0;
      return emptyResponse(204);
    },
  },
  {
    method: 'POST',
    path: '/_control/sites/{siteId}/change-guid',
    handler(ctx) {
      const { newSiteId, practiceName } = optionalJson(ctx.rawBody);
      if (newSiteId !== undefined && (!isGuid(newSiteId) || ctx.state.sites.byId(newSiteId))) {
        throw apiError(400, 'newSiteId must be an unused GUID.');
      }
      if (practiceName !== undefined && typeof practiceName !== 'string') throw apiError(400, 'practiceName must be a string.');
      const change = ctx.state.sites.changeGuid(ctx.params.siteId, { newSiteId, practiceName });
      if (!change) throw apiError(404, 'Site not found.');
      return jsonResponse(200, change);
    },
  },
  {
    method: 'GET',
    path: '/_control/stats',
    handler: (ctx) => jsonResponse(200, ctx.state.stats.toJSON()),
  },
  {
    method: 'POST',
    path: '/_control/sites/{siteId}/queries/generated',
    handler: (ctx) => jsonResponse(201, { queryId: createGeneratedQuery(ctx, optionalJson(ctx.rawBody)) }),
  },
  {
    method: 'GET',
    path: '/_control/streams',
    handler: (ctx) => jsonResponse(200, { streams: ctx.state.streams }),
  },
  {
    method: 'POST',
    path: '/_control/streams/release',
    handler(ctx) {
      const stalled = [...ctx.state.stalls];
      for (const wake of stalled) wake();
      return jsonResponse(200, { released: stalled.length });
    },
  },
  {
    method: 'GET',
    path: '/_control/webhooks',
    handler: (ctx) => jsonResponse(200, { webhooks: ctx.state.webhooks }),
  },
];
