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
  type SqlCommand,
  type TokenInfo,
} from "halo-device";

interface Patient {
  InternalID: number;
  Surname: string;
  [column: string]: unknown;
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
  const info: TokenInfo = client.tokenInfo();
  try {
    await client.immediateQuery("SELECT 1", { signal: AbortSignal.timeout(1000) });
  } catch (error) {
    if (error instanceof HaloValidationError) return error.field ?? "";
    if (error instanceof HaloRateLimitError) return String(error.retryAfterMs);
    if (error instanceof HaloQueryFailedError) return error.queryStatus;
    if (error instanceof HaloError) return error.code;
  }
  return `${surname} ${info.renewals} ${events.length}`;
}
