//! The shapes that cross the package boundary and have no other Rust
//! definition: what the client methods resolve with (Halo's query objects,
//! decoded results, sites, verified webhooks), the options objects with
//! their callbacks, and the events. Shapes the core already reads
//! (commands, options, wire enums, token info, Site) derive their
//! TypeScript where they are defined; these complete the set, and
//! `generate` renders both into `pkg-template/src/generated/`.
//!
//! Test-only: the shell reads JavaScript values field by field and the
//! facade builds these results, so nothing in the library uses these
//! structs; they are the one definition the TypeScript is generated from.
//! Fields the host supplies as JavaScript values (callbacks, `Date`s,
//! `AbortSignal`) are `()` with the TypeScript type spelled beside them.
//!
//! `missing_docs` guards the library's API; these test-only fields document
//! themselves in TypeScript where their name says it all (`siteId`).
#![allow(missing_docs)]

pub mod device;
pub mod events;
pub mod integrator;

#[cfg(not(target_arch = "wasm32"))]
mod generate;
