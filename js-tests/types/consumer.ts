// A strict TypeScript consumer of the packed package's public types. It is
// only compiled (tsc --noEmit), with skipLibCheck off and no esnext lib.
import {
  init,
  HaloDeviceClient,
  HaloError,
  HaloValidationError,
  HaloRateLimitError,
  HaloQueryFailedError,
  generateDeviceId,
  type HaloEvent,
  type QueryResult,
  type RegisteredQueryResult,
  type ResultPage,
  type Row,
  type SqlCommand,
  type TokenInfo,
  type TokenReason,
  type FhirBundle,
} from "halo-device";

// A plain interface, without an index signature: rows are typed this way.
interface Patient {
  InternalID: number;
  Surname: string;
}

export async function consumer(): Promise<string> {
  await init();
  const events: HaloEvent[] = [];
  const client = new HaloDeviceClient({
    environment: "stage",
    siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    deviceId: generateDeviceId(),
    getToken: async ({ siteId, deviceId }) => ({ accessToken: `${siteId}:${deviceId}`, expiresIn: 3600 }),
    onEvent: (event) => {
      if (event.type === "response") events.push(event);
    },
  });
  const command: SqlCommand = {
    text: "SELECT InternalID, Surname FROM Patients WHERE InternalID = @id",
    executionMode: "reader",
    parameters: [{ name: "@id", type: "Int", value: "1" }],
  };
  const result: QueryResult<Patient> = await client.immediateQuery<Patient>(command, { maxTimeInQueueMs: 5000 });
  const surname: string = result.rows[0]?.Surname ?? "";
  const page: ResultPage<Patient> = await client.getResultPage<Patient>(result.queryId, 1);
  const registered: RegisteredQueryResult<Patient> = await client.getRegisteredQueryResult<Patient>(result.queryId);
  const ids: number[] = [...page.rows, ...registered.rows].map((row) => row.InternalID);
  const rowsCount: number | undefined = page.metadata?.rowsCount;
  const statuses: string[] = [];
  for await (const later of client.resultPages<Patient>(result.queryId, { startPage: 2, maxPollIntervalMs: 5000, onProgress: (query) => statuses.push(query.status) })) {
    ids.push(...later.rows.map((row) => row.InternalID), later.metadata?.rowsRangeStart ?? 0);
  }
  const untyped: Row | undefined = (await client.immediateQuery("SELECT 1")).rows[0];
  const info: TokenInfo = client.tokenInfo();
  const reasons: TokenReason[] = [];
  const caching = new HaloDeviceClient({
    environment: "stage",
    siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    deviceId: generateDeviceId(),
    getToken: async ({ reason, signal }) => {
      reasons.push(reason);
      const aborted: boolean = signal.aborted;
      return { accessToken: `${reason}:${aborted}`, expiresIn: 3600 };
    },
  });
  const summary = await caching.fhirGet("Patient/1/$summary", { _format: "json" });
  const pages: FhirBundle[] = [];
  for await (const bundle of caching.fhirSearchPages("Patient", { family: "Smith" }, { method: "GET", timeoutMs: 5000 })) pages.push(bundle);
  const next: string | undefined = pages[0]?.link?.find((link) => link.relation === "next")?.url;
  try {
    await client.immediateQuery("SELECT 1", { signal: AbortSignal.timeout(1000) });
  } catch (error) {
    if (error instanceof HaloValidationError) return error.field ?? "";
    if (error instanceof HaloRateLimitError) return String(error.retryAfterMs);
    if (error instanceof HaloQueryFailedError) return error.queryStatus ?? "";
    if (error instanceof HaloError) return error.code;
  }
  return `${surname} ${info.renewals} ${events.length} ${ids.length} ${untyped === undefined} ${summary.resourceType} ${next} ${reasons.length} ${rowsCount} ${statuses.length}`;
}
