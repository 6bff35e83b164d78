import { generateDeviceId as generate } from "./wasm/halo_device.js";
import { deviceWasm } from "./init.js";

/**
 * A new device id: 128 random bits from `crypto.getRandomValues`, as 32
 * lowercase hex characters. Store it with the device: Halo ties tokens to it.
 *
 * @example
 * const deviceId = localStorage.getItem("deviceId") ?? generateDeviceId();
 */
export function generateDeviceId(): string {
  deviceWasm.assertReady();
  return generate();
}
