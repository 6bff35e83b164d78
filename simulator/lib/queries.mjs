// Immediate and async queries: creation, the async status lifecycle, status reads and result pages.
import { randomUUID } from 'node:crypto';
import { apiError, isGuid, jsonResponse, parseJsonBody } from './http.mjs';
import { encodeRows, inlineResult, paginate, prepareCommand, runCommand, validateCatalogue, validateMaxTimeInQueue } from './commands.mjs';
import { notifyCompletion } from './webhooks.mjs';
import { takeQueryFailure } from './outcomes.mjs';

/** The integrator that owns the simulator's subscription key; reported as `integratorId`. */
export const INTEGRATOR_ID = '9b2d6c4e-1f3a-4e5b-8c7d-0a1b2c3d4e5f';

const IMMEDIATE_LIMITS = { maximum: 60_000, defaultValue: 30_000 };
const ASYNC_LIMITS = { maximum: 7_200_000, defaultValue: 3_600_000 };

const GONE_MESSAGE = 'Access to the target resource is permanently no longer available at the origin server.';

const now = () => new Date().toISOString();

/** Validates a create-query body shared by immediate and async queries. */
function parseCreateBody(ctx, limits) {
  const body = parseJsonBody(ctx.rawBody);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiError(400, "Request body doesn't contain correct schema: expected an object.");
  }
  const prepared = prepareCommand(body.command);
  const maxTimeInQueue = validateMaxTimeInQueue(body.maxTimeInQueue, limits);
  validateCatalogue(ctx.site, body.catalogue);
  return { prepared, maxTimeInQueue, commandSize: Buffer.byteLength(JSON.stringify(body.command), 'utf8') };
}

export function newQueryRecord(ctx, mode, { maxTimeInQueue, commandSize }) {
  const createdAt = now();
  const record = {
    siteKey: ctx.site.key,
    pages: [],
    query: {
      id: randomUUID(),
      integratorId: INTEGRATOR_ID,
      siteId: ctx.site.id,
      mode,
      status: 'initialising',
      maxTimeInQueue,
      commandSize,
      requestSize: ctx.rawBody.length,
      createdAt,
      updatedAt: createdAt,
      statusTiming: { initialising: { startTime: createdAt } },
    },
  };
  ctx.state.queries.set(record.query.id, record);
  return record;
}

/** Records a failed execution in the schema's shape (errorDetails plus the deprecated flat fields). */
function markExecutionFailed(query, outcome, at) {
  Object.assign(query, {
    status: 'executionFailed',
    updatedAt: at,
    errorCode: outcome.errorDetails.errorCode,
    errorMessage: outcome.errorDetails.errorMessage,
    errorDetails: outcome.errorDetails,
    completedAt: at,
  });
}

export function createImmediateQuery(ctx) {
  const input = parseCreateBody(ctx, IMMEDIATE_LIMITS);
  const { query } = newQueryRecord(ctx, 'immediate', input);
  const executingAt = now();
  const outcome = runCommand(ctx.site.database, input.prepared);
  ctx.state.stats.recordExecution(query.id, input.prepared.text);
  const completedAt = now();

  if (!outcome.ok) {
    query.statusTiming = {
      initialising: { startTime: query.createdAt, endTime: executingAt },
      executing: { startTime: executingAt, endTime: completedAt },
    };
    markExecutionFailed(query, outcome, completedAt);
    return jsonResponse(500, query);
  }
  const result = inlineResult(outcome);
  Object.assign(query, {
    status: 'successful',
    updatedAt: completedAt,
    statusTiming: {
      initialising: { startTime: query.createdAt },
      executing: { startTime: executingAt },
      downloading: { startTime: completedAt },
      uploading: { startTime: completedAt },
    },
    metrics: { sqlExecutionDuration: outcome.durationMs },
    result,
    resultSize: result.size,
    completedAt,
  });
  return jsonResponse(200, query);
}

export function createAsyncQuery(ctx) {
  const input = parseCreateBody(ctx, ASYNC_LIMITS);
  const record = newQueryRecord(ctx, 'async', input);
  // A snapshot: the lifecycle timers mutate the stored query object from here on.
  const response = jsonResponse(201, structuredClone(record.query));
  runAsyncLifecycle(ctx.state, ctx.site, record, input.prepared, takeQueryFailure(ctx.state, 'async', ctx.site));
  return response;
}

/** Moves a query from its current timed state into `status` at time `at`. */
function enterStatus(query, status, at) {
  const current = query.statusTiming[query.status];
  if (current) current.endTime = at;
  query.status = status;
  query.updatedAt = at;
  if (['queued', 'executing', 'uploading'].includes(status)) query.statusTiming[status] = { startTime: at };
}

/** Ends a query in a terminal state without a result. */
function endWithoutResult(query, status) {
  const at = now();
  enterStatus(query, status, at);
  query.completedAt = at;
}

/**
 * initialising -> queued -> executing -> uploading -> successful, each state lasting asyncStepMs.
 * A query whose maxTimeInQueue is shorter than its time in the queue ends in expiredInQueue; a SQL
 * error ends in executionFailed. The SQL runs once, on entering `executing`. A planned `failure`
 * (lib/outcomes.mjs) ends an initialisationFailed* query after initialising, an uploadFailed one after
 * uploading (its SQL ran); a query still initialising when its site goes offline ends in
 * initialisationFailedSiteOffline. None of these sends a webhook.
 */
