// Simulator options: defaults, validation and the CLI flag mapping.

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
});

// The CLI listens on a fixed, well-known port; in-process use wants any free port.
const CLI_DEFAULT_PORT = 4010;

const FLAG_TO_OPTION = {
  '--port': ['port', 'integer'],
  '--host': ['host', 'string'],
  '--subscription-key': ['subscriptionKey', 'string'],
  '--token-lifetime': ['tokenLifetime', 'integer'],
  '--async-step-ms': ['asyncStepMs', 'integer'],
  '--page-rows': ['pageRows', 'integer'],
  '--result-retention-ms': ['resultRetentionMs', 'integer'],
  '--registered-time-scale': ['registeredTimeScale', 'number'],
  '--webhook-url': ['webhookUrl', 'string'],
  '--webhook-secret': ['webhookSecret', 'string'],
  '--verbose': ['verbose', 'boolean'],
};

export const CLI_FLAGS = Object.keys(FLAG_TO_OPTION);

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
    options[name] = kind === 'string' ? raw : Number(raw);
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
