// `halo webhook send|verify`, and the doctor's receiver check: a test
// notification signed by the package's own signer (the core's rule, through
// the integrator wasm), and a captured request checked by verifyWebhook.

import { randomUUID } from "node:crypto";
import { HaloWebhookError, createMemorySeenStore, signWebhook, verifyWebhook } from "halo-device/integrator";
import { describeError } from "./client.js";
import { httpUrl, UsageError } from "./settings.js";

export interface Notification {
  url: string;
  secret: string;
  siteId?: string;
  queryId?: string;
  source?: "async" | "registered";
  /** Sign with this secret instead (the doctor's forged delivery). */
  signWith?: string;
  timeoutMs?: number;
}

export type Delivery =
  | { kind: "answered"; id: string; status: number; statusText: string; location?: string; elapsedMs: number }
  | { kind: "unreachable"; id: string; code?: string; message: string };

/** The first `code` on an error or its causes: fetch hides the socket's under `cause`. */
export function networkCode(error: unknown): string | undefined {
  for (let depth = 0, current: unknown = error; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = Reflect.get(current, "code");
    if (typeof code === "string" && code !== "HALO_NETWORK") return code;
    const inner: unknown = Reflect.get(current, "errors");
    if (Array.isArray(inner) && inner.length > 0) current = inner[0];
    else current = Reflect.get(current, "cause");
  }
  return undefined;
}

/** POSTs one notification shaped and signed as Halo sends them; never follows a redirect. */
export async function sendNotification(notification: Notification): Promise<Delivery> {
  const url = httpUrl(notification.url, "the webhook URL");
  const id = randomUUID();
  const body = JSON.stringify({
    id,
    occurredAt: new Date().toISOString(),
    siteId: notification.siteId ?? randomUUID(),
    queryId: notification.queryId ?? randomUUID(),
    webhookSource: notification.source ?? "async",
  });
  const timestamp = new Date().toISOString();
  const signature = signWebhook(body, timestamp, notification.signWith ?? notification.secret);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(notification.timeoutMs ?? 10_000),
      headers: { "Content-Type": "application/json", "X-Halo-Id": id, "X-Halo-Timestamp": timestamp, "X-Halo-Signature-256": signature },
    });
    await response.body?.cancel();
    const location = response.headers.get("location");
    return {
      kind: "answered",
      id,
      status: response.status,
      statusText: response.statusText,
      elapsedMs: Math.round(performance.now() - started),
      ...(location === null ? {} : { location }),
    };
  } catch (error) {
    const code = networkCode(error);
    return { kind: "unreachable", id, ...(code === undefined ? {} : { code }), message: describeError(error) };
  }
}

/** Why a receiver could not be reached, in words. */
export function unreachableText(delivery: Extract<Delivery, { kind: "unreachable" }>, url: string): { detail: string; fix: string } {
  if (delivery.code === "ECONNREFUSED") {
    return {
      detail: `receiver not listening: nothing accepted a connection at ${url}`,
      fix: "start your webhook receiver, and check the URL's host, port and path",
    };
  }
  if (delivery.code === "ABORT_ERR" || /timeout|aborted/i.test(delivery.message)) {
    return { detail: `the receiver at ${url} did not answer within 10 s`, fix: "acknowledge first (verify, record, answer 2xx), then fetch the results" };
  }
  return { detail: `could not reach the receiver at ${url}: ${delivery.code ?? delivery.message}`, fix: "check the URL's host name, port and TLS certificate" };
}

/**
 * A captured request: optional request line, `Name: value` header lines, a
 * blank line, then the raw body exactly as sent (its bytes are what was
 * signed, so nothing after the blank line is touched).
 */
export function parseCapturedRequest(bytes: Uint8Array): { headers: Record<string, string>; body: Uint8Array } {
  let split = -1;
  let skip = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) [split, skip] = [i, 2];
    else if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) [split, skip] = [i, 4];
    if (split >= 0) break;
  }
  if (split < 0) throw new UsageError("the captured request has no blank line between its headers and its body");
  const head = new TextDecoder().decode(bytes.subarray(0, split));
  const headers: Record<string, string> = {};
  for (const [index, line] of head.split(/\r?\n/).entries()) {
    if (index === 0 && /^[A-Z]+ \S+( HTTP\/[\d.]+)?$/.test(line)) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new UsageError(`header line ${index + 1} of the captured request is not "Name: value"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: bytes.subarray(split + skip) };
}

export type Verdict = { ok: true; text: string } | { ok: false; text: string };

export async function verifyCaptured(bytes: Uint8Array, secret: string, toleranceSeconds: number | undefined): Promise<Verdict> {
  const { headers, body } = parseCapturedRequest(bytes);
  try {
    const hook = await verifyWebhook({
      rawBody: body,
      headers,
      secret,
      seen: createMemorySeenStore(),
      ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
    });
    return {
      ok: true,
      text: `verifies: notification ${hook.id}, ${hook.webhookSource} query ${hook.queryId} at site ${hook.siteId}, sent ${hook.sentAt.toISOString()}`,
    };
  } catch (error) {
    const why = error instanceof HaloWebhookError ? `${error.reason}: ${error.message}` : describeError(error);
    const hint = error instanceof HaloWebhookError && error.reason === "timestamp" ? " (a captured request ages: pass --tolerance SECONDS to check an old one)" : "";
    return { ok: false, text: `does not verify: ${why}${hint}` };
  }
}
