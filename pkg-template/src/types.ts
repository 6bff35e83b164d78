// The package's types are generated from the Rust definitions into
// generated/types.ts (see src/core/boundary/ in the crate); this module
// re-exports them beside the few host types that have no Rust counterpart.
export type * from "./generated/types.js";

// A host function type: the core never sees `fetch`, only what it returns.
/**
 * The `fetch` a client sends its requests with: `globalThis.fetch` unless
 * you pass another with the same shape, such as Electron's `net.fetch`.
 *
 * @example
 * import { net } from "electron";
 * const client = new HaloDeviceClient({ environment: "production", siteId, deviceId, getToken, fetch: (url, init) => net.fetch(url, init) });
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

// FHIR resources pass through untouched: the core does not model them, and
// their open index signature and resource type parameter have no Rust shape.
/**
 * Any FHIR resource; narrow it with your own FHIR types.
 *
 * @example
 * interface Patient extends FhirResource { resourceType: "Patient"; birthDate?: string }
 * const patient = await client.fhirRead<Patient>("Patient", "1");
 */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/**
 * A FHIR `Bundle`, as `fhirSearch` resolves with: the matching resources
 * are in `entry[].resource`.
 *
 * @example
 * const bundle = await client.fhirSearch("Patient", { family: "Smith" });
 * const patients = (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
 */
export interface FhirBundle<T extends FhirResource = FhirResource> extends FhirResource {
  resourceType: "Bundle";
  type?: string;
  total?: number;
  /** `relation: "next"` names the following page (`fhirSearchPages` follows it). */
  link?: Array<{ relation?: string; url?: string }>;
  entry?: Array<{ fullUrl?: string; resource?: T; search?: { mode?: string } }>;
}

// Host types (`URLSearchParams`, tuples) the facade turns into a form body.
/**
 * Search parameters: an object (arrays repeat a name), `URLSearchParams`, or pairs.
 *
 * @example
 * await client.fhirSearch("Patient", { family: "Smith", gender: "male" });
 * await client.fhirSearch("Patient", { birthdate: ["ge1970-01-01", "lt1980-01-01"] });
 * await client.fhirSearch("Patient", new URLSearchParams("given=Jane"));
 * await client.fhirSearch("Patient", [["identifier", "2123456701"]]);
 */
export type FhirSearchParams =
  | Record<string, string | number | ReadonlyArray<string | number>>
  | URLSearchParams
  | ReadonlyArray<readonly [string, string]>;

// The wasm's own object; the facade wraps it in an async generator.
/**
 * @internal What the integrator wasm's `call("streamResultPage")` resolves
 * with. Use `HaloIntegratorSite.streamResultPage`, which wraps it.
 */
export interface RowStreamHandle {
  /** The next rows as JSON texts of row objects (at least one), or `undefined` once the page is complete. */
  next(): Promise<string[] | undefined>;
  /** Stops reading and closes the connection. */
  cancel(): void;
  /** Frees the wasm side. */
  free(): void;
}
