//! Checks on short texts that several integrator inputs and answers share.

use crate::core::error::HaloError;

/// Trims `value` and checks it is 1 to `max_chars` characters on one line.
/// The value is not echoed: some callers pass codes the practice gave them.
pub(super) fn single_line_text<'a>(
    field: &str,
    value: &'a str,
    max_chars: usize,
) -> Result<&'a str, HaloError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(HaloError::validation(field, format!("{field} is required")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(HaloError::validation(
            field,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(HaloError::validation(
            field,
            format!("{field} must not contain control characters such as line breaks"),
        ));
    }
    Ok(trimmed)
}

/// Blank strings (values or headers) say nothing; treat them as absent.
pub(super) fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}
