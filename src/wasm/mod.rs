//! The wasm shell: the only code that touches JavaScript. It performs what
//! the core decides (fetch, sleep, call `getToken`) and translates between
//! JS values and core types. No protocol rule lives here.

mod call_loop;
mod convert;
mod device_client;
mod events;
mod host;
mod integrator_client;
mod js_error;
mod panic_hook;
mod token_driver;
mod transport;
mod webhooks;

pub use device_client::{generate_device_id, DeviceClient};
pub use host::AbortSignal;
pub use integrator_client::IntegratorClient;
