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

/// A parsed JSON value read as the caller's input, with the path its fields
/// are named under in errors, as the shell names them.
pub struct JsonInput {
    value: serde_json::Value,
    path: String,
}

impl JsonInput {
    /// `value`, read as the argument named `path` (e.g. `command`).
    pub fn new(path: &str, value: serde_json::Value) -> Self {
        JsonInput {
            value,
            path: path.to_owned(),
        }
    }

    fn field(&self, key: &str, expected: &str) -> Result<Option<&serde_json::Value>, HaloError> {
        let object = match &self.value {
            serde_json::Value::Object(object) => object,
            serde_json::Value::Null => return Ok(None),
            _ => {
                let message = format!("{} must be an object", self.path);
                return Err(HaloError::validation(&self.path, message));
            }
        };
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) if value_is(value, expected) => Ok(Some(value)),
            Some(_) => {
                let field = format!("{}.{key}", self.path);
                let message = format!("{field} must be {expected}");
                Err(HaloError::validation(&field, message))
            }
        }
    }
}

fn value_is(value: &serde_json::Value, expected: &str) -> bool {
    match expected {
        "a string" => value.is_string(),
        "a number" => value.is_number(),
        _ => value.is_array(),
    }
}

impl InputSource for JsonInput {
    fn as_text(&self, _field: &str) -> Result<Option<String>, HaloError> {
        Ok(self.value.as_str().map(str::to_owned))
    }

    fn string(&self, key: &str) -> Result<Option<String>, HaloError> {
        Ok(self.field(key, "a string")?.and_then(|v| v.as_str()).map(str::to_owned))
    }

    fn number(&self, key: &str) -> Result<Option<f64>, HaloError> {
        Ok(self.field(key, "a number")?.and_then(serde_json::Value::as_f64))
    }

    fn objects(
        &self,
        key: &str,
        check_count: fn(usize) -> Result<(), HaloError>,
    ) -> Result<Option<Vec<Self>>, HaloError> {
        let Some(items) = self.field(key, "an array")?.and_then(|v| v.as_array()) else {
            return Ok(None);
        };
        check_count(items.len())?;
        let read = items.iter().enumerate().map(|(index, value)| {
            JsonInput::new(&format!("{}.{key}[{index}]", self.path), value.clone())
        });
        Ok(Some(read.collect()))
    }
}
