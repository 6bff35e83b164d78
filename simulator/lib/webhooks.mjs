// Signed webhook notifications for successful async and registered query runs.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

// Delays before attempts 2, 3 and 4; short because this is a simulator, exponential like Halo's.
const WEBHOOK_RETRY_DELAYS_MS = [100, 200, 400];
const ATTEMPT_TIMEOUT_MS = 5_000;

/** Halo's timestamp style: ISO 8601 with 7 fractional digits and an explicit offset. */
function haloTimestamp(date = new Date()) {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

export function signWebhook(rawBody, timestamp, secret) {
  return createHmac('sha256', secret).update(`${rawBody}.${timestamp}`).digest('hex');
}

function expandUrl(template, values) {
  return template.replace(/\{(siteId|queryId|source)\}/g, (_, name) => encodeURIComponent(values[name]));
}

// Network errors, timeouts, 5xx, 408 and 429 are worth retrying; other answers are final.
const isRetryable = (outcome) => outcome.error !== undefined || outcome.status >= 500 || [408, 429].includes(outcome.status);

function post(url, body, headers) {
  return new Promise((resolve) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(
      target,
      { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, agent: false, timeout: ATTEMPT_TIMEOUT_MS },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ error: error.message }));
    request.end(body);
  });
}

/**
 * Sends one notification (with retries) when a webhook URL is configured, and records it in
 * state.webhooks for GET /_control/webhooks. The body is fixed; each attempt is re-stamped and re-signed.
 */
export function sendWebhook(state, { siteId, queryId, source }) {
  const { webhookUrl, webhookSecret, log } = state.options;
  if (!webhookUrl) return;
  const id = randomUUID();
  const body = JSON.stringify({ id, occurredAt: haloTimestamp(), siteId, queryId, webhookSource: source });
  const delivery = { id, url: expandUrl(webhookUrl, { siteId, queryId, source }), body, delivered: false, attempts: [] };
  state.webhooks.push(delivery);

  const attempt = async (attemptIndex) => {
    const timestamp = haloTimestamp();
    const headers = {
      'Content-Type': 'application/json',
      'X-Halo-Id': id,
      'X-Halo-Timestamp': timestamp,
      'X-Halo-Signature-256': signWebhook(body, timestamp, webhookSecret),
    };
    const outcome = await post(delivery.url, body, headers);
    delivery.attempts.push({ at: new Date().toISOString(), timestamp, signature: headers['X-Halo-Signature-256'], ...outcome });
    log(`webhook ${id} attempt ${attemptIndex + 1} -> ${outcome.status ?? outcome.error}`);
    if (outcome.status >= 200 && outcome.status < 300) {
      delivery.delivered = true;
    } else if (isRetryable(outcome) && attemptIndex < WEBHOOK_RETRY_DELAYS_MS.length) {
      state.scheduler.after(WEBHOOK_RETRY_DELAYS_MS[attemptIndex], () => attempt(attemptIndex + 1), log);
    }
  };
  attempt(0);
}
