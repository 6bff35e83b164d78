//! The property and header names the shell reads on every call, as JS
//! strings made once: passing a Rust `&str` decodes it from wasm memory
//! into a new JS string at each crossing, about 20 times per request.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

// rustfmt drops the string of a static in an extern block.
#[rustfmt::skip]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static THEN: JsString = "then";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static ABORT: JsString = "abort";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static ABORTED: JsString = "aborted";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static REASON: JsString = "reason";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static HEADERS: JsString = "headers";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static GET: JsString = "get";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static BODY: JsString = "body";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static GET_READER: JsString = "getReader";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static READ: JsString = "read";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static DONE: JsString = "done";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static VALUE: JsString = "value";
    #[wasm_bindgen(thread_local_v2, static_string)]
    pub(super) static CANCEL: JsString = "cancel";
}

/// A name made once, and its Rust text for error messages.
pub(super) type Name = wasm_bindgen::JsThreadLocal<JsString>;

/// Reads `object[name]` through `Reflect`, which catches a throwing getter.
pub(super) fn get(object: &JsValue, name: &'static Name) -> Result<JsValue, JsValue> {
    name.with(|name| js_sys::Reflect::get(object, name))
}

/// The name's text, for an error message.
pub(super) fn text(name: &'static Name) -> String {
    name.with(|name| String::from(name))
}
