export { init } from "./init.js";
export type { CompiledModule, InitInput } from "./loader.js";
export { HaloDeviceClient } from "./client.js";
export { generateDeviceId } from "./device-id.js";
export {
  HaloError,
  HaloValidationError,
  HaloAuthError,
  HaloForbiddenError,
  HaloNotFoundError,
  HaloGoneError,
  HaloRateLimitError,
  HaloUnavailableError,
  HaloQueryFailedError,
  HaloNetworkError,
  HaloTimeoutError,
  HaloWebhookError,
} from "./errors.js";
export type { HaloErrorCode, HaloErrorDetails, WebhookRejectionReason } from "./errors.js";
export { decodeRows } from "./decode.js";
export type * from "./types.js";
