// Web-standard request handlers for the integrator's cloud, over the
// result-delivery component: Halo's webhook receiver, and the endpoint that
// takes devices' reports of the queries they started. `(Request) =>
// Promise<Response>`: mount them on any Fetch-style server (Hono, Deno,
// Bun, Workers; Node through an adapter such as @hono/node-server).
import { HaloError, HaloValidationError, HaloWebhookError } from "../errors.js";
import { verifyWebhook } from "../integrator-client.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../generated/webhook-limits.js";
import { BodyRefused, readBoundedBody } from "./body.js";
import type { ResultDelivery } from "./delivery/component.js";

/** A device's report is smaller still. */
const MAX_REPORT_BYTES = 4 << 10;

/** A replay check that marks nothing: the component's durable record is the replay store (see `receive`). */
const RECORD_DECIDES = { seen: () => false };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const answer = (status: number, reason: string, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify({ error: reason }), {
    status,
    headers: status === 204 ? headers : { "Content-Type": "application/json", ...headers },
  });

/** What `createWebhookHandler` takes. */
export interface WebhookHandlerOptions {
  delivery: ResultDelivery;
  /** The webhook secret Halo signs with. */
  secret: string;
  /** Accepted age of `X-Halo-Timestamp`; `verifyWebhook`'s default when absent. */
  toleranceSeconds?: number;
  /** Default 64 KiB; a longer body is refused with 413 before it is read further. */
  maxBodyBytes?: number;
  /** Told why a request was refused (never the secret); default nothing. */
  onRefused?: (refusal: { status: number; reason: string; error?: Error }) => void;
}

/**
 * Halo's webhook receiver: reads the raw body (64 KiB at most), verifies
 * it (`verifyWebhook`: signature, age, payload), records the completion
 * durably, then answers 204. Nothing slow happens in the request: the
 * result is fetched by the delivery workers. A duplicate or a replay of a
 * recorded notification is answered 204 and records nothing. A forgery is
 * 401, a bad payload 400; a backend that is down is 503 with nothing
 * recorded, so the notification is not marked seen (Halo may not send it
 * again: reconciliation then finds the query).
 *
 * @example
 * import { serve } from "@hono/node-server";
 * const receive = createWebhookHandler({ delivery, secret: process.env.HALO_WEBHOOK_SECRET! });
 * serve({ fetch: receive, port: 8080 });
 */
export function createWebhookHandler(options: WebhookHandlerOptions): (request: Request) => Promise<Response> {
  const { delivery, secret, toleranceSeconds } = options ?? ({} as Partial<WebhookHandlerOptions>);
  if (typeof delivery?.receive !== "function") {
    throw new HaloValidationError("delivery must be a createResultDelivery() component", { code: "HALO_VALIDATION", retryable: false, field: "delivery" });
  }
  if (typeof secret !== "string" || secret === "") {
    throw new HaloValidationError("secret is required: the webhook secret Halo signs with", { code: "HALO_VALIDATION", retryable: false, field: "secret" });
  }
  const limit = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new HaloValidationError("maxBodyBytes must be a positive integer", { code: "HALO_VALIDATION", retryable: false, field: "maxBodyBytes" });
  }
  const refuse = (status: number, reason: string, error?: Error) => {
    try {
      options.onRefused?.({ status, reason, ...(error === undefined ? {} : { error }) });
    } catch {
      // A logging hook must not change the answer.
    }
    return answer(status, reason, status === 503 ? { "Retry-After": "5" } : {});
  };
  return async (request) => {
    try {
      if (request.method !== "POST") return refuse(405, "method");
      let rawBody: Uint8Array;
      try {
        rawBody = await readBoundedBody(request, limit);
      } catch (error) {
        return error instanceof BodyRefused && error.why === "too large" ? refuse(413, "body too large") : refuse(400, "body unreadable");
      }
      let webhook;
      try {
        webhook = await verifyWebhook({ rawBody, headers: request.headers, secret, seen: RECORD_DECIDES, ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }) });
      } catch (error) {
        if (error instanceof HaloWebhookError) return refuse(error.reason === "payload" ? 400 : 401, error.reason ?? "webhook", error);
        throw error;
      }
      try {
        await delivery.receive(webhook);
      } catch (error) {
        // Nothing was recorded, so nothing is marked seen.
        return refuse(503, "store unavailable", error instanceof Error ? error : undefined);
      }
      return answer(204, "");
    } catch (error) {
      return refuse(500, error instanceof HaloError ? error.code : "internal", error instanceof Error ? error : undefined);
    }
  };
}

