//! A result page's metadata, from the response headers Halo documents for
//! `getResultPage`: `Size`, `Rows-Count`, `Rows-Range-Start`,
//! `Rows-Range-End`. They are read strictly but never fail the page: the
//! rows are in the body, and a header is advisory, so one that is not a
//! whole non-negative number is left out rather than refused.

/// JavaScript's `Number.MAX_SAFE_INTEGER`: larger counts would not arrive exact.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The headers the shell reads from a result page's response, in the order
/// [`PageMetadata::from_headers`] takes their values.
pub const PAGE_METADATA_HEADERS: [&str; 4] =
    ["Size", "Rows-Count", "Rows-Range-Start", "Rows-Range-End"];

/// A result page's metadata from Halo's response headers, each field only
/// when Halo sent that header as a whole number: `Size` (bytes),
/// `Rows-Count`, `Rows-Range-Start` and `Rows-Range-End` (Halo's examples
/// number rows both from 0 and from 1; they are passed on as sent).
///
/// @example
/// const { rows, metadata } = await client.getResultPage(queryId, 2);
/// console.log(`${metadata?.rowsCount ?? rows.length} rows, ${metadata?.size ?? "?"} bytes`);
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(
        rename = "ResultPageMetadata",
        rename_all = "camelCase",
        optional_fields
    )
)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageMetadata {
    /// `Size`: the page's size in bytes.
    pub size: Option<u64>,
    /// `Rows-Count`: the rows in the page.
    pub rows_count: Option<u64>,
    /// `Rows-Range-Start`: the page's first row number.
    pub rows_range_start: Option<u64>,
    /// `Rows-Range-End`: the page's last row number.
    pub rows_range_end: Option<u64>,
}

/// A header value that is a whole non-negative number a JavaScript number
/// holds exactly: ASCII digits only (a `Headers` object has already
/// stripped the surrounding whitespace).
fn whole(value: Option<String>) -> Option<u64> {
    let digits = value?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    // By hand: `str::parse` would bring the core's integer parser into the wasm.
    let mut number = 0u64;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return None;
        }
        number = number * 10 + u64::from(byte - b'0');
    }
    (number <= MAX_SAFE_INTEGER).then_some(number)
}

impl PageMetadata {
    /// The metadata from the [`PAGE_METADATA_HEADERS`], each asked of
    /// `header`; `None` when none is usable (Halo sent no metadata).
    pub fn read(mut header: impl FnMut(&str) -> Option<String>) -> Option<Self> {
        let [size, rows_count, rows_range_start, rows_range_end] = PAGE_METADATA_HEADERS;
        let metadata = PageMetadata {
            size: whole(header(size)),
            rows_count: whole(header(rows_count)),
            rows_range_start: whole(header(rows_range_start)),
            rows_range_end: whole(header(rows_range_end)),
        };
        (metadata != PageMetadata::default()).then_some(metadata)
    }

    /// The fields present, by their JavaScript names.
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, u64)> {
        [
            ("size", self.size),
            ("rowsCount", self.rows_count),
            ("rowsRangeStart", self.rows_range_start),
            ("rowsRangeEnd", self.rows_range_end),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(values: [Option<&str>; 4]) -> Option<PageMetadata> {
        PageMetadata::read(|name| {
            let at = PAGE_METADATA_HEADERS
                .iter()
                .position(|known| *known == name)?;
            values[at].map(str::to_owned)
        })
    }

    #[test]
    fn whole_numbers_are_read_and_junk_is_left_out() {
        let metadata = from([Some("2048"), Some("10"), Some("0"), Some("9")]).unwrap();
        assert_eq!(
            metadata,
            PageMetadata {
                size: Some(2048),
                rows_count: Some(10),
                rows_range_start: Some(0),
                rows_range_end: Some(9),
            }
        );
        assert_eq!(
            metadata.fields().collect::<Vec<_>>(),
            [
                ("size", 2048),
                ("rowsCount", 10),
                ("rowsRangeStart", 0),
                ("rowsRangeEnd", 9)
            ]
        );
        for junk in [
            "",
            " ",
            " 1",
            "-1",
            "+1",
            "1.5",
            "1e3",
            "0x10",
            "ten",
            "١٢",
            "9007199254740992",
            "99999999999999999999",
            "1 2",
        ] {
            let metadata = from([Some("7"), Some(junk), None, None]).unwrap();
            assert_eq!(
                (metadata.size, metadata.rows_count),
                (Some(7), None),
                "{junk:?}"
            );
        }
        assert_eq!(
            from([Some("9007199254740991"), None, None, None])
                .unwrap()
                .size,
            Some(9_007_199_254_740_991)
        );
    }

    #[test]
    fn no_usable_header_is_no_metadata() {
        assert_eq!(from([None; 4]), None);
        assert_eq!(from([Some("x"), Some("-2"), None, Some("")]), None);
    }
}
