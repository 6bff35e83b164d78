// The integrator client, its site queries and webhook verification: what
// `halo-device/integrator` defines itself. The entry (integrator.ts) only
// re-exports, so the server kit (server/) imports from here without a cycle.

import { IntegratorClient, IntegratorSite, expandWebhookUrl as expand, signWebhookRequest, verifyWebhookRequest } from "./wasm/halo_integrator.js";
import { environmentOf, guarded, own } from "./call.js";
import { fromCore, HaloError, HaloTimeoutError, HaloValidationError, HaloWebhookError } from "./errors.js";
import { integratorWasm } from "./integrator-init.js";
import { SiteQueries, type HaloQueries, type QueryStartedHook, type SiteCore } from "./queries.js";
import { arrayField, isRow, protocolError } from "./decode.js";
import type { CallOptions, QueryStatusResult, Row, WaitOptions } from "./types.js";
import type { IntegratorSiteOperations, OperationCall } from "./generated/operations.js";
import type {
  DeviceToken,
  DeviceTokenRequest,
  GuidChange,
  HaloIntegratorClientOptions,
  HaloSite,
  IntegratorCallOptions,
  Practice,
  ResolvedSite,
  SecondaryIdentifiers,
  VerifiedWebhook,
  VerifyWebhookOptions,
  WebhookHeaders,
  WebhookSeenStore,
} from "./integrator-types.js";

const core = guarded(integratorWasm);

/** The PMS ID `checkKey` looks up: one no practice management system issues. */
const KEY_CHECK_PMS_ID = "halo-device-key-check";

/** Electron (main or renderer): `process.versions.electron` is set. Read per construction, not cached. */
function inElectron(): boolean {
  const scope = globalThis as { process?: { versions?: { electron?: unknown } } };
  return typeof scope.process?.versions?.electron === "string";
}

function inBrowser(): boolean {
  const scope = globalThis as { window?: unknown; document?: unknown; importScripts?: unknown };
  return (typeof scope.window === "object" && typeof scope.document === "object") || typeof scope.importScripts === "function";
}

/**
 * The integrator's side of Halo Cloud, for your servers only: device tokens
 * from the subscription key, PMS ID → Halo GUID, and pairing. Every call
 * carries `Ocp-Apim-Subscription-Key`; the key never appears in an error,
 * an event or a log line. It refuses to start in a browser and under
 * Electron (main included: it is the user's machine) unless told otherwise.
 *
 * @example
 * const integrator = new HaloIntegratorClient({ environment: "stage", subscriptionKey: process.env.HALO_KEY! });
 * const { siteId } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice", expect: { practiceName: "Halo Clinic North" } });
 * const token = await integrator.issueDeviceToken({ siteId, deviceId });
 */
export class HaloIntegratorClient {
  readonly #inner: IntegratorClient;
  readonly #environment: "production" | "stage" | undefined;
  readonly #tracker: HaloIntegratorClientOptions["tracker"];

  constructor(options: HaloIntegratorClientOptions) {
    integratorWasm.assertReady();
    // Own properties only, as the core reads the rest: an inherited
    // `dangerouslyAllowBrowser` (or `…Electron`) must not let the key out.
    const [subscriptionKey, dangerouslyAllowBrowser, dangerouslyAllowElectron] = [
      own(options, "subscriptionKey"),
      own(options, "dangerouslyAllowBrowser"),
      own(options, "dangerouslyAllowElectron"),
    ];
    const [fetch, onEvent, tracker] = [own(options, "fetch"), own(options, "onEvent"), own(options, "tracker")];
    if (tracker !== undefined && (typeof tracker !== "object" || tracker === null || typeof tracker.track !== "function")) {
      throw new HaloValidationError("tracker must have a track(query) method, e.g. a createResultDelivery() component", {
        code: "HALO_VALIDATION",
        retryable: false,
        field: "tracker",
      });
    }
    this.#tracker = tracker;
    // Where the key would ship to users: a browser page, or an Electron app (main included).
    const exposed: [field: string, message: string] | undefined =
      inBrowser() && dangerouslyAllowBrowser !== true
        ? [
            "dangerouslyAllowBrowser",
            "HaloIntegratorClient refuses to run in a browser: the subscription key must stay on your server. " +
              "Issue device tokens from your cloud and give the device HaloDeviceClient a getToken that asks it",
          ]
        : inElectron() && dangerouslyAllowElectron !== true
          ? [
              "dangerouslyAllowElectron",
              "HaloIntegratorClient refuses to run under Electron: its main process is still the user's machine, and a subscription key there ships inside every install. " +
                "Keep the key on your server, give it a token broker (createTokenBroker), and have the app's HaloDeviceClient call it with brokerTokenProvider",
            ]
          : undefined;
    if (exposed) {
      const [field, message] = exposed;
      throw new HaloValidationError(`${message} (or pass ${field}: true if you really mean to)`, { code: "HALO_VALIDATION", retryable: false, field });
    }
    if (typeof subscriptionKey !== "string") {
      throw new HaloValidationError("subscriptionKey is required: the Integrator API key from the Integrator Portal", {
        code: "HALO_VALIDATION",
        retryable: false,
        field: "subscriptionKey",
      });
    }
    try {
      // The core copies the plain-data options it knows, as own properties.
      this.#inner = new IntegratorClient(options, subscriptionKey, fetch, onEvent);
    } catch (error) {
      throw fromCore(error);
    }
    this.#environment = environmentOf(options);
  }

