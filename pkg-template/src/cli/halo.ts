#!/usr/bin/env node
// The `halo` command (`npx halo-device …`): test queries and diagnosis
// through the package's own integrator client. Exit codes: 0 done / all
// checks passed, 1 a failure (Halo's, a check's, a webhook's), 2 a usage error.

import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createClient, describeError } from "./client.js";
import { fhir, fhirParams, pmsName, query, site, sites } from "./commands.js";
import { doctor } from "./doctor.js";
import { createOut, type Format, type Out } from "./output.js";
import { Redactor, resolveSettings, UsageError, type Settings } from "./settings.js";
import { sendNotification, unreachableText, verifyCaptured } from "./webhook.js";

const CONNECTION = `
Connection (flags win over the environment):
  --stage               the staging environment (HALO_ENV=stage)
  --env NAME            production (default) or stage (HALO_ENV)
  --base-url URL        another Halo Cloud, e.g. a simulator (HALO_BASE_URL)
  HALO_SUBSCRIPTION_KEY your Integrator API key, from the environment only
                        (a flag would leave it in shell history); never printed`;

const OUTPUT = `
Output: an aligned table by default; --json or --csv for scripts.
Progress goes to stderr on a terminal only.`;

const HELP: Record<string, string> = {
  halo: `halo — Halo Cloud from the command line, through halo-device's integrator client

Usage: halo <command> [options]     (npx halo-device <command> …)

Commands:
  doctor          check environment, key, clock, site, a test query and your webhook receiver
  sites           the sites Halo knows for a PMS ID
  site GUID       one site's status
  query           run SQL at a practice (immediate, --async or --registered)
  fhir            a FHIR search at a practice
  webhook send    fire a correctly signed test notification at a receiver
  webhook verify  check a captured webhook request and say why it does or doesn't verify

Run halo <command> --help for its options.
${CONNECTION}`,
  doctor: `Usage: halo doctor [--site GUID | --pms-id ID --pms-name NAME] [--webhook-url URL --webhook-secret S]

Checks, in order, each printed PASS/FAIL with its fix: the environment and base URL
(stage vs production, reachable, TLS), the subscription key, clock skew against the
server's Date, the site (PMS ID -> GUID, paired, status, practice name), a harmless test
query with its round trip, and with the webhook flags a signed test notification to your
receiver (and a forged one it must refuse). Exits 0 only when every check passes.

  --test-sql SQL        the test query (default: SELECT 1 AS Ok)
  --max-skew SECONDS    clock skew allowed (default 30)
  --webhook-secret S    or HALO_WEBHOOK_SECRET
${CONNECTION}`,
  sites: `Usage: halo sites --pms-id ID --pms-name NAME [--json|--csv]

Every site Halo knows for the PMS ID (NAME: "Best Practice", "Zedmed" or "D4w"),
authoritative or not.
${OUTPUT}
${CONNECTION}`,
  site: `Usage: halo site GUID [--json|--csv]

One site's status: practice, PMS, authoritative, status, availability.
${OUTPUT}
${CONNECTION}`,
  query: `Usage: halo query --site GUID [--async | --registered] [--timeout SECONDS] "SQL" [--json|--csv]

  (default)      an immediate query
  --async        an async query: progress while it runs, then every result page
  --registered   a registered query: its first result, then it is cancelled
  --timeout S    give up after S seconds (default 120)
${OUTPUT}
${CONNECTION}`,
  fhir: `Usage: halo fhir --site GUID RESOURCE [name=value …] [--json|--csv]

  e.g. halo fhir --site 3f2504e0-4f89-41d3-9a0c-0305e82c3301 Patient family=Smith
Every page of the search is read. With --json the resources are printed as JSON.
${OUTPUT}
${CONNECTION}`,
  webhook: `Usage: halo webhook send --url URL --secret S [--site GUID] [--query ID] [--source async|registered]
       halo webhook verify --secret S [--tolerance SECONDS] [FILE]

send     POSTs one notification shaped and signed as Halo sends them (X-Halo-Id,
         X-Halo-Timestamp, X-Halo-Signature-256) and prints the receiver's answer;
         exits 0 on a 2xx.
verify   reads a captured request from FILE or stdin (optional request line, headers,
         a blank line, then the raw body exactly as received) and says whether it
         verifies, and if not why. --tolerance widens the 300 s timestamp window.
--secret may be given as HALO_WEBHOOK_SECRET instead.`,
};

