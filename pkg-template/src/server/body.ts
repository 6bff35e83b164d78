// The server kit's one bounded body reader: the token broker and the
// webhook handlers each answer its refusals with their own statuses.

/** Why a body was not read: over the limit, too slow, a chunk that is not bytes, or a stream that failed. */
export type BodyRefusal = "too large" | "timeout" | "not bytes" | "unreadable";

export class BodyRefused extends Error {
  override name = "BodyRefused";
  constructor(
    readonly why: BodyRefusal,
    options?: { cause?: unknown },
  ) {
    super(why, options);
  }
}

/**
 * The body's bytes, at most `limit` of them, read from the stream (a
 * declared Content-Length is only a first look, never trusted alone), and
 * within `timeoutMs` when one is given; otherwise a `BodyRefused`.
 */
export async function readBoundedBody(request: Request, limit: number, timeoutMs?: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new BodyRefused("too large");
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          reader.cancel().catch(() => undefined);
        }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw new BodyRefused("timeout");
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new BodyRefused("not bytes");
      size += value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => undefined);
        throw new BodyRefused("too large");
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BodyRefused) throw error;
    throw new BodyRefused(timedOut ? "timeout" : "unreadable", { cause: error });
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
