/**
 * Stable error codes, one per error class (plus the generic ones).
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloError && error.code === "HALO_UNAVAILABLE") showBanner("The practice's server is offline"); }
 */
export type HaloErrorCode =
  | "HALO_VALIDATION"
  | "HALO_AUTH"
  | "HALO_FORBIDDEN"
  | "HALO_NOT_FOUND"
  | "HALO_GONE"
  | "HALO_RATE_LIMIT"
  | "HALO_UNAVAILABLE"
  | "HALO_QUERY_FAILED"
  | "HALO_BAD_REQUEST"
  | "HALO_SERVER"
  | "HALO_NETWORK"
  | "HALO_TIMEOUT"
  | "HALO_PROTOCOL"
  | "HALO_WEBHOOK"
  | "HALO_CLOSED"
  | "HALO_NOT_INITIALISED"
  | "HALO_INTERNAL";

/**
 * What every Halo error carries besides its message (and what its
 * constructor takes, e.g. for a test double).
 *
 * @example
 * const offline = new HaloUnavailableError("the practice could not be contacted", { code: "HALO_UNAVAILABLE", status: 503, retryable: true });
 */
export interface HaloErrorDetails {
  code: HaloErrorCode;
  /** The HTTP status, when Halo Cloud answered. */
  status?: number;
  /** Whether making the same call again later may succeed. */
  retryable: boolean;
  cause?: unknown;
}

/**
 * The base class of every error this package throws (an aborted call
 * rejects with the signal's reason instead, as `fetch` does).
 *
 * @example
 * try { await client.immediateQuery("SELECT 1"); }
 * catch (error) { if (error instanceof HaloError && error.retryable) scheduleRetry(); }
 */
export class HaloError extends Error {
  readonly code: HaloErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(message: string, details: HaloErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.status = details.status;
    this.retryable = details.retryable;
  }
}

/**
 * Bad input, caught before anything was sent. `field` names the culprit.
 *
 * @example
 * try { await client.getResultPage(queryId, 0); }
 * catch (error) { if (error instanceof HaloValidationError) console.error(`invalid ${error.field}`); } // "pageNumber"
 */
export class HaloValidationError extends HaloError {
  readonly field: string | undefined;
  constructor(message: string, details: HaloErrorDetails & { field?: string }) {
    super(message, details);
    this.field = details.field;
  }
}

/**
 * 401 after one renewal, or `getToken` failed to supply a usable token.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloAuthError) console.error("check the token service:", error.message, error.cause); }
 */
export class HaloAuthError extends HaloError {}

/**
 * 403: IP not allowed, non-authoritative site, or the practice's Halo GUID changed.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloForbiddenError) await askCloudToRecoverSite(siteId); } // it calls integrator.recoverFromGuidChange
 */
export class HaloForbiddenError extends HaloError {}

/**
 * 404: no such query, registered query, site or FHIR resource.
 *
 * @example
 * try { await client.fhirRead("Patient", "999"); }
 * catch (error) { if (error instanceof HaloNotFoundError) console.log("no such patient"); }
 */
export class HaloNotFoundError extends HaloError {}

/**
 * 410: result pages expire about 24 hours after the query ran.
 *
 * @example
 * try { await client.getResultPage(queryId, 1); }
 * catch (error) { if (error instanceof HaloGoneError) queryId = (await client.startAsyncQuery(sql)).id; } // expired: run it again
 */
export class HaloGoneError extends HaloError {}

/**
 * 429. `retryAfterMs` is what `Retry-After` said, when it said something.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloRateLimitError) await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 60_000)); }
 */
export class HaloRateLimitError extends HaloError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: HaloErrorDetails & { retryAfterMs?: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * 503 (the practice could not be contacted) or 504 (no answer in time).
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloUnavailableError) showBanner("The practice's server is offline; try again later"); }
 */
export class HaloUnavailableError extends HaloError {}

/**
 * The query reached the practice and failed there.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM NoSuchTable"); }
 * catch (error) { if (error instanceof HaloQueryFailedError) console.error(error.queryStatus, error.errorType, error.errorCode, error.errorMessage); }
 */
