// The streamed result page (Integrator API: GET …/results/{pageNumber}/stream): the page's rows as
// one JSON array of row objects, raw UTF-8 (the page's `data` decoded), sent with chunked transfer
// and backpressure. Stream faults stall it or end it early; generated pages make large streams
// without holding them in memory.
import { once } from 'node:events';
import { apiError } from './http.mjs';
import { findResultPage, newQueryRecord, pageHeaders } from './queries.mjs';

const CHUNK_BYTES = 64 * 1024;

/** GET …/results/{pageNumber}/stream: a streamed answer, written by `pipeStream`. */
export function streamResultPage(ctx) {
  const page = findResultPage(ctx);
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...pageHeaders(page) },
    stream: page.generate ? generatedChunks(page) : storedChunks(page),
  };
}

/** A stored page: its base64 `data` decoded (a nonQuery page, which has none, streams `[]`). */
function* storedChunks(page) {
  const bytes = page.data === undefined ? Buffer.from('[]') : Buffer.from(page.data, 'base64');
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** A generated page, a row at a time: `[`, rows joined by `,`, `]`, in chunks of about 64 KiB. */
function* generatedChunks(page) {
  let parts = ['['];
  let size = 1;
  let first = true;
  for (const row of page.generate()) {
    const text = (first ? '' : ',') + JSON.stringify(row);
    first = false;
    parts.push(text);
    size += text.length;
    if (size >= CHUNK_BYTES) {
      yield Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
    }
  }
  parts.push(']');
  yield Buffer.from(parts.join(''), 'utf8');
}

/** Row `i` of a generated page: about `rowBytes` of JSON. */
function generatedRow(i, rowBytes) {
  const row = { InternalID: i, Surname: `Surname ${i}`, FirstName: 'Généré', Notes: '' };
  const padding = rowBytes - JSON.stringify(row).length;
  if (padding > 0) row.Notes = 'x'.repeat(padding);
  return row;
}

/**
 * POST /_control/sites/{siteId}/queries/generated {rows, rowBytes? = 200}: a successful async query with
 * one page of `rows` generated rows, produced on demand (so a 200 MB page costs no memory) → 201 {queryId}.
 */
export function createGeneratedQuery(ctx, body) {
  const { rows, rowBytes = 200 } = body;
  if (!Number.isInteger(rows) || rows < 0) throw apiError(400, 'rows must be a non-negative integer.');
  if (!Number.isInteger(rowBytes) || rowBytes < 1 || rowBytes > 1 << 20) throw apiError(400, 'rowBytes must be 1 to 1048576.');
  const site = ctx.state.sites.byId(ctx.params.siteId);
  if (!site) throw apiError(404, 'Site not found.');
  const record = newQueryRecord({ ...ctx, site }, 'async', { maxTimeInQueue: 3_600_000, commandSize: 0 });
  const size = rows * (rowBytes + 1) + 1;
  record.pages = [
    {
      pageNumber: 1,
      rangeStart: 0,
      rangeEnd: Math.max(0, rows - 1),
      count: rows,
      size,
      *generate() {
        for (let i = 0; i < rows; i++) yield generatedRow(i, rowBytes);
      },
    },
  ];
  const at = new Date().toISOString();
  Object.assign(record.query, {
    status: 'successful',
    updatedAt: at,
    completedAt: at,
    result: { rows, size, pages: [{ pageNumber: 1, status: 'cached', size, rows: { count: rows, rangeStart: 0, rangeEnd: Math.max(0, rows - 1) } }] },
    resultSize: size,
  });
  return record.query.id;
}

/** A pause of `ms` (without it: until released or the client goes away); `wake()` ends it early. */
function stall(state, ms) {
  let wake;
  const promise = new Promise((resolve) => {
    wake = () => {
      clearTimeout(timer);
      state.stalls.delete(wake);
      resolve();
    };
    state.stalls.add(wake);
  });
  const timer = ms === undefined ? undefined : setTimeout(wake, ms);
  return { promise, wake };
}

/**
 * Writes a streamed answer: each chunk waits for the socket to drain. A fault's `stallAfterBytes` pauses the
 * body there (for `stallMs`, or until POST /_control/streams/release); `cutAfterBytes` ends the body there,
 * cleanly, mid-row if that byte falls inside one. The log at GET /_control/streams shows each stream's bytes
 * and how it ended: complete, cut, or closed (the client went away first).
 */
export async function pipeStream(state, request, response, { status, headers, stream, fault }, extraHeaders) {
  const entry = { path: new URL(request.url, 'http://simulator').pathname, bytes: 0, state: 'streaming' };
  state.streams.push(entry);
  let closed = false;
  let wakeOnClose;
  // Writes after the client left fail; the 'close' handler records that instead.
  response.on('error', () => {});
  response.on('close', () => {
    closed = true;
    wakeOnClose?.();
  });
  response.writeHead(status, { ...extraHeaders, ...headers });
  response.flushHeaders();
  const stallAt = fault?.stallAfterBytes;
  const cutAt = fault?.cutAfterBytes;
  let stalled = false;
  for (let chunk of stream) {
    while (chunk.length > 0 && !closed) {
      let take = chunk.length;
      if (stallAt !== undefined && !stalled) take = Math.min(take, stallAt - entry.bytes);
      if (cutAt !== undefined) take = Math.min(take, cutAt - entry.bytes);
      const part = chunk.subarray(0, take);
      chunk = chunk.subarray(take);
      if (part.length > 0) {
        entry.bytes += part.length;
        if (!response.write(part)) {
          await Promise.race([once(response, 'drain'), new Promise((resolve) => (wakeOnClose = resolve))]);
        }
      }
      if (cutAt !== undefined && entry.bytes >= cutAt) {
        entry.state = 'cut';
        response.end();
        return;
      }
      if (stallAt !== undefined && !stalled && entry.bytes >= stallAt) {
        stalled = true;
        entry.state = 'stalled';
        const { promise, wake } = stall(state, fault.stallMs);
        wakeOnClose = wake;
        await promise;
        if (!closed) entry.state = 'streaming';
      }
    }
    if (closed) break;
  }
  if (closed) {
    entry.state = 'closed';
    return;
  }
  entry.state = 'complete';
  response.end();
}
