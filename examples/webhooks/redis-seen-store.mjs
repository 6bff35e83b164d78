// A WebhookSeenStore that every webhook receiver behind a load balancer
// shares: Redis's `SET halo-webhook:<id> 1 NX PX <ttl>` records a
// notification id only if no receiver has recorded it yet, and forgets it
// once a replay could no longer pass the timestamp check anyway.
//
//   const { store, close } = await connectRedisSeenStore(process.env.REDIS_URL);
//   await verifyWebhook({ rawBody, headers, secret, seen: store });
import { createClient } from "redis";

/**
 * The one Redis command the store sends (node-redis 5 and later).
 * @param {import("redis").RedisClientType} redis
 * @param {string} key
 * @param {number} ttlMs
 */
const setIfAbsent = (redis, key, ttlMs) => redis.set(key, "1", { condition: "NX", expiration: { type: "PX", value: ttlMs } });

/**
 * A replay store over a connected node-redis client: `seen()` resolves true
 * when another receiver (or this one) already recorded the id.
 */
export function redisSeenStore(redis, { prefix = "halo-webhook:" } = {}) {
  return {
    async seen(id, rememberUntil) {
      // PX, a duration from this process's clock, rather than PXAT: a Redis
      // host whose clock runs ahead would otherwise forget ids too early.
      const ttlMs = Math.max(1, Math.ceil(rememberUntil - Date.now()));
      return (await setIfAbsent(redis, `${prefix}${id}`, ttlMs)) === null;
    },
  };
}

/**
 * Connects to `url` (redis://host:port) and returns the store and a close().
 * While Redis is unreachable, seen() rejects at once instead of queueing:
 * verifyWebhook then fails with a retryable HaloValidationError (field
 * "seen"), the receiver answers 5xx, and Halo delivers again later.
 */
export async function connectRedisSeenStore(url) {
  const redis = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5_000 } });
  // Without a listener, a dropped connection's "error" event ends the process.
  redis.on("error", (error) => console.error(`receiver: redis: ${error.message}`));
  await redis.connect();
  return { store: redisSeenStore(redis), close: () => redis.close() };
}
