import { fromCore } from "./errors.js";

/** Awaits a core call, re-throwing its errors as the facade's classes. */
export async function core<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromCore(error);
  }
}

/**
 * `options[key]` only when it is the object's own property: one inherited
 * from a polluted `Object.prototype` must not become the client's `fetch`
 * or a call's `signal`. (The core reads the plain-data options the same way.)
 */
export function own<T extends object, K extends keyof T>(options: T | null | undefined, key: K): T[K] | undefined {
  return options !== null && options !== undefined && Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
}
