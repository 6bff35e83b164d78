// Simulator options: defaults, validation and the CLI flag mapping.
import { readSeedFile, resolveSeed } from './seed.mjs';

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
  webhookUrl: undefined, // URL template with {siteId}, {queryId}, {source}; no webhooks when absent
  webhookSecret: 'sim-webhook-secret',
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
  '--webhook-url': ['webhookUrl', 'string', 'webhook URL template with {siteId}, {queryId}, {source}; none by default'],
  '--webhook-secret': ['webhookSecret', 'string', `HMAC key for X-Halo-Signature-256 (default ${DEFAULT_OPTIONS.webhookSecret})`],
  '--seed': ['seed', 'seed-file', 'JSON file { "sites": [...], "tables": {...} } with extra sites and tables'],
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
    if (kind === 'seed-file') Object.assign(options, readSeedFile(raw));
    else options[name] = kind === 'string' ? raw : Number(raw);
  }
  return options;
}

/** Merges user options over the defaults and rejects values the simulator cannot honour. */
export function resolveOptions(userOptions = {}) {
  const options = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(userOptions)) {
    if (value !== undefined) options[key] = value;
  }
  if (options.host !== '127.0.0.1') {
    throw new Error('The simulator only listens on 127.0.0.1');
  }
  const nonNegativeIntegers = ['port', 'tokenLifetime', 'asyncStepMs', 'resultRetentionMs'];
  for (const key of nonNegativeIntegers) {
    if (!Number.isInteger(options[key]) || options[key] < 0) {
      throw new Error(`Option ${key} must be a non-negative integer`);
    }
  }
  if (!Number.isInteger(options.pageRows) || options.pageRows < 1) {
    throw new Error('Option pageRows must be a positive integer');
  }
  if (!(options.registeredTimeScale > 0)) {
    throw new Error('Option registeredTimeScale must be a positive number');
  }
  options.seed = resolveSeed({ sites: options.sites, tables: options.tables });
  if (options.webhookUrl !== undefined) new URL(expandPlaceholdersForValidation(options.webhookUrl));
  if (!options.log) {
    options.log = options.verbose ? (line) => process.stderr.write(`${line}\n`) : () => {};
  }
  return options;
}

// `new URL` rejects `{` in hosts, so validate the template with sample values filled in.
function expandPlaceholdersForValidation(template) {
  return template.replace(/\{(siteId|queryId|source)\}/g, 'x');
}
