// Signed webhook notifications for successful async and registered query runs, and the delivery
// faults a receiver must survive: Halo's two pages disagree on retries (the getting-started guide:
// "We only send each webhook once"; the webhooks page: retried with backoff), so both are modes, and
// drops, duplicates, delays, reordering and notifications that arrive before the result is readable
// are seeded pseudo-random choices a test can repeat exactly.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

// Delays before attempts 2, 3 and 4 in `retry` mode; short because this is a simulator, exponential like Halo's.
const WEBHOOK_RETRY_DELAYS_MS = [100, 200, 400];
const ATTEMPT_TIMEOUT_MS = 5_000;

/** Every delivery setting, with its default. `once` is the default: the worst reading of Halo's pages. */
export const DELIVERY_DEFAULTS = Object.freeze({
  mode: 'once',
  drop: 0,
  duplicate: 0,
  delayMs: 0,
  reorder: false,
  reorderWindowMs: 50,
  early: 0,
  earlyByMs: 250,
  seed: 1,
});

const FRACTIONS = ['drop', 'duplicate', 'early'];
const DURATIONS = ['reorderWindowMs', 'earlyByMs'];
// A delay longer than this is a mistake, not a test; refusing it keeps a typo from hanging a run.
const MAX_DELAY_MS = 600_000;

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isDuration = (value) => Number.isInteger(value) && value >= 0 && value <= MAX_DELAY_MS;

/**
 * Validates a delivery setting into a complete one (absent fields take their defaults). `fail(message)`
 * throws the caller's error kind, so options (Error) and the control API (400) share one rule per field.
 */
export function resolveDelivery(value, where, fail) {
  if (value === undefined) return { ...DELIVERY_DEFAULTS };
  if (!isPlainObject(value)) fail(`${where} must be an object.`);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(DELIVERY_DEFAULTS, key)) fail(`${where}.${key} is not a delivery setting (known: ${Object.keys(DELIVERY_DEFAULTS).join(', ')}).`);
  }
  const delivery = { ...DELIVERY_DEFAULTS };
  for (const [key, given] of Object.entries(value)) if (given !== undefined) delivery[key] = given;
  if (delivery.mode !== 'once' && delivery.mode !== 'retry') fail(`${where}.mode must be "once" or "retry".`);
  for (const key of FRACTIONS) {
    const fraction = delivery[key];
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) fail(`${where}.${key} must be a number from 0 to 1.`);
  }
  for (const key of DURATIONS) {
    if (!isDuration(delivery[key])) fail(`${where}.${key} must be an integer from 0 to ${MAX_DELAY_MS} (ms).`);
  }
  const { delayMs } = delivery;
  const range = Array.isArray(delayMs) ? delayMs : [delayMs, delayMs];
  if (range.length !== 2 || !range.every(isDuration) || range[0] > range[1]) {
    fail(`${where}.delayMs must be an integer from 0 to ${MAX_DELAY_MS} (ms) or a [min, max] pair of them.`);
  }
  delivery.delayMs = Array.isArray(delayMs) ? [...range] : delayMs;
  if (typeof delivery.reorder !== 'boolean') fail(`${where}.reorder must be a boolean.`);
  if (!Number.isInteger(delivery.seed)) fail(`${where}.seed must be an integer.`);
  return delivery;
}

/**
 * Validates a webhook URL template or a non-empty array of them (several: round-robin) into an array.
 * Only http: and https: are sent to; anything else is refused here rather than failing every delivery.
 */
