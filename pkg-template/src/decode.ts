import { HaloError } from "./errors.js";
import type { Row } from "./types.js";

// Result data is base64 of JSON text. It is decoded here, with the
// runtime's native base64 and JSON.parse, rather than in the wasm core:
// copying megabytes into wasm memory and back would only cost time.

interface NodeBuffer {
  from(data: string, encoding: "base64"): { toString(encoding: "utf8"): string };
}
interface Uint8ArrayWithBase64 {
  fromBase64?: (data: string) => Uint8Array;
}

const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const fromBase64 = (Uint8Array as unknown as Uint8ArrayWithBase64).fromBase64;
const utf8 = new TextDecoder();

const NON_ASCII = /[\x80-\xff]/;

function base64ToText(data: string): string {
  if (nodeBuffer) return nodeBuffer.from(data, "base64").toString("utf8");
  const binary = atob(data);
  // ASCII bytes are already their own UTF-8 text: the common case skips a
  // byte array and a TextDecoder pass (it halves decoding time in Chromium).
  if (!NON_ASCII.test(binary)) return binary;
  if (fromBase64) return utf8.decode(fromBase64(data));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return utf8.decode(bytes);
}

function protocolError(message: string, cause?: unknown): HaloError {
  return new HaloError(message, { code: "HALO_PROTOCOL", retryable: false, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Decodes a `data` field (base64 of a JSON array of row objects) to rows.
 * The client's query methods already do this; use it on a query object you
 * got another way. Data that is not such an array is a `HALO_PROTOCOL` error.
 *
 * @example
 * const query = await client.getQuery(queryId); // an immediate query carries its result inline
 * const rows = decodeRows<{ InternalID: number; Surname: string }>(query.result?.data);
 */
export function decodeRows<R extends object = Row>(data: string | null | undefined): R[] {
  if (data === null || data === undefined || data === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64ToText(data));
  } catch (error) {
    throw protocolError("result data is not base64 of JSON text", error);
  }
  if (!Array.isArray(parsed) || !parsed.every((row) => typeof row === "object" && row !== null && !Array.isArray(row))) {
    throw protocolError("result data is not a JSON array of row objects");
  }
  return parsed as R[];
}
