//! The largest inputs the client sends. Halo publishes no request size
//! limit, only result limits (8 MB for immediate and registered results);
//! these bounds keep a runaway caller from building a request that no
//! server would take, and fail it up front with the field named. Sizes of
//! text that goes on the wire are UTF-8 bytes; names are characters.

use super::error::{ErrorKind, HaloError};
use super::numbers::optional_whole_number;

/// SQL text: far above any hand-written statement, an eighth of the whole.
pub const MAX_SQL_TEXT_BYTES: usize = 1 << 20;
/// One parameter's value.
pub const MAX_PARAMETER_VALUE_BYTES: usize = 4 << 20;
/// Text plus every parameter value: Halo's 8 MB result limit, mirrored.
pub const MAX_COMMAND_BYTES: usize = 8 << 20;
/// SQL Server's own limit on parameters per request.
pub const MAX_PARAMETERS: usize = 2_100;
/// SQL Server's identifier length (`sysname`), for parameter names and catalogues.
pub const MAX_SQL_NAME_CHARS: usize = 128;
/// A parameter's `size`: SQL Server sizes are 32-bit signed.
pub const MAX_PARAMETER_SIZE: u64 = i32::MAX as u64;
/// A registered query's label.
pub const MAX_REGISTERED_NAME_CHARS: usize = 256;
/// FHIR search parameters (name/value pairs) in one search.
pub const MAX_FHIR_SEARCH_PARAMS: usize = 100;
/// A POSTed FHIR search form, encoded.
pub const MAX_FHIR_SEARCH_FORM_BYTES: usize = 64 << 10;
/// A FHIR search sent with GET, encoded: URLs longer than 8 KiB are
/// refused by common servers and proxies.
pub const MAX_FHIR_SEARCH_QUERY_BYTES: usize = 8 << 10;
/// Query ids in one batch status call. Halo publishes no maximum; a
/// thousand covers any sensible batch and keeps the body near 40 KB.
pub const MAX_QUERY_STATUS_IDS: usize = 1_000;

/// One row of a streamed result page, as JSON text: Halo's 8 MB result
/// limit, so a row that could not fit in any result is refused before it
/// fills memory.
pub const MAX_STREAM_ROW_BYTES: usize = 8 << 20;
/// A whole streamed page. Streaming keeps memory at one row, so this only
/// stops a server that never ends its body: far above any page Halo serves.
pub const MAX_STREAM_PAGE_BYTES: u64 = 4 << 30;
/// Bracket nesting inside one streamed row (the row's own braces count one):
/// rows are flat column maps, so this is generous and bounds the splitter's state.
pub const MAX_STREAM_ROW_DEPTH: u32 = 64;

/// Refuses `size` over `max`; `unit` names what is counted.
pub fn at_most(field: &str, size: usize, max: usize, unit: &str) -> Result<(), HaloError> {
    if size <= max {
        Ok(())
    } else {
        Err(HaloError::validation(
            field,
            format!("{field} must be at most {max} {unit}"),
        ))
    }
}

/// The default `maxResponseBytes`: an immediate or registered result (8 MB
/// of rows) in base64 is under 11 MB, a result page less; four times that
/// leaves room and still stops a runaway or hostile server long before
/// memory does.
pub const MAX_RESPONSE_BYTES: u64 = 48 << 20;
/// The smallest `maxResponseBytes`: room for any of Halo's error bodies.
pub const MIN_RESPONSE_BYTES_OPTION: u64 = 1 << 10;
/// The largest `maxResponseBytes`: the body is decoded into one JS string,
/// and V8's longest is just under 512 Mi characters.
pub const MAX_RESPONSE_BYTES_OPTION: u64 = 256 << 20;

/// The `maxResponseBytes` option, [`MAX_RESPONSE_BYTES`] when absent.
pub fn max_response_bytes(value: Option<f64>) -> Result<u64, HaloError> {
    Ok(optional_whole_number(
        "maxResponseBytes",
        value,
        MIN_RESPONSE_BYTES_OPTION,
        MAX_RESPONSE_BYTES_OPTION,
    )?
    .unwrap_or(MAX_RESPONSE_BYTES))
}

/// Refuses a response whose size (as declared by `Content-Length`, or as
/// read: a JS string of `n` UTF-16 units holds at least `n` UTF-8 bytes)
/// is over `limit` (`maxResponseBytes`); `status` is the answer's.
pub fn response_within_limit(bytes: u64, limit: u64, status: u16) -> Result<(), HaloError> {
    if bytes <= limit {
        return Ok(());
    }
    let message = format!(
        "the response body is larger than the {limit} bytes this client reads (maxResponseBytes)"
    );
    Err(HaloError::new(ErrorKind::Protocol, message).with_status(status))
}

/// Refuses a text longer than `max` characters (counting stops past `max`).
pub fn at_most_chars(field: &str, text: &str, max: usize) -> Result<(), HaloError> {
    at_most(field, text.chars().take(max + 1).count(), max, "characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_over_the_limit_are_protocol_errors() {
        assert!(response_within_limit(2048, 2048, 200).is_ok());
        let error = response_within_limit(2049, 2048, 200).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Protocol);
        assert_eq!(error.status, Some(200));
        assert!(error.message.contains("2048 bytes"), "{}", error.message);
    }

    #[test]
    fn the_response_limit_option_is_whole_and_bounded() {
        assert_eq!(max_response_bytes(None).unwrap(), MAX_RESPONSE_BYTES);
        assert_eq!(max_response_bytes(Some(4096.0)).unwrap(), 4096);
        for bad in [
            f64::NAN,
            -1.0,
            1.5,
            1023.0,
            (257u64 << 20) as f64,
            f64::INFINITY,
        ] {
            let error = max_response_bytes(Some(bad)).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("maxResponseBytes"), "{bad}");
        }
    }

    #[test]
    fn sizes_over_the_limit_name_the_field() {
        assert!(at_most("f", 10, 10, "bytes").is_ok());
        let error = at_most("f", 11, 10, "bytes").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("f"));
        assert_eq!(error.message, "f must be at most 10 bytes");
        assert!(at_most_chars("n", "ééé", 3).is_ok());
        assert!(at_most_chars("n", "éééé", 3).is_err());
    }
}
