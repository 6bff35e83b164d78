// Shared by the integrator tests: console lines join what the scenarios
// record, so the key can be shown to appear in no error, event or line.
import { produced, recordConsole, recordError, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

export const KEY = SUBSCRIPTION_KEY;
export { produced, recordError };

recordConsole();

export function integratorFor(halo, baseUrl, options = {}) {
  return new halo.HaloIntegratorClient({
    baseUrl,
    subscriptionKey: KEY,
    onEvent: (event) => produced.push(JSON.stringify(event)),
    ...options,
  });
}

/** Awaits a rejection, records it, and returns it for the caller to check. */
export async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return recordError(error);
  }
  throw new Error("expected a rejection");
}
