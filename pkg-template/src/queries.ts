import { OUTPUT_DIRECTIONS, type OperationCall, type SiteOperations } from "./generated/operations.js";
import { own, type CoreRunner } from "./call.js";
import { arrayField, decodeRows, protocolError, returnedParameters } from "./decode.js";
import { HaloError, HaloUnavailableError, HaloValidationError } from "./errors.js";
import type {
  AsyncQueryOptions,
  CallOptions,
  FhirBundle,
  FhirResource,
  FhirSearchOptions,
  FhirSearchParams,
  HaloQuery,
  ImmediateQueryOptions,
  QueryResult,
  RegisteredQuery,
  RegisteredQueryRegistration,
  RegisteredQueryResult,
  ResultPage,
  ResultPagesOptions,
  ReturnedParameter,
  Row,
  SqlCommand,
  WaitOptions,
} from "./types.js";

// The query surface both doors share: `HaloDeviceClient` (device token) and
// the integrator's `HaloIntegratorSite` (subscription key) extend
// `SiteQueries`, so every method and its result shaping exist once. This
// module imports no wasm: each entry hands in its own wasm object, and the
// integrator entry never loads the device wasm (bench/sizes.mjs checks the
// entry graphs).

/**
 * @internal What a door's wasm object offers: the one `call` over the
 * operation table, and the wait for a query.
 */
export interface SiteCore extends OperationCall<SiteOperations> {
  waitForQuery(queryId: string, options: Omit<WaitOptions, "signal">, signal?: AbortSignal): Promise<HaloQuery>;
  free(): void;
}

// Server-chosen names become keys: a null prototype keeps `__proto__` or
// `constructor` an ordinary entry instead of a prototype change.
function outputParametersOf(parameters: ReturnedParameter[] | null | undefined): Record<string, string | null> {
  const outputParameters = Object.create(null) as Record<string, string | null>;
  for (const parameter of returnedParameters(parameters)) {
    if (parameter.direction === undefined || OUTPUT_DIRECTIONS.has(parameter.direction)) {
      outputParameters[parameter.name] = parameter.value ?? null;
    }
  }
  return outputParameters;
}

function toQueryResult<R extends object>(query: HaloQuery, command: string | SqlCommand, rows: R[], parameters: ReturnedParameter[] | null | undefined): QueryResult<R> {
  const result = query.result ?? {};
  if (typeof result !== "object") throw protocolError("the query's result is not an object");
  const mode = typeof command === "string" ? "reader" : (own(command, "executionMode") ?? "reader");
  const firstRow = rows[0];
  return {
    queryId: query.id,
    rows,
    rowCount: result.rows ?? rows.length,
    ...(result.rowsAffected === undefined ? {} : { rowsAffected: result.rowsAffected }),
    ...(mode === "scalar" ? { scalar: firstRow === undefined ? null : Object.values(firstRow)[0] ?? null } : {}),
    outputParameters: outputParametersOf(parameters),
    query,
  };
}

/**
 * Flattens search parameters into `[name, value]` pairs, in order. What
 * cannot be read (`null`, a throwing getter or `toString`) is a
 * `HaloValidationError` for `params`, with the host's error as its cause.
 */
function searchPairs(params: FhirSearchParams): Array<[string, string]> {
  try {
    if (params instanceof URLSearchParams) {
      const pairs: Array<[string, string]> = [];
      params.forEach((value, name) => pairs.push([name, value]));
      return pairs;
    }
    if (Array.isArray(params)) return params.map(([name, value]) => [name, value]);
    return Object.entries(params as Record<string, string | number | ReadonlyArray<string | number>>).flatMap(
      ([name, value]): Array<[string, string]> =>
        Array.isArray(value) ? value.map((v: string | number) => [name, String(v)]) : [[name, String(value)]],
    );
  } catch (cause) {
    throw new HaloValidationError("params must be an object, [name, value] pairs or URLSearchParams (see cause)", {
      code: "HALO_VALIDATION",
      retryable: false,
      field: "params",
      cause,
    });
  }
}

