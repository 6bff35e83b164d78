import type { FetchLike, HaloEvent } from "./types.js";

/**
 * The PMS names the Integrator API takes.
 *
 * @example
 * const sites = await integrator.findSites({ pmsId: "ZM-4417", pmsName: "Zedmed" });
 */
export type PmsName = "Best Practice" | "Zedmed" | "D4w";

/**
 * The options of `new HaloIntegratorClient(…)`: where Halo Cloud is and your
 * subscription key; the rest tune timing and observability.
 *
 * @example
 * const integrator = new HaloIntegratorClient({
 *   environment: "production", // or baseUrl: "http://127.0.0.1:4010" for the simulator
 *   subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY!,
 *   maxRetries: 2,
 *   onEvent: (event) => { if (event.type === "retry") console.warn(`retrying ${event.path}`); },
 * });
 */
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

/**
 * What `issueDeviceToken` takes: which practice, and which device the token
 * is for.
 *
 * @example
 * const token = await integrator.issueDeviceToken({
 *   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
 *   deviceId: "demo-workstation-4f3a9c21d4e5b6a7",
 * });
 */
export interface DeviceTokenRequest {
  /** The practice's Halo GUID. */
  siteId: string;
  /** The device's id, as the device client sends it. */
  deviceId: string;
  /** `desktop` (default: the Desktop API v26) or `device` (the older Device API). */
  grantType?: "desktop" | "device";
  allowWeakDeviceId?: boolean;
}

/**
 * A device token from `issueDeviceToken`. Send `accessToken` and
 * `expiresIn` to the device, whose `getToken` resolves with them.
 *
 * @example
 * const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId, deviceId });
 * response.json({ accessToken, expiresIn });
 */
export interface DeviceToken {
  accessToken: string;
  tokenType: string;
  /** Seconds. */
  expiresIn: number;
  /** A wall-clock estimate of the expiry. */
  expiresAt: Date;
}

/**
 * A Halo site (one practice database), as the Integrator API returns it.
 *
 * @example
 * const site = await integrator.getSite("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
 * if (site.availability !== "online") console.warn(`${site.practiceMetadata?.practiceName} is ${site.availability}`);
 */
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

/**
 * A practice as its PMS knows it: the PMS's own id for it, and which PMS.
 *
 * @example
 * const practice: Practice = { pmsId: "12345", pmsName: "Best Practice" };
 * const { siteId } = await integrator.resolveSite(practice);
 */
export interface Practice {
  /** The PMS's own id: Bp Site ID, Zedmed Database ID, or D4W Centaur CRN. */
  pmsId: string;
  pmsName: PmsName;
}

/**
 * What you recorded about the practice at onboarding, to recognise it later.
 *
 * @example
 * const recorded: SecondaryIdentifiers = { practiceName: "Halo Clinic North", practiceManagementVersion: "1.13.2.948" };
 * const { siteId } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice", expect: recorded });
 */
export interface SecondaryIdentifiers {
  practiceName?: string;
  practiceManagementVersion?: string;
}

/**
 * What `resolveSite` resolves with: the authoritative site's Halo GUID, and
 * the site.
 *
 * @example
 * const { siteId, site } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice" });
 * // siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", site.authoritative: true
 */
export interface ResolvedSite {
  siteId: string;
  site: HaloSite;
}

/**
 * What `recoverFromGuidChange` reports: the old and the authoritative Halo
 * GUID, whether they differ, and whether the recorded identifiers still
 * match the site.
 *
 * @example
 * const change = await integrator.recoverFromGuidChange({ siteId: stored.siteId, pmsId: "12345", pmsName: "Best Practice", recorded: { practiceName: "Halo Clinic North" } });
 * if (change.canSwitchAutomatically) stored.siteId = change.newSiteId;
 * else if (change.changed) console.warn("check the practice by hand:", change.secondaryChanged);
 */
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

/**
 * What every `HaloIntegratorClient` method takes last: an `AbortSignal`, and
 * a deadline for the whole call, retries included.
 *
 * @example
 * const site = await integrator.getSite(siteId, { signal: request.signal, timeoutMs: 10_000 });
 */
export interface IntegratorCallOptions {
  signal?: AbortSignal;
  /** Total time for the call, retries included. */
  timeoutMs?: number;
}

/**
 * Remembers webhook ids to refuse replays; plug in Redis or a database.
 *
 * @example
 * // Shared by every server, with node-redis: SET NX succeeds only for a new id.
 * const seen: WebhookSeenStore = {
 *   async seen(id, rememberUntil) {
 *     return (await redis.set(`halo-webhook:${id}`, "1", { NX: true, PXAT: rememberUntil })) === null;
 *   },
 * };
 */
export interface WebhookSeenStore {
  /** Whether `id` was seen; records it until `rememberUntil` (ms since the epoch). */
  seen(id: string, rememberUntil: number): boolean | Promise<boolean>;
}

/**
 * A webhook request's headers: a fetch `Headers`, or a plain object such as
 * Node's `request.headers`. Names are matched case-insensitively.
 *
 * @example
 * await verifyWebhook({ rawBody: await request.text(), headers: request.headers, secret }); // fetch-style handler
 * await verifyWebhook({ rawBody: body, headers: req.headers, secret });                     // node:http or Express
 */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * What `verifyWebhook` takes: the body exactly as received, the headers and
 * your secret; optionally the allowed clock skew and a shared replay store.
 *
 * @example
 * app.post("/halo/webhook", express.raw({ type: "application/json" }), async (req, res) => {
 *   const options: VerifyWebhookOptions = { rawBody: req.body, headers: req.headers, secret: process.env.HALO_WEBHOOK_SECRET!, toleranceSeconds: 120 };
 *   const hook = await verifyWebhook(options);
 *   res.sendStatus(204);
 * });
 */
export interface VerifyWebhookOptions {
  /** The body exactly as received, before any JSON parsing (a `Buffer` is a `Uint8Array`). */
  rawBody: string | Uint8Array | ArrayBuffer | DataView;
  headers: WebhookHeaders;
  /** Your webhook secret. It never appears in an error. */
  secret: string;
  /** How old (or how far ahead) `X-Halo-Timestamp` may be; default 300 s. */
  toleranceSeconds?: number;
  /** Default: an in-memory store shared by this process. */
  seen?: WebhookSeenStore;
}

/**
 * A webhook that passed every check: the notification's id and time, and
 * the site and query whose results are ready.
 *
 * @example
 * const hook = await verifyWebhook({ rawBody, headers, secret });
 * const { rows } = hook.webhookSource === "async"
 *   ? await device.getResultPage(hook.queryId, 1)
 *   : await device.getRegisteredQueryResult(hook.queryId);
 */
export interface VerifiedWebhook {
  id: string;
  occurredAt: Date;
  siteId: string;
  queryId: string;
  webhookSource: "async" | "registered";
  /** `X-Halo-Timestamp`. */
  sentAt: Date;
}
