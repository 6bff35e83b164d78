import type { FetchLike, HaloEvent } from "./types.js";

/** The PMS names the Integrator API takes. */
export type PmsName = "Best Practice" | "Zedmed" | "D4w";

export interface HaloIntegratorClientOptions {
  /** `production` or `stage`; or give `baseUrl` instead. */
  environment?: "production" | "stage";
  baseUrl?: string;
  /** Your Integrator API subscription key. It never appears in an error, event or log line. */
  subscriptionKey: string;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Request, response and retry events (never the key). */
  onEvent?: (event: HaloEvent) => void;
  /** Per-attempt timeout; default 65 000 ms. */
  attemptTimeoutMs?: number;
  /** Retries after the first attempt for retryable failures; default 3. */
  maxRetries?: number;
  /**
   * The subscription key must stay on your servers, so constructing the
   * client in a browser (or an Electron renderer) throws unless this is set.
   */
  dangerouslyAllowBrowser?: boolean;
}

export interface DeviceTokenRequest {
  /** The practice's Halo GUID. */
  siteId: string;
  /** The device's id, as the device client sends it. */
  deviceId: string;
  /** `desktop` (default: the Desktop API v26) or `device` (the older Device API). */
  grantType?: "desktop" | "device";
  allowWeakDeviceId?: boolean;
}

export interface DeviceToken {
  accessToken: string;
  tokenType: string;
  /** Seconds. */
  expiresIn: number;
  /** A wall-clock estimate of the expiry. */
  expiresAt: Date;
}

/** A Halo site (one practice database), as the Integrator API returns it. */
export interface HaloSite {
  id: string;
  pmsType?: "BestPractice" | "Zedmed" | "D4w";
  availability?: "online" | "offline" | "unreachable";
  status?: "initialising" | "active" | "removed" | "uninstalled";
  haloLinkVersion?: string;
  enrichedAt?: string | null;
  catalogue?: Array<{ name: string; isDefault?: boolean }>;
  practiceMetadata?: {
    pmsType?: string;
    practiceName?: string;
    practiceManagementSiteId?: string;
    practiceManagementVersion?: string;
  } | null;
  name?: string;
  practiceManagementSiteId?: string;
  practiceManagementName?: PmsName;
  practiceManagementVersion?: string;
  createdAt?: string;
  /** One authoritative site per PMS ID receives queries. */
  authoritative?: boolean;
  clientTimestampUTC?: string | null;
  heartbeatTimestampUTC?: string | null;
}

export interface Practice {
  /** The PMS's own id: Bp Site ID, Zedmed Database ID, or D4W Centaur CRN. */
  pmsId: string;
  pmsName: PmsName;
}

/** What you recorded about the practice at onboarding, to recognise it later. */
export interface SecondaryIdentifiers {
  practiceName?: string;
  practiceManagementVersion?: string;
}

export interface ResolvedSite {
  siteId: string;
  site: HaloSite;
}

export interface GuidChange {
  oldSiteId: string;
  newSiteId: string;
  /** False: the 403 had another cause (IP allowlist, quota). */
  changed: boolean;
  /** Recorded identifiers the site no longer matches (a split or merger?). */
  secondaryChanged: string[];
  /** A new GUID for what is still recognisably the same practice. */
  canSwitchAutomatically: boolean;
  site: HaloSite;
}

export interface IntegratorCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Remembers webhook ids to refuse replays; plug in Redis or a database. */
export interface WebhookSeenStore {
  /** Whether `id` was seen; records it until `rememberUntil` (ms since the epoch). */
  seen(id: string, rememberUntil: number): boolean | Promise<boolean>;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** The body exactly as received, before any JSON parsing. */
  rawBody: string | Uint8Array;
  headers: WebhookHeaders;
  /** Your webhook secret. It never appears in an error. */
  secret: string;
  /** How old (or how far ahead) `X-Halo-Timestamp` may be; default 300 s. */
  toleranceSeconds?: number;
  /** Default: an in-memory store shared by this process. */
  seen?: WebhookSeenStore;
}

export interface VerifiedWebhook {
  id: string;
  occurredAt: Date;
  siteId: string;
  queryId: string;
  webhookSource: "async" | "registered";
  /** `X-Halo-Timestamp`. */
  sentAt: Date;
}
