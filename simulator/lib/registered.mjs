// Registered queries: run at creation, then every `frequency` seconds until `duration` ends or cancel.
import { createHash, randomUUID } from 'node:crypto';
import { apiError, emptyResponse, isGuid, jsonResponse, parseJsonBody } from './http.mjs';
import { inlineResult, prepareCommand, runCommand } from './commands.mjs';
import { notifyCompletion } from './webhooks.mjs';
import { takeQueryFailure } from './outcomes.mjs';

const MIN_FREQUENCY_SECONDS = 60;
const MAX_DURATION_SECONDS = 86_400;
const EMPTY_ROWS_DATA = Buffer.from('[]').toString('base64');

const invalidBody = (detail) => apiError(400, `Request body doesn't contain correct schema: ${detail}`);

function validateRegistration(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidBody('expected an object.');
  if (typeof body.name !== 'string' || body.name.trim() === '') throw invalidBody('name is required.');
  if (body.registeredQueryType !== 'query') throw invalidBody("registeredQueryType must be 'query'.");
  if (!Number.isInteger(body.frequency) || body.frequency < MIN_FREQUENCY_SECONDS) {
    throw invalidBody(`frequency must be an integer of at least ${MIN_FREQUENCY_SECONDS} seconds.`);
  }
  if (!Number.isInteger(body.duration) || body.duration < 1 || body.duration > MAX_DURATION_SECONDS) {
    throw invalidBody(`duration must be an integer between 1 and ${MAX_DURATION_SECONDS} seconds.`);
  }
  if (typeof body.registerCommand !== 'object' || body.registerCommand === null) {
    throw invalidBody('registerCommand is required.');
  }
  return prepareCommand(body.registerCommand.command);
}

/** The RegisteredQuery schema, with optional fields present only once they have a value. */
function toRegisteredQueryResource(record) {
  const { view } = record;
  return {
    id: view.id,
    name: view.name,
    registeredQueryType: 'query',
    status: view.status,
    frequency: view.frequency,
    duration: view.duration,
    createdAt: view.createdAt,
    ...(view.completedAt ? { completedAt: view.completedAt } : {}),
    ...(view.lastHash ? { lastHash: view.lastHash } : {}),
    ...(view.lastErrorDetails ? { lastErrorDetails: view.lastErrorDetails } : {}),
    metrics: { ...view.metrics },
  };
}

/** One run. Results are only replaced (and a webhook sent) when they differ from the last good run. */
function runOnce(state, site, record) {
  const { view } = record;
  const outcome = runCommand(site.database, record.prepared);
  state.stats.recordExecution(view.id, record.prepared.text);
  const at = new Date().toISOString();
  view.metrics.lastExecutionDuration = outcome.durationMs;
  if (!outcome.ok) {
    view.metrics.executionFailedCount++;
    view.metrics.lastFailedAt = at;
    view.lastErrorDetails = outcome.errorDetails;
    return;
  }
  view.metrics.executionSucceededCount++;
  view.metrics.lastSucceededAt = at;
  const result = inlineResult(outcome);
  const latest = {
    data: result.data ?? EMPTY_ROWS_DATA,
    parameters: [],
    rows: result.rows ?? 0,
    size: result.size,
  };
  const hash = createHash('sha256').update(JSON.stringify(result)).digest('base64');
  // Compared with the last run's result, published or not, so an unchanged result is never notified twice.
  if (hash === record.lastRunHash) return;
  record.lastRunHash = hash;
  view.metrics.resultSizeSum += latest.size;
  // Published at once, or after an `early` notification (the result and lastHash together); a later
  // run's result is never replaced by an older one.
  const run = ++record.runs;
  const publish = () => {
    if (run < record.publishedRun) return;
    record.publishedRun = run;
    record.latest = latest;
    view.lastHash = hash;
  };
  notifyCompletion(state, { siteId: site.id, queryId: view.id, source: 'registered' }, publish);
}

function finish(state, record, status) {
  if (record.view.status !== 'enabled') return;
  record.view.status = status;
  record.view.completedAt = new Date().toISOString();
  for (const timer of record.timers) state.scheduler.cancel(timer);
  record.timers.clear();
}

function scheduleRuns(state, site, record) {
  const scale = state.options.registeredTimeScale;
  const intervalMs = record.view.frequency * 1000 * scale;
  const endsAt = Date.now() + record.view.duration * 1000 * scale;
  const { log } = state.options;
  const track = (timer) => record.timers.add(timer);

  const scheduleNext = () =>
    track(
      state.scheduler.after(
        intervalMs,
        () => {
          if (record.view.status !== 'enabled' || Date.now() >= endsAt) return;
          runOnce(state, site, record);
          scheduleNext();
        },
        log,
      ),
    );
  scheduleNext();
  track(state.scheduler.after(endsAt - Date.now(), () => finish(state, record, 'completed'), log));
}

/** POST queries/registered. The Desktop API answers 201, the Integrator API 202. */
export function createRegisteredQuery(ctx, successStatus) {
  const body = parseJsonBody(ctx.rawBody);
  const prepared = validateRegistration(body);
  const record = {
    siteKey: ctx.site.key,
    prepared,
    timers: new Set(),
    latest: undefined,
    lastRunHash: undefined, // the last successful run's result hash (view.lastHash is the published one's)
    runs: 0, // successful runs whose result changed
    publishedRun: 0, // the run `latest` is from
    view: {
      id: randomUUID(),
      name: body.name,
      status: 'enabled',
      frequency: body.frequency,
      duration: body.duration,
      createdAt: new Date().toISOString(),
      metrics: {
        executionSucceededCount: 0,
        executionFailedCount: 0,
        resultSizeSum: 0,
        requestSize: ctx.rawBody.length,
      },
    },
  };
  ctx.state.registeredQueries.set(record.view.id, record);
  // A planned cache failure (lib/outcomes.mjs): registered, never run, never scheduled.
  const failure = takeQueryFailure(ctx.state, 'registered', ctx.site);
  if (failure) {
    record.view.status = failure;
    return jsonResponse(successStatus, { id: record.view.id });
  }
  runOnce(ctx.state, ctx.site, record);
  scheduleRuns(ctx.state, ctx.site, record);
  return jsonResponse(successStatus, { id: record.view.id });
}

function findRegistered(ctx) {
  const { queryId } = ctx.params;
  if (!isGuid(queryId)) throw apiError(400, 'Query ID must be a valid GUID.');
  const record = ctx.state.registeredQueries.get(queryId.toLowerCase());
  if (!record || record.siteKey !== ctx.site.key) throw apiError(404, 'Registered query not found.');
  return record;
}

export function listRegisteredQueries(ctx) {
  const registeredQueries = [...ctx.state.registeredQueries.values()]
    .filter((record) => record.siteKey === ctx.site.key)
    .map(toRegisteredQueryResource);
  return jsonResponse(200, { registeredQueries });
}

export function getRegisteredQuery(ctx) {
  return jsonResponse(200, toRegisteredQueryResource(findRegistered(ctx)));
}

export function cancelRegisteredQuery(ctx) {
  finish(ctx.state, findRegistered(ctx), 'cancelled');
  return emptyResponse(204);
}

export function getRegisteredQueryResult(ctx) {
  const record = findRegistered(ctx);
  if (!record.latest) throw apiError(404, 'The registered query has no successful result yet.');
  return jsonResponse(200, record.latest);
}
