//! The `onEvent` callback: request, response, retry and token events. Events
//! carry methods, paths (which name the site), statuses and timings only.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

pub(super) struct Events {
    listener: Option<Function>,
}

/// Builds one event object; fields are added only when someone listens.
pub(super) struct Event {
    object: Object,
}

impl Event {
    pub(super) fn field(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.object, &JsValue::from_str(key), &value.into());
        self
    }
}

impl Events {
    pub(super) fn new(listener: Option<Function>) -> Self {
        Self { listener }
    }

    /// Emits an event of `kind` built by `build`, which is not run at all
    /// when nobody listens.
    pub(super) fn emit(&self, kind: &str, build: impl FnOnce(Event) -> Event) {
        let Some(listener) = &self.listener else {
            return;
        };
        let event = build(
            Event {
                object: Object::new(),
            }
            .field("type", kind),
        );
        // A throwing listener is the app's bug; it must not break the call.
        let _ = listener.call1(&JsValue::UNDEFINED, &event.object);
    }
}
