// The server kit's token broker: a web-standard handler, `(Request) =>
// Promise<Response>`, that mounts unchanged in Next.js route handlers, Hono,
// Remix, Bun, Deno, Cloudflare Workers, and in node:http or Express through
// a Node<->Fetch adapter such as @hono/node-server. The user decides who
// may have a token (`authorize`); everything else a broker must get right
// (limits, statuses, caching, CORS, never crashing) lives here once.
import { HaloError, HaloRateLimitError, HaloUnavailableError, HaloValidationError } from "../errors.js";
import type { DeviceToken, DeviceTokenRequest } from "../integrator-types.js";
import type { TokenReason } from "../types.js";
import { BodyRefused, readBoundedBody } from "./body.js";

/**
 * Who asks: the practice and the device a token is for, as `authorize`
 * decided from YOUR session or device credential, never from the body alone.
 *
 * @example
 * const grant: TokenGrant = { siteId: user.practice.haloGuid, deviceId: user.workstation.deviceId };
 */
export interface TokenGrant {
  /** The practice's Halo GUID. */
  siteId: string;
  /** The device's id, as its `HaloDeviceClient` sends it. */
  deviceId: string;
}

/**
 * What the device said in its request body (`brokerTokenProvider` sends
 * all three): claims to check, never to trust. A field the device left
 * out is `undefined`.
 *
 * @example
 * const authorize = async (request: Request, claimed: TokenClaims) => {
 *   const user = await sessionOf(request);
 *   return user && user.mayReach(claimed.siteId) ? { siteId: claimed.siteId!, deviceId: user.deviceId } : null;
 * };
 */
export interface TokenClaims {
  siteId: string | undefined;
  deviceId: string | undefined;
  reason: TokenReason | undefined;
}

/**
 * What the broker reports to `onEvent`: never a token, a device id or a key.
 *
 * @example
 * onEvent: (event) => { if (event.type === "failed") console.error(`token broker: ${event.status} ${event.code}`, event.error); }
 */
export type TokenBrokerEvent =
  /** A fresh token from Halo (`reason` as the device gave it). */
  | { type: "issued"; siteId: string; expiresIn: number; reason: TokenReason | undefined }
  /** A cached token, with the seconds it has left. */
  | { type: "cached"; siteId: string; expiresIn: number }
  /** A request refused or failed: the status and error code sent back, and the error behind it (a `HaloError`, or what `authorize` threw). */
  | { type: "failed"; status: number; code: TokenBrokerErrorCode; error?: unknown };

/**
 * The `error.code` of a broker's error body: its own refusals, or the
 * `HaloError` code of a failed token request.
 *
 * @example
 * const { error } = await response.json(); // { error: { code: "BROKER_UNAUTHORIZED", message, retryable } }
 */
export type TokenBrokerErrorCode =
  | "BROKER_METHOD"
  | "BROKER_ORIGIN"
  | "BROKER_BODY_TOO_LARGE"
  | "BROKER_BODY_TIMEOUT"
  | "BROKER_BAD_BODY"
  | "BROKER_UNAUTHORIZED"
  | "BROKER_MISMATCH"
  | "BROKER_AUTHORIZE_FAILED"
  | "BROKER_INTERNAL"
  | HaloError["code"];

/**
 * The options of `createTokenBroker`.
 *
 * @example
 * const broker = createTokenBroker({ integrator, authorize, allowedOrigins: ["https://app.example.com"] });
 */
