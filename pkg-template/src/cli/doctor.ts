// `halo doctor`: the day-one configuration failures, checked in the order
// they block each other, each printed as PASS/FAIL (or SKIP) with its fix.
// The key is only ever sent to the base URL the user configured, and only
// over HTTPS unless that URL is this machine: no probe of "the other
// environment", which would send the key to a host the user did not name.

import { randomUUID } from "node:crypto";
import { HaloError, type HaloIntegratorClient, type HaloSite, type PmsName } from "halo-device/integrator";
import { createClient, describeError, type Exchange } from "./client.js";
import type { Out } from "./output.js";
import { ENVIRONMENTS, isLoopback, type Redactor, type Settings } from "./settings.js";
import { networkCode, sendNotification, unreachableText } from "./webhook.js";

export interface DoctorOptions {
  site?: string;
  pmsId?: string;
  pmsName?: PmsName;
  webhookUrl?: string;
  webhookSecret?: string;
  testSql: string;
  maxSkewSeconds: number;
}

type Outcome = { status: "pass" | "fail" | "skip"; detail: string; fix?: string };

const pass = (detail: string): Outcome => ({ status: "pass", detail });
const fail = (detail: string, fix: string): Outcome => ({ status: "fail", detail, fix });
const skip = (detail: string): Outcome => ({ status: "skip", detail });

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

