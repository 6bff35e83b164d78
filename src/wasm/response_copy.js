// Copies what the wasm shell checks from a fetch answer, so that reading it
// costs a crossing or two instead of one per field and one awaited promise
// per body chunk. These functions decide nothing: the status range, the
// header values' types, the redirect, the size limit and every error are
// decided in Rust on what they copy (src/wasm/transport.rs).

// How `copyBody` stopped; Rust maps each to the attempt's outcome.
const ENDED = 0;
const OVER = 1;
const THREW = 2;
const STRAY = 3;
const NO_STREAM = 4;

let decoder;

/**
 * `[type, status, Retry-After, Content-Length]` of a Response, as the host
 * gave them. A throwing getter, or `headers.get` that is not a function,
 * throws here, in a binding that catches.
 */
export function copyHead(response) {
  const headers = response.headers;
  return [response.type, response.status, headers.get("Retry-After"), headers.get("Content-Length")];
}

/**
 * Reads a body through its stream reader until its end, or until more than
 * `limit` bytes came (the rest is left for Rust to cancel), or until the
 * reader breaks its contract. Resolves with `[how it stopped, the text (or
 * what was thrown, or the stray value), the bytes read]`, or `[NO_STREAM]`
 * when the response has no body stream to read; rejects only as a read
 * does (a network failure, an abort).
 */
export async function copyBody(response, limit) {
  const chunks = [];
  let bytes = 0;
  let reader;
  let read;
  try {
    const body = response.body;
    const getReader = body !== null && typeof body === "object" ? body.getReader : undefined;
    if (typeof getReader !== "function") return [NO_STREAM];
    reader = getReader.call(body);
    read = reader.read;
  } catch (thrown) {
    return [THREW, thrown, bytes];
  }
  if (typeof read !== "function") return [STRAY, read, bytes];
  for (;;) {
    let step;
    let done;
    let value;
    try {
      step = read.call(reader);
      if (typeof step?.then !== "function") return [STRAY, step, bytes];
    } catch (thrown) {
      return [THREW, thrown, bytes];
    }
    step = await step;
    try {
      done = step.done;
      value = done ? undefined : step.value;
    } catch (thrown) {
      return [THREW, thrown, bytes];
    }
    if (done) break;
    if (!(value instanceof Uint8Array)) return [STRAY, value, bytes];
    chunks.push(value);
    bytes += value.length;
    if (bytes > limit) return [OVER, undefined, bytes];
  }
  // A small answer comes in one chunk: decoded as it is, without a copy.
  let whole = chunks[0] ?? new Uint8Array(0);
  if (chunks.length > 1) {
    whole = new Uint8Array(bytes);
    let at = 0;
    for (const chunk of chunks) {
      whole.set(chunk, at);
      at += chunk.length;
    }
  }
  try {
    decoder ??= new TextDecoder();
    return [ENDED, decoder.decode(whole), bytes];
  } catch (thrown) {
    return [THREW, thrown, bytes];
  }
}