export interface TokenBrokerOptions {
  /** Your `HaloIntegratorClient` (anything with its `issueDeviceToken`). */
  integrator: { issueDeviceToken(request: DeviceTokenRequest): Promise<DeviceToken> };
  /**
   * Decides who gets a token: check YOUR user's session or device
   * credential, AND whether this user may reach this practice. Without the
   * second check, any signed-in user of any of your customers gets a token
   * for any practice your subscription key can reach. Resolve with
   * `{ siteId, deviceId }`, or with `null`/`undefined`/`false` to refuse
   * (401). The body is already read: its fields are in `claimed`. A throw
   * or rejection is a 500 and reaches `onEvent`, never the device.
   */
  authorize: (request: Request, claimed: TokenClaims) => TokenGrant | null | undefined | false | Promise<TokenGrant | null | undefined | false>;
  /**
   * Origins (`https://app.example.com`) whose browser pages may call the
   * broker cross-origin: they get CORS headers, with credentials. A request
   * from any other origin is refused (403) before `authorize` runs; a
   * request without `Origin` (a server, a native app) or from the
   * broker's own origin as the request URL names it is served. Behind a
   * proxy that rewrites the host, list your own origin too. No wildcard.
   */
  allowedOrigins?: readonly string[];
  /** Request headers a cross-origin page may send; default `["authorization", "content-type"]`. */
  allowedHeaders?: readonly string[];
  /** The largest request body read, in bytes; default 4096 (a device sends about 150). */
  maxBodyBytes?: number;
  /** How long the whole body may take to arrive; default 10 000 ms. */
  bodyTimeoutMs?: number;
  /** How many devices' tokens are cached at once (the oldest go first); default 10 000; 0 turns the cache off. */
  maxCachedDevices?: number;
  /** Issued, cached and failed requests; a listener that throws is ignored. */
  onEvent?: (event: TokenBrokerEvent) => void;
}

/** The answer body of a refused or failed request. */
interface ErrorBody {
  error: { code: TokenBrokerErrorCode; message: string; retryable: boolean };
}

/** A cached token: its expiry on the monotonic clock, and the whole lifetime it was issued with. */
interface Cached {
  token: DeviceToken;
  expiresAtMs: number;
  lifetimeMs: number;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly code: TokenBrokerErrorCode,
    readonly message: string,
    readonly retryable = false,
    readonly error?: unknown,
    readonly retryAfterMs?: number,
  ) {}
}

const REASONS: readonly TokenReason[] = ["initial", "expiring", "rejected"];

/**
 * A cached token serves a device only while it has more than this share of
 * its lifetime left: the device renews at min(5 min, a tenth) before
 * expiry, so a token handed out with less would be renewed at once.
 */
const FRESH_SHARE = 0.1;

function invalid(field: string, message: string): HaloValidationError {
  return new HaloValidationError(message, { code: "HALO_VALIDATION", retryable: false, field });
}

function wholeNumber(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function own<T extends object, K extends keyof T>(options: T, key: K): T[K] | undefined {
  return Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
}

/** Origins as the browser's `Origin` header spells them, checked once. */
function origins(list: unknown): Set<string> {
  if (list === undefined) return new Set();
  if (!Array.isArray(list)) throw invalid("allowedOrigins", "allowedOrigins must be an array of origins such as https://app.example.com");
  return new Set(
    list.map((origin: unknown) => {
      let parsed: URL | undefined;
      try {
        parsed = typeof origin === "string" ? new URL(origin) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
        throw invalid("allowedOrigins", "each of allowedOrigins must be an http(s) origin without a path or trailing slash, such as https://app.example.com (no wildcard)");
      }
      return origin as string;
    }),
  );
}

/** The request's body as text, at most `limit` bytes and within `timeoutMs`, or why not. */
async function readBody(request: Request, limit: number, timeoutMs: number): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedBody(request, limit, timeoutMs);
  } catch (error) {
    const why = error instanceof BodyRefused ? error.why : "unreadable";
    if (why === "too large") throw new Refusal(413, "BROKER_BODY_TOO_LARGE", `the request body must be at most ${limit} bytes`);
    if (why === "timeout") throw new Refusal(408, "BROKER_BODY_TIMEOUT", `the request body did not arrive within ${timeoutMs} ms`, true);
    if (why === "not bytes") throw new Refusal(400, "BROKER_BAD_BODY", "the request body is not bytes");
    throw new Refusal(400, "BROKER_BAD_BODY", "the request body could not be read", false, error instanceof BodyRefused ? error.cause : error);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Refusal(400, "BROKER_BAD_BODY", "the request body is not UTF-8");
  }
}

