//! Response bodies, as the value the host's `JSON.parse` produced, read by
//! the core's decoders field by field. Large fields (`result.data`) are
//! never read.

use super::fields::Fields;
use crate::core::json_source::JsonSource;
use crate::core::responses::ErrorBody;
use crate::core::responses::QueryStatus;
use wasm_bindgen::JsValue;

impl JsonSource for Fields<'static> {
    fn text(&self, key: &str) -> Option<String> {
        Fields::text(self, key)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.float(key)
    }

    fn object(&self, key: &str) -> Option<Self> {
        self.nested(key)
    }

    fn first_of_array(&self, key: &str) -> Option<Option<Self>> {
        let items = self.array(key).ok().flatten()?;
        let first = items.get(0);
        Some(first.is_object().then(|| Fields::lenient(first)))
    }
}

/// Any documented error shape, for the core to classify.
pub(super) fn error_body(body: JsValue) -> ErrorBody {
    ErrorBody::read(&Fields::lenient(body))
}

/// The fields of a query object that decide what happened to it.
pub(super) fn query_status(body: &JsValue) -> QueryStatus {
    QueryStatus::read(&Fields::lenient(body.clone()))
}
