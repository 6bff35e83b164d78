import { DeviceClient } from "./wasm/halo_device.js";
import { decodeRows } from "./decode.js";
import { fromCore, HaloValidationError } from "./errors.js";
import { assertReady } from "./runtime.js";
import type {
  HaloDeviceClientOptions,
  HaloQuery,
  ImmediateQueryOptions,
  QueryResult,
  Row,
  SqlCommand,
  TokenInfo,
} from "./types.js";

const OUTPUT_DIRECTIONS = new Set(["output", "inputOutput", "returnValue"]);

/** Awaits a core call, re-throwing its errors as the facade's classes. */
async function core<T>(call: () => Promise<unknown>): Promise<T> {
  try {
    return (await call()) as T;
  } catch (error) {
    throw fromCore(error);
  }
}

function toQueryResult<R extends Row>(query: HaloQuery, command: string | SqlCommand): QueryResult<R> {
  const result = query.result ?? {};
  const rows = decodeRows<R>(result.data);
  const outputParameters: Record<string, string | null> = {};
  for (const parameter of result.parameters ?? []) {
    if (parameter.direction === undefined || OUTPUT_DIRECTIONS.has(parameter.direction)) {
      outputParameters[parameter.name] = parameter.value ?? null;
    }
  }
  const mode = typeof command === "string" ? "reader" : (command.executionMode ?? "reader");
  const firstRow = rows[0];
  return {
    queryId: query.id,
    rows,
    rowCount: result.rows ?? rows.length,
    ...(result.rowsAffected === undefined ? {} : { rowsAffected: result.rowsAffected }),
    ...(mode === "scalar" ? { scalar: firstRow === undefined ? null : Object.values(firstRow)[0] ?? null } : {}),
    outputParameters,
    query,
  };
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
 *   getToken: async ({ siteId, deviceId }) => (await fetch(`/my-cloud/halo-token?site=${siteId}`)).json(),
 * });
 * const { rows } = await client.immediateQuery("SELECT TOP 5 * FROM Patients");
 */
export class HaloDeviceClient {
  readonly #inner: DeviceClient;

  constructor(options: HaloDeviceClientOptions) {
    assertReady();
    const { getToken, fetch, onEvent, ...settings } = options ?? ({} as Partial<HaloDeviceClientOptions>);
    if (typeof getToken !== "function") {
      throw new HaloValidationError("getToken is required: a function that returns { accessToken, expiresIn }", {
        code: "HALO_VALIDATION",
        retryable: false,
        field: "getToken",
      });
    }
    try {
      this.#inner = new DeviceClient(settings, getToken, fetch, onEvent);
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
  async immediateQuery<R extends Row = Row>(
    command: string | SqlCommand,
    options: ImmediateQueryOptions = {},
  ): Promise<QueryResult<R>> {
    const { signal, ...rest } = options;
    const query = await core<HaloQuery>(() => this.#inner.immediateQuery(command, rest, signal));
    return toQueryResult<R>(query, command);
  }

  /** The token's state; never the token itself. */
  tokenInfo(): TokenInfo {
    return this.#inner.tokenInfo();
  }
}