/** @internal Told of each async or registered query a client started, by id. */
export type QueryStartedHook = (source: "async" | "registered", queryId: string) => unknown;

/**
 * @internal The query methods of one site through one door, over that
 * door's wasm object. Not generic over the wasm class: the public
 * declarations must not name the glue's types, which the package omits.
 * Use the `HaloQueries` interface in your code.
 */
export class SiteQueries {
  readonly #core: SiteCore;
  readonly #name: string;
  readonly #run: CoreRunner;
  readonly #started: QueryStartedHook | undefined;
  #closed = false;

  /**
   * @internal `name` is the public class's, for the closed message; `run`
   * is the entry's guard around calls into its wasm instance; `started`
   * is told of each async and registered query started here (a device's
   * `onQueryStarted`, an integrator's `tracker`).
   */
  constructor(core: SiteCore, name: string, run: CoreRunner, started?: QueryStartedHook) {
    this.#core = core;
    this.#name = name;
    this.#run = run;
    this.#started = started;
  }

  /** Awaits the `started` hook; its failure names the query, which did start. */
  async #report<T>(source: "async" | "registered", started: T & { id: string }): Promise<T> {
    if (this.#started === undefined) return started;
    try {
      await this.#started(source, started.id);
    } catch (cause) {
      throw new HaloUnavailableError(`${source} query ${started.id} was started, but recording it failed (see cause): it is not covered by result delivery`, {
        code: "HALO_UNAVAILABLE",
        retryable: false,
        cause,
      });
    }
    return started;
  }

  /** Throws `HALO_CLOSED` once `close()` released the wasm side. */
  protected assertOpen(): void {
    if (this.#closed) {
      throw new HaloError(`this ${this.#name} is closed: create a new one`, { code: "HALO_CLOSED", retryable: false });
    }
  }

