//! Fuzz target: the streamed page splitter (`RowSplitter`). The body may
//! arrive cut anywhere; `serde_json` is the independent oracle for what a
//! valid page's rows are.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::{ErrorKind, HaloError};
use halo_device::core::row_stream::RowSplitter;
use proptest::prelude::*;
use serde_json::Value;

/// Rows, outcome and error message of feeding `bytes` cut at `cuts` (sorted
/// positions, clamped to the input).
fn split(bytes: &[u8], cuts: &[usize]) -> (Vec<String>, Result<(), String>) {
    let mut splitter = RowSplitter::with_limits(4 << 10, 64 << 10);
    let mut rows = Vec::new();
    let mut from = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(bytes.len());
    let message = |error: HaloError| {
        assert_eq!(error.kind, ErrorKind::Protocol);
        error.message.clone()
    };
    for cut in cuts {
        if let Err(error) = splitter.feed(&bytes[from..cut], &mut rows) {
            return (rows, Err(message(error)));
        }
        from = cut;
    }
    let outcome = splitter.finish().map_err(message);
    (rows, outcome)
}

/// A page of row objects as a server would write it, with whitespace here
/// and there.
fn page() -> impl Strategy<Value = (Vec<Value>, String)> {
    let row = prop::collection::vec((support::text(), support::json()), 0..5)
        .prop_map(|members| Value::Object(members.into_iter().collect()));
    (
        prop::collection::vec(row, 0..6),
        prop::sample::select(&["", " ", "\n", "\r\n\t "][..]),
    )
        .prop_map(|(rows, space)| {
            let texts: Vec<String> = rows.iter().map(Value::to_string).collect();
            let text = format!(
                "{space}[{space}{}{space}]{space}",
                texts.join(&format!("{space},{space}"))
            );
            (rows, text)
        })
}

/// A page, or bytes near one: cut short, a byte changed, or anything at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let whole = page().prop_map(|(_, text)| text.into_bytes()).boxed();
    prop_oneof![
        3 => whole.clone(),
        2 => (whole.clone(), any::<prop::sample::Index>()).prop_map(|(bytes, at)| {
            bytes[..at.index(bytes.len() + 1)].to_vec()
        }),
        2 => (whole, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut bytes, at, byte)| {
            if !bytes.is_empty() {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            bytes
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => prop::collection::vec(prop::sample::select(&b"[]{},:\"\\u0a \n"[..]), 0..64),
    ]
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn any_chunking_gives_the_rows_and_outcome_of_the_whole(
        bytes in body(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let whole = split(&bytes, &[]);
        let chunked = split(&bytes, &cuts);
        prop_assert_eq!(&chunked, &whole);
        // A refused or cut stream never yields what is not a whole object.
        for row in &whole.0 {
            let parsed: Result<Value, _> = serde_json::from_str(row);
            if let Ok(value) = parsed {
                prop_assert!(value.is_object());
            } else {
                let whole_object = row.starts_with('{') && row.ends_with('}');
                prop_assert!(whole_object, "a partial row: {}", row);
            }
        }
    }

    #[test]
    fn a_valid_page_yields_exactly_its_rows(
        (rows, text) in page(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let (split_rows, outcome) = split(text.as_bytes(), &cuts);
        prop_assert_eq!(outcome, Ok(()));
        // Compared as text: serde_json's default float parsing is not exact.
        let written: Vec<String> = rows.iter().map(Value::to_string).collect();
        prop_assert_eq!(split_rows, written);
    }

    #[test]
    fn a_page_cut_before_its_end_is_an_error(
        (_, text) in page(),
        at in any::<prop::sample::Index>(),
    ) {
        let end = text.rfind(']').expect("a page closes");
        let cut = at.index(end);
        let (_, outcome) = split(&text.as_bytes()[..cut], &[]);
        prop_assert!(outcome.is_err());
    }
}
