//! The wasm shell: the only code that touches JavaScript. It performs what
//! the core decides (fetch, sleep, call `getToken`) and translates between
//! JS values and core types. No protocol rule lives here.

mod device_client;
pub use device_client::{generate_device_id, DeviceClient};
pub use host::AbortSignal;

mod call_loop;
mod events;
mod host;
mod js_error;
mod token_driver;
mod transport;
