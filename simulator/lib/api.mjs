// The programmatic API on the object startSimulator returns: the /_control actions (lib/actions.mjs),
// called in-process on the same state, plus counter helpers.
import { HttpError } from './http.mjs';
import * as actions from './actions.mjs';
import { normalizeSql } from './stats.mjs';

/** What an in-process control call throws where the /_control API would answer 4xx. */
export class SimulatorError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'SimulatorError';
    /** The status the same call to /_control would have answered. */
    this.status = status;
  }
}

/** The control methods of a simulator over `state`. */
export function simulatorApi(state) {
  const inProcess =
    (action) =>
    (...args) => {
      try {
        return action(state, ...args);
      } catch (error) {
        if (error instanceof HttpError) throw new SimulatorError(error.message, error.response.status);
        throw error;
      }
    };
  return {
    reset: inProcess(actions.reset),
    fault: inProcess(actions.addFault),
    faults: inProcess(actions.listFaults),
    clearFaults: inProcess(actions.clearFaults),
    failQueries: inProcess(actions.addQueryFailure),
    queryFailures: inProcess(actions.listQueryFailures),
    stats: inProcess(actions.readStats),
    executionsOf(sqlText) {
      if (typeof sqlText !== 'string') throw new TypeError('executionsOf needs the SQL text as a string');
      const counts = state.stats.toJSON().executionsBySql;
      const key = normalizeSql(sqlText);
      return Object.hasOwn(counts, key) ? counts[key] : 0;
    },
    expireTokens: inProcess(actions.expireTokens),
    issueToken: inProcess(actions.issueToken),
    changeSiteGuid: inProcess(actions.changeSiteGuid),
    setSiteOffline: inProcess(actions.setSiteOffline),
    setClockOffset: inProcess(actions.setClockOffset),
    webhooks: inProcess(actions.listWebhooks),
    configureWebhooks: inProcess(actions.configureWebhooks),
    generateQuery: inProcess(actions.generateQuery),
    streams: inProcess(actions.listStreams),
    releaseStreams: inProcess(actions.releaseStreams),
  };
}
