/**
 * `halo-device`: the device side of the Halo Cloud Device API, for browser
 * apps, Node and Electron. Call `init()` (needed in browsers), create a
 * `HaloDeviceClient` for one practice and one device, with a `getToken`
 * that asks your cloud for a device token, and query the practice's
 * database in SQL or FHIR. Every error is a `HaloError`.
 *
 * @example
 * import { init, HaloDeviceClient, brokerTokenProvider, generateDeviceId } from "halo-device";
 *
 * await init();
 * const client = new HaloDeviceClient({
 *   environment: "stage",
 *   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
 *   deviceId: generateDeviceId(), // store it and reuse it on this device
 *   // Your cloud's token broker (createTokenBroker from "halo-device/integrator").
 *   getToken: brokerTokenProvider("/api/halo-token"),
 * });
 * const { rows } = await client.immediateQuery("SELECT InternalID, Surname FROM Patients");
 *
 * @module
 */

export { init } from "./init.js";
export type { CompiledModule, InitInput } from "./loader.js";
export { HaloDeviceClient } from "./client.js";
export type { HaloQueries } from "./queries.js";
export { generateDeviceId } from "./device-id.js";
export { brokerTokenProvider, type BrokerTokenOptions } from "./broker-token.js";
// Every error class and type the Rust error table defines.
export * from "./generated/errors.js";
export { decodeRows } from "./decode.js";
export type * from "./types.js";
