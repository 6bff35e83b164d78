// Counters that let tests prove client behaviour: token fetches, requests per route, SQL executions.

/** The key an SQL text is counted under: whitespace runs collapsed, ends trimmed; case is kept. */
export function normalizeSql(text) {
  return String(text).trim().replace(/\s+/g, ' ');
}

export function createStats() {
  const counters = {
    tokenRequests: 0,
    tokenRequestsByDevice: {},
    requests: {},
    executions: {},
    executionsTotal: 0,
    executionsBySql: {},
    createQueryPosts: 0,
    // Webhook notifications (lib/webhooks.mjs): made, copies sent, and their fates.
    webhooks: { notifications: 0, sent: 0, dropped: 0, duplicated: 0, delivered: 0, failed: 0 },
  };
  const increment = (map, key) => {
    map[key] = (map[key] ?? 0) + 1;
  };
  return {
    /** Every non-control request, keyed "METHOD /path/{template}", counted on arrival (before faults). */
    recordRequest(routeKey) {
      increment(counters.requests, routeKey);
    },
    recordTokenRequest(deviceId) {
      counters.tokenRequests++;
      increment(counters.tokenRequestsByDevice, deviceId ?? '(none)');
    },
    recordCreateQueryPost() {
      counters.createQueryPosts++;
    },
    /** One SQL execution of a query (immediate, async, or one registered-query run). */
    recordExecution(queryId, sqlText) {
      increment(counters.executions, queryId);
      increment(counters.executionsBySql, normalizeSql(sqlText));
      counters.executionsTotal++;
    },
    /** Incremented in place by lib/webhooks.mjs as notifications are made and copies answered. */
    webhookCounters: counters.webhooks,
    toJSON: () => counters,
  };
}
