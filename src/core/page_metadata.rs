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
/// holds exactly: ASCII digits only, around optional spaces or tabs.
fn whole(value: Option<&str>) -> Option<u64> {
    let digits = value?.trim_matches([' ', '\t']);
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n <= MAX_SAFE_INTEGER)
}

impl PageMetadata {
    /// The metadata from the values of [`PAGE_METADATA_HEADERS`], in order;
    /// `None` when none of them is usable (Halo sent no metadata).
    pub fn from_headers(values: [Option<&str>; 4]) -> Option<Self> {
        let [size, rows_count, rows_range_start, rows_range_end] = values.map(whole);
        let metadata = PageMetadata {
            size,
            rows_count,
            rows_range_start,
            rows_range_end,
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

    #[test]
    fn whole_numbers_are_read_and_junk_is_left_out() {
        let metadata =
            PageMetadata::from_headers([Some("2048"), Some(" 10 "), Some("0"), Some("9")]).unwrap();
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
            let metadata = PageMetadata::from_headers([Some("7"), Some(junk), None, None]).unwrap();
            assert_eq!(
                (metadata.size, metadata.rows_count),
                (Some(7), None),
                "{junk:?}"
            );
        }
        assert_eq!(
            PageMetadata::from_headers([Some("9007199254740991"), None, None, None])
                .unwrap()
                .size,
            Some(9_007_199_254_740_991)
        );
    }

    #[test]
    fn no_usable_header_is_no_metadata() {
        assert_eq!(PageMetadata::from_headers([None; 4]), None);
        assert_eq!(
            PageMetadata::from_headers([Some("x"), Some("-2"), None, Some("")]),
            None
        );
    }
}