export function resolveWebhookUrls(value, where, fail) {
  const templates = Array.isArray(value) ? value : [value];
  if (templates.length === 0) fail(`${where} must be a URL template or a non-empty array of them.`);
  templates.forEach((template, index) => {
    const at = Array.isArray(value) ? `${where}[${index}]` : where;
    if (typeof template !== 'string') fail(`${at} must be a string.`);
    let url;
    try {
      url = new URL(expandUrl(template, { siteId: 'x', queryId: 'x', source: 'x' }));
    } catch {
      fail(`${at} is not a URL template (placeholders: {siteId}, {queryId}, {source}).`);
    }
    // The template itself is not echoed: it may carry credentials (user:pass@).
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${at} must be an http: or https: URL, not ${url.protocol}.`);
  });
  return [...templates];
}

/** Mulberry32: a small, well-known seeded generator; enough for reproducible fault choices. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fresh per-run delivery state: generators from the seed, the round-robin position, the reorder pen.
 * Two generators, so the reorder shuffle never shifts the per-notification choices.
 */
export function createDeliveryRuntime(delivery) {
  return { choices: seededRandom(delivery.seed), shuffle: seededRandom(delivery.seed ^ 0x5bd1e995), nextUrl: 0, pen: [] };
}

/** Halo's timestamp style: ISO 8601 with 7 fractional digits and an explicit offset. */
function haloTimestamp(date) {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

export function signWebhook(rawBody, timestamp, secret) {
  return createHmac('sha256', secret).update(`${rawBody}.${timestamp}`).digest('hex');
}

function expandUrl(template, values) {
  return template.replace(/\{(siteId|queryId|source)\}/g, (_, name) => encodeURIComponent(values[name]));
}

// Network errors, timeouts, 5xx, 408 and 429 are worth retrying; other answers are final.
const isRetryable = (outcome) => outcome.error !== undefined || outcome.status >= 500 || [408, 429].includes(outcome.status);

/** One POST; `inflight` holds it until it settles, so close() can end it instead of waiting out its timeout. */
function post(url, body, headers, inflight) {
  return new Promise((resolve) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(
      target,
      { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, agent: false, timeout: ATTEMPT_TIMEOUT_MS },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode }));
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    inflight.add(request);
    request.on('close', () => inflight.delete(request));
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ error: error.message }));
    request.end(body);
  });
}

/** Ends every webhook request still in flight (close): a receiver that never answers must not hold the process. */
export function abortWebhookRequests(state) {
  for (const request of state.webhookDelivery.inflight) request.destroy(new Error('simulator closed'));
}

/** A delay drawn from `delayMs` (a fixed number or a [min, max] range). */
function drawDelay(delayMs, random) {
  const value = random();
  if (!Array.isArray(delayMs)) return delayMs;
  const [min, max] = delayMs;
  return min + Math.floor(value * (max - min + 1));
}

/**
 * Sends one copy of a notification to the next URL in the rotation: one attempt in `once` mode, up to
 * four in `retry` mode, with `config` as it was when the notification was made. Calls `settled()`
 * after its first attempt has an outcome.
 */
function sendCopy(state, config, delivery, event, copy, settled) {
  const { runtime } = state.webhookDelivery;
  const { log } = state.options;
  const counters = state.stats.webhookCounters;
  const url = expandUrl(config.urls[runtime.nextUrl++ % config.urls.length], event);
  delivery.url ??= url;
  counters.sent++;
  const { secret, delivery: settings } = config;
  const maxAttempts = settings.mode === 'retry' ? WEBHOOK_RETRY_DELAYS_MS.length + 1 : 1;

  const attempt = async (attemptIndex) => {
    const timestamp = haloTimestamp(state.clock.date());
    const signature = signWebhook(delivery.body, timestamp, secret);
    const headers = { 'Content-Type': 'application/json', 'X-Halo-Id': delivery.id, 'X-Halo-Timestamp': timestamp, 'X-Halo-Signature-256': signature };
    let outcome;
    try {
      outcome = await post(url, delivery.body, headers, state.webhookDelivery.inflight);
    } catch (error) {
      // Never expected (the URL was validated); still an outcome, so an early result is published.
      outcome = { error: String(error?.message ?? error) };
    }
    delivery.attempts.push({ copy, url, at: new Date().toISOString(), timestamp, signature, ...outcome });
    log(`webhook ${delivery.id} copy ${copy} attempt ${attemptIndex + 1} -> ${outcome.status ?? outcome.error}`);
    if (attemptIndex === 0) settled();
    if (outcome.status >= 200 && outcome.status < 300) {
      delivery.delivered = true;
      counters.delivered++;
    } else if (isRetryable(outcome) && attemptIndex + 1 < maxAttempts) {
      state.scheduler.after(WEBHOOK_RETRY_DELAYS_MS[attemptIndex], () => attempt(attemptIndex + 1), log);
    } else {
      counters.failed++;
    }
  };
  return attempt(0);
}

/**
 * Sends every notification in `runtime`'s pen (the one it was penned in, even if configureWebhooks has
 * started a new run since) in a seeded shuffle that never keeps the arrival order (2 or more).
 */
function flushPen(runtime) {
  const penned = runtime.pen.splice(0);
  const order = penned.map((send, index) => ({ send, key: runtime.shuffle(), index })).sort((a, b) => a.key - b.key);
  if (order.length > 1 && order.every((entry, position) => entry.index === position)) order.reverse();
  for (const { send } of order) send();
}

/**
 * A query run finished. `publish()` makes its result readable (status `successful`, result pages, the
 * registered query's latest result). Without a webhook URL it is published at once and nothing is sent.
 * With one, a notification is made and its fate drawn from the seed — always the same five draws per
 * notification, so the n-th notification's fate depends only on the seed and n:
 *   dropped: never sent; duplicated: a second copy, same id and body, re-stamped and re-signed;
 *   early: sent first, the result published only `earlyByMs` after the first copy's first attempt settled;
 *   delayMs: each copy waits its own drawn delay; reorder: notifications pass through a pen that sends
 *   those arriving within `reorderWindowMs` of each other out of their order.
 */
export function notifyCompletion(state, event, publish) {
  const { config, runtime } = state.webhookDelivery;
  if (config.urls.length === 0) {
    publish();
    return;
  }
  const settings = config.delivery;
  const counters = state.stats.webhookCounters;
  const { choices } = runtime;
  const [dropDraw, duplicateDraw, earlyDraw] = [choices(), choices(), choices()];
  const delays = [drawDelay(settings.delayMs, choices), drawDelay(settings.delayMs, choices)];
  const dropped = dropDraw < settings.drop;
  const duplicated = !dropped && duplicateDraw < settings.duplicate;
  const early = !dropped && earlyDraw < settings.early;

  const id = randomUUID();
  const { siteId, queryId, source } = event;
  const body = JSON.stringify({ id, occurredAt: haloTimestamp(state.clock.date()), siteId, queryId, webhookSource: source });
  // `url` is the first copy's, set when it is sent (null until then, and for a dropped notification).
  const delivery = { id, url: null, body, delivered: false, dropped, duplicated, early, attempts: [] };
  state.webhooks.push(delivery);
  counters.notifications++;
  if (dropped) {
    counters.dropped++;
    publish();
    return;
  }
  if (duplicated) counters.duplicated++;
  if (!early) publish();

  let published = !early;
  const firstSettled = () => {
    if (published) return;
    published = true;
    state.scheduler.after(settings.earlyByMs, publish, state.options.log);
  };
  const { log } = state.options;
  const send = () => {
    const copies = duplicated ? [1, 2] : [1];
    for (const copy of copies) {
      state.scheduler.after(delays[copy - 1], () => sendCopy(state, config, delivery, event, copy, copy === 1 ? firstSettled : () => {}), log);
    }
  };
  if (!settings.reorder) {
    send();
    return;
  }
  runtime.pen.push(send);
  if (runtime.pen.length === 1) state.scheduler.after(settings.reorderWindowMs, () => flushPen(runtime), log);
}