/** The device's claims from its JSON body; an empty body claims nothing. */
function claimsOf(text: string): TokenClaims {
  if (text.trim() === "") return { siteId: undefined, deviceId: undefined, reason: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Refusal(400, "BROKER_BAD_BODY", 'the request body must be JSON: { "siteId", "deviceId", "reason" }');
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Refusal(400, "BROKER_BAD_BODY", 'the request body must be a JSON object: { "siteId", "deviceId", "reason" }');
  }
  const field = (name: string): string | undefined => {
    const value: unknown = Object.prototype.hasOwnProperty.call(parsed, name) ? (parsed as Record<string, unknown>)[name] : undefined;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || value.length > 256) throw new Refusal(400, "BROKER_BAD_BODY", `${name} must be a string of at most 256 characters`);
    return value;
  };
  const reason = field("reason");
  // A reason this version does not know is no reason: a newer device
  // client must not be refused, and only "rejected" changes what we do.
  return { siteId: field("siteId"), deviceId: field("deviceId"), reason: REASONS.find((known) => known === reason) };
}

/** The answer for a `HaloError` from Halo's token endpoint: statuses the device's getToken can act on. */
function haloRefusal(error: HaloError): Refusal {
  const status = (() => {
    switch (error.code) {
      case "HALO_VALIDATION":
      case "HALO_BAD_REQUEST":
        return 400; // a siteId that is no GUID, a weak device id
      case "HALO_NOT_FOUND":
        return 404; // no such site in this environment
      case "HALO_FORBIDDEN":
        return 403; // the GUID changed, or the site is not authoritative
      case "HALO_RATE_LIMIT":
        return 429;
      case "HALO_UNAVAILABLE":
      case "HALO_NETWORK":
      case "HALO_TIMEOUT":
        return 503; // Halo Cloud down or unreachable: try again
      default:
        return 502; // the broker's key refused, or an answer Halo should not have sent
    }
  })();
  const messages: Record<number, string> = {
    400: "Halo Cloud refused the token request: the siteId or deviceId is not valid",
    404: "Halo Cloud knows no such site: check the siteId and the environment",
    403: "Halo Cloud refused a token for this site: its GUID may have changed (re-resolve it from the PMS ID)",
    429: "Halo Cloud is rate limiting token requests: try again later",
    503: "Halo Cloud could not be reached: try again later",
    502: "the token broker could not get a token from Halo Cloud",
  };
  const retryable = status === 429 || status === 503 || (status === 502 && error.retryable);
  const retryAfterMs = error instanceof HaloRateLimitError || error instanceof HaloUnavailableError ? error.retryAfterMs : undefined;
  return new Refusal(status, error.code, messages[status] ?? "the token broker could not get a token from Halo Cloud", retryable, error, retryAfterMs);
}

/**
 * A token broker for the devices' `getToken`, as a web-standard handler:
 * `(request: Request) => Promise<Response>`. Mount it as a Next.js route
 * (`export const POST = broker`), a Hono or Remix route, a Bun, Deno or
 * Workers `fetch`, or in node:http and Express through @hono/node-server's
 * `serve({ fetch: broker })`. It never throws and never crashes the
 * process: every failure is an answer with a typed JSON body
 * `{ error: { code, message, retryable } }` and `Cache-Control: no-store`.
 *
 * - `POST` with a JSON body `{ siteId?, deviceId?, reason? }` of at most
 *   `maxBodyBytes`, arriving within `bodyTimeoutMs` (413, 408, 400
 *   otherwise); `OPTIONS` for CORS preflights; any other method is 405.
 * - `authorize(request, claimed)` decides the `{ siteId, deviceId }`; a
 *   body that claims another site or device is refused (403).
 * - 200 `{ accessToken, expiresIn, tokenType, siteId, deviceId }`, where
 *   `expiresIn` is the lifetime the token has LEFT.
 * - One token request to Halo per device at a time; concurrent requests
 *   share it. A device's token is cached for that device only, and served
 *   to a request whose `reason` is `"initial"` (or none) while it has more
 *   than a tenth of its life left; `"expiring"` and `"rejected"` always get
 *   a fresh token (the device's copy is the cached one, nearly spent or
 *   just refused by Halo).
 * - Halo's failures become statuses `brokerTokenProvider` (and any
 *   `getToken`) can act on: 404 unknown site, 403 GUID changed, 429 rate
 *   limited, 503 Halo down (both with `Retry-After` when Halo said),
 *   502 the broker's own key refused.
 *
 * @example
 * import { HaloIntegratorClient, createTokenBroker } from "halo-device/integrator";
 *
 * const integrator = new HaloIntegratorClient({ environment: "stage", subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY! });
 * export const POST = createTokenBroker({
 *   integrator,
 *   // YOUR check: who is this, and may they reach this practice?
 *   authorize: async (request, claimed) => {
 *     const user = await sessionOf(request);
 *     return user?.practices.includes(claimed.siteId ?? "") ? { siteId: claimed.siteId!, deviceId: user.deviceId } : null;
 *   },
 * });
 */
