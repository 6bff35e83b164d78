// The replay store every receiver behind a load balancer shares, on Redis
// through node-redis (the one Redis client library the package uses):
// `SET <prefix><id> 1 NX PX <ttl>` records an id only if no receiver has
// recorded it yet, and forgets it once a replay could no longer pass the
// timestamp check anyway.
import { HaloValidationError } from "../../errors.js";
import type { WebhookSeenStore } from "../../integrator-types.js";

/** The one node-redis command the store sends (node-redis 5 and later). */
export interface RedisSetClient {
  set(key: string, value: string, options: { condition: "NX"; expiration: { type: "PX"; value: number } }): Promise<string | null>;
}

/**
 * A `WebhookSeenStore` over a connected node-redis client: `seen()`
 * resolves true when another receiver (or this one) already recorded the
 * id. With node-redis's `disableOfflineQueue`, it rejects at once while
 * Redis is unreachable, so the caller can answer 5xx.
 *
 * @example
 * import { createClient } from "redis";
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * await verifyWebhook({ rawBody, headers, secret, seen: createRedisSeenStore(redis) });
 */
export function createRedisSeenStore(redis: RedisSetClient, { prefix = "halo-webhook:" }: { prefix?: string } = {}): WebhookSeenStore {
  if (typeof redis?.set !== "function") {
    throw new HaloValidationError("redis must be a connected node-redis client (createClient from \"redis\")", { code: "HALO_VALIDATION", retryable: false, field: "redis" });
  }
  return {
    async seen(id, rememberUntil) {
      // PX, a duration from this process's clock, rather than PXAT: a Redis
      // host whose clock runs ahead would otherwise forget ids too early.
      const ttlMs = Math.max(1, Math.ceil(rememberUntil - Date.now()));
      return (await redis.set(`${prefix}${id}`, "1", { condition: "NX", expiration: { type: "PX", value: ttlMs } })) === null;
    },
  };
}
