// Test helpers: a simulator per test, and small HTTP helpers that speak its API.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { startSimulator } from '../index.mjs';

export const KEY = 'sim-subscription-key';
export const SITE = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; // Bp, PMS ID 12345, authoritative
export const DUPLICATE_SITE = '3f2504e0-4f89-41d3-9a0c-0305e82c3302'; // Bp, PMS ID 12345, non-authoritative
export const ZEDMED_SITE = '3f2504e0-4f89-41d3-9a0c-0305e82c3304';
export const STAGE_SITE = '5a7c9e1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d';
export const DESKTOP_GRANT = 'urn:halo-connect:oauth:desktop-token';

/** Starts a simulator on a free port and closes it when the test ends. */
export async function simulator(t, options = {}) {
  const sim = await startSimulator({ port: 0, ...options });
  t.after(() => sim.close());
  return sim;
}

export function requestToken(sim, { deviceId = 'device-1', siteId = SITE, key = KEY, grantType = DESKTOP_GRANT } = {}) {
  return fetch(`${sim.url}/integrator/token`, {
    method: 'POST',
    headers: { 'Ocp-Apim-Subscription-Key': key, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grantType, device_id: deviceId, site_id: siteId }),
  });
}

/** A Desktop API caller for one device and site: `call(method, path, body)` relative to the site. */
export async function deviceClient(sim, { deviceId = 'device-1', siteId = SITE } = {}) {
  const response = await requestToken(sim, { deviceId, siteId });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
  const { access_token: token } = await response.json();
  const call = (method, path, body, headers = {}) =>
    fetch(`${sim.url}/desktop/sites/${siteId}/${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        DeviceId: deviceId,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { token, deviceId, siteId, call };
}

export function integratorCall(sim, method, path, body) {
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { 'Ocp-Apim-Subscription-Key': KEY, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function control(sim, method, path, body) {
  return fetch(`${sim.url}/_control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export const decodeData = (data) => JSON.parse(Buffer.from(data, 'base64').toString('utf8'));

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `accept(value)` or the timeout. */
export async function waitFor(read, accept, { timeoutMs = 3000, intervalMs = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met; last value: ${JSON.stringify(value)}`);
    await delay(intervalMs);
  }
}

/**
 * A webhook receiver on loopback: keeps each request (url, headers, raw body, arrival time) and answers
 * with `statuses` in turn (200 once they run out). `onRequest(entry)` may return a promise the answer waits for.
 */
export async function webhookReceiver(t, { statuses = [], onRequest } = {}) {
  const received = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const entry = { url: request.url, headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(entry);
      await onRequest?.(entry);
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { received, url: `http://127.0.0.1:${server.address().port}` };
}

/** Whether a received webhook's X-Halo-Signature-256 is the HMAC of its raw body and timestamp under `secret`. */
export function verifySignature({ headers, rawBody }, secret) {
  const expected = createHmac('sha256', secret).update(`${rawBody}.${headers['x-halo-timestamp']}`).digest();
  const given = Buffer.from(headers['x-halo-signature-256'], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
