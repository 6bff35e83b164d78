// The core's `JsonSource` over serde_json, for tests: native tests parse
// with serde_json where the shell uses `JSON.parse`, and both feed the same
// decoders. Included (with `JsonSource` in scope) by the unit tests of
// src/core/responses.rs and by tests/support, so it is written once.

/// A parsed JSON value.
pub struct Json(pub serde_json::Value);

impl Json {
    /// Parses `text`, which the test wrote and must be JSON.
    pub fn parse(text: &str) -> Self {
        Json(serde_json::from_str(text).expect("test JSON"))
    }

    fn field(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.as_object()?.get(key)
    }
}

impl JsonSource for Json {
    fn text(&self, key: &str) -> Option<String> {
        self.field(key)?.as_str().map(str::to_owned)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.field(key)?.as_f64()
    }

    fn object(&self, key: &str) -> Option<Self> {
        self.field(key).filter(|v| v.is_object()).cloned().map(Json)
    }

    fn first_of_array(&self, key: &str) -> Option<Option<Self>> {
        let items = self.field(key)?.as_array()?;
        Some(items.first().filter(|v| v.is_object()).cloned().map(Json))
    }
}
