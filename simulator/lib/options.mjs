// Simulator options: defaults, validation and the CLI flag mapping.
import { readSeedFile, resolveSeed } from './seed.mjs';
import { resolveDelivery, resolveWebhookUrls } from './webhooks.mjs';

// The CLI listens on a fixed, well-known port; in-process use wants any free port.
const CLI_DEFAULT_PORT = 4010;

const DEFAULT_OPTIONS = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  subscriptionKey: 'sim-subscription-key',
  tokenLifetime: 3600, // seconds, reported as expires_in
  asyncStepMs: 50, // how long each async state (initialising, queued, executing, uploading) lasts
  pageRows: 100, // rows per async result page
  resultRetentionMs: 86_400_000, // after this, result pages answer 410
  registeredTimeScale: 1, // multiplies registered-query frequency/duration (0.001: 60 s -> 60 ms)
  webhookUrl: undefined, // URL template with {siteId}, {queryId}, {source}, or an array (round-robin); no webhooks when absent
  webhookSecret: 'sim-webhook-secret',
  webhookDelivery: undefined, // lib/webhooks.mjs DELIVERY_DEFAULTS: mode "once", no faults
  clockOffsetMs: 0, // skews the Date header, token and webhook timestamps
  retryAfterSeconds: undefined, // sent as Retry-After on the simulator's own 503s (an offline site, 503 faults without one)
  unauthorizedBody: 'guide', // the device token 401's body: "guide" {error:{statusCode,message}} or "openapi" {error:{status,statusText,message}}
  controlOrigins: 'loopback', // browser origins allowed to call /_control: "loopback", "self", or a list of origins
  verbose: false,
  log: undefined, // function(line) receiving verbose log lines; defaults to stderr when verbose
  sites: undefined, // extra sites (lib/seed.mjs)
  tables: undefined, // extra tables in every site's database (lib/seed.mjs)
});


// flag -> [option, value kind, what --help says]
const FLAG_TO_OPTION = {
  '--port': ['port', 'integer', `port to listen on; 0 = any free port (default ${CLI_DEFAULT_PORT})`],
  '--host': ['host', 'string', 'only 127.0.0.1 is accepted'],
  '--subscription-key': ['subscriptionKey', 'string', `the only valid Ocp-Apim-Subscription-Key (default ${DEFAULT_OPTIONS.subscriptionKey})`],
  '--token-lifetime': ['tokenLifetime', 'integer', `token lifetime in seconds, reported as expires_in (default ${DEFAULT_OPTIONS.tokenLifetime})`],
  '--async-step-ms': ['asyncStepMs', 'integer', `how long each async query state lasts (default ${DEFAULT_OPTIONS.asyncStepMs})`],
  '--page-rows': ['pageRows', 'integer', `rows per async result page (default ${DEFAULT_OPTIONS.pageRows})`],
  '--result-retention-ms': ['resultRetentionMs', 'integer', 'after this, result pages answer 410 (default 24 h)'],
  '--registered-time-scale': ['registeredTimeScale', 'number', 'multiplies registered-query frequency/duration (default 1)'],
  '--webhook-url': ['webhookUrl', 'string', 'webhook URL template with {siteId}, {queryId}, {source}; repeat for round-robin; none by default'],
  '--webhook-secret': ['webhookSecret', 'string', `HMAC key for X-Halo-Signature-256 (default ${DEFAULT_OPTIONS.webhookSecret})`],
  '--webhook-mode': ['webhookDelivery.mode', 'string', 'webhook delivery: "once" (default; no retries) or "retry" (retries with backoff)'],
  '--seed': ['seed', 'seed-file', 'JSON file { "sites": [...], "tables": {...} } with extra sites and tables'],
  '--clock-offset-ms': ['clockOffsetMs', 'integer', 'skew the Date header, token and webhook timestamps by this much (default 0)'],
  '--retry-after-seconds': ['retryAfterSeconds', 'integer', 'Retry-After on 503s from an offline site (none by default)'],
  '--unauthorized-body': ['unauthorizedBody', 'string', 'device token 401 body: guide {statusCode, message} (default) or openapi {status, statusText, message}'],
  '--verbose': ['verbose', 'boolean', 'log requests, faults and webhook attempts to stderr'],
};

export const CLI_FLAGS = Object.keys(FLAG_TO_OPTION);

/** The --help text: one line per flag. */
export function cliUsage(command) {
  const lines = Object.entries(FLAG_TO_OPTION).map(([flag, [, kind, help]]) => {
    const value = { boolean: '', 'seed-file': ' <file.json>', integer: ' <n>', number: ' <x>', string: ' <text>' }[kind];
    return `  ${(flag + value).padEnd(30)} ${help}`;
  });
  return `Usage: ${command} [flags]   (--flag value or --flag=value)\n${lines.join('\n')}\n  ${'--help'.padEnd(30)} this text\n`;
}

