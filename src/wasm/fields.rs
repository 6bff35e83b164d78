//! Reading plain JavaScript objects field by field: what serde-wasm-bindgen
//! did for the device entry, at a fraction of the wasm size (serde's
//! generic machinery and its float formatting were a quarter of the module).
//!
//! Options and arguments are read strictly: a field of the wrong type is a
//! validation error naming it. Response bodies are read leniently: a field
//! of the wrong type is as good as absent, and the core decides.

use crate::core::error::HaloError;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// One object's fields; `path` prefixes field names in error messages.
pub struct Fields<'a> {
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
    #[cfg(feature = "device")]
    pub fn of(value: JsValue, name: &str, path: &'a str) -> Result<Self, HaloError> {
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
    pub fn lenient(value: JsValue) -> Self {
        Self {
            object: value,
            path: "",
        }
    }

    pub fn value(&self, key: &str) -> JsValue {
        if self.object.is_object() {
            Reflect::get(&self.object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    }

    fn present(&self, key: &str) -> Option<JsValue> {
        let value = self.value(key);
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    #[cfg(feature = "device")]
    pub fn string(&self, key: &str) -> Result<Option<String>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => value
                .as_string()
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "a string")),
        }
    }

    #[cfg(feature = "device")]
    pub fn number(&self, key: &str) -> Result<Option<f64>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "a number")),
        }
    }

    #[cfg(feature = "device")]
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => value
                .as_bool()
                .map(Some)
                .ok_or_else(|| wrong_type(self.path, key, "true or false")),
        }
    }

    /// The elements of an array field (`None` when absent).
    pub fn array(&self, key: &str) -> Result<Option<Vec<JsValue>>, HaloError> {
        match self.present(key) {
            None => Ok(None),
            Some(value) => match value.dyn_into::<Array>() {
                Ok(array) => Ok(Some(array.iter().collect())),
                Err(_) => Err(wrong_type(self.path, key, "an array")),
            },
        }
    }

    /// A nested object's fields, for lenient reading.
    pub fn nested(&self, key: &str) -> Option<Fields<'static>> {
        self.present(key)
            .filter(JsValue::is_object)
            .map(Fields::lenient)
    }

    /// Lenient accessors for response bodies.
    pub fn text(&self, key: &str) -> Option<String> {
        self.present(key)?.as_string()
    }

    pub fn float(&self, key: &str) -> Option<f64> {
        self.present(key)?.as_f64()
    }
}
