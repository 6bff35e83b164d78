import { DeviceClient } from "./wasm/halo_device.js";
import { OUTPUT_DIRECTIONS, type DeviceOperations } from "./generated/operations.js";
import { guarded, own } from "./call.js";
import { arrayField, decodeRows, protocolError, returnedParameters } from "./decode.js";
import { fromCore, HaloError, HaloValidationError } from "./errors.js";
import { deviceWasm } from "./init.js";
import type {
  AsyncQueryOptions,
  CallOptions,
  FhirBundle,
  FhirResource,
  FhirSearchOptions,
  FhirSearchParams,
  HaloDeviceClientOptions,
  HaloQuery,
  ImmediateQueryOptions,
  QueryResult,
  RegisteredQuery,
  RegisteredQueryRegistration,
  RegisteredQueryResult,
  ResultPage,
  ReturnedParameter,
  Row,
  SqlCommand,
  TokenInfo,
  WaitOptions,
} from "./types.js";

const core = guarded(deviceWasm);

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

/** Flattens search parameters into `[name, value]` pairs, in order. */
function searchPairs(params: FhirSearchParams): Array<[string, string]> {
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
}

/**
 * A client of the Halo Cloud Device API for one practice (`siteId`) and one
 * device (`deviceId`). It asks `getToken` for a token on first use, renews
 * it before it expires (one renewal at a time, however many calls wait),
 * and renews once and retries once when Halo answers 401.
 *
 * @example
 * const client = new HaloDeviceClient({
 *   environment: "stage",
 *   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
 *   deviceId: generateDeviceId(),
 *   getToken: async ({ siteId, deviceId }) => {
 *     const response = await fetch("/api/halo-token", {
 *       method: "POST",
 *       headers: { "Content-Type": "application/json" },
 *       body: JSON.stringify({ siteId, deviceId }), // never in the URL
 *     });
 *     if (!response.ok) throw new Error(`token service answered HTTP ${response.status}`);
 *     return response.json(); // { accessToken, expiresIn }
 *   },
 * });
 * const { rows } = await client.immediateQuery("SELECT TOP 5 * FROM Patients");
 */
export class HaloDeviceClient {
  readonly #core: DeviceClient;
  #closed = false;

  /** The wasm side, unless `close()` released it. */
  get #inner(): DeviceClient {
    deviceWasm.assertReady();
    if (this.#closed) {
      throw new HaloError("this HaloDeviceClient is closed: create a new one", { code: "HALO_CLOSED", retryable: false });
    }
    return this.#core;
  }

  /** Runs one operation of the core's table, with its errors as the facade's classes. */
  #call<O extends keyof DeviceOperations>(operation: O, args: DeviceOperations[O]["args"], options: DeviceOperations[O]["options"]): Promise<DeviceOperations[O]["result"]> {
    return core(() => this.#inner.call(operation, args, options, own(options, "signal")));
  }

  constructor(options: HaloDeviceClientOptions) {
    deviceWasm.assertReady();
    const getToken = own(options, "getToken");
    if (typeof getToken !== "function") {
      throw new HaloValidationError("getToken is required: a function that returns { accessToken, expiresIn }", {
        code: "HALO_VALIDATION",
        retryable: false,
        field: "getToken",
      });
    }
    try {
      // The core reads only the plain-data options it knows, as own properties.
      this.#core = new DeviceClient(options, getToken, own(options, "fetch"), own(options, "onEvent"));
    } catch (error) {
      throw fromCore(error);
    }
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
    return this.#call("startAsyncQuery", [command], options);
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
   * `HaloTimeoutError` after `timeoutMs`.
   *
   * @example
   * const done = await client.waitForQuery(id, { pollIntervalMs: 500 });
   */
  async waitForQuery(queryId: string, options: WaitOptions = {}): Promise<HaloQuery> {
    const signal = own(options, "signal");
    return core(() => this.#inner.waitForQuery(queryId, options, signal));
  }

  /**
   * One page of a finished async query, decoded. Pages start at 1; they
   * answer `HaloGoneError` once Halo has dropped the results (~24 h).
   *
   * @example
   * const { id } = await client.startAsyncQuery("SELECT * FROM Observations");
   * await client.waitForQuery(id);
   * const { rows } = await client.getResultPage(id, 1);
   */
  async getResultPage<R extends object = Row>(queryId: string, pageNumber: number, options: CallOptions = {}): Promise<ResultPage<R>> {
    const page = await this.#call("getResultPage", [queryId, pageNumber], options);
    return { pageNumber, rows: decodeRows<R>(page?.data), parameters: returnedParameters(page?.parameters) };
  }

  /**
   * The pages of an async query's result, in order, waiting for the query
   * to finish first.
   *
   * @example
   * for await (const page of client.resultPages(id)) process(page.rows);
   */
  async *resultPages<R extends object = Row>(queryId: string, options: WaitOptions = {}): AsyncGenerator<ResultPage<R>, void, undefined> {
    const query = await this.waitForQuery(queryId, options);
    const signal = own(options, "signal");
    const signalOnly = signal === undefined ? {} : { signal };
    const numbers = arrayField(query.result?.pages, "the query's result.pages")
      .map((page) => page?.pageNumber)
      .sort((a, b) => a - b);
    if (!numbers.every((n) => Number.isSafeInteger(n) && n >= 1)) throw protocolError("a result page has no valid pageNumber");
    for (const pageNumber of numbers) yield await this.getResultPage<R>(queryId, pageNumber, signalOnly);
  }

  /**
   * Start, wait and read every page: an async query as one call.
   *
   * @example
   * const { rows } = await client.asyncQuery("SELECT * FROM Observations", { pollIntervalMs: 250 });
   */
  async asyncQuery<R extends object = Row>(command: string | SqlCommand, options: AsyncQueryOptions & WaitOptions = {}): Promise<QueryResult<R>> {
    const [pollIntervalMs, timeoutMs, signal] = [own(options, "pollIntervalMs"), own(options, "timeoutMs"), own(options, "signal")];
    const { pollIntervalMs: _poll, timeoutMs: _timeout, signal: _signal, ...start } = options;
    const signalOnly = signal === undefined ? {} : { signal };
    const started = await this.startAsyncQuery(command, { ...start, ...signalOnly });
    const wait: WaitOptions = { ...signalOnly, ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
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
    return this.#call("createRegisteredQuery", [registration], options);
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
   * The token's state; never the token itself.
   *
   * @example
   * const { hasToken, expiresAt, renewals } = client.tokenInfo();
   */
  tokenInfo(): TokenInfo {
    return this.#inner.tokenInfo();
  }

  /**
   * Releases the client's wasm memory now rather than when the garbage
   * collector gets to it: for apps that create many clients. Calls already
   * under way finish; new ones throw a `HaloError` with code `HALO_CLOSED`.
   *
   * @example
   * const client = new HaloDeviceClient(options);
   * try { await client.immediateQuery("SELECT 1"); } finally { client.close(); }
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.free();
  }
}