export function createTokenBroker(options: TokenBrokerOptions): (request: Request) => Promise<Response> {
  if (typeof options !== "object" || options === null) throw invalid("options", "createTokenBroker needs { integrator, authorize }");
  const integrator = own(options, "integrator");
  const authorize = own(options, "authorize");
  const onEvent = own(options, "onEvent");
  if (typeof integrator?.issueDeviceToken !== "function") throw invalid("integrator", "integrator must be a HaloIntegratorClient");
  if (typeof authorize !== "function") {
    throw invalid("authorize", "authorize is required: (request, claimed) => { siteId, deviceId } | null, YOUR check of the user and of the practice they may reach");
  }
  if (onEvent !== undefined && typeof onEvent !== "function") throw invalid("onEvent", "onEvent must be a function");
  const allowed = origins(own(options, "allowedOrigins"));
  const headerList = own(options, "allowedHeaders") ?? ["authorization", "content-type"];
  if (!Array.isArray(headerList) || !headerList.every((name) => typeof name === "string" && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))) {
    throw invalid("allowedHeaders", "allowedHeaders must be an array of header names");
  }
  const allowedHeaders = headerList.join(", ");
  const maxBodyBytes = wholeNumber(own(options, "maxBodyBytes"), "maxBodyBytes", 4096, 1, 1_048_576);
  const bodyTimeoutMs = wholeNumber(own(options, "bodyTimeoutMs"), "bodyTimeoutMs", 10_000, 1, 600_000);
  const maxCached = wholeNumber(own(options, "maxCachedDevices"), "maxCachedDevices", 10_000, 0, 10_000_000);

  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<Cached>>();

  const report = (event: TokenBrokerEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A logging hook must not turn a served token into a failure.
    }
  };

  const answer = (status: number, body: unknown, cors: Headers, extra: Record<string, string> = {}): Response => {
    const headers = new Headers(cors);
    headers.set("Content-Type", "application/json");
    headers.set("Cache-Control", "no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return new Response(body === null ? null : JSON.stringify(body), { status, headers });
  };

  /** CORS headers for an allowed origin; a refusal for a foreign one; none without `Origin`. */
  const corsFor = (request: Request): Headers => {
    const headers = new Headers();
    const origin = request.headers.get("origin");
    if (origin === null) return headers;
    headers.set("Vary", "Origin");
    if (allowed.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Credentials", "true");
      return headers;
    }
    let self: string | undefined;
    try {
      self = new URL(request.url).origin;
    } catch {
      self = undefined;
    }
    if (origin !== self) throw new Refusal(403, "BROKER_ORIGIN", "this origin may not ask for device tokens: add it to the broker's allowedOrigins");
    return headers;
  };

  /** A fresh token for `key`, shared by every request for that device meanwhile. */
  const issue = (key: string, grant: TokenGrant): Promise<Cached> => {
    let running = inFlight.get(key);
    if (running === undefined) {
      running = (async () => {
        const token = await integrator.issueDeviceToken({ siteId: grant.siteId, deviceId: grant.deviceId });
        const lifetimeMs = token?.expiresAt instanceof Date ? token.expiresAt.getTime() - Date.now() : Number.NaN;
        if (typeof token?.accessToken !== "string" || !(lifetimeMs > 0)) {
          throw new Refusal(502, "BROKER_INTERNAL", "the token broker got an unusable token");
        }
        const entry: Cached = { token, expiresAtMs: performance.now() + lifetimeMs, lifetimeMs };
        if (maxCached > 0) {
          cache.delete(key);
          cache.set(key, entry);
          for (const oldest of cache.keys()) {
            if (cache.size <= maxCached) break;
            cache.delete(oldest);
          }
        }
        return entry;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, running);
    }
    return running;
  };

  const serve = async (request: Request, cors: Headers): Promise<Response> => {
    const claimed = claimsOf(await readBody(request, maxBodyBytes, bodyTimeoutMs));
    let grant: TokenGrant | null | undefined | false;
    try {
      grant = await authorize(request, claimed);
    } catch (error) {
      throw new Refusal(500, "BROKER_AUTHORIZE_FAILED", "the token broker could not check this request", false, error);
    }
    if (!grant) throw new Refusal(401, "BROKER_UNAUTHORIZED", "not signed in, or not allowed a token for this practice");
    const siteId: unknown = grant.siteId;
    const deviceId: unknown = grant.deviceId;
    if (typeof siteId !== "string" || typeof deviceId !== "string") {
      throw new Refusal(500, "BROKER_AUTHORIZE_FAILED", "the token broker could not check this request", false, invalid("authorize", "authorize must resolve with { siteId, deviceId } strings, or null"));
    }
    // Ids are compared, never quoted: a device id is a credential's half.
    if ((claimed.siteId !== undefined && claimed.siteId.toLowerCase() !== siteId.toLowerCase()) || (claimed.deviceId !== undefined && claimed.deviceId !== deviceId)) {
      throw new Refusal(403, "BROKER_MISMATCH", "the siteId or deviceId in the request is not the one this sign-in is allowed");
    }
    const key = `${siteId.toLowerCase()}\n${deviceId}`;
    const cached = cache.get(key);
    const now = performance.now();
    const usable = (entry: Cached | undefined): entry is Cached => entry !== undefined && entry.expiresAtMs - now > entry.lifetimeMs * FRESH_SHARE;
    let entry: Cached;
    let fromCache = false;
    if ((claimed.reason === undefined || claimed.reason === "initial") && usable(cached)) {
      entry = cached;
      fromCache = true;
    } else {
      try {
        entry = await issue(key, { siteId, deviceId });
      } catch (error) {
        if (error instanceof Refusal) throw error;
        if (error instanceof HaloError) throw haloRefusal(error);
        throw new Refusal(502, "BROKER_INTERNAL", "the token broker could not get a token from Halo Cloud", false, error);
      }
    }
    // Rounded, not floored: a fresh token keeps Halo's own number (a few ms
    // have passed since it arrived), and the device renews well before the end.
    const expiresIn = Math.max(1, Math.round((entry.expiresAtMs - performance.now()) / 1000));
    report(fromCache ? { type: "cached", siteId, expiresIn } : { type: "issued", siteId, expiresIn, reason: claimed.reason });
    return answer(200, { accessToken: entry.token.accessToken, expiresIn, tokenType: entry.token.tokenType ?? "Bearer", siteId, deviceId }, cors);
  };

  return async function tokenBroker(request: Request): Promise<Response> {
    let cors = new Headers();
    try {
      // Duck-typed: adapters (and other realms) hand over their own Request classes.
      if (typeof request?.headers?.get !== "function" || typeof request.method !== "string") throw new Refusal(400, "BROKER_BAD_BODY", "the token broker was called without a Request");
      cors = corsFor(request);
      if (request.method === "OPTIONS") {
        if (!cors.has("Access-Control-Allow-Origin")) return answer(204, null, cors, { Allow: "POST, OPTIONS" });
        return answer(204, null, cors, { "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": allowedHeaders, "Access-Control-Max-Age": "600" });
      }
      if (request.method !== "POST") throw new Refusal(405, "BROKER_METHOD", "the token broker answers POST (and CORS preflights) only");
      return await serve(request, cors);
    } catch (caught) {
      const refusal = caught instanceof Refusal ? caught : new Refusal(500, "BROKER_INTERNAL", "the token broker failed", false, caught);
      report({ type: "failed", status: refusal.status, code: refusal.code, ...(refusal.error === undefined ? {} : { error: refusal.error }) });
      const extra: Record<string, string> = {};
      if (refusal.status === 405) extra.Allow = "POST, OPTIONS";
      if (refusal.retryAfterMs !== undefined) extra["Retry-After"] = String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)));
      const body: ErrorBody = { error: { code: refusal.code, message: refusal.message, retryable: refusal.retryable } };
      return answer(refusal.status, body, cors, extra);
    }
  };
}
