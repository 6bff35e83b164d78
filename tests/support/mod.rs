//! What the property tests share: how many cases to run, hostile text, and
//! JSON that is either arbitrary or shaped like an API answer.
//!
//! Native only: it is reached solely from files gated on
//! `not(target_arch = "wasm32")`.

// Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use halo_device::core::error::HaloError;
use halo_device::core::json_source::{InputSource, JsonSource};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Cases per property in `cargo test`: enough to catch the easy bugs while
/// the whole suite stays fast in debug. `PROPTEST_CASES` overrides it for
/// the long run (scripts/fuzz.sh).
pub const SHORT_RUN_CASES: u32 = 256;

pub fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(SHORT_RUN_CASES);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Characters that mean something to JSON, URLs, HTTP headers, templates,
/// JavaScript or UTF-8 decoders, plus ordinary ones to glue them together.
const TRICKY: &[char] = &[
    '"', '\\', '/', '.', '?', '#', '&', '=', '+', '%', '{', '}', '[', ']', ' ', '\n', '\r', '\t',
    '\0', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', 'ü', 'ß', '🩺', '-',
    '_', '~', ':', ',', '@', 'a', 'e', 'Z', '0', '7', '9',
];

/// Any text a caller or a server could send: arbitrary Unicode (control
/// characters included), a dense mix of the tricky characters, or
/// printable ASCII.
pub fn text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..32).prop_map(String::from_iter),
        prop::collection::vec(prop::sample::select(TRICKY), 0..32).prop_map(String::from_iter),
        "[ -~]{0,32}",
    ]
}

/// One of `known` values, or some text: decoders see mostly the values they
/// branch on, and sometimes anything.
pub fn text_or(known: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        2 => prop::sample::select(known).prop_map(str::to_owned),
        1 => text(),
    ]
}

/// A hyphenated UUID with random hex digits in either case.
pub fn uuid() -> impl Strategy<Value = String> + Clone {
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
}

/// A UUID, a near miss (one character changed, dropped or added), or text.
pub fn uuid_like() -> impl Strategy<Value = String> + Clone {
    let near_miss = (uuid(), any::<prop::sample::Index>(), text()).prop_map(|(id, at, junk)| {
        let mut chars: Vec<char> = id.chars().collect();
        let at = at.index(chars.len());
        match junk.chars().next() {
            Some(other) => chars[at] = other,
            None => {
                chars.remove(at);
            }
        }
        chars.into_iter().chain(junk.chars().skip(1)).collect()
    });
    prop_oneof![uuid(), near_miss, text()]
}

/// JSON numbers, including the ones that break naive casts.
pub fn number() -> impl Strategy<Value = Number> + Clone {
    prop_oneof![
        (-1_000i64..1_000).prop_map(Number::from),
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        finite_f64().prop_map(json_number),
        prop::sample::select(&[0.5, -0.0, 1e300, -1e300, 5e-324, 9.007_199_254_740_993e15][..])
            .prop_map(json_number),
    ]
}

/// Every finite double (JSON has no NaN or infinity), generated without
/// rejections, which would cap the long run.
fn finite_f64() -> impl Strategy<Value = f64> + Clone {
    use prop::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

fn json_number(finite: f64) -> Number {
    Number::from_f64(finite).expect("finite")
}

/// Any JSON value, nested a few levels.
pub fn json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
    .boxed()
}

/// The shape of an API answer, for generating JSON that reaches past the
/// first type check of a decoder.
pub enum Shape {
    /// A string: one of these values, or any text.
    Text(&'static [&'static str]),
    Number,
    Bool,
    Object(&'static [(&'static str, Shape)]),
    Array(&'static Shape),
    /// Either shape, e.g. a status that is a code or a name.
    Either(&'static Shape, &'static Shape),
}

/// JSON shaped like `shape`, with every member possibly missing, `null`, or
/// of the wrong type, and now and then a member the schema does not know.
pub fn shaped(shape: &'static Shape) -> BoxedStrategy<Value> {
    let well_typed = match shape {
        Shape::Text(known) => text_or(known).prop_map(Value::String).boxed(),
        Shape::Number => number().prop_map(Value::Number).boxed(),
        Shape::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Shape::Array(item) => prop::collection::vec(shaped(item), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        Shape::Either(one, other) => prop_oneof![shaped(one), shaped(other)].boxed(),
        Shape::Object(fields) => {
            let members: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
                .iter()
                .map(|(name, field)| {
                    prop::option::weighted(0.7, shaped(field).prop_map(|v| (name.to_string(), v)))
                        .boxed()
                })
                .collect();
            let unknown = prop::option::weighted(0.1, (text(), json()));
            (members, unknown)
                .prop_map(|(members, unknown)| {
                    let mut object: Map<String, Value> = members.into_iter().flatten().collect();
                    object.extend(unknown);
                    Value::Object(object)
                })
                .boxed()
        }
    };
    prop_oneof![
        8 => well_typed,
        1 => Just(Value::Null),
        1 => json(),
    ]
    .boxed()
}

/// JSON text of a value shaped like `shape`, or that text cut short or with
/// one byte changed: what a flaky proxy or a truncated response delivers.
pub fn shaped_text(shape: &'static Shape) -> impl Strategy<Value = String> {
    let whole = shaped(shape).prop_map(|value| value.to_string());
    prop_oneof![
        6 => whole.clone(),
        1 => (whole.clone(), any::<prop::sample::Index>()).prop_map(|(text, at)| {
            let cut = at.index(text.len() + 1);
            String::from_utf8_lossy(&text.as_bytes()[..cut]).into_owned()
        }),
        1 => (whole, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(text, at, byte)| {
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }),
        1 => text(),
    ]
}

/// A token or device id to plant in inputs: 16 random letters and digits
/// first (so finding it in an output can only mean a leak), then JWT-like
/// characters. Valid as a strong device id.
pub fn secret_value() -> impl Strategy<Value = String> + Clone {
    "[A-Za-z0-9]{16}[A-Za-z0-9._-]{0,24}"
}

include!("json_source.rs");
