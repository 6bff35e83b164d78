import { own } from "./call.js";
import type { FetchLike, IssuedToken, TokenRequest } from "./types.js";

/**
 * The options of `brokerTokenProvider`.
 *
 * @example
 * const options: BrokerTokenOptions = { headers: async () => ({ Authorization: `Bearer ${await session.token()}` }) };
 */
export interface BrokerTokenOptions {
  /** Sent with each request, e.g. your own sign-in's `Authorization`; a function is asked each time. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
}

/**
 * The device client's `getToken` for a token broker made with
 * `createTokenBroker` (from `halo-device/integrator`): POSTs
 * `{ siteId, deviceId, reason }` as JSON (never in the URL) with your
 * headers, and resolves with the broker's `{ accessToken, expiresIn }`. A
 * broker that answers 408, 429 or 5xx (it, or Halo Cloud, is down for
 * now) rejects with a `TypeError`, as `fetch` does when the network
 * fails, so the client reports it as retryable; any other refusal (401
 * not signed in, 404 unknown site, …) is an `Error` naming the status.
 * (The broker's error body says more; it is left unread here, as every
 * byte of this function is downloaded by every device.)
 *
 * @example
 * const client = new HaloDeviceClient({
 *   environment: "stage", siteId, deviceId,
 *   getToken: brokerTokenProvider("/api/halo-token", { headers: { Authorization: `Bearer ${session}` } }),
 * });
 */
export function brokerTokenProvider(url: string, options: BrokerTokenOptions = {}): (request: TokenRequest) => Promise<IssuedToken> {
  const headers = own(options, "headers");
  const send = own(options, "fetch") ?? ((...args) => fetch(...args));
  return async ({ siteId, deviceId, reason, signal }) => {
    const response = await send(url, { method: "POST", headers: { ...(typeof headers == "function" ? await headers() : headers), "Content-Type": "application/json" }, body: JSON.stringify({ siteId, deviceId, reason }), signal });
    const { ok, status } = response;
    if (ok) return response.json();
    throw new (status == 408 || status == 429 || status > 499 ? TypeError : Error)(`token broker answered HTTP ${status}`);
  };
}
