// The package's own integrator client, as the command uses it: the same
// validated calls an integrator's server makes, with a fetch that notes
// each answer's `Date` header and timing for the doctor.

import { HaloError, HaloIntegratorClient } from "halo-device/integrator";
import { UsageError, type Settings } from "./settings.js";

/** One answer the client received: when, and what the server's clock said. */
export interface Exchange {
  sentAt: number;
  receivedAt: number;
  serverDate?: number;
}

export interface CommandClient {
  integrator: HaloIntegratorClient;
  /** Every answer so far, oldest first. */
  exchanges: Exchange[];
}

export function createClient(settings: Settings, tuning: { maxRetries?: number; attemptTimeoutMs?: number } = {}): CommandClient {
  if (settings.subscriptionKey === undefined) {
    throw new UsageError("HALO_SUBSCRIPTION_KEY is not set: export your Integrator API subscription key (from the Integrator Portal) in the environment");
  }
  const exchanges: Exchange[] = [];
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const sentAt = Date.now();
    const response = await globalThis.fetch(input, init);
    const date = Date.parse(response.headers.get("date") ?? "");
    exchanges.push({ sentAt, receivedAt: Date.now(), ...(Number.isNaN(date) ? {} : { serverDate: date }) });
    return response;
  };
  const integrator = new HaloIntegratorClient({ baseUrl: settings.baseUrl, subscriptionKey: settings.subscriptionKey, fetch, ...tuning });
  return { integrator, exchanges };
}

/** A failure as one line: the error's own message, with its code and status. */
export function describeError(error: unknown): string {
  if (error instanceof HaloError) return `${error.message} [${error.code}${error.status === undefined ? "" : ` ${error.status}`}]`;
  if (error instanceof Error) return error.message;
  return String(error);
}
