// Halo Cloud simulator: in-process entry point.
import { resolveOptions } from './lib/options.mjs';
import { createState } from './lib/state.mjs';
import { createHttpServer } from './lib/server.mjs';
import { simulatorApi } from './lib/api.mjs';
import { abortWebhookRequests } from './lib/webhooks.mjs';

export { SEEDED_SITES } from './lib/sites.mjs';
export { INTEGRATOR_ID } from './lib/queries.mjs';
export { signWebhook } from './lib/webhooks.mjs';
export { SimulatorError } from './lib/api.mjs';

/**
 * Starts a simulator on 127.0.0.1. Options, the returned object and its methods are typed and
 * documented in index.d.ts and README.md.
 * @param {object} [options] see lib/options.mjs (port 0 = any free port)
 */
export async function startSimulator(options = {}) {
  const resolved = resolveOptions(options);
  const state = createState(resolved);
  const server = createHttpServer(state);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, resolve);
  });
  const { port } = server.address();
  return {
    url: `http://${resolved.host}:${port}`,
    port,
    subscriptionKey: resolved.subscriptionKey,
    state,
    ...simulatorApi(state),
    async close() {
      state.scheduler.cancelAll();
      abortWebhookRequests(state);
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
