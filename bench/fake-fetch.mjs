// An in-process `fetch` that answers every request with the same body. It
// resolves on a later macrotask (setImmediate), as real I/O does, so that
// timers and FinalizationRegistry callbacks get their turn as they would in
// an app; a fetch resolving in a microtask would starve them.
import { setImmediate as nextMacrotask } from "node:timers/promises";

export function fakeFetch(body, { status = 200 } = {}) {
  return async () => {
    await nextMacrotask();
    return new Response(body, { status, headers: { "Content-Type": "application/json" } });
  };
}

/** A token source that never asks anyone: the fake fetch checks nothing. */
export const staticToken = async () => ({ accessToken: "bench-token-0123456789abcdef", expiresIn: 3600 });
