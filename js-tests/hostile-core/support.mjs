// Shared by the core-hardening tests: the hostile-inputs client helpers,
// plus a fetch whose answers may carry headers, and a search of an error
// everywhere a secret could surface.
import assert from "node:assert/strict";
import { inspect } from "node:util";

export { client, DEVICE_ID, failure, QUERY_ID, scriptedFetch, SITE_ID } from "../hostile-inputs/support.mjs";

/** A fetch answering every request with `status`, `body` and `headers`; it records each URL. */
export function answering(status, body = {}, headers = {}) {
  const fetch = async (url) => {
    fetch.urls.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  };
  fetch.urls = [];
  return fetch;
}

/** Every text of `error` a log could show: inspect, JSON, and each cause's message and stack. */
export function everything(error) {
  const texts = [inspect(error, { depth: 10 }), JSON.stringify(error), String(error)];
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 10; at = at.cause, depth++) {
    texts.push(String(at?.message), String(at?.stack), JSON.stringify(at) ?? "");
  }
  return texts.join("\n");
}

/** Asserts that none of `secrets` appears anywhere in `error`. */
export function revealsNone(error, secrets, label) {
  const shown = everything(error);
  for (const secret of secrets) assert.ok(!shown.includes(secret), `${label}: ${secret} in\n${shown}`);
}