/** Parses `--flag value` / `--flag=value` arguments into an options object. */
export function parseCliArgs(argv) {
  const options = { port: CLI_DEFAULT_PORT };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inlineValue] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') return { help: true };
    const mapping = FLAG_TO_OPTION[flag];
    if (!mapping) throw new Error(`Unknown flag ${flag}`);
    const [name, kind] = mapping;
    if (kind === 'boolean') {
      options[name] = inlineValue === undefined ? true : inlineValue !== 'false';
      continue;
    }
    const raw = inlineValue ?? argv[++i];
    if (raw === undefined) throw new Error(`Flag ${flag} needs a value`);
    if (kind === 'seed-file') {
      Object.assign(options, readSeedFile(raw));
      continue;
    }
    const value = kind === 'string' ? raw : Number(raw);
    if (name.startsWith('webhookDelivery.')) options.webhookDelivery = { ...options.webhookDelivery, [name.slice(16)]: value };
    // Repeated, it lists several receivers (round-robin).
    else if (name === 'webhookUrl' && options.webhookUrl !== undefined) options.webhookUrl = [options.webhookUrl].flat().concat(value);
    else options[name] = value;
  }
  return options;
}

const fail = (message) => {
  throw new Error(message);
};

/** Merges user options over the defaults and rejects values the simulator cannot honour, by name. */
export function resolveOptions(userOptions = {}) {
  if (typeof userOptions !== 'object' || userOptions === null || Array.isArray(userOptions)) fail('Simulator options must be an object');
  const options = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(userOptions)) {
    if (!Object.hasOwn(DEFAULT_OPTIONS, key)) fail(`Unknown option ${key} (known: ${Object.keys(DEFAULT_OPTIONS).join(', ')})`);
    if (value !== undefined) options[key] = value;
  }
  if (options.host !== '127.0.0.1') fail('The simulator only listens on 127.0.0.1');
  if (typeof options.subscriptionKey !== 'string' || options.subscriptionKey === '') fail('Option subscriptionKey must be a non-empty string');
  const nonNegativeIntegers = ['port', 'tokenLifetime', 'asyncStepMs', 'resultRetentionMs'];
  for (const key of nonNegativeIntegers) {
    if (!Number.isInteger(options[key]) || options[key] < 0) fail(`Option ${key} must be a non-negative integer`);
  }
  if (!Number.isInteger(options.pageRows) || options.pageRows < 1) fail('Option pageRows must be a positive integer');
  if (!(typeof options.registeredTimeScale === 'number' && options.registeredTimeScale > 0)) fail('Option registeredTimeScale must be a positive number');
  if (typeof options.verbose !== 'boolean') fail('Option verbose must be a boolean');
  options.seed = resolveSeed({ sites: options.sites, tables: options.tables });
  options.webhookUrls = options.webhookUrl === undefined ? [] : resolveWebhookUrls(options.webhookUrl, 'Option webhookUrl', fail);
  if (typeof options.webhookSecret !== 'string' || options.webhookSecret === '') fail('Option webhookSecret must be a non-empty string');
  options.webhookDelivery = resolveDelivery(options.webhookDelivery, 'Option webhookDelivery', fail);
  if (!Number.isInteger(options.clockOffsetMs)) fail('Option clockOffsetMs must be an integer (ms)');
  if (options.retryAfterSeconds !== undefined && (!Number.isInteger(options.retryAfterSeconds) || options.retryAfterSeconds < 0)) {
    fail('Option retryAfterSeconds must be a non-negative integer (seconds)');
  }
  if (!['guide', 'openapi'].includes(options.unauthorizedBody)) fail('Option unauthorizedBody must be "guide" or "openapi"');
  if (options.log !== undefined && typeof options.log !== 'function') fail('Option log must be a function(line)');
  options.controlOrigins = resolveControlOrigins(options.controlOrigins);
  options.log = guardedLog(options.log ?? (options.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined));
  return options;
}

/** A log sink that can never break the simulator: a sink that throws (or rejects) loses that line, nothing else. */
function guardedLog(sink) {
  if (!sink) return () => {};
  return (line) => {
    try {
      const result = sink(line);
      // An async sink's rejection would otherwise be an unhandled rejection in the user's process.
      if (typeof result?.then === 'function') result.then(undefined, () => {});
    } catch {
      // The sink is the test's; its failure must not fail a request or a timer.
    }
  };
}

/** `"loopback"`, `"self"`, or an array of exact origins (`scheme://host[:port]`), validated. */
function resolveControlOrigins(value) {
  if (value === 'loopback' || value === 'self') return value;
  if (!Array.isArray(value) || !value.every((origin) => typeof origin === 'string')) {
    fail('Option controlOrigins must be "loopback", "self" or an array of origins');
  }
  return value.map((origin, index) => {
    let parsed;
    try {
      parsed = new URL(origin);
    } catch {
      fail(`Option controlOrigins[${index}] is not an origin (scheme://host[:port])`);
    }
    if (parsed.origin !== origin) fail(`Option controlOrigins[${index}] must be exactly an origin, e.g. ${parsed.origin}`);
    return origin;
  });
}