  /**
   * Where this client's requests go, e.g. `https://api.stage.haloconnect.io`:
   * log it at start-up, so a stage key sent to production is seen at once.
   *
   * @example
   * console.info(`Halo: ${integrator.environment ?? "custom"} at ${integrator.baseUrl}`);
   */
  get baseUrl(): string {
    return this.#inner.baseUrl;
  }

  /**
   * The `environment` you passed, `"production"` or `"stage"`; `undefined`
   * when you passed `baseUrl` instead (a simulator, a proxy).
   *
   * @example
   * if (integrator.environment !== "production") console.warn("not talking to production Halo");
   */
  get environment(): "production" | "stage" | undefined {
    return this.#environment;
  }

  /**
   * A cheap check that Halo Cloud accepts the subscription key: one site
   * lookup for a PMS ID no practice has (`GET /integrator/sites`), which
   * reads nothing of any practice. Resolves when the key is accepted
   * (an empty list, or a 404 for the unknown ID); rejects with the
   * typed error otherwise: `HaloAuthError` naming the environment and
   * base URL for a refused key, `HaloNetworkError` or
   * `HaloUnavailableError` when Halo cannot be reached. For a health check.
   *
   * @example
   * app.get("/healthz", async (c) => (await integrator.checkKey().then(() => true, () => false)) ? c.text("ok") : c.text("Halo refused the key", 503));
   */
  async checkKey(options: IntegratorCallOptions = {}): Promise<void> {
    try {
      await this.findSites({ pmsId: KEY_CHECK_PMS_ID, pmsName: "Best Practice" }, options);
    } catch (error) {
      // Halo may answer an unknown PMS ID with 404 rather than no sites:
      // the key got past the gateway either way.
      if (error instanceof HaloError && error.code === "HALO_NOT_FOUND") return;
      throw error;
    }
  }

  /**
   * The Integrator API's door onto one practice's queries and FHIR: the
   * same methods, options and results as `HaloDeviceClient` (both implement
   * `HaloQueries`), sent with the subscription key and no device headers,
   * plus what only the Integrator API offers. A `siteId` that is not a Halo
   * GUID is a `HaloValidationError` here, before anything is sent.
   *
   * @example
   * const site = integrator.site("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
   * const { rows } = await site.immediateQuery("SELECT InternalID, Surname FROM Patients");
   */
  site(siteId: string): HaloIntegratorSite {
    let handle: IntegratorSite;
    try {
      handle = this.#inner.site(siteId);
    } catch (error) {
      throw fromCore(error);
    }
    const tracker = this.#tracker;
    return new HaloIntegratorSite(
      handle,
      tracker && ((source, queryId) => tracker.track({ source, siteId, queryId, startedAt: Date.now(), startedBy: "integrator" })),
    );
  }