async function environmentCheck(settings: Settings, exchanges: Exchange[]): Promise<Outcome> {
  const { requested, actual, baseUrl } = settings;
  if (requested !== undefined && actual !== undefined && requested !== actual) {
    return fail(
      `wrong environment: you asked for ${requested}, but the base URL ${baseUrl} is ${actual}'s`,
      `unset HALO_BASE_URL (the environment picks ${ENVIRONMENTS[requested]}), or ask for ${actual}; keys, Halo GUIDs and PMS IDs of one environment do not work in the other`,
    );
  }
  const url = new URL(baseUrl);
  if (url.protocol === "http:" && !isLoopback(url)) {
    return fail(
      `TLS: ${baseUrl} is plain HTTP, so the subscription key would cross the network in clear (not sent)`,
      "use the https:// URL (Halo serves only HTTPS); plain HTTP is accepted for this machine only, e.g. a simulator",
    );
  }
  const sentAt = Date.now();
  try {
    const response = await fetch(`${baseUrl}/`, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    const date = Date.parse(response.headers.get("date") ?? "");
    exchanges.push({ sentAt, receivedAt: Date.now(), ...(Number.isNaN(date) ? {} : { serverDate: date }) });
  } catch (error) {
    const code = networkCode(error) ?? "";
    if (TLS_CODES.test(code)) {
      return fail(
        `TLS: ${baseUrl} answered with a certificate this machine does not trust (${code})`,
        "a proxy inspecting HTTPS? give Node its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; never turn verification off",
      );
    }
    return fail(
      `${settings.label} is not reachable: ${code || describeError(error)}`,
      code === "ENOTFOUND" ? "check the host name in HALO_BASE_URL, and DNS" : "check the network, a proxy or firewall, and that the URL is right",
    );
  }
  const kind = actual === undefined ? "not a Halo environment: a simulator or a proxy" : url.protocol === "https:" ? "over HTTPS" : "";
  return pass(`${settings.label} is reachable (${kind})`);
}

async function keyCheck(settings: Settings, integrator: HaloIntegratorClient, redactor: Redactor): Promise<Outcome> {
  // An unknown site is the cheapest question the token endpoint answers:
  // the key is checked first, so 404 means "key accepted", and no token is made.
  const deviceId = `halo-doctor-${randomUUID()}`;
  redactor.add(deviceId);
  try {
    const token = await integrator.issueDeviceToken({ siteId: randomUUID(), deviceId });
    redactor.add(token.accessToken);
    return pass(`accepted by ${settings.label}`);
  } catch (error) {
    if (error instanceof HaloError && error.code === "HALO_NOT_FOUND") return pass(`accepted by ${settings.label}`);
    if (error instanceof HaloError && error.code === "HALO_AUTH") {
      const where = settings.actual ?? "this server's";
      return fail(
        `bad subscription key: refused by ${settings.label}`,
        `keys are per environment (a stage key fails on production and the other way round): use the ${where} key from the Integrator Portal, or run with --stage / --env; if it is that environment's key, it was mistyped, rotated or revoked: copy the current primary or secondary key`,
      );
    }
    if (error instanceof HaloError && error.code === "HALO_FORBIDDEN") {
      return fail(`the key is known but ${settings.label} forbids the call: ${describeError(error)}`, "check the Integrator Portal for an IP allow-list or an exhausted quota");
    }
    return fail(`the token endpoint did not answer as expected: ${describeError(error)}`, "retry; if it persists, check Halo's status page");
  }
}

function clockCheck(exchanges: Exchange[], maxSkewSeconds: number): Outcome {
  const dated = exchanges.filter((exchange) => exchange.serverDate !== undefined);
  const last = dated[dated.length - 1];
  if (last?.serverDate === undefined) return skip("no answer carried a Date header to compare with");
  // `Date` has whole seconds, truncated: its middle is half a second later.
  const skewMs = last.serverDate + 500 - (last.sentAt + last.receivedAt) / 2;
  const seconds = Math.round(skewMs / 1000);
  const side = seconds > 0 ? "behind" : "ahead of";
  if (Math.abs(skewMs) <= maxSkewSeconds * 1000) return pass(`within ${Math.max(1, Math.abs(seconds))} s of the server's Date`);
  return fail(
    `clock skew: this machine's clock is ${Math.abs(seconds)} s ${side} the server's Date header`,
    "turn on network time (Linux: timedatectl set-ntp true; macOS/Windows: set date and time automatically): a skewed clock mis-times token renewal and fails webhook timestamp checks (5 minutes)",
  );
}

const NOT_PAIRED_FIX =
  "pair the practice with your integrator: integrator.pairSite({ pmsId, pmsName, pairingCode }) (Best Practice needs the practice's pairing code), or ask Halo Connect support";

function siteProblem(site: HaloSite): Outcome | undefined {
  const name = site.practiceMetadata?.practiceName ?? site.name ?? site.id;
  if (site.authoritative === false) {
    return fail(`${name} (${site.id}) is not the authoritative site of its PMS ID: a backup, test copy or mid-migration server`, "re-resolve the GUID from the PMS ID: halo sites --pms-id ID --pms-name NAME");
  }
  if (site.status === "initialising") return fail(`site not paired yet: ${name} is still initialising`, NOT_PAIRED_FIX);
  if (site.status === "removed" || site.status === "uninstalled") {
    return fail(`${name}'s Halo Link was ${site.status}`, "ask the practice to reinstall Halo Link (set to the environment you use), then re-resolve its GUID");
  }
  if (site.availability !== undefined && site.availability !== "online") {
    const heard = site.heartbeatTimestampUTC ? ` (last heard from ${site.heartbeatTimestampUTC})` : "";
    return fail(
      `site offline: ${name} is ${site.availability}${heard}`,
      "the practice's server must be on, with Halo Link running and online: ask the practice to check it (queries answer 503 meanwhile)",
    );
  }
  return undefined;
}

function forbiddenSite(error: HaloError, siteId: string): Outcome {
  // Halo's own text for a retired GUID; the client's hint after it names every cause.
  if (/no longer valid/i.test(error.message)) {
    return fail(`the Halo GUID ${siteId} changed (403)`, "re-resolve it from the practice's PMS ID: halo sites --pms-id ID --pms-name NAME (integrator.recoverFromGuidChange)");
  }
  return fail(`site not paired: Halo refuses ${siteId} to your integrator (403)`, NOT_PAIRED_FIX);
}

async function siteCheck(settings: Settings, integrator: HaloIntegratorClient, options: DoctorOptions): Promise<{ outcome: Outcome; siteId?: string }> {
  let siteId = options.site;
  if (siteId === undefined) {
    const { pmsId = "", pmsName = "Best Practice" } = options;
    let sites: HaloSite[];
    try {
      sites = await integrator.findSites({ pmsId, pmsName });
    } catch (error) {
      return { outcome: fail(`could not look up PMS ID ${pmsId}: ${describeError(error)}`, 'check --pms-name: "Best Practice", "Zedmed" or "D4w"') };
    }
    const authoritative = sites.find((site) => site.authoritative !== false);
    if (sites.length === 0) {
      return {
        outcome: fail(
          `unknown PMS ID: ${settings.label} has no site for PMS ID ${pmsId} (${pmsName})`,
          `check the PMS ID (Best Practice: Bp Site ID; Zedmed: Database ID; D4w: Centaur CRN) and --pms-name, and that the practice's Halo Link is set to ${settings.actual ?? "this environment"} (it installs to production by default; stage demo databases use the first 8 characters of their Halo GUID)`,
        ),
      };
    }
    if (authoritative === undefined) {
      return { outcome: fail(`PMS ID ${pmsId} has ${sites.length} site(s), none authoritative: no server of that practice receives queries`, "ask the practice which server runs Halo Link, or Halo Connect support") };
    }
    siteId = authoritative.id;
  }
  let site: HaloSite;
  try {
    site = await integrator.getSite(siteId);
  } catch (error) {
    if (error instanceof HaloError && error.code === "HALO_NOT_FOUND") {
      return {
        outcome: fail(
          `unknown Halo GUID: ${settings.label} has no site ${siteId}`,
          "check the GUID and the environment (stage GUIDs are unknown to production); re-resolve it from the PMS ID: halo sites --pms-id ID --pms-name NAME",
        ),
      };
    }
    if (error instanceof HaloError && error.code === "HALO_FORBIDDEN") return { outcome: forbiddenSite(error, siteId) };
    return { outcome: fail(`could not read site ${siteId}: ${describeError(error)}`, "retry; if it persists, check Halo's status page") };
  }
  const problem = siteProblem(site);
  if (problem !== undefined) return { outcome: problem };
  const name = site.practiceMetadata?.practiceName ?? site.name ?? "(no practice name)";
  const pms = site.practiceMetadata?.pmsType ?? site.pmsType ?? "";
  return { outcome: pass(`${name} (${pms}) ${site.id}: ${site.status ?? "status unknown"}, ${site.availability ?? "availability unknown"}`), siteId };
}

async function queryCheck(integrator: HaloIntegratorClient, siteId: string, sql: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const { rowCount } = await integrator.site(siteId).immediateQuery(sql);
    return pass(`${JSON.stringify(sql)} answered in ${Math.round(performance.now() - started)} ms (${rowCount} row${rowCount === 1 ? "" : "s"})`);
  } catch (error) {
    if (error instanceof HaloError && error.code === "HALO_UNAVAILABLE") {
      return fail(`site offline: the practice could not be contacted (${error.status ?? "?"})`, "the practice's server must be on, with Halo Link running and online; retry later");
    }
    if (error instanceof HaloError && error.code === "HALO_FORBIDDEN") return forbiddenSite(error, siteId);
    if (error instanceof HaloError && error.code === "HALO_QUERY_FAILED") {
      return fail(`the test query failed at the practice: ${describeError(error)}`, "pass a query the practice's database accepts with --test-sql (Firebird needs FROM RDB$DATABASE)");
    }
    return fail(`the test query failed: ${describeError(error)}`, "retry; a timeout means the practice's server is slow or offline");
  }
}

