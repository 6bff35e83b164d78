//! The wasm shell: the only code that touches JavaScript. It performs what
//! the core decides (fetch, sleep, call `getToken`) and translates between
//! JS values and core types. No protocol rule lives here.

mod bodies;
mod call_loop;
mod convert;
#[cfg(feature = "integrator")]
mod delivery;
#[cfg(feature = "device")]
mod device_client;
#[cfg(feature = "device")]
mod device_inputs;
mod events;
mod fields;
mod host;
#[cfg(feature = "integrator")]
mod integrator_client;
mod js_error;
mod names;
mod operation_inputs;
mod panic_hook;
#[cfg(feature = "integrator")]
mod row_stream;
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
    delivery_backoff_ms_js, plan_status_batches_js, rate_limited_until_js, result_expiry,
    status_batch_limit,
};
#[cfg(feature = "integrator")]
pub use integrator_client::IntegratorClient;
pub use panic_hook::on_panic;
#[cfg(feature = "integrator")]
pub use webhooks::{expand_webhook_url, verify_webhook_request};