export class HaloQueryFailedError extends HaloError {
  /** The query's terminal status, e.g. `executionFailed`. */
  readonly queryStatus: string;
  /** `http` | `mssql` | `fbsql` | `haloLink`, when Halo said. */
  readonly errorType: string | undefined;
  readonly errorCode: number | undefined;
  readonly errorMessage: string | undefined;
  constructor(
    message: string,
    details: HaloErrorDetails & { queryStatus: string; errorType?: string; errorCode?: number; errorMessage?: string },
  ) {
    super(message, details);
    this.queryStatus = details.queryStatus;
    this.errorType = details.errorType;
    this.errorCode = details.errorCode;
    this.errorMessage = details.errorMessage;
  }
}

/**
 * `fetch` failed: DNS, refused or dropped connection, CORS.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients"); }
 * catch (error) { if (error instanceof HaloNetworkError) showBanner("Cannot reach Halo Cloud: check the connection"); }
 */
export class HaloNetworkError extends HaloError {}

/**
 * An attempt, a token request or the whole call ran out of time.
 *
 * @example
 * try { await client.immediateQuery("SELECT * FROM Patients", { timeoutMs: 15_000 }); }
 * catch (error) { if (error instanceof HaloTimeoutError) showBanner("The practice is slow to answer; try again later"); }
 */
export class HaloTimeoutError extends HaloError {}

/**
 * Why a webhook was refused.
 *
 * @example
 * try { await verifyWebhook({ rawBody, headers, secret }); }
 * catch (error) { if (error instanceof HaloWebhookError && error.reason === "replay") return; } // already handled
 */
export type WebhookRejectionReason = "headers" | "signature" | "timestamp" | "replay" | "payload";

/**
 * A webhook request that must not be trusted; `reason` says which check failed.
 *
 * @example
 * try { hook = await verifyWebhook({ rawBody, headers: request.headers, secret }); }
 * catch (error) { if (error instanceof HaloWebhookError) return response.writeHead(401).end(); }
 */
export class HaloWebhookError extends HaloError {
  readonly reason: WebhookRejectionReason;
  constructor(message: string, details: HaloErrorDetails & { reason: WebhookRejectionReason }) {
    super(message, details);
    this.reason = details.reason;
  }
}

/** The shape in which the wasm core reports errors (a plain `Error`). */
interface CoreError extends Error {
  code: HaloErrorCode;
  status?: number;
  retryable: boolean;
  field?: string;
  retryAfterMs?: number;
  queryStatus?: string;
  errorType?: string;
  errorCode?: number;
  errorMessage?: string;
  reason?: WebhookRejectionReason;
}

function isCoreError(value: unknown): value is CoreError {
  return value instanceof Error && typeof (value as Partial<CoreError>).code === "string" && (value as CoreError).code.startsWith("HALO_");
}

/** @internal Re-creates a core error as its facade class; other values pass through. */
export function fromCore(value: unknown): unknown {
  if (!isCoreError(value) || value instanceof HaloError) return value;
  const details: HaloErrorDetails = { code: value.code, status: value.status, retryable: value.retryable, cause: value.cause };
  switch (value.name) {
    case "HaloValidationError":
      return new HaloValidationError(value.message, { ...details, field: value.field });
    case "HaloAuthError":
      return new HaloAuthError(value.message, details);
    case "HaloForbiddenError":
      return new HaloForbiddenError(value.message, details);
    case "HaloNotFoundError":
      return new HaloNotFoundError(value.message, details);
    case "HaloGoneError":
      return new HaloGoneError(value.message, details);
    case "HaloRateLimitError":
      return new HaloRateLimitError(value.message, { ...details, retryAfterMs: value.retryAfterMs });
    case "HaloUnavailableError":
      return new HaloUnavailableError(value.message, details);
    case "HaloQueryFailedError":
      return new HaloQueryFailedError(
        value.message,
        {
          ...details,
          queryStatus: value.queryStatus ?? "executionFailed",
          errorType: value.errorType,
          errorCode: value.errorCode,
          errorMessage: value.errorMessage,
        },
      );
    case "HaloNetworkError":
      return new HaloNetworkError(value.message, details);
    case "HaloTimeoutError":
      return new HaloTimeoutError(value.message, details);
    case "HaloWebhookError":
      return new HaloWebhookError(value.message, { ...details, reason: value.reason ?? "payload" });
    default:
      return new HaloError(value.message, details);
  }
}
