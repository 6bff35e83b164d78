//! A parsed JSON body as the core reads it. The host parses (the shell with
//! `JSON.parse`, tests with serde_json) and each body shape's one decoder,
//! in the core, takes only the fields it needs through this trait, leniently:
//! a field of the wrong type reads as absent and the core decides.

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
