import { fromCore } from "./errors.js";

/** Awaits a core call, re-throwing its errors as the facade's classes. */
export async function core<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromCore(error);
  }
}
