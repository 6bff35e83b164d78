//! A parsed JSON body as the core reads it. The host parses (the shell with
//! `JSON.parse`, tests with serde_json) and each body shape's one decoder,
//! in the core, takes only the fields it needs through this trait, leniently:
//! a field of the wrong type reads as absent and the core decides. The
//! caller's own input is read the same way, strictly, through [`InputSource`].

use super::error::HaloError;

/// One JSON object's fields.
pub trait JsonSource: Sized {
    /// The string at `key`, if it is one.
    fn text(&self, key: &str) -> Option<String>;
    /// The number at `key`, if it is one.
    fn number(&self, key: &str) -> Option<f64>;
    /// The object at `key`, if it is one.
    fn object(&self, key: &str) -> Option<Self>;
    /// The array at `key`: `None` when it is not one, else its first
    /// element if that is an object (only the first is ever needed).
    fn first_of_array(&self, key: &str) -> Option<Option<Self>>;
}

/// One value of the caller's input (a command, its parameters), read
/// strictly: a field of the wrong type is a validation error naming it. The
/// shell implements it over JavaScript values; tests over serde_json.
pub trait InputSource: Sized {
    /// The value itself when it is a string (a command given as SQL text);
    /// `field` names it if the string is not valid text.
    fn as_text(&self, field: &str) -> Result<Option<String>, HaloError>;
    /// The string at `key`, `None` when absent.
    fn string(&self, key: &str) -> Result<Option<String>, HaloError>;
    /// The number at `key`, `None` when absent.
    fn number(&self, key: &str) -> Result<Option<f64>, HaloError>;
    /// The objects of the array at `key`, `None` when absent. `check_count`
    /// sees the length before any element is read, so a huge array costs
    /// nothing; each element's fields are named `<path>.<key>[<index>]`.
    fn objects(
        &self,
        key: &str,
        check_count: fn(usize) -> Result<(), HaloError>,
    ) -> Result<Option<Vec<Self>>, HaloError>;
}

/// Both sources over serde_json, for the core's unit tests; the same file
/// serves the integration tests (tests/support).
#[cfg(test)]
// The file's items are `pub` for the integration tests that include it too.
#[allow(unreachable_pub)]
pub(crate) mod test_json {
    use super::{InputSource, JsonSource};
    use crate::core::error::HaloError;
    include!("../../tests/support/json_source.rs");
}
