//! Numbers from JavaScript. Every numeric option and argument is an `f64`
//! that may be NaN, infinite, negative or fractional; one check here keeps
//! each of them from turning into a saturated cast or a deadline that never
//! comes.

use super::error::HaloError;

/// Accepts a JavaScript number that must be a whole number within a range.
/// NaN and the infinities fail every comparison, so they are refused too.
/// (The message does not echo the number: float formatting would add
/// kilobytes to the wasm for no help to the reader.)
pub fn whole_number(field: &str, value: f64, min: u64, max: u64) -> Result<u64, HaloError> {
    if value.fract() == 0.0 && value >= min as f64 && value <= max as f64 {
        Ok(value as u64)
    } else {
        Err(HaloError::validation(
            field,
            format!("{field} must be a whole number from {min} to {max}"),
        ))
    }
}

/// [`whole_number`] for an optional value: absent stays absent.
pub fn optional_whole_number(
    field: &str,
    value: Option<f64>,
    min: u64,
    max: u64,
) -> Result<Option<u64>, HaloError> {
    value.map(|v| whole_number(field, v, min, max)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_whole_and_in_range() {
        assert_eq!(whole_number("n", 5.0, 0, 10).unwrap(), 5);
        assert_eq!(whole_number("n", 0.0, 0, 10).unwrap(), 0);
        assert_eq!(whole_number("n", -0.0, 0, 10).unwrap(), 0);
        for bad in [
            -1.0,
            11.0,
            2.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::EPSILON,
            1e300,
        ] {
            let error = whole_number("n", bad, 0, 10).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("n"), "{bad}");
        }
    }

    #[test]
    fn absent_numbers_stay_absent() {
        assert_eq!(optional_whole_number("n", None, 1, 2).unwrap(), None);
        assert_eq!(
            optional_whole_number("n", Some(2.0), 1, 2).unwrap(),
            Some(2)
        );
        assert!(optional_whole_number("n", Some(f64::NAN), 1, 2).is_err());
    }
}
