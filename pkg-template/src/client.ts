import { DeviceClient } from "./wasm/halo_device.js";
import { environmentOf, guarded, own } from "./call.js";
import { fromCore, HaloValidationError } from "./errors.js";
import { deviceWasm } from "./init.js";
import { SiteQueries, type HaloQueries } from "./queries.js";
import { sharingChannel, TokenSharing } from "./token-sharing.js";
import type { HaloDeviceClientOptions, TokenInfo } from "./types.js";

// One runner for every client: each runner waits on the instance's trap,
// and a wait per client would keep every client ever made alive.
const core = guarded(deviceWasm);

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
 *   getToken: brokerTokenProvider("/api/halo-token"), // your createTokenBroker route; ids and reason go in the body
 * });
 * const { rows } = await client.immediateQuery("SELECT TOP 5 * FROM Patients");
 */
export class HaloDeviceClient extends SiteQueries implements HaloQueries {
  readonly #device: DeviceClient;
  readonly #sharing: TokenSharing | undefined;
  readonly #baseUrl: string;
  readonly #environment: "production" | "stage" | undefined;

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
    let sharing: TokenSharing | undefined;
    const sharingOption = own(options, "tokenSharing");
    if (sharingOption !== undefined) {
      const checked = sharingChannel(sharingOption);
      if ("problem" in checked) {
        throw new HaloValidationError(checked.problem, { code: "HALO_VALIDATION", retryable: false, field: "tokenSharing" });
      }
      sharing = new TokenSharing(getToken, checked.channel, String(own(options, "siteId")), String(own(options, "deviceId")));
    }
    let device: DeviceClient;
    try {
      // The core reads only the plain-data options it knows, as own properties.
      device = new DeviceClient(options, sharing?.getToken ?? getToken, own(options, "fetch"), own(options, "onEvent"));
    } catch (error) {
      sharing?.close();
      throw fromCore(error);
    }
    const onQueryStarted = own(options, "onQueryStarted");
    if (onQueryStarted !== undefined && typeof onQueryStarted !== "function") {
      throw new HaloValidationError("onQueryStarted must be a function", { code: "HALO_VALIDATION", retryable: false, field: "onQueryStarted" });
    }
    const siteId = String(own(options, "siteId"));
    super(device, "HaloDeviceClient", core, onQueryStarted && ((source, queryId) => onQueryStarted({ source, siteId, queryId, startedAt: Date.now() })));
    this.#device = device;
    this.#sharing = sharing;
    // Read once: they stay readable after close() frees the wasm side.
    this.#baseUrl = device.baseUrl;
    this.#environment = environmentOf(options);
  }

  /**
   * Where this client's requests go, e.g. `https://api.stage.haloconnect.io`.
   *
   * @example
   * console.info(`Halo: ${client.environment ?? "custom"} at ${client.baseUrl}`);
   */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * The `environment` you passed, `"production"` or `"stage"`; `undefined`
   * when you passed `baseUrl` instead (a simulator, a proxy).
   *
   * @example
   * if (client.environment !== "production") showBanner("test data");
   */
  get environment(): "production" | "stage" | undefined {
    return this.#environment;
  }

  /**
   * Releases the wasm memory now rather than when the garbage collector
   * gets to it, and leaves the `tokenSharing` channel. Calls already under
   * way finish; new ones throw a `HaloError` with code `HALO_CLOSED`.
   *
   * @example
   * try { await client.immediateQuery("SELECT 1"); } finally { client.close(); }
   */
  override close(): void {
    this.#sharing?.close();
    super.close();
  }

  /**
   * The token's state; never the token itself.
   *
   * @example
   * const { hasToken, expiresAt, renewals } = client.tokenInfo();
   */
  tokenInfo(): TokenInfo {
    deviceWasm.assertReady();
    this.assertOpen();
    return this.#device.tokenInfo();
  }
}