const CONNECTION_OPTIONS = {
  stage: { type: "boolean" },
  env: { type: "string" },
  "base-url": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const OUTPUT_OPTIONS = { json: { type: "boolean" }, csv: { type: "boolean" } } as const satisfies ParseArgsConfig["options"];

function formatOf(values: { json?: boolean; csv?: boolean }): Format {
  if (values.json === true && values.csv === true) throw new UsageError("--json and --csv are exclusive");
  return values.json === true ? "json" : values.csv === true ? "csv" : "table";
}

function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function seconds(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number of seconds`);
  return value;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required`);
  return value;
}

async function readInput(file: string | undefined): Promise<Uint8Array> {
  if (file !== undefined && file !== "-") return readFileSync(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function run(argv: string[], out: Out, redactor: Redactor): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    out.line(HELP.halo ?? "");
    return command === undefined ? 2 : 0;
  }
  const help = (name: string) => (out.line(HELP[name] ?? ""), 0);
  const settingsOf = (values: { stage?: boolean; env?: string; "base-url"?: string }): Settings => {
    const settings = resolveSettings(values, process.env);
    redactor.add(settings.subscriptionKey);
    return settings;
  };
  switch (command) {
    case "doctor": {
      const { values } = parse(rest, {
        ...CONNECTION_OPTIONS,
        site: { type: "string" },
        "pms-id": { type: "string" },
        "pms-name": { type: "string" },
        "webhook-url": { type: "string" },
        "webhook-secret": { type: "string" },
        "test-sql": { type: "string" },
        "max-skew": { type: "string" },
      });
      if (values.help === true) return help("doctor");
      const secret = values["webhook-secret"] ?? process.env.HALO_WEBHOOK_SECRET;
      redactor.add(secret);
      if (values.site !== undefined && values["pms-id"] !== undefined) throw new UsageError("give --site or --pms-id, not both");
      // HALO_WEBHOOK_SECRET alone is a standing setting; a URL or a --webhook-secret flag asks for the check.
      if (values["webhook-url"] !== undefined ? secret === undefined : values["webhook-secret"] !== undefined) {
        throw new UsageError("--webhook-url and --webhook-secret (or HALO_WEBHOOK_SECRET) go together");
      }
      return doctor(
        settingsOf(values),
        {
          ...(values.site === undefined ? {} : { site: values.site }),
          ...(values["pms-id"] === undefined ? {} : { pmsId: values["pms-id"], pmsName: pmsName(values["pms-name"]) }),
          ...(values["webhook-url"] === undefined || secret === undefined ? {} : { webhookUrl: values["webhook-url"], webhookSecret: secret }),
          testSql: values["test-sql"] ?? "SELECT 1 AS Ok",
          maxSkewSeconds: seconds(values["max-skew"], 30, "--max-skew"),
        },
        out,
        redactor,
      );
    }
    case "sites": {
      const { values } = parse(rest, { ...CONNECTION_OPTIONS, ...OUTPUT_OPTIONS, "pms-id": { type: "string" }, "pms-name": { type: "string" } });
      if (values.help === true) return help("sites");
      const practice = { pmsId: required(values["pms-id"], "--pms-id"), pmsName: pmsName(values["pms-name"]) };
      return sites(createClient(settingsOf(values)).integrator, practice, formatOf(values), out);
    }
    case "site": {
      const { values, positionals } = parse(rest, { ...CONNECTION_OPTIONS, ...OUTPUT_OPTIONS });
      if (values.help === true) return help("site");
      if (positionals.length !== 1) throw new UsageError("halo site takes one Halo GUID");
      return site(createClient(settingsOf(values)).integrator, positionals[0] ?? "", formatOf(values), out);
    }
    case "query": {
      const { values, positionals } = parse(rest, {
        ...CONNECTION_OPTIONS,
        ...OUTPUT_OPTIONS,
        site: { type: "string" },
        async: { type: "boolean" },
        registered: { type: "boolean" },
        timeout: { type: "string" },
      });
      if (values.help === true) return help("query");
      if (positionals.length !== 1) throw new UsageError('halo query takes the SQL as one argument: halo query --site GUID "SELECT …"');
      if (values.async === true && values.registered === true) throw new UsageError("--async and --registered are exclusive");
      const mode = values.async === true ? "async" : values.registered === true ? "registered" : "immediate";
      const options = { mode, timeoutMs: seconds(values.timeout, 120, "--timeout") * 1000 } as const;
      return query(createClient(settingsOf(values)).integrator, required(values.site, "--site"), positionals[0] ?? "", options, formatOf(values), out);
    }
    case "fhir": {
      const { values, positionals } = parse(rest, { ...CONNECTION_OPTIONS, ...OUTPUT_OPTIONS, site: { type: "string" } });
      if (values.help === true) return help("fhir");
      const [resourceType, ...words] = positionals;
      if (resourceType === undefined) throw new UsageError("halo fhir needs a resource type, e.g. Patient");
      return fhir(createClient(settingsOf(values)).integrator, required(values.site, "--site"), resourceType, fhirParams(words), formatOf(values), out);
    }
    case "webhook": {
      const [action, ...args] = rest;
      if (action === undefined || action === "--help" || action === "-h") return help("webhook");
      const { values, positionals } = parse(args, {
        help: { type: "boolean", short: "h" },
        url: { type: "string" },
        secret: { type: "string" },
        site: { type: "string" },
        query: { type: "string" },
        source: { type: "string" },
        tolerance: { type: "string" },
      });
      if (values.help === true) return help("webhook");
      const secret = required(values.secret ?? process.env.HALO_WEBHOOK_SECRET, "--secret");
      redactor.add(secret);
      if (action === "send") {
        const url = required(values.url, "--url");
        if (values.source !== undefined && values.source !== "async" && values.source !== "registered") throw new UsageError('--source must be "async" or "registered"');
        const delivery = await sendNotification({
          url,
          secret,
          ...(values.site === undefined ? {} : { siteId: values.site }),
          ...(values.query === undefined ? {} : { queryId: values.query }),
          ...(values.source === undefined ? {} : { source: values.source }),
        });
        if (delivery.kind === "unreachable") {
          const { detail, fix } = unreachableText(delivery, url);
          out.note(`${detail}\n  fix: ${fix}`);
          return 1;
        }
        const ok = delivery.status >= 200 && delivery.status < 300;
        out.line(`sent notification ${delivery.id} to ${url}: ${delivery.status} ${delivery.statusText} in ${delivery.elapsedMs} ms (${ok ? "accepted" : "refused"})`);
        return ok ? 0 : 1;
      }
      if (action === "verify") {
        const verdict = await verifyCaptured(await readInput(positionals[0]), secret, values.tolerance === undefined ? undefined : seconds(values.tolerance, 0, "--tolerance"));
        out.line(verdict.text);
        return verdict.ok ? 0 : 1;
      }
      throw new UsageError(`unknown webhook action ${JSON.stringify(action.slice(0, 20))}: send or verify`);
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 20))} (halo --help lists them)`);
  }
}

// `halo query … | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const redactor = new Redactor();
const out = createOut(redactor, process.stdout, process.stderr);
try {
  process.exitCode = await run(process.argv.slice(2), out, redactor);
} catch (error) {
  out.progress.done();
  if (error instanceof UsageError) {
    out.note(`halo: ${error.message}`);
    process.exitCode = 2;
  } else {
    out.note(`halo: ${describeError(error)}`);
    process.exitCode = 1;
  }
}
