//! A panic in wasm is a bug in this crate, and it kills the instance: say so
//! on the console, with the location, instead of a bare `unreachable` trap.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!(
            "halo-device: internal error, please report it (this instance can no longer be used): {info}"
        ));
    }));
}
