//! The wasm shell: the only code that touches JavaScript. It performs what
//! the core decides (fetch, sleep, call `getToken`) and translates between
//! JS values and core types. No protocol rule lives here.

// The modules every call runs through format nothing (clippy.toml's
// `format!` rule; a size and speed idiom, docs/contributing.md): their
// errors take their text from the core. transport.rs, being reworked, does
// not deny it yet: its broken-host messages format.
#[deny(clippy::disallowed_macros)]
mod bodies;
#[deny(clippy::disallowed_macros)]
mod call_loop;
mod convert;
#[cfg(feature = "integrator")]
mod delivery;
#[cfg(feature = "device")]
#[deny(clippy::disallowed_macros)]
mod device_client;
#[cfg(feature = "device")]
mod device_inputs;
#[deny(clippy::disallowed_macros)]
mod events;
mod fields;
#[deny(clippy::disallowed_macros)]
mod host;
#[cfg(feature = "integrator")]
#[expect(
    clippy::disallowed_methods,
    reason = "integrator only (the feature gate): it reads Halo's token and site answers with serde-wasm-bindgen, on servers"
)]
mod integrator_client;
mod js_error;
#[deny(clippy::disallowed_macros)]
mod names;
mod operation_inputs;
mod panic_hook;
#[cfg(feature = "integrator")]
mod row_stream;
#[deny(clippy::disallowed_macros)]
mod site_calls;
#[cfg(feature = "device")]
mod token_driver;
mod transport;
#[cfg(feature = "integrator")]
mod webhooks;

#[cfg(feature = "device")]
pub use device_client::{generate_device_id, DeviceClient};
pub use host::AbortSignal;

// talc instead of std's dlmalloc: 2.6 to 2.9 KiB less gzip per entry; this
// wasm is single-threaded (no `atomics`), which talc's cell requires.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
#[cfg(feature = "integrator")]
pub use delivery::{
    delivery_backoff_ms_js, is_failed_query_state, plan_status_batches_js, rate_limited_until_js,
    result_expiry, status_batch_limit,
};
#[cfg(feature = "integrator")]
pub use integrator_client::IntegratorClient;
pub use panic_hook::on_panic;
#[cfg(feature = "integrator")]
pub use webhooks::{expand_webhook_url, sign_webhook_request, verify_webhook_request};
