// The HTTP pipeline: CORS preflight, body, routing, stats, faults, authentication, handler, response.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlOriginAllowed, corsHeaders, preflightHeaders } from './cors.mjs';
import { apiError, errorEnvelope, HttpError, jsonResponse, NOT_FOUND_MESSAGE, readBody } from './http.mjs';
import { createRouter } from './router.mjs';
import { API_ROUTES } from './routes.mjs';
import { CONTROL_ROUTES } from './control.mjs';
import { faultResponse, takeFault } from './faults.mjs';
import { refuseDeviceHeaders, requireDeviceToken, requireSubscriptionKey } from './auth.mjs';
import { requireOnlineSite, requireQueryableSite } from './sites.mjs';
import { pipeStream } from './streams.mjs';

const matchApiRoute = createRouter(API_ROUTES);
const matchControlRoute = createRouter(CONTROL_ROUTES);

/** Applies the route's guard. Device calls check the site first, so a changed GUID is 403, not 401. */
function authenticate(ctx, route) {
  switch (route.auth) {
    case 'device':
      ctx.site = requireQueryableSite(ctx.state.sites, ctx.params.siteId);
      requireDeviceToken(ctx, ctx.site);
      break;
    case 'subscription-site':
      requireSubscriptionKey(ctx);
      refuseDeviceHeaders(ctx);
      ctx.site = requireQueryableSite(ctx.state.sites, ctx.params.siteId);
      break;
    case 'subscription':
      requireSubscriptionKey(ctx);
      refuseDeviceHeaders(ctx);
      break;
    default:
      break; // the token endpoint checks its own key, after counting the request
  }
  // Authenticated first: an offline practice is the backend's answer, after the gateway's checks.
  if (route.reachesPractice) requireOnlineSite(ctx.state, ctx.site);
}

async function runHandler(ctx, route, log) {
  try {
    authenticate(ctx, route);
    return await route.handler(ctx);
  } catch (error) {
    if (error instanceof HttpError) return error.response;
    log(`internal error: ${error.stack ?? error}`);
    return jsonResponse(500, errorEnvelope(500, 'Internal server error.'));
  }
}

function recordArrival(state, route, method, rawBody) {
  state.stats.recordRequest(route ? `${method} ${route.path}` : `${method} (unmatched)`);
  if (route?.createsQuery) state.stats.recordCreateQueryPost();
  if (route?.isTokenRequest) {
    state.stats.recordTokenRequest(new URLSearchParams(rawBody.toString('utf8')).get('device_id') ?? undefined);
  }
}

/** Headers on every answer: CORS, and `Date` from the simulator's clock (which `clockOffsetMs` skews). */
const commonHeaders = (state, request) => ({ ...corsHeaders(request), Date: state.clock.date().toUTCString() });

function send(state, request, response, { status, headers, body }) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { ...commonHeaders(state, request), ...headers });
  response.end(payload);
}

async function handleApiRequest(ctx, log) {
  const { state, request, url } = ctx;
  const matched = matchApiRoute(request.method, url.pathname);
  recordArrival(state, matched?.route, request.method, ctx.rawBody);

  const fault = takeFault(state.faults, request.method, url.pathname);
  if (fault) log(`fault on ${request.method} ${url.pathname}: ${JSON.stringify({ ...fault, pathPattern: undefined })}`);
  if (fault?.delayMs) await sleep(fault.delayMs);
  if (fault?.executeBeforeFault && matched) {
    await runHandler({ ...ctx, params: matched.params }, matched.route, log);
  }
  if (fault?.drop) return 'drop';
  if (fault?.status) return faultResponse(fault, matched?.route, state.options);

  if (!matched) return jsonResponse(404, errorEnvelope(404, NOT_FOUND_MESSAGE));
  const outcome = await runHandler({ ...ctx, params: matched.params }, matched.route, log);
  // Stream faults (stall, cut) act on a streamed body; other answers ignore them.
  return outcome.stream ? { ...outcome, fault } : outcome;
}

function handleControlRequest(ctx) {
  const matched = matchControlRoute(ctx.request.method, ctx.url.pathname);
  if (!matched) throw apiError(404, NOT_FOUND_MESSAGE);
  return matched.route.handler({ ...ctx, params: matched.params });
}

const isControlPath = (path) => path.startsWith('/_control/');

export function createHttpServer(state) {
  const { log } = state.options;
  return http.createServer(async (request, response) => {
    try {
      // Refused before its body is read or anything acts, preflights included (without CORS headers,
      // so the browser blocks the real request too).
      const url = new URL(request.url, `http://${request.headers.host ?? '127.0.0.1'}`);
      if (isControlPath(url.pathname) && !controlOriginAllowed(request, state.options.controlOrigins)) {
        log(`${request.method} ${request.url} refused: control call from origin ${request.headers.origin ?? '(cross-site)'}`);
        response.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8', Date: state.clock.date().toUTCString() });
        response.end(JSON.stringify(errorEnvelope(403, 'The control API does not accept calls from this browser origin.')));
        return;
      }
      if (request.method === 'OPTIONS') {
        response.writeHead(204, preflightHeaders(request));
        response.end();
        return;
      }
      const ctx = { state, request, url, rawBody: await readBody(request), baseUrl: url.origin };
      const outcome = isControlPath(url.pathname) ? handleControlRequest(ctx) : await handleApiRequest(ctx, log);
      if (outcome === 'drop') {
        request.socket.destroy();
        return;
      }
      log(`${request.method} ${url.pathname}${url.search} -> ${outcome.status}`);
      if (outcome.stream) await pipeStream(state, request, response, outcome, commonHeaders(state, request));
      else send(state, request, response, outcome);
    } catch (error) {
      if (!(error instanceof HttpError)) log(`internal error: ${error.stack ?? error}`);
      if (response.headersSent) return;
      const answer = error instanceof HttpError ? error.response : jsonResponse(500, errorEnvelope(500, 'Internal server error.'));
      send(state, request, response, answer);
    }
  });
}