/** A device's report of a query it started, as `onQueryStarted` gives it. */
export interface QueryReport {
  source: "async" | "registered";
  siteId: string;
  queryId: string;
  startedAt: number;
}

/** What `createQueryReportHandler` takes. */
export interface QueryReportHandlerOptions {
  delivery: ResultDelivery;
  /**
   * Whether this request may report this query: check the caller's session
   * and that the site is one of theirs. Anything but `true` (or a throw) is 403.
   */
  authorize: (request: Request, report: QueryReport) => boolean | Promise<boolean>;
}

function parseReport(body: Uint8Array): QueryReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { source, siteId, queryId, startedAt } = value as Record<string, unknown>;
  if (source !== "async" && source !== "registered") return undefined;
  if (typeof siteId !== "string" || !GUID.test(siteId) || typeof queryId !== "string" || !GUID.test(queryId)) return undefined;
  // A device's clock may be off: its start time is only a hint, never in the future.
  const now = Date.now();
  const at = typeof startedAt === "number" && Number.isFinite(startedAt) ? Math.min(startedAt, now) : now;
  return { source, siteId, queryId, startedAt: at };
}

/**
 * The endpoint devices report their started queries to (beside the token
 * broker): `POST` a JSON `{ source, siteId, queryId, startedAt }`, as the
 * device client's `onQueryStarted` gives it. Authorized by your callback;
 * a tracked query's result is then delivered even if its webhook never
 * comes. 204 when tracked, 400 bad report, 403 refused, 503 backend down.
 *
 * @example
 * const report = createQueryReportHandler({ delivery, authorize: async (request, { siteId }) => (await session(request))?.siteIds.includes(siteId) === true });
 * // device: new HaloDeviceClient({ ..., onQueryStarted: (query) => fetch("/halo/queries", { method: "POST", body: JSON.stringify(query) }) })
 */
export function createQueryReportHandler(options: QueryReportHandlerOptions): (request: Request) => Promise<Response> {
  const { delivery, authorize } = options ?? ({} as Partial<QueryReportHandlerOptions>);
  if (typeof delivery?.track !== "function") {
    throw new HaloValidationError("delivery must be a createResultDelivery() component", { code: "HALO_VALIDATION", retryable: false, field: "delivery" });
  }
  if (typeof authorize !== "function") {
    throw new HaloValidationError("authorize is required: (request, report) => boolean", { code: "HALO_VALIDATION", retryable: false, field: "authorize" });
  }
  return async (request) => {
    try {
      if (request.method !== "POST") return answer(405, "method");
      let body: Uint8Array;
      try {
        body = await readBoundedBody(request, MAX_REPORT_BYTES);
      } catch (error) {
        return answer(error instanceof BodyRefused && error.why === "too large" ? 413 : 400, "body");
      }
      const report = parseReport(body);
      if (report === undefined) return answer(400, "a report is { source: \"async\" | \"registered\", siteId, queryId, startedAt }");
      let allowed: unknown;
      try {
        allowed = await authorize(request, report);
      } catch {
        allowed = false;
      }
      if (allowed !== true) return answer(403, "forbidden");
      try {
        await delivery.track({ ...report, startedBy: "device" });
      } catch {
        return answer(503, "store unavailable", { "Retry-After": "5" });
      }
      return answer(204, "");
    } catch {
      return answer(500, "internal");
    }
  };
}
