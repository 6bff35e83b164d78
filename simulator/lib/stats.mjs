// Counters that let tests prove client behaviour: token fetches, requests per route, SQL executions.

export function createStats() {
  const counters = {
    tokenRequests: 0,
    tokenRequestsByDevice: {},
    requests: {},
    executions: {},
    executionsTotal: 0,
    createQueryPosts: 0,
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
    recordExecution(queryId) {
      increment(counters.executions, queryId);
      counters.executionsTotal++;
    },
    toJSON: () => counters,
  };
}
