/**
 * `halo-device/integrator`: the integrator's side of Halo Cloud, for your
 * servers only: never a browser, and never Electron's main process, which
 * is still the user's machine. A `HaloIntegratorClient` authenticated by
 * your subscription key issues device tokens, resolves a practice's PMS ID
 * to its Halo GUID and pairs sites; `createTokenBroker` is the devices'
 * token endpoint as a web-standard handler; `verifyWebhook` and
 * `expandWebhookUrl` handle Halo's webhooks.
 *
 * @example
 * import { HaloIntegratorClient } from "halo-device/integrator";
 *
 * const integrator = new HaloIntegratorClient({ environment: "stage", subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY! });
 * const { siteId } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice", expect: { practiceName: "Halo Clinic North" } });
 * const { rows } = await integrator.site(siteId).immediateQuery("SELECT InternalID, Surname FROM Patients");
 *
 * @module
 */

export * from "./integrator-client.js";
export { MAX_WEBHOOK_BODY_BYTES } from "./generated/webhook-limits.js";
export { init } from "./integrator-init.js";
// The server kit: web-standard handlers for your cloud.
export { createTokenBroker } from "./server/token-broker.js";
export type { TokenBrokerErrorCode, TokenBrokerEvent, TokenBrokerOptions, TokenClaims, TokenGrant } from "./server/token-broker.js";
export type { CompiledModule, InitInput } from "./loader.js";
// Every error class and type the Rust error table defines.
export * from "./generated/errors.js";
export type * from "./integrator-types.js";
// The shared query surface and its types, as the device entry exports them.
export type * from "./types.js";
export type { HaloQueries } from "./queries.js";
export { decodeRows } from "./decode.js";
// The server kit: durable result delivery and its request handlers.
export { createResultDelivery } from "./server/delivery/component.js";
export type { ResultDelivery, ResultDeliveryOptions, ReconcileReport } from "./server/delivery/component.js";
export type * from "./server/delivery/types.js";
export { createMemoryDeliveryBackend } from "./server/stores/memory.js";
export { createBullMQDeliveryBackend } from "./server/stores/bullmq.js";
export type { BullMQDeliveryOptions } from "./server/stores/bullmq.js";
export { createRedisSeenStore } from "./server/stores/redis-seen.js";
export type { RedisSetClient } from "./server/stores/redis-seen.js";
export { createWebhookHandler, createQueryReportHandler } from "./server/webhook-handler.js";
export type { WebhookHandlerOptions, QueryReport, QueryReportHandlerOptions } from "./server/webhook-handler.js";
