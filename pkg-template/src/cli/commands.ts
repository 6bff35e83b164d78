// `halo sites`, `halo site`, `halo query`, `halo fhir`: the integrator
// client's calls, printed as a table, JSON or CSV.

import type { HaloIntegratorClient, HaloSite, PmsName, Row } from "halo-device/integrator";
import { formatRows, type Format, type Out } from "./output.js";
import { UsageError } from "./settings.js";

const PMS_NAMES: readonly PmsName[] = ["Best Practice", "Zedmed", "D4w"];

export function pmsName(value: string | undefined): PmsName {
  const match = PMS_NAMES.find((name) => name.toLowerCase() === (value ?? "").toLowerCase());
  if (match === undefined) throw new UsageError(`--pms-name must be one of ${PMS_NAMES.map((name) => JSON.stringify(name)).join(", ")}`);
  return match;
}

/** The fields a person checks first, flat. */
function siteRow(site: HaloSite): Row {
  return {
    id: site.id,
    practiceName: site.practiceMetadata?.practiceName ?? site.name ?? null,
    pmsType: site.practiceMetadata?.pmsType ?? site.pmsType ?? null,
    pmsId: site.practiceMetadata?.practiceManagementSiteId ?? site.practiceManagementSiteId ?? null,
    authoritative: site.authoritative ?? null,
    status: site.status ?? null,
    availability: site.availability ?? null,
    haloLinkVersion: site.haloLinkVersion ?? null,
  };
}

export async function sites(integrator: HaloIntegratorClient, practice: { pmsId: string; pmsName: PmsName }, format: Format, out: Out): Promise<number> {
  const found = await integrator.findSites(practice);
  out.line(format === "json" ? JSON.stringify(found, null, 2) : formatRows(found.map(siteRow), format));
  return 0;
}

export async function site(integrator: HaloIntegratorClient, siteId: string, format: Format, out: Out): Promise<number> {
  const found = await integrator.getSite(siteId);
  out.line(format === "json" ? JSON.stringify(found, null, 2) : formatRows([siteRow(found)], format));
  return 0;
}

export interface QueryOptions {
  mode: "immediate" | "async" | "registered";
  timeoutMs: number;
}

export async function query(integrator: HaloIntegratorClient, siteId: string, sql: string, options: QueryOptions, format: Format, out: Out): Promise<number> {
  const site = integrator.site(siteId);
  let rows: Row[];
  if (options.mode === "immediate") {
    out.progress.update("running the query…");
    rows = (await site.immediateQuery(sql, { timeoutMs: options.timeoutMs })).rows;
  } else if (options.mode === "async") {
    const started = await site.startAsyncQuery(sql);
    out.progress.update(`query ${started.id}: ${started.status}`);
    const done = await site.waitForQuery(started.id, {
      timeoutMs: options.timeoutMs,
      pollIntervalMs: 250,
      maxPollIntervalMs: 5_000,
      onProgress: (query) => out.progress.update(`query ${query.id}: ${query.status}`),
    });
    const total = done.result?.pages?.length ?? 0;
    rows = [];
    for await (const page of site.resultPages(started.id)) {
      rows.push(...page.rows);
      out.progress.update(`downloading page ${page.pageNumber} of ${total} (${rows.length} rows)`);
    }
  } else {
    rows = await registeredResult(integrator, siteId, sql, options.timeoutMs, out);
  }
  out.progress.done();
  out.line(formatRows(rows, format));
  return 0;
}

/**
 * A registered query's first result: registered at the shortest frequency
 * Halo allows (its first run may come a frequency after creation, so the
 * duration spans two), polled until it has run, then cancelled.
 */
async function registeredResult(integrator: HaloIntegratorClient, siteId: string, sql: string, timeoutMs: number, out: Out): Promise<Row[]> {
  const site = integrator.site(siteId);
  const { id } = await site.createRegisteredQuery({ name: "halo-cli", command: sql, frequencySeconds: 60, durationSeconds: 120 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const registered = await site.getRegisteredQuery(id);
      out.progress.update(`registered query ${id}: ${registered.status ?? "?"}`);
      const metrics = registered.metrics;
      if ((metrics?.executionSucceededCount ?? 0) > 0 || metrics?.lastSucceededAt) return (await site.getRegisteredQueryResult(id)).rows;
      if (registered.status === "initialisationFailedCacheError" || (metrics?.executionFailedCount ?? 0) > 0) {
        const details = registered.lastErrorDetails;
        throw new UsageError(`the registered query failed (${registered.status ?? "?"})${details?.errorMessage ? `: ${details.errorMessage}` : ""}`);
      }
      if (Date.now() > deadline) throw new UsageError(`the registered query had not run after ${Math.round(timeoutMs / 1000)} s (raise --timeout)`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await site.cancelRegisteredQuery(id).catch(() => undefined);
  }
}

/** `family=Smith birthdate=ge1970-01-01` → search parameters, repeats kept. */
export function fhirParams(words: readonly string[]): Array<[string, string]> {
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new UsageError(`a FHIR search parameter is name=value, got ${JSON.stringify(word.slice(0, 40))}`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

export async function fhir(integrator: HaloIntegratorClient, siteId: string, resourceType: string, params: Array<[string, string]>, format: Format, out: Out): Promise<number> {
  const site = integrator.site(siteId);
  const resources: Row[] = [];
  let page = 0;
  for await (const bundle of site.fhirSearchPages(resourceType, params)) {
    page += 1;
    for (const entry of bundle.entry ?? []) if (entry.resource !== undefined) resources.push(entry.resource as Row);
    out.progress.update(`page ${page}: ${resources.length} ${resourceType} resources`);
  }
  out.progress.done();
  out.line(formatRows(resources, format));
  return 0;
}