function runAsyncLifecycle(state, site, record, prepared, failure) {
  const { asyncStepMs, pageRows } = state.options;
  const { query } = record;
  const step = (task) => state.scheduler.after(asyncStepMs, task, state.options.log);

  step(() => {
    const initialisationFailure = failure?.startsWith('initialisationFailed') ? failure : site.offlineSince && 'initialisationFailedSiteOffline';
    if (initialisationFailure) {
      endWithoutResult(query, initialisationFailure);
      return;
    }
    enterStatus(query, 'queued', now());
    step(() => {
      const at = now();
      if (query.maxTimeInQueue < asyncStepMs) {
        endWithoutResult(query, 'expiredInQueue');
        return;
      }
      enterStatus(query, 'executing', at);
      const outcome = runCommand(site.database, prepared);
      state.stats.recordExecution(query.id, prepared.text);
      step(() => {
        const finishedAt = now();
        if (!outcome.ok) {
          enterStatus(query, 'executionFailed', finishedAt);
          markExecutionFailed(query, outcome, finishedAt);
          return;
        }
        enterStatus(query, 'uploading', finishedAt);
        query.metrics = { sqlExecutionDuration: outcome.durationMs };
        step(() => (failure === 'uploadFailed' ? endWithoutResult(query, 'uploadFailed') : completeAsyncQuery(state, site, record, outcome, pageRows)));
      });
    });
  });
}

function completeAsyncQuery(state, site, record, outcome, pageRows) {
  const { query } = record;
  // A nonQuery result has one page without data; its page answers {parameters}.
  const pages =
    outcome.rows === undefined
      ? [{ pageNumber: 1, rangeStart: 0, rangeEnd: 0, count: 0, size: 0 }]
      : paginate(outcome.rows, pageRows);
  const size = pages.reduce((total, page) => total + page.size, 0);
  const pageViews = pages.map((page) => ({
    pageNumber: page.pageNumber,
    status: 'cached',
    size: page.size,
    rows: { count: page.count, rangeStart: page.rangeStart, rangeEnd: page.rangeEnd },
  }));
  // Until published (at once, or after an `early` notification) the query stays `uploading`.
  const publish = () => {
    const at = now();
    record.pages = pages;
    enterStatus(query, 'successful', at);
    query.result =
      outcome.rows === undefined ? { rowsAffected: outcome.rowsAffected, size, pages: pageViews } : { rows: outcome.rows.length, size, pages: pageViews };
    query.resultSize = size;
    query.completedAt = at;
  };
  notifyCompletion(state, { siteId: site.id, queryId: query.id, source: 'async' }, publish);
}

function findQueryRecord(ctx, queryId) {
  if (!isGuid(queryId)) throw apiError(400, 'Query ID must be a valid GUID.');
  const record = ctx.state.queries.get(queryId.toLowerCase());
  if (!record || record.siteKey !== ctx.site.key) throw apiError(404, 'Query not found.');
  return record;
}

export function getQuery(ctx) {
  return jsonResponse(200, findQueryRecord(ctx, ctx.params.queryId).query);
}

/** The page a results path names, after the checks both the page and its stream make (400, 404, 410). */
export function findResultPage(ctx) {
  const record = findQueryRecord(ctx, ctx.params.queryId);
  const { pageNumber: rawPageNumber } = ctx.params;
  if (!/^\d+$/.test(rawPageNumber) || Number(rawPageNumber) < 1) {
    throw apiError(400, 'Page number must be an integer greater than or equal to 1.');
  }
  const { query } = record;
  if (query.mode !== 'async') throw apiError(404, 'Immediate queries have no result pages.');
  if (query.status !== 'successful') {
    throw apiError(404, `Query results are not available; the query status is ${query.status}.`);
  }
  if (Date.now() > Date.parse(query.completedAt) + ctx.state.options.resultRetentionMs) {
    throw apiError(410, GONE_MESSAGE);
  }
  const page = record.pages[Number(rawPageNumber) - 1];
  if (!page) throw apiError(404, `Result page ${rawPageNumber} does not exist.`);
  return page;
}

/** The metadata headers Halo sends with a page. */
export function pageHeaders(page) {
  return {
    Size: String(page.size),
    'Rows-Count': String(page.count),
    'Rows-Range-Start': String(page.rangeStart),
    'Rows-Range-End': String(page.rangeEnd),
  };
}

export function getResultPage(ctx) {
  const page = findResultPage(ctx);
  // A generated page (lib/streams.mjs) is built here only when asked for whole.
  const data = page.generate ? encodeRows([...page.generate()]).data : page.data;
  const body = data === undefined ? { parameters: [] } : { data, parameters: [] };
  return jsonResponse(200, body, pageHeaders(page));
}

/** Integrator API only: POST queries/status with {queryIds:[…]}. */
export function getQueryStatusBatch(ctx) {
  const body = parseJsonBody(ctx.rawBody);
  // The schema's items are `format: uuid`: one that is not answers 400 like any schema violation.
  if (!Array.isArray(body?.queryIds) || !body.queryIds.every(isGuid)) {
    throw apiError(400, "Request body doesn't contain correct schema: queryIds must be an array of GUIDs.");
  }
  const results = body.queryIds.map((queryId) => {
    const record = ctx.state.queries.get(queryId.toLowerCase());
    return record && record.siteKey === ctx.site.key
      ? { queryId, status: 'found', query: record.query }
      : { queryId, status: 'notFound' };
  });
  return jsonResponse(200, { results });
}
