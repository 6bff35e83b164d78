//! The wasm shell: the only code that touches JavaScript. It performs what
//! the core decides (fetch, sleep, call `getToken`) and translates between
//! JS values and core types. No protocol rule lives here.

mod bodies;
mod call_loop;
mod convert;
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
mod operation_inputs;
mod panic_hook;
mod site_calls;
#[cfg(feature = "device")]
mod token_driver;
mod transport;
#[cfg(feature = "integrator")]
mod webhooks;

#[cfg(feature = "device")]
pub use device_client::{generate_device_id, DeviceClient};
pub use host::AbortSignal;
#[cfg(feature = "integrator")]
pub use integrator_client::IntegratorClient;
pub use panic_hook::on_panic;
#[cfg(feature = "integrator")]
pub use webhooks::{expand_webhook_url, verify_webhook_request};
