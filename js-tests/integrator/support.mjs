// Shared by the integrator tests: a sentinel subscription key, and a record
// of every error, event and console line the tests produce, so that one test
// can prove the key appeared in none of them.
import { SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

export const KEY = SUBSCRIPTION_KEY;
export const produced = [];

for (const method of ["log", "info", "warn", "error", "debug"]) {
  const original = console[method].bind(console);
  console[method] = (...args) => {
    produced.push(args.map(String).join(" "));
    original(...args);
  };
}

/** Records an error (message, stack, JSON form, cause) and returns it. */
export function recordError(error) {
  produced.push(String(error?.message), String(error?.stack), JSON.stringify(error), String(error?.cause?.message ?? ""));
  return error;
}

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
