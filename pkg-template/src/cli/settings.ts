// Where the command talks to, and with which key: flags first, then
// HALO_ENV / HALO_BASE_URL / HALO_SUBSCRIPTION_KEY. The key is read only
// from the environment: a flag would leave it in shell history and `ps`.

/** The two environments Halo documents, and their API hosts. */
export const ENVIRONMENTS = {
  production: "https://api.haloconnect.io",
  stage: "https://api.stage.haloconnect.io",
} as const;

export type EnvironmentName = keyof typeof ENVIRONMENTS;

export interface Settings {
  /** The environment the user asked for (flag or HALO_ENV), if any. */
  requested?: EnvironmentName;
  /** The environment the base URL belongs to, or undefined for any other host (a simulator, a proxy). */
  actual?: EnvironmentName;
  baseUrl: string;
  subscriptionKey?: string;
  /** A human label: "production (https://api.haloconnect.io)". */
  label: string;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

function environmentOf(baseUrl: string): EnvironmentName | undefined {
  const origin = new URL(baseUrl).origin;
  for (const [name, url] of Object.entries(ENVIRONMENTS)) if (new URL(url).origin === origin) return name as EnvironmentName;
  return undefined;
}

function parseEnvironment(value: string, source: string): EnvironmentName {
  if (value === "production" || value === "stage") return value;
  throw new UsageError(`${source} must be "production" or "stage", got ${JSON.stringify(value.slice(0, 40))}`);
}

export function resolveSettings(flags: { stage?: boolean; env?: string; "base-url"?: string }, env: NodeJS.ProcessEnv): Settings {
  let requested: EnvironmentName | undefined;
  if (flags.stage === true) requested = "stage";
  else if (flags.env !== undefined) requested = parseEnvironment(flags.env, "--env");
  else if (env.HALO_ENV !== undefined && env.HALO_ENV !== "") requested = parseEnvironment(env.HALO_ENV, "HALO_ENV");
  const explicit = flags["base-url"] ?? (env.HALO_BASE_URL === "" ? undefined : env.HALO_BASE_URL);
  // --stage / --env name the environment the user means; an explicit base
  // URL from the environment would silently override that, so a flag wins.
  const fromFlag = flags.stage === true || flags.env !== undefined;
  const baseUrlText = flags["base-url"] ?? (fromFlag ? ENVIRONMENTS[requested ?? "production"] : (explicit ?? ENVIRONMENTS[requested ?? "production"]));
  const parsed = httpUrl(baseUrlText, "the base URL");
  if (parsed.username !== "" || parsed.password !== "") throw new UsageError("the base URL must not carry a user name or password");
  const baseUrl = parsed.href.replace(/\/+$/, "");
  const actual = environmentOf(baseUrl);
  const key = env.HALO_SUBSCRIPTION_KEY;
  return {
    ...(requested === undefined ? {} : { requested }),
    ...(actual === undefined ? {} : { actual }),
    baseUrl,
    ...(key === undefined || key === "" ? {} : { subscriptionKey: key }),
    label: actual === undefined ? baseUrl : `${actual} (${baseUrl})`,
  };
}

/** An http(s) URL from the user, or a UsageError naming `what`. */
export function httpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} is not a URL: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`${what} must be http(s), got ${url.protocol}`);
  return url;
}

/** Whether a URL's host is this machine, where plain HTTP is harmless. */
export function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/**
 * Every secret this run knows (the key, a webhook secret, device ids), so
 * that no line the command writes can carry one, whatever a server or an
 * error message echoed back.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would blank ordinary words; nothing that short is a credential.
    if (secret !== undefined && secret.length >= 6) this.#secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join("[redacted]");
    return out;
  }
}
