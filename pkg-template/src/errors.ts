// The error classes are generated from the Rust error table; this module
// adds only the mapping from the wasm's plain errors to those classes.
import { ERROR_CLASSES, HaloError, type HaloErrorCode, type HaloErrorDetails } from "./generated/errors.js";

export * from "./generated/errors.js";

/** The shape in which the wasm core reports errors (a plain `Error`). */
type CoreError = Error & HaloErrorDetails;

function isCoreError(value: unknown): value is CoreError {
  const code = value instanceof Error ? (value as { code?: unknown }).code : undefined;
  return typeof code === "string" && Object.hasOwn(ERROR_CLASSES, code);
}

/** @internal Re-creates a core error as its facade class; other values pass through. */
export function fromCore(value: unknown): unknown {
  if (!isCoreError(value) || value instanceof HaloError) return value;
  const Class = ERROR_CLASSES[value.code as HaloErrorCode];
  return new Class(value.message, value);
}
