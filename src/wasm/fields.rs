//! Reading plain JavaScript objects field by field: what serde-wasm-bindgen
//! did for the device entry, at a fraction of the wasm size (serde's
//! generic machinery and its float formatting were a quarter of the module).
//!
//! Options and arguments are read strictly: a field of the wrong type is a
//! validation error naming it. Response bodies are read leniently: a field
//! of the wrong type is as good as absent, and the core decides.
//!
//! Only own properties are read: a property inherited from a polluted
//! `Object.prototype` (say `pathPrefix` or `timeoutMs`) must not change
//! where or how a request is sent.

use crate::core::error::HaloError;
use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A JS string as a Rust string, or `None` for any other value. A string
/// that is not valid UTF-16 (a lone surrogate) is refused naming `field`:
/// converting it would send U+FFFD in its place, a different query.
pub(super) fn js_string(field: &str, value: &JsValue) -> Result<Option<String>, HaloError> {
    let Some(text) = value.as_string() else {
        return Ok(None);
    };
    // The conversion turns each lone surrogate into U+FFFD, so a result
    // without one needs no check: the usual case costs nothing more. (Bytes:
    // `contains('\u{FFFD}')` is a substring search with panics and tables.)
    if text
        .as_bytes()
        .windows(3)
        .any(|bytes| bytes == "\u{FFFD}".as_bytes())
        && !value.unchecked_ref::<JsString>().is_valid_utf16()
    {
        return Err(HaloError::validation(
            field,
            format!("{field} is not valid text: it contains a lone UTF-16 surrogate"),
        ));
    }
    Ok(Some(text))
}

/// One object's fields; `path` prefixes field names in error messages.
pub(super) struct Fields<'a> {
    object: JsValue,
    path: &'a str,
}

fn field_name(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn wrong_type(path: &str, key: &str, expected: &str) -> HaloError {
    let field = field_name(path, key);
    HaloError::validation(&field, format!("{field} must be {expected}"))
}

impl<'a> Fields<'a> {
    /// `undefined` and `null` read as an empty object; anything else that is
    /// not an object is an error naming the argument `name`. `path` prefixes
    /// field names (empty for options, whose fields are named on their own).
    pub(super) fn of(value: JsValue, name: &str, path: &'a str) -> Result<Self, HaloError> {
        if value.is_undefined() || value.is_null() || value.is_object() {
            Ok(Self {
                object: value,
                path,
            })
        } else {
            Err(HaloError::validation(
                name,
                format!("{name} must be an object"),
            ))
        }
    }

    /// Reads a response body: never fails; a non-object has no fields.
    pub(super) fn lenient(value: JsValue) -> Self {
        Self {
            object: value,
            path: "",
        }
    }

    /// The own property `key`, or `undefined`.
    pub(super) fn value(&self, key: &str) -> JsValue {
        let key = JsValue::from_str(key);
        match self.object.dyn_ref::<Object>() {
            Some(object) if Object::has_own(object, &key) => {
                Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED)
            }
            _ => JsValue::UNDEFINED,
        }
    }

    fn present(&self, key: &str) -> Option<JsValue> {
        let value = self.value(key);
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => js_string(&field_name(self.path, key), &value)?
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "a string")),
        }
    }

    pub(super) fn number(&self, key: &str) -> Result<Option<f64>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "a number")),
        }
    }

    #[cfg(feature = "device")]
    pub(super) fn boolean(&self, key: &str) -> Result<Option<bool>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => value
                .as_bool()
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "true or false")),
        }
    }

    /// An array field (`None` when absent).
    pub(super) fn array(&self, key: &str) -> Result<Option<Array>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => match value.dyn_into::<Array>() {
                Ok(array) => Ok(Some(array)),
                Err(_) => Err(wrong_type(self.path, key, "an array")),
            },
        }
    }

    /// A nested object's fields, for lenient reading.
    pub(super) fn nested(&self, key: &str) -> Option<Fields<'static>> {
        self.present(key)
            .filter(JsValue::is_object)
            .map(Fields::lenient)
    }

    /// Lenient accessors for response bodies.
    pub(super) fn text(&self, key: &str) -> Option<String> {
        self.present(key)?.as_string()
    }

    pub(super) fn float(&self, key: &str) -> Option<f64> {
        self.present(key)?.as_f64()
    }
}
