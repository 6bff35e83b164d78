// Shared by the integrator tests: console lines join what the scenarios
// record, so the key can be shown to appear in no error, event or line.
import { once } from "node:events";
import { createServer } from "node:http";
import { produced, recordConsole, recordError, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

export const KEY = SUBSCRIPTION_KEY;
export { produced, recordError };

recordConsole();

export function integratorFor(halo, baseUrl, options = {}) {
  return new halo.HaloIntegratorClient({
    baseUrl,
    subscriptionKey: KEY,
    onEvent: (event) => produced.push(JSON.stringify(event)),
    ...options,
  });
}

/** Awaits a rejection, records it, and returns it for the caller to check. */
export async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return recordError(error);
  }
  throw new Error("expected a rejection");
}

/** A webhook receiver on loopback that keeps each request's URL, headers and raw body, and answers 204. */
export async function startRecorder() {
  const received = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ url: request.url, headers: request.headers, rawBody: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}
