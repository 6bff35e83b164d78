import { HaloError } from "./errors.js";
import type { ReturnedParameter, Row } from "./types.js";

// Result data is base64 of JSON text. It is decoded here, with the
// runtime's native base64 and JSON.parse, rather than in the wasm core:
// copying megabytes into wasm memory and back would only cost time.

interface NodeBuffer {
  from(data: string, encoding: "base64"): Uint8Array;
}
interface Uint8ArrayWithBase64 {
  fromBase64?: (data: string) => Uint8Array;
}

const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const fromBase64 = (Uint8Array as unknown as Uint8ArrayWithBase64).fromBase64;
// Fatal: bytes that are not UTF-8 are an error, never U+FFFD in a row.
// (In Node it is also faster than Buffer's own toString.)
const utf8 = new TextDecoder("utf-8", { fatal: true });

const NON_ASCII = /[\x80-\xff]/;

/** Builds the `HALO_PROTOCOL` error for an answer off Halo's schema: Halo answered, so it was sent. */
export function protocolError(message: string, cause?: unknown): HaloError {
  return new HaloError(message, { code: "HALO_PROTOCOL", retryable: false, sent: "yes", ...(cause === undefined ? {} : { cause }) });
}

/**
 * How many bytes canonical, padded base64 of this length decodes to, or
 * -1 when it cannot be canonical. Both decoders skip what they do not
 * understand (Node any junk, `atob` whitespace) instead of failing, and
 * anything skipped makes the decoded length fall short of this figure: so
 * one length comparison after decoding is a strict check, without a regex
 * pass over megabytes (a third of the decoding time in Node).
 */
function decodedLength(data: string): number {
  if (data.length % 4 !== 0) return -1;
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  // No scan for a "=" before the end: Node stops decoding at the first one
  // and the browsers' decoders throw, so it too makes the length fall short.
  return (data.length / 4) * 3 - padding;
}

function base64ToText(data: string): string {
  const expected = decodedLength(data);
  // Node also reads the URL-safe alphabet; Halo sends the standard one.
  if (expected < 0 || (nodeBuffer && (data.includes("-") || data.includes("_")))) {
    throw new Error("not canonical base64");
  }
  if (nodeBuffer) {
    const bytes = nodeBuffer.from(data, "base64");
    if (bytes.length !== expected) throw new Error("not canonical base64");
    return utf8.decode(bytes);
  }
  if (fromBase64) {
    // Straight to bytes: going through `atob` first (for its ASCII fast
    // path) decoded a non-ASCII page twice, 1.5x the native path.
    const bytes = fromBase64(data);
    if (bytes.length !== expected) throw new Error("not canonical base64");
    return utf8.decode(bytes);
  }
  const binary = atob(data);
  if (binary.length !== expected) throw new Error("not canonical base64");
  // ASCII bytes are already their own UTF-8 text: the common case skips a
  // byte array and a TextDecoder pass (it halves decoding time in Chromium).
  if (!NON_ASCII.test(binary)) return binary;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return utf8.decode(bytes);
}

/**
 * Decodes a `data` field (base64 of a JSON array of row objects) to rows.
 * The client's query methods already do this; use it on a query object you
 * got another way. Data that is not such an array (junk in the base64,
 * bytes that are not UTF-8, JSON of another shape) is a `HALO_PROTOCOL`
 * error.
 *
 * @example
 * const query = await client.getQuery(queryId); // an immediate query carries its result inline
 * const rows = decodeRows<{ InternalID: number; Surname: string }>(query.result?.data);
 */
export function decodeRows<R extends object = Row>(data: string | null | undefined): R[] {
  if (data === null || data === undefined || data === "") return [];
  if (typeof data !== "string") throw protocolError("result data is not a base64 string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64ToText(data));
  } catch (error) {
    throw protocolError("result data is not base64 of UTF-8 JSON text", error);
  }
  if (!Array.isArray(parsed)) throw protocolError("result data is not a JSON array of row objects");
  // A plain loop: `every` with a callback was the whole difference from
  // the native path on a large page (bench/README.md, "Speed levers").
  for (let i = 0; i < parsed.length; i++) {
    if (!isRow(parsed[i])) throw protocolError("result data is not a JSON array of row objects");
  }
  return parsed as R[];
}

/** Whether a decoded row is a row object (the one check every row decoder makes). */
export function isRow(row: unknown): boolean {
  return typeof row === "object" && row !== null && !Array.isArray(row);
}

/** `value` when it is an array (absent: empty); otherwise a `HALO_PROTOCOL` error naming `what`. */
export function arrayField<T>(value: T[] | null | undefined, what: string): T[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw protocolError(`${what} is not an array`);
  return value;
}

/** Returned parameters: an array of objects, each with a string name. */
export function returnedParameters(value: ReturnedParameter[] | null | undefined): ReturnedParameter[] {
  const parameters = arrayField(value, "the returned parameters");
  for (const parameter of parameters) {
    if (typeof parameter !== "object" || parameter === null || typeof parameter.name !== "string") {
      throw protocolError("a returned parameter is not an object with a name");
    }
  }
  return parameters;
}
