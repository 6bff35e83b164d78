// The error classes are generated from the Rust error table; this module
// adds only the mapping from the wasm's plain errors to those classes.
import { ERROR_CLASSES } from "./generated/error-classes.js";
import { HaloError, type HaloErrorCode, type HaloErrorDetails } from "./generated/errors.js";

export * from "./generated/errors.js";

/** The shape in which the wasm core reports errors (a plain `Error`). */
type CoreError = Error & HaloErrorDetails;

function isCoreError(value: unknown): value is CoreError {
  if (!(value instanceof Error)) return false;
  const code: unknown = Reflect.get(value, "code");
  return typeof code === "string" && Object.hasOwn(ERROR_CLASSES, code);
}

/**
 * @internal Re-creates a core error as its facade class; other values pass
 * through. A `HaloError` that `getToken` threw (a broker's
 * `HaloForbiddenError`: the practice moved) is the app's own answer, so it
 * reaches the caller as itself rather than as the cause of a `HaloAuthError`.
 */
export function fromCore(value: unknown): unknown {
  if (!isCoreError(value) || value instanceof HaloError) return value;
  const cause: unknown = value.cause;
  if (value.code === "HALO_AUTH" && cause instanceof HaloError) return cause;
  const Class = ERROR_CLASSES[value.code as HaloErrorCode];
  return new Class(value.message, value);
}
