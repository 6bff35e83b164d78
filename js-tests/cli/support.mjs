// Runs the installed `halo` bin (node_modules/.bin/halo: the packed
// package's shebang and executable bit) as a user would, piped or on a
// pseudo-terminal (util-linux `script`), and keeps every byte it wrote so
// that each test file can assert no secret ever appeared in any of it.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { HaloWebhookError, createMemorySeenStore, verifyWebhook } from "halo-device/integrator";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HALO = join(ROOT, "node_modules", ".bin", "halo");

/** Long and unique, so a scan for it cannot match by chance. */
export const KEY = `cli-test-key-${randomUUID()}`;
export const SECRET = `whsec_cli_${randomUUID()}`;

const transcripts = [];

/** The environment a run sees: none of the developer's own HALO_* settings. */
function cleanEnv(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("HALO_")) delete env[name];
  return { ...env, NO_COLOR: "1", ...extra };
}

function quote(word) {
  return `'${String(word).replace(/'/g, `'\\''`)}'`;
}

/**
 * `halo …args`; resolves { code, stdout, stderr }. With `tty: true` it runs
 * under `script -qec`, so stdout and stderr are one terminal (`stdout`
 * holds both, `\r\n` line ends) and isTTY is true, as for a person.
 */
export function halo(args, { env = {}, tty = false, input } = {}) {
  const environment = cleanEnv(env);
  return new Promise((resolve) => {
    const [file, argv] = tty ? ["script", ["-qec", [HALO, ...args].map(quote).join(" "), "/dev/null"]] : [HALO, args];
    const child = execFile(file, argv, { env: environment, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      transcripts.push(stdout, stderr);
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * One documented shell line, run by bash where `npx halo-device` is the
 * installed bin (as npx would resolve it once the package is installed).
 */
export function shell(line, { env = {}, cwd } = {}) {
  const script = `npx() { if [ "$1" = halo-device ]; then shift; fi; "$HALO_BIN" "$@"; }\n${line}`;
  return new Promise((resolve) => {
    execFile("bash", ["-c", script], { env: cleanEnv({ ...env, HALO_BIN: HALO }), cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      transcripts.push(stdout, stderr);
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Fails if any output of any run so far contains one of `secrets`. */
export function assertNoSecretLeaked(secrets) {
  assert.ok(transcripts.length > 0, "no run was recorded");
  for (const secret of secrets) {
    for (const text of transcripts) assert.ok(!text.includes(secret), `a secret appeared in the output:\n${text.replaceAll(secret, "<<SECRET>>")}`);
  }
}

/** The simulator as the integrator sees it: HALO_BASE_URL and the key. */
export function envFor(sim, extra = {}) {
  return { HALO_BASE_URL: sim.url, HALO_SUBSCRIPTION_KEY: KEY, ...extra };
}

/**
 * A webhook receiver built the documented way (verifyWebhook on the raw
 * body): 204 when it verifies, 401 when it does not. `accept: "all"` makes
 * a careless one that acknowledges anything. Records every raw request.
 */
export async function startReceiver({ secret = SECRET, accept = "verified" } = {}) {
  const requests = [];
  const verified = [];
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const rawBody = Buffer.concat(chunks);
    requests.push({ method: request.method, url: request.url, headers: request.headers, rawBody });
    if (accept === "all") return void response.writeHead(204).end();
    try {
      verified.push(await verifyWebhook({ rawBody, headers: request.headers, secret, seen: createMemorySeenStore() }));
      response.writeHead(204).end();
    } catch (error) {
      response.writeHead(error instanceof HaloWebhookError ? 401 : 400).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/halo/webhook`;
  return { url, requests, verified, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A URL where nothing listens: a port just bound and released. */
export async function closedPortUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/halo/webhook`;
}

/** A captured request as `halo webhook verify` reads it. */
export function captured({ method, url, headers, rawBody }) {
  const head = [`${method} ${url} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), rawBody]);
}

/** The doctor's line for one check, and its fix line when it has one. */
export function checkLines(stdout, name) {
  const lines = stdout.split(/\r?\n/);
  const index = lines.findIndex((line) => / {2}[a-z ]+:/.test(line) && line.slice(6).startsWith(`${name}:`));
  assert.ok(index >= 0, `no "${name}" line in:\n${stdout}`);
  const fix = lines[index + 1]?.startsWith("      fix: ") ? lines[index + 1].slice(11) : undefined;
  return { line: lines[index], status: lines[index].slice(0, 4), fix };
}