  /**
   * `POST /integrator/token`: a device token for one device at one practice,
   * to hand to that device's `getToken`. To serve devices, mount
   * `createTokenBroker({ integrator, authorize })`, which calls this with
   * the limits, statuses and caching a token endpoint needs.
   *
   * @example
   * const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId, deviceId }); // e.g. in a test or a job
   */
  async issueDeviceToken(request: DeviceTokenRequest, options: IntegratorCallOptions = {}): Promise<DeviceToken> {
    const { signal, ...rest } = options;
    return core(() => this.#inner.issueDeviceToken(request, rest, signal));
  }

  /**
   * `GET /integrator/sites`: every site Halo knows for a PMS ID (authoritative or not).
   *
   * @example
   * const sites = await integrator.findSites({ pmsId: "12345", pmsName: "Best Practice" });
   * const authoritative = sites.find((site) => site.authoritative);
   */
  async findSites(practice: Practice, options: IntegratorCallOptions = {}): Promise<HaloSite[]> {
    const { signal, ...rest } = options;
    return (await core(() => this.#inner.findSites(practice, rest, signal))) ?? [];
  }

  /**
   * `GET /integrator/sites/{siteId}`: a site's status.
   *
   * @example
   * const { availability, status } = await integrator.getSite("3f2504e0-4f89-41d3-9a0c-0305e82c3301"); // "online", "active"
   */
  async getSite(siteId: string, options: IntegratorCallOptions = {}): Promise<HaloSite> {
    const { signal, ...rest } = options;
    return core(() => this.#inner.getSite(siteId, rest, signal));
  }

  /**
   * `POST /integrator/pair-site`: `pairingCode` is required for Best Practice.
   *
   * @example
   * const site = await integrator.pairSite({ pmsId: "12345", pmsName: "Best Practice", pairingCode: "ABC123" });
   */
  async pairSite(practice: Practice & { pairingCode?: string }, options: IntegratorCallOptions = {}): Promise<HaloSite> {
    const { signal, ...rest } = options;
    return core(() => this.#inner.pairSite(practice, rest, signal));
  }

  /**
   * Halo's "Fetching a Halo GUID" workflow: trades the PMS ID for its
   * authoritative site and checks the identifiers you recorded; a mismatch
   * is a `HaloValidationError` naming the identifier.
   *
   * @example
   * const { siteId } = await integrator.resolveSite({ pmsId, pmsName: "Zedmed", expect: { practiceName: "Harbour Medical Centre" } });
   */
  async resolveSite(practice: Practice & { expect?: SecondaryIdentifiers }, options: IntegratorCallOptions = {}): Promise<ResolvedSite> {
    const { signal, ...rest } = options;
    return core(() => this.#inner.resolveSite(practice, rest, signal));
  }

  /**
   * After a device call got `HaloForbiddenError` (403): re-resolves the GUID
   * from the stored PMS ID and reports old → new, and whether the recorded
   * identifiers still match (if not, the practice may have split or merged).
   *
   * @example
   * const change = await integrator.recoverFromGuidChange({ siteId: stored.siteId, pmsId: stored.pmsId, pmsName: stored.pmsName, recorded: stored.identifiers });
   * if (change.canSwitchAutomatically) stored.siteId = change.newSiteId;
   */
  async recoverFromGuidChange(
    practice: Practice & { siteId: string; recorded?: SecondaryIdentifiers },
    options: IntegratorCallOptions = {},
  ): Promise<GuidChange> {
    const { signal, ...rest } = options;
    return core(() => this.#inner.recoverFromGuidChange(practice, rest, signal));
  }
}

/**
 * @internal The integrator wasm's site object as the facade uses it: the
 * public declarations must not name the glue's classes, which the package
 * omits, so the constructor takes this shape instead.
 */
export interface IntegratorSiteCore extends Omit<SiteCore, "call">, OperationCall<IntegratorSiteOperations> {
  waitForQueries(queryIds: string[], options: Omit<WaitOptions, "signal">, signal?: AbortSignal): Promise<QueryStatusResult[]>;
}

/**
 * One practice's queries and FHIR through the Integrator API, from
 * `integrator.site(siteId)`: every `HaloQueries` method, with the
 * subscription key (never in an error or event) and no device headers.
 * Validation, retries (a created query is never re-sent after a 504),
 * deadlines, `AbortSignal` and events behave as on `HaloDeviceClient`.
 *
 * @example
 * const site = integrator.site(siteId);
 * for await (const page of site.resultPages((await site.startAsyncQuery("SELECT * FROM Observations")).id)) process(page.rows);
 */
export class HaloIntegratorSite extends SiteQueries implements HaloQueries {
  readonly #site: IntegratorSiteCore;

  /** @internal Use `integrator.site(siteId)`. */
  constructor(handle: IntegratorSiteCore, started?: QueryStartedHook) {
    super(handle, "HaloIntegratorSite", core, started);
    this.#site = handle;
  }

  /**
   * `POST …/queries/status` (Integrator API only): the state of many queries
   * in one call, one entry per id, `"found"` with the query object or
   * `"notFound"`. Up to 1,000 ids, each a query id (`queryIds[i]` names a
   * bad one); the call only reads, so it is retried like any read.
   *
   * @example
   * const statuses = await site.getQueryStatuses([first, second]);
   * const done = statuses.filter((entry) => entry.status === "found" && entry.query.status === "successful");
   */
  async getQueryStatuses(queryIds: string[], options: CallOptions = {}): Promise<QueryStatusResult[]> {
    this.assertOpen();
    // The core checked every entry (and that none contradicts another).
    const body = await core(() => this.#site.call("getQueryStatuses", [queryIds], options, own(options, "signal")));
    return arrayField(body?.results, "the batch status results");
  }

  /**
   * Waits for many queries with one `getQueryStatuses` call per poll (asking
   * only about the unfinished ones), backing off as `waitForQuery` does,
   * until each is finished: `successful`, failed (no rejection: read
   * `entry.query.status`) or `"notFound"` (reported, not asked about again).
   * Resolves with one entry per id, in order. 1 to 1,000 distinct query
   * ids; `timeoutMs`, `signal` and `onProgress` (per query, per change)
   * apply to the whole wait.
   *
   * @example
   * const ids = await Promise.all(commands.map(async (sql) => (await site.startAsyncQuery(sql)).id));
   * for (const entry of await site.waitForQueries(ids, { onProgress: (query) => console.log(query.id, query.status) })) {
   *   if (entry.status === "found" && entry.query.status === "successful") console.log(entry.queryId, "done");
   * }
   */
  async waitForQueries(queryIds: string[], options: WaitOptions = {}): Promise<QueryStatusResult[]> {
    this.assertOpen();
    return core(() => this.#site.waitForQueries(queryIds, options, own(options, "signal")));
  }

  /**
   * `GET …/queries/{queryId}/results/{pageNumber}/stream` (Integrator API
   * only): one page of an async query's result, row by row as it
   * downloads, holding at most one unfinished row (8 MiB at most) however
   * large the page; rows are typed and shaped as `getResultPage`'s. The
   * next part of the body is read only when you ask for the next row, and
   * leaving the loop early (`break`, `return`, a throw) closes the
   * connection. `signal` and `timeoutMs` bound the whole download; a wait
   * of more than `attemptTimeoutMs` for the next bytes is a
   * `HaloTimeoutError`. A stream cut or damaged mid-row rejects with a
   * `HALO_PROTOCOL` error and never yields the partial row; an expired
   * result is `HaloGoneError` (410).
   *
   * @example
   * const site = integrator.site(siteId);
   * const { id } = await site.startAsyncQuery("SELECT InternalID, Surname FROM Patients");
   * const query = await site.waitForQuery(id);
   * for (const { pageNumber } of query.result?.pages ?? []) {
   *   for await (const row of site.streamResultPage<{ InternalID: number; Surname: string }>(id, pageNumber)) {
   *     console.log(row.InternalID, row.Surname);
   *   }
   * }
   */
  async *streamResultPage<R extends object = Row>(queryId: string, pageNumber: number, options: CallOptions = {}): AsyncGenerator<R, void, undefined> {
    this.assertOpen();
    const stream = await core(() => this.#site.call("streamResultPage", [queryId, pageNumber], options, own(options, "signal")));
    try {
      for (let rows = await core(() => stream.next()); rows !== undefined; rows = await core(() => stream.next())) {
        for (const text of rows) yield parseRow<R>(text);
      }
    } finally {
      try {
        stream.cancel();
        stream.free();
      } catch {
        // A poisoned instance: the error that ended the loop is the one to see.
      }
    }
  }
}

/**
 * One row of a streamed page, from its JSON text: the core split the
 * stream and checked its structure, `JSON.parse` checks the rest. (Here,
 * not in decode.ts, which the device entry downloads.)
 */
function parseRow<R extends object>(text: string): R {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (error) {
    throw protocolError("a streamed row is not JSON", error);
  }
  if (!isRow(row)) throw protocolError("a streamed row is not a JSON object");
  return row as R;
}

/**
 * Fills `{siteId}`, `{queryId}` and `{source}` in a webhook URL template,
 * URL-encoded; any other placeholder is a `HaloValidationError`.
 *
 * @example
 * expandWebhookUrl("https://example.com/halo/{source}/{siteId}?q={queryId}", { siteId, queryId, source: "async" });
 */
export function expandWebhookUrl(template: string, values: { siteId: string; queryId: string; source: string }): string {
  integratorWasm.assertReady();
  const value = (key: "siteId" | "queryId" | "source") => read(key, () => own(values, key));
  const [siteId, queryId, source] = [value("siteId"), value("queryId"), value("source")];
  try {
    return expand(template, siteId, queryId, source);
  } catch (error) {
    throw fromCore(error);
  }
}

/**
 * `X-Halo-Signature-256` for a test notification, signed by the same rule
 * `verifyWebhook` checks (HMAC-SHA256 of `<raw body>.<timestamp>`, lowercase
 * hex): to fire a delivery at your own receiver, as `halo webhook send`
 * does. `timestamp` is the `X-Halo-Timestamp` you send with it.
 *
 * @example
 * const timestamp = new Date().toISOString();
 * const signature = signWebhook(rawBody, timestamp, secret);
 * await fetch(url, { method: "POST", body: rawBody, headers: { "X-Halo-Timestamp": timestamp, "X-Halo-Signature-256": signature } });
 */
export function signWebhook(rawBody: string | Uint8Array, timestamp: string, secret: string): string {
  integratorWasm.assertReady();
  try {
    return signWebhookRequest(rawBody, timestamp, secret);
  } catch (error) {
    throw fromCore(error);
  }
}

/**
 * An in-memory replay store; entries are dropped once they expire.
 * `verifyWebhook` uses one per process by default; share a store such as
 * Redis across servers instead.
 *
 * @example
 * const seen = createMemorySeenStore(); // e.g. one per tenant, or per test
 * const hook = await verifyWebhook({ rawBody, headers, secret, seen });
 */
export function createMemorySeenStore(): WebhookSeenStore {
  const ids = new Map<string, number>();
  return {
    seen(id, rememberUntil) {
      const now = Date.now();
      for (const [known, until] of ids) if (until < now) ids.delete(known);
      if (ids.has(id)) return true;
      ids.set(id, rememberUntil);
      return false;
    },
  };
}

const processSeenStore = createMemorySeenStore();

/**
 * How long `verifyWebhook` waits for the replay store's `seen()` by
 * default (`seenTimeoutMs`): a store whose backend is down (node-redis
 * has no command timeout by default) must not leave Halo's delivery
 * unanswered.
 *
 * @example
 * await verifyWebhook({ rawBody, headers, secret, seen, seenTimeoutMs: DEFAULT_SEEN_TIMEOUT_MS * 2 }); // a slower store
 */
export const DEFAULT_SEEN_TIMEOUT_MS = 5_000;

function invalid(field: string, message: string, cause?: unknown): HaloValidationError {
  return new HaloValidationError(message, { code: "HALO_VALIDATION", retryable: false, field, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Reads a host value (an option, a header): a getter, a `Proxy` or a
 * broken `Headers` that throws is a typed error naming `field`, with what
 * it threw as the cause, never that raw error.
 */
function read<T>(field: string, reading: () => T): T {
  try {
    return reading();
  } catch (error) {
    throw invalid(field, `${field} could not be read: reading it threw (see cause)`, error);
  }
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One header, matched case-insensitively in a `Map` or a plain object as a
 * fetch `Headers` does; a list (Node's repeated headers) gives its first.
 */
function header(headers: WebhookHeaders, name: string): unknown {
  return read("headers", () => {
    const wanted = name.toLowerCase();
    const matching = ([key]: [unknown, unknown]) => typeof key === "string" && key.toLowerCase() === wanted;
    if (headers instanceof Map) return first([...(headers as Map<unknown, unknown>)].find(matching)?.[1]);
    const get: unknown = (headers as Headers).get;
    if (typeof get === "function") return get.call(headers, name) ?? undefined;
    return first(Object.entries(headers).find(matching)?.[1]);
  });
}

/** `seenTimeoutMs`: a whole number of milliseconds that a timer can wait. */
function seenTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_SEEN_TIMEOUT_MS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw invalid("seenTimeoutMs", "seenTimeoutMs must be a whole number of milliseconds from 1 to 2147483647");
  }
  return value;
}

/**
 * The replay store's answer within `timeoutMs`; a store that throws,
 * hangs or answers off-contract is a typed error. The store gets a signal
 * that aborts at the deadline, so it can give up its write too.
 */
async function seenBefore(store: WebhookSeenStore, id: string, rememberUntil: number, timeoutMs: number): Promise<boolean> {
  const seen = read("seen", () => store.seen);
  if (typeof seen !== "function") throw invalid("seen", "seen must be an object with a seen(id, rememberUntil) method");
  const deadline = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), timeoutMs);
  });
  let answer: unknown;
  try {
    const asked = Promise.resolve(seen.call(store, id, rememberUntil, { signal: deadline.signal }));
    // A store that settles after the deadline must not become an unhandled rejection.
    asked.catch(() => {});
    answer = await Promise.race([asked, expired]);
  } catch (error) {
    // Retryable: the delivery may be genuine, so the receiver should answer
    // 5xx and let Halo deliver it again once the store is back.
    throw new HaloValidationError("seen.seen() failed, so the delivery could not be checked for a replay (see cause)", {
      code: "HALO_VALIDATION",
      retryable: true,
      field: "seen",
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  if (answer === "expired") {
    deadline.abort(new HaloTimeoutError(`seen.seen() did not settle within ${timeoutMs} ms (seenTimeoutMs)`, { code: "HALO_TIMEOUT", retryable: true }));
    throw new HaloTimeoutError(
      `seen.seen() did not settle within ${timeoutMs} ms (seenTimeoutMs), so the delivery could not be checked for a replay: answer 5xx so Halo delivers it again`,
      { code: "HALO_TIMEOUT", retryable: true },
    );
  }
  if (typeof answer !== "boolean") throw invalid("seen", "seen.seen() must return (or resolve to) true or false");
  return answer;
}

/**
 * Verifies a Halo webhook before you trust it: `X-Halo-Signature-256`
 * (HMAC-SHA256 of `<raw body>.<X-Halo-Timestamp>`, compared in constant
 * time), the timestamp's age, replays of `X-Halo-Id`, and the payload,
 * which is parsed only after the signature matched. `rawBody` is the body
 * exactly as received: a string, `Uint8Array`, `Buffer`, `ArrayBuffer` or
 * `DataView`, at most `MAX_WEBHOOK_BODY_BYTES` (64 KiB; a larger one is
 * refused before it is read). Rejects with `HaloWebhookError` (`reason`)
 * on any failure, and with a retryable error when the replay store fails
 * or takes longer than `seenTimeoutMs` (default 5 s): answer 5xx then.
 *
 * @example
 * const hook = await verifyWebhook({ rawBody: await request.text(), headers: request.headers, secret });
 * for await (const page of integrator.site(hook.siteId).resultPages(hook.queryId)) await save(page.rows); // every page
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<VerifiedWebhook> {
  integratorWasm.assertReady();
  const option = <K extends keyof VerifyWebhookOptions>(key: K) => read(String(key), () => own(options, key));
  const headers = option("headers");
  if (typeof headers !== "object" || headers === null) throw invalid("headers", "headers must be the request's headers: a Headers, a Map or a plain object");
  const seen = option("seen") ?? processSeenStore;
  if (typeof seen !== "object" || seen === null) throw invalid("seen", "seen must be an object with a seen(id, rememberUntil) method");
  const timeoutMs = seenTimeout(option("seenTimeoutMs"));
  let verified: VerifiedWebhook & { rememberUntil: number };
  try {
    verified = verifyWebhookRequest(
      option("rawBody"),
      header(headers, "X-Halo-Timestamp"),
      header(headers, "X-Halo-Signature-256"),
      header(headers, "X-Halo-Id"),
      option("secret"),
      option("toleranceSeconds"),
    ) as VerifiedWebhook & { rememberUntil: number };
  } catch (error) {
    throw fromCore(error);
  }
  const { rememberUntil, ...webhook } = verified;
  if (await seenBefore(seen, webhook.id, rememberUntil, timeoutMs)) {
    throw new HaloWebhookError(`webhook rejected (replay): notification ${webhook.id} was already received`, {
      code: "HALO_WEBHOOK",
      retryable: false,
      reason: "replay",
    });
  }
  return webhook;
}
