// The public API's route table. `auth` selects the guard the server applies before the handler:
// "subscription" (Ocp-Apim-Subscription-Key), "device" (site check, then Bearer token + DeviceId),
// "subscription-site" (key, then site check). `createsQuery` marks the POSTs counted as createQueryPosts;
// `reachesPractice` the calls that need the practice itself, refused with 503 while its site is offline
// (status reads, result pages and registered-query reads are served by the cloud and stay available).
import { obtainToken } from './tokens.mjs';
import { findSites, getSite, pairSite } from './integrator.mjs';
import { createAsyncQuery, createImmediateQuery, getQuery, getQueryStatusBatch, getResultPage } from './queries.mjs';
import {
  cancelRegisteredQuery,
  createRegisteredQuery,
  getRegisteredQuery,
  getRegisteredQueryResult,
  listRegisteredQueries,
} from './registered.mjs';
import { fhirGet, fhirSearchPost } from './fhir.mjs';
import { streamResultPage } from './streams.mjs';

// Endpoints that exist under both /desktop/sites/{siteId}/ and /integrator/sites/{siteId}/.
// Registered queries come before queries/{queryId} so "registered" is not taken for a query ID.
const SITE_ENDPOINTS = [
  { method: 'POST', path: 'queries/immediate', handler: createImmediateQuery, createsQuery: true, reachesPractice: true },
  { method: 'POST', path: 'queries/async', handler: createAsyncQuery, createsQuery: true, reachesPractice: true },
  { method: 'POST', path: 'queries/registered', handler: 'createRegistered', createsQuery: true, reachesPractice: true },
  { method: 'GET', path: 'queries/registered', handler: listRegisteredQueries },
  { method: 'GET', path: 'queries/registered/{queryId}', handler: getRegisteredQuery },
  { method: 'DELETE', path: 'queries/registered/{queryId}', handler: cancelRegisteredQuery },
  { method: 'GET', path: 'queries/registered/{queryId}/results', handler: getRegisteredQueryResult },
  { method: 'GET', path: 'queries/{queryId}', handler: getQuery },
  { method: 'GET', path: 'queries/{queryId}/results/{pageNumber}', handler: getResultPage },
  { method: 'POST', path: 'fhir/R4/{resource}/_search', handler: fhirSearchPost, reachesPractice: true },
  { method: 'GET', path: 'fhir/R4/{fhirParameters*}', handler: fhirGet, reachesPractice: true },
];

const INTEGRATOR_ONLY_SITE_ENDPOINTS = [
  { method: 'POST', path: 'queries/status', handler: getQueryStatusBatch },
  // The page's rows as one raw JSON array, chunked (lib/streams.mjs).
  { method: 'GET', path: 'queries/{queryId}/results/{pageNumber}/stream', handler: streamResultPage },
];

// Creating a registered query answers 201 on the Desktop API but 202 on the Integrator API.
const REGISTERED_CREATE_STATUS = { device: 201, 'subscription-site': 202 };

function siteRoutes(prefix, auth, endpoints) {
  return endpoints.map((endpoint) => ({
    ...endpoint,
    path: `${prefix}/sites/{siteId}/${endpoint.path}`,
    auth,
    handler:
      endpoint.handler === 'createRegistered'
        ? (ctx) => createRegisteredQuery(ctx, REGISTERED_CREATE_STATUS[auth])
        : endpoint.handler,
  }));
}

export const API_ROUTES = [
  { method: 'POST', path: '/integrator/token', auth: 'none', handler: obtainToken, isTokenRequest: true },
  { method: 'GET', path: '/integrator/sites', auth: 'subscription', handler: findSites },
  { method: 'POST', path: '/integrator/pair-site', auth: 'subscription', handler: pairSite },
  { method: 'POST', path: '/integrator/pairSite', auth: 'subscription', handler: pairSite },
  ...siteRoutes('/integrator', 'subscription-site', [...INTEGRATOR_ONLY_SITE_ENDPOINTS, ...SITE_ENDPOINTS]),
  { method: 'GET', path: '/integrator/sites/{siteId}', auth: 'subscription', handler: getSite },
  ...siteRoutes('/desktop', 'device', SITE_ENDPOINTS),
];