async function webhookCheck(options: DoctorOptions & { webhookUrl: string; webhookSecret: string }, siteId: string | undefined): Promise<Outcome> {
  const url = options.webhookUrl;
  const signed = await sendNotification({ url, secret: options.webhookSecret, ...(siteId === undefined ? {} : { siteId }) });
  if (signed.kind === "unreachable") {
    const { detail, fix } = unreachableText(signed, url);
    return fail(detail, fix);
  }
  if (signed.status >= 300 && signed.status < 400) {
    return fail(`the receiver redirected (${signed.status}${signed.location === undefined ? "" : ` to ${signed.location}`})`, "give Halo the final URL: deliveries are not expected to follow redirects");
  }
  if (signed.status === 400 || signed.status === 401 || signed.status === 403) {
    return fail(
      `webhook secret mismatch: the receiver refused a notification signed with the --webhook-secret you gave (${signed.status} ${signed.statusText})`,
      "give the receiver the same secret Halo Connect issued for this environment (and pass that one here); it must verify the raw body as received (e.g. express.raw(), request.text()), not re-serialised JSON",
    );
  }
  if (signed.status < 200 || signed.status >= 300) {
    return fail(`the receiver answered ${signed.status} ${signed.statusText} to a correctly signed notification`, "a receiver should verify, record and answer 2xx; see its logs");
  }
  // The other half of "as expected": a forgery must be refused.
  const forged = await sendNotification({ url, secret: options.webhookSecret, signWith: `${options.webhookSecret}-forged`, ...(siteId === undefined ? {} : { siteId }) });
  if (forged.kind === "answered" && forged.status >= 200 && forged.status < 300) {
    return fail(
      `the receiver accepted a notification with a wrong signature (${forged.status}): it does not check X-Halo-Signature-256`,
      "verify every delivery with verifyWebhook (or the package's webhook handler) before trusting it",
    );
  }
  const refused = forged.kind === "answered" ? `${forged.status}` : "connection closed";
  return pass(`the receiver acknowledged a signed notification (${signed.status} in ${signed.elapsedMs} ms) and refused a forged one (${refused})`);
}

