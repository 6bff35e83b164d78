//! Fuzz target: webhook URL templates. Any template either expands with
//! every value percent-encoded in place, or is refused with a validation
//! error on `template`; no value can add a brace, a segment, a query or a
//! fragment.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::ErrorKind;
use halo_device::core::integrator::webhook_url::expand_webhook_url;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use proptest::prelude::*;
use support::{text, text_or};

/// RFC 3986 unreserved characters stay; everything else is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Clone, Debug)]
enum Piece {
    Literal(String),
    SiteId,
    QueryId,
    Source,
}

/// A template built from literal text without braces and the three
/// documented placeholders, so the expected expansion is known.
fn well_formed_template() -> impl Strategy<Value = Vec<Piece>> {
    let piece = prop_oneof![
        text().prop_map(|t| Piece::Literal(t.replace(['{', '}'], ""))),
        Just(Piece::SiteId),
        Just(Piece::QueryId),
        Just(Piece::Source),
    ];
    prop::collection::vec(piece, 1..6)
}

fn value() -> impl Strategy<Value = String> {
    text_or(&[
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "async",
        "../a b/c?d#e&f+g",
        "{siteId}",
    ])
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn values_are_encoded_in_place_and_round_trip(
        pieces in well_formed_template(),
        site_id in value(),
        query_id in value(),
        source in value(),
    ) {
        let mut template = String::new();
        let mut expected = String::new();
        for piece in &pieces {
            let (placeholder, value) = match piece {
                Piece::Literal(text) => {
                    template.push_str(text);
                    expected.push_str(text);
                    continue;
                }
                Piece::SiteId => ("{siteId}", &site_id),
                Piece::QueryId => ("{queryId}", &query_id),
                Piece::Source => ("{source}", &source),
            };
            template.push_str(placeholder);
            let encoded = utf8_percent_encode(value, UNRESERVED).to_string();
            prop_assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), value.as_str());
            expected.push_str(&encoded);
        }
        match expand_webhook_url(&template, &site_id, &query_id, &source) {
            Ok(url) => prop_assert_eq!(url, expected),
            Err(error) => {
                prop_assert!(template.trim().is_empty(), "{:?} refused: {}", template, error.message);
                prop_assert_eq!(error.field.as_deref(), Some("template"));
            }
        }
    }

    #[test]
    fn any_template_expands_without_raw_braces_or_is_refused(
        template in prop_oneof![text(), text().prop_map(|t| format!("https://h/{t}{{siteId}}"))],
        site_id in value(),
        query_id in value(),
        source in value(),
    ) {
        match expand_webhook_url(&template, &site_id, &query_id, &source) {
            Ok(url) => {
                prop_assert!(!url.contains(['{', '}']), "{}", url);
            }
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::Validation);
                prop_assert_eq!(error.field.as_deref(), Some("template"));
            }
        }
    }
}
