//! A panic in wasm is a bug in this crate, and it kills the instance: say so
//! on the console, with the location, instead of a bare `unreachable` trap,
//! and tell the facade. A panic inside a future that no call awaits (a token
//! renewal, or any future polled from the executor's microtask) traps
//! outside every call the facade could catch; without this, the instance
//! would look alive while its executor and `RefCell`s are left mid-operation
//! and later calls would hang.

use js_sys::{Error, Function};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

thread_local! {
    /// What the facade registered with `onPanic`.
    static LISTENER: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Registers the facade's `listener`, called with an `Error` when the wasm
/// panics, just before the instance traps.
#[wasm_bindgen(js_name = onPanic)]
pub fn on_panic(listener: Function) {
    LISTENER.with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(listener);
        }
    });
}

#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!(
            "halo-device: internal error, please report it (this instance can no longer be used): {info}"
        ));
        // Cloned out first: no borrow is held while JavaScript runs.
        let listener = LISTENER.with(|slot| slot.try_borrow().ok().and_then(|l| l.clone()));
        if let Some(listener) = listener {
            // No location or message: the console has both, and a message
            // could quote a value.
            let cause = Error::new("the wasm panicked (the console says where)");
            // A listener that throws changes nothing: the instance traps next.
            let _ = listener.call1(&JsValue::UNDEFINED, &cause);
        }
    }));
}