const LABELS = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

/** Runs every check in order; resolves with the exit code (0 only when nothing failed). */
export async function doctor(settings: Settings, options: DoctorOptions, out: Out, redactor: Redactor): Promise<number> {
  let failed = false;
  const report = (name: string, outcome: Outcome) => {
    failed ||= outcome.status === "fail";
    out.line(`${LABELS[outcome.status]}  ${name}: ${outcome.detail}`);
    if (outcome.fix !== undefined) out.line(`      fix: ${outcome.fix}`);
  };
  const probes: Exchange[] = [];
  const environment = await environmentCheck(settings, probes);
  report("environment", environment);
  let siteId: string | undefined;
  if (environment.status !== "pass") {
    for (const name of ["subscription key", "clock", "site", "test query"]) report(name, skip("not checked: the environment check failed"));
  } else if (settings.subscriptionKey === undefined) {
    report("subscription key", fail("HALO_SUBSCRIPTION_KEY is not set", "export HALO_SUBSCRIPTION_KEY=<your Integrator API key for this environment>"));
    report("clock", clockCheck(probes, options.maxSkewSeconds));
    for (const name of ["site", "test query"]) report(name, skip("not checked: no subscription key"));
  } else {
    const { integrator, exchanges } = createClient(settings, { maxRetries: 0, attemptTimeoutMs: 30_000 });
    const key = await keyCheck(settings, integrator, redactor);
    report("subscription key", key);
    report("clock", clockCheck([...probes, ...exchanges], options.maxSkewSeconds));
    const asked = options.site !== undefined || options.pmsId !== undefined;
    if (!asked) {
      for (const name of ["site", "test query"]) report(name, skip("no practice named (add --site GUID, or --pms-id ID --pms-name NAME)"));
    } else if (key.status !== "pass") {
      for (const name of ["site", "test query"]) report(name, skip("not checked: the subscription key was refused"));
    } else {
      const site = await siteCheck(settings, integrator, options);
      report("site", site.outcome);
      siteId = site.siteId;
      if (siteId === undefined) report("test query", skip("not checked: the site check failed"));
      else report("test query", await queryCheck(integrator, siteId, options.testSql));
    }
  }
  if (options.webhookUrl !== undefined && options.webhookSecret !== undefined) {
    report("webhook", await webhookCheck({ ...options, webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret }, siteId ?? options.site));
  } else {
    report("webhook", skip("no receiver named (add --webhook-url URL --webhook-secret S)"));
  }
  out.line(failed ? "Some checks failed: see each fix above." : "All checks passed.");
  return failed ? 1 : 0;
}
