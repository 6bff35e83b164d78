// The integrator entry's types are generated from the Rust definitions into
// generated/integrator-types.ts (see src/core/boundary/ in the crate); this
// module re-exports them beside the one host type with no Rust counterpart.
export type * from "./generated/integrator-types.js";

// Host types: a fetch `Headers` or Node's `IncomingHttpHeaders`, which the
// facade reads before the core sees any header.
/**
 * A webhook request's headers: a fetch `Headers`, a `Map`, or a plain
 * object such as Node's `request.headers`. Names are matched
 * case-insensitively in each.
 *
 * @example
 * await verifyWebhook({ rawBody: await request.text(), headers: request.headers, secret }); // fetch-style handler
 * await verifyWebhook({ rawBody: body, headers: req.headers, secret });                     // node:http or Express
 */
export type WebhookHeaders = Headers | ReadonlyMap<string, string | string[] | undefined> | Record<string, string | string[] | undefined>;