  /** The wasm side, unless `close()` released it. */
  get #inner(): SiteCore {
    this.assertOpen();
    return this.#core;
  }

  /** Runs one operation of the core's table, with its errors as the facade's classes. */
  #call<O extends keyof SiteOperations>(operation: O, args: SiteOperations[O]["args"], options: SiteOperations[O]["options"]): Promise<SiteOperations[O]["result"]> {
    return this.#run(() => this.#inner.call(operation, args, options, own(options, "signal")));
  }

  /**
   * Runs SQL at the practice now and returns its rows (results up to 8 MB;
   * use an async query for more).
   *
   * @example
   * const { rows } = await client.immediateQuery({
   *   text: "SELECT * FROM Patients WHERE InternalID = @id",
   *   parameters: [{ name: "@id", type: "Int", value: "1" }],
   * });
   */
  async immediateQuery<R extends object = Row>(
    command: string | SqlCommand,
    options: ImmediateQueryOptions = {},
  ): Promise<QueryResult<R>> {
    const query = await this.#call("immediateQuery", [command], options);
    return toQueryResult<R>(query, command, decodeRows<R>(query.result?.data), query.result?.parameters);
  }

  /**
   * Queues SQL as an async query (no result size limit; results are kept
   * about 24 h) and returns the new query. Follow with `waitForQuery`.
   *
   * @example
   * const { id } = await client.startAsyncQuery("SELECT * FROM Observations");
   */
  async startAsyncQuery(command: string | SqlCommand, options: AsyncQueryOptions = {}): Promise<HaloQuery> {
    return this.#report("async", await this.#call("startAsyncQuery", [command], options));
  }

  /**
   * The query's current state (immediate or async).
   *
   * @example
   * const { status } = await client.getQuery(queryId); // e.g. "queued", "executing", "successful"
   */
  async getQuery(queryId: string, options: CallOptions = {}): Promise<HaloQuery> {
    return this.#call("getQuery", [queryId], options);
  }

  /**
   * Polls until the query finishes. Resolves with the successful query;
   * rejects with `HaloQueryFailedError` on a failed state and
   * `HaloTimeoutError` after `timeoutMs`. The waits back off from
   * `pollIntervalMs` (1 s) by 1.5× up to `maxPollIntervalMs` (30 s), each
   * up to 20 % shorter at random; `onProgress` hears of each status change.
   *
   * @example
   * const done = await client.waitForQuery(id, { pollIntervalMs: 500, onProgress: (query) => console.log(query.status) });
   */
  async waitForQuery(queryId: string, options: WaitOptions = {}): Promise<HaloQuery> {
    const signal = own(options, "signal");
    return this.#run(() => this.#inner.waitForQuery(queryId, options, signal));
  }

  /**
   * One page of a finished async query, decoded, with `metadata` from
   * Halo's `Size` and `Rows-*` headers when it sends them. Pages start at
   * 1; they answer `HaloGoneError` once Halo has dropped the results (~24 h).
   *
   * @example
   * const { id } = await client.startAsyncQuery("SELECT * FROM Observations");
   * await client.waitForQuery(id);
   * const { rows } = await client.getResultPage(id, 1);
   */
  async getResultPage<R extends object = Row>(queryId: string, pageNumber: number, options: CallOptions = {}): Promise<ResultPage<R>> {
    const { body: page, metadata } = await this.#call("getResultPage", [queryId, pageNumber], options);
    return { pageNumber, rows: decodeRows<R>(page?.data), parameters: returnedParameters(page?.parameters), ...(metadata === undefined ? {} : { metadata }) };
  }

  /**
   * The pages of an async query's result, in order, waiting for the query
   * to finish first; from `startPage` on if given (checked before the
   * wait; past the last page, none).
   *
   * @example
   * for await (const page of client.resultPages(id, { startPage: 3 })) process(page.rows);
   */
  async *resultPages<R extends object = Row>(queryId: string, options: ResultPagesOptions = {}): AsyncGenerator<ResultPage<R>, void, undefined> {
    const query = await this.waitForQuery(queryId, options);
    const signal = own(options, "signal");
    const signalOnly = signal === undefined ? {} : { signal };
    const numbers = arrayField(query.result?.pages, "the query's result.pages")
      .map((page) => page?.pageNumber)
      .sort((a, b) => a - b);
    if (!numbers.every((n) => Number.isSafeInteger(n) && n >= 1)) throw protocolError("a result page has no valid pageNumber");
    // The core refused a bad startPage before the wait began.
    const startPage = own(options, "startPage") ?? 1;
    for (const pageNumber of numbers.filter((n) => n >= startPage)) yield await this.getResultPage<R>(queryId, pageNumber, signalOnly);
  }

  /**
   * Start, wait and read every page: an async query as one call.
   *
   * @example
   * const { rows } = await client.asyncQuery("SELECT * FROM Observations", { pollIntervalMs: 250 });
   */
  async asyncQuery<R extends object = Row>(command: string | SqlCommand, options: AsyncQueryOptions & WaitOptions = {}): Promise<QueryResult<R>> {
    const signal = own(options, "signal");
    const { pollIntervalMs: _poll, maxPollIntervalMs: _max, timeoutMs: _timeout, onProgress: _progress, signal: _signal, ...start } = options;
    const signalOnly = signal === undefined ? {} : { signal };
    const started = await this.startAsyncQuery(command, { ...start, ...signalOnly });
    const waitKeys = ["pollIntervalMs", "maxPollIntervalMs", "timeoutMs", "onProgress"] as const;
    const wait: WaitOptions = { ...signalOnly, ...Object.fromEntries(waitKeys.flatMap((key) => (own(options, key) === undefined ? [] : [[key, own(options, key)]]))) };
    const rows: R[] = [];
    let parameters: ReturnedParameter[] = [];
    for await (const page of this.resultPages<R>(started.id, wait)) {
      rows.push(...page.rows);
      if (page.parameters.length > 0) parameters = page.parameters;
    }
    const query = await this.getQuery(started.id, signalOnly);
    return toQueryResult<R>(query, command, rows, parameters);
  }

  /**
   * Registers SQL that Halo runs every `frequencySeconds` for
   * `durationSeconds`, uploading results only when they change.
   *
   * @example
   * const { id } = await client.createRegisteredQuery({ name: "today", command: "SELECT * FROM Appointments", frequencySeconds: 300, durationSeconds: 3600 });
   */
  async createRegisteredQuery(registration: RegisteredQueryRegistration, options: CallOptions = {}): Promise<{ id: string }> {
    return this.#report("registered", await this.#call("createRegisteredQuery", [registration], options));
  }

  /**
   * The site's registered queries.
   *
   * @example
   * const enabled = (await client.listRegisteredQueries()).filter((registered) => registered.status === "enabled");
   */
  async listRegisteredQueries(options: CallOptions = {}): Promise<RegisteredQuery[]> {
    const body = await this.#call("listRegisteredQueries", [], options);
    return arrayField(body?.registeredQueries, "the registered query list");
  }

  /**
   * One registered query: its status, schedule and metrics.
   *
   * @example
   * const { status, metrics } = await client.getRegisteredQuery(id);
   */
  async getRegisteredQuery(registeredQueryId: string, options: CallOptions = {}): Promise<RegisteredQuery> {
    return this.#call("getRegisteredQuery", [registeredQueryId], options);
  }

  /**
   * Cancels a registered query: Halo stops running it.
   *
   * @example
   * const { id } = await client.createRegisteredQuery({ name: "today", command: "SELECT * FROM Appointments", frequencySeconds: 300, durationSeconds: 3600 });
   * await client.cancelRegisteredQuery(id);
   */
  async cancelRegisteredQuery(registeredQueryId: string, options: CallOptions = {}): Promise<void> {
    await this.#call("cancelRegisteredQuery", [registeredQueryId], options);
  }

  /**
   * The latest result of a registered query, decoded.
   *
   * @example
   * const { rows, rowCount } = await client.getRegisteredQueryResult(id);
   */
  async getRegisteredQueryResult<R extends object = Row>(registeredQueryId: string, options: CallOptions = {}): Promise<RegisteredQueryResult<R>> {
    const body = await this.#call("getRegisteredQueryResult", [registeredQueryId], options);
    const rows = decodeRows<R>(body?.data);
    return {
      rows,
      rowCount: body?.rows ?? rows.length,
      ...(body?.size === undefined ? {} : { size: body.size }),
      parameters: returnedParameters(body?.parameters),
    };
  }

  /**
   * Reads one FHIR resource (Bp Premier sites).
   *
   * @example
   * const patient = await client.fhirRead("Patient", "1");
   */
  async fhirRead<T extends FhirResource = FhirResource>(resourceType: string, id: string, options: CallOptions = {}): Promise<T> {
    return (await this.#call("fhirRead", [resourceType, id], options)) as T;
  }

  /**
   * Searches FHIR resources. POSTs the parameters as a form to `_search`
   * unless `method: "GET"`, so patient details stay out of URLs and logs.
   *
   * @example
   * const bundle = await client.fhirSearch("Patient", { family: "Smith", birthdate: "gt1960-01-01" });
   */
  async fhirSearch<T extends FhirResource = FhirResource>(resourceType: string, params: FhirSearchParams, options: FhirSearchOptions = {}): Promise<FhirBundle<T>> {
    return (await this.#call("fhirSearch", [resourceType, searchPairs(params)], options)) as FhirBundle<T>;
  }

  /**
   * GETs any FHIR path below the site's FHIR base: a read, a compartment
   * search (`Patient/1/Encounter`) or an operation (`Patient/1/$summary`,
   * `Appointment/$find`), with optional parameters in the query string.
   * Every segment must be a plain FHIR name, id or `$operation`: no `..`,
   * `%`, `?` or `#` (HaloValidationError, field `path`).
   *
   * @example
   * const summary = await client.fhirGet("Patient/1/$summary");
   * const slots = await client.fhirGet<FhirBundle>("Appointment/$find", { patient: "Patient/1" });
   */
  async fhirGet<T extends FhirResource = FhirResource>(path: string, params: FhirSearchParams = [], options: CallOptions = {}): Promise<T> {
    return (await this.#call("fhirGet", [path, searchPairs(params)], options)) as T;
  }

  /**
   * Searches like `fhirSearch`, then follows each Bundle's `next` link,
   * yielding one Bundle per page. A link is followed only below this site's
   * FHIR base at this door (same origin, no credentials, no other site,
   * no `..`); any other link, or one already read, is a HALO_PROTOCOL
   * error and nothing is sent there. `timeoutMs` bounds each page.
   *
   * @example
   * for await (const bundle of client.fhirSearchPages("Patient", { family: "Smith", _count: "50" })) {
   *   for (const entry of bundle.entry ?? []) console.log(entry.resource?.id);
   * }
   */
  async *fhirSearchPages<T extends FhirResource = FhirResource>(resourceType: string, params: FhirSearchParams, options: FhirSearchOptions = {}): AsyncGenerator<FhirBundle<T>, void, undefined> {
    const { method: _method, ...pageOptions } = options;
    const read = new Set<string>();
    let bundle = await this.fhirSearch<T>(resourceType, params, options);
    for (;;) {
      yield bundle;
      const next = arrayField(own(bundle, "link"), "the Bundle's link").find((link) => own(link, "relation") === "next");
      if (next === undefined) return;
      const url = own(next, "url");
      if (typeof url !== "string") throw protocolError("the FHIR Bundle's next link has no url");
      if (read.has(url)) throw protocolError("the FHIR Bundle's next link repeats a page already read");
      read.add(url);
      bundle = (await this.#call("fhirNextPage", [url], pageOptions)) as FhirBundle<T>;
    }
  }

  /**
   * The site's FHIR CapabilityStatement.
   *
   * @example
   * const capabilities = await client.fhirCapabilities();
   * console.log(capabilities.fhirVersion); // "4.0.1"
   */
  async fhirCapabilities(options: CallOptions = {}): Promise<FhirResource> {
    return this.#call("fhirCapabilities", [], options);
  }

  /**
   * Releases the wasm memory now rather than when the garbage collector
   * gets to it: for apps that create many. Calls already under way finish;
   * new ones throw a `HaloError` with code `HALO_CLOSED`.
   *
   * @example
   * try { await queries.immediateQuery("SELECT 1"); } finally { queries.close(); }
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.free();
  }
}

/** The names of the shared query methods. */
type QueryMethod =
  | "immediateQuery"
  | "startAsyncQuery"
  | "getQuery"
  | "waitForQuery"
  | "getResultPage"
  | "resultPages"
  | "asyncQuery"
  | "createRegisteredQuery"
  | "listRegisteredQueries"
  | "getRegisteredQuery"
  | "cancelRegisteredQuery"
  | "getRegisteredQueryResult"
  | "fhirRead"
  | "fhirSearch"
  | "fhirGet"
  | "fhirSearchPages"
  | "fhirCapabilities";

/**
 * The query surface both doors share, with the same names, options and
 * results: `HaloDeviceClient` (a device token) and the integrator's
 * `HaloIntegratorSite` (the subscription key) both implement it, so code
 * written against it runs with either.
 *
 * @example
 * async function patientCount(queries: HaloQueries): Promise<number> {
 *   const { scalar } = await queries.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
 *   return Number(scalar);
 * }
 * await patientCount(deviceClient);
 * await patientCount(integrator.site(siteId));
 */
export interface HaloQueries extends Pick<SiteQueries, QueryMethod> {}
