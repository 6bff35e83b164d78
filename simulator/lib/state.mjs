// The simulator's whole mutable state. resetState replaces its parts in place, so references to the
// state object (startSimulator's `state`, request contexts) stay valid across /_control/reset.
import { createScheduler } from './scheduler.mjs';
import { createSiteRegistry } from './sites.mjs';
import { createTokenStore } from './tokens.mjs';
import { createStats } from './stats.mjs';
import { createDeliveryRuntime } from './webhooks.mjs';

/** The simulator's clock: real time plus the configured skew (the Date header, tokens, webhook stamps). */
function createClock(offsetMs) {
  const clock = {
    offsetMs,
    now: () => Date.now() + clock.offsetMs,
    date: () => new Date(clock.now()),
  };
  return clock;
}

export function createState(options) {
  const state = {
    options,
    scheduler: createScheduler(),
    // Settable after start (configureWebhooks); configuration, so reset keeps it.
    webhookDelivery: {
      config: { urls: options.webhookUrls, secret: options.webhookSecret, delivery: options.webhookDelivery },
      inflight: new Set(), // webhook requests not yet settled, ended by close()
    },
  };
  resetState(state);
  return state;
}

export function resetState(state) {
  state.scheduler.cancelAll();
  // Stalled streams resume (and finish) rather than hang past a reset.
  for (const wake of state.stalls ?? []) wake();
  // A fresh run of the seeded choices and the round-robin, so a test after reset sees the same fates.
  state.webhookDelivery.runtime = createDeliveryRuntime(state.webhookDelivery.config.delivery);
  Object.assign(state, {
    clock: createClock(state.options.clockOffsetMs),
    sites: createSiteRegistry(state.options.seed),
    tokens: createTokenStore(),
    queries: new Map(), // query id -> { siteKey, query, pages }
    registeredQueries: new Map(), // registered query id -> { siteKey, view, latest, timers, prepared }
    faults: [],
    queryFailures: [], // planned failures of queries not yet created (lib/outcomes.mjs)
    stats: createStats(),
    webhooks: [], // deliveries, for GET /_control/webhooks
    streams: [], // streamed answers, for GET /_control/streams
    stalls: new Set(), // wake functions of stalled streams
  });
}
