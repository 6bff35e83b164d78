//! halo-device: a client for the Halo Cloud (Halo Connect) Device API.
//!
//! The crate has two halves with one rule between them:
//! - [`core`] is sans-IO Rust. It validates input, describes HTTP requests,
//!   classifies responses and runs the token engine as a pure state machine.
//!   Time and randomness come in as arguments, so `cargo test` exercises all
//!   of it natively.
//! - `wasm` (only on `wasm32`) is the shell that performs the I/O the core
//!   asks for: `fetch`, timers, the integrator's `getToken` callback, and the
//!   mapping of core errors to JavaScript `Error` objects. It holds no rules.

// Every public item says what it means, and nothing is `pub` that the
// crate root does not reach: the shell's items are `pub(crate)` at most.
#![warn(missing_docs, unreachable_pub)]
// No str slicing in what ships (a size idiom, docs/contributing.md): an
// index that misses a char boundary panics, and the panic's message brings
// char formatting and Unicode tables into the wasm. Tests may slice.
#![cfg_attr(not(test), deny(clippy::string_slice))]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod generated_files;
