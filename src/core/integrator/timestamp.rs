//! ISO 8601 date-times as Halo's webhooks send them (.NET's round-trip
//! format): `2026-03-05T14:30:00.0000000+00:00`.

use crate::core::http_date::{days_from_civil, days_in_month};

/// Parses `YYYY-MM-DDThh:mm:ss[.f…]` followed by `Z` or `±hh:mm` into
/// milliseconds since the Unix epoch. The offset is required: without it
/// the instant is unknown. Up to 7 fractional digits (.NET's ticks) are
/// accepted; digits past the millisecond are dropped.
pub fn parse_iso8601_ms(value: &str) -> Option<f64> {
    let bytes = value.as_bytes();
    let field = |start: usize, len: usize| number(bytes.get(start..start + len)?);
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators
        .iter()
        .any(|&(at, sep)| bytes.get(at) != Some(&sep))
        || !matches!(bytes.get(10), Some(b'T' | b't'))
    {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
    let (hour, minute, second) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = bytes.get(19..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=7).contains(&digits) {
            return None;
        }
        // ".5" is 500 ms: pad to three digits, then drop the rest.
        millis = fraction[..digits]
            .iter()
            .chain([b'0'; 2].iter())
            .take(3)
            .fold(0, |ms, digit| ms * 10 + i64::from(digit - b'0'));
        rest = &fraction[digits..];
    }
    let offset_minutes = offset_minutes(rest)?;
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_minutes * 60;
    Some((seconds * 1000 + millis) as f64)
}

/// `Z` is 0; `+hh:mm` and `-hh:mm` are minutes east of UTC.
fn offset_minutes(text: &[u8]) -> Option<i64> {
    match text {
        b"Z" | b"z" => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = number(&[*h1, *h2])?;
            let minutes = number(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let east = hours * 60 + minutes;
            Some(if *sign == b'-' { -east } else { east })
        }
        _ => None,
    }
}

/// A run of ASCII digits; `None` for anything else, signs included.
fn number(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0, |n, digit| n * 10 + i64::from(digit - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-05T14:30:00Z, from `date -u -d 2026-03-05T14:30:00Z +%s`.
    const HALO_EXAMPLE_MS: f64 = 1_772_721_000_000.0;

    #[test]
    fn halo_s_example_parses() {
        assert_eq!(
            parse_iso8601_ms("2026-03-05T14:30:00.0000000+00:00"),
            Some(HALO_EXAMPLE_MS)
        );
        assert_eq!(
            parse_iso8601_ms("2026-03-05T14:30:00Z"),
            Some(HALO_EXAMPLE_MS)
        );
        assert_eq!(
            parse_iso8601_ms("2026-03-05t14:30:00z"),
            Some(HALO_EXAMPLE_MS)
        );
    }

    #[test]
    fn fractions_keep_milliseconds_only() {
        let at = |s| parse_iso8601_ms(s).unwrap() - HALO_EXAMPLE_MS;
        assert_eq!(at("2026-03-05T14:30:00.5Z"), 500.0);
        assert_eq!(at("2026-03-05T14:30:00.25Z"), 250.0);
        assert_eq!(at("2026-03-05T14:30:00.123Z"), 123.0);
        assert_eq!(at("2026-03-05T14:30:00.1239999Z"), 123.0);
    }

    #[test]
    fn offsets_are_minutes_east_of_utc() {
        let at = |s| parse_iso8601_ms(s).unwrap() - HALO_EXAMPLE_MS;
        assert_eq!(at("2026-03-06T01:30:00+11:00"), 0.0);
        assert_eq!(at("2026-03-05T09:00:00-05:30"), 0.0);
        assert_eq!(at("2026-03-05T14:30:00-00:00"), 0.0);
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert!(parse_iso8601_ms("2024-02-29T00:00:00Z").is_some());
        assert!(parse_iso8601_ms("2000-02-29T00:00:00Z").is_some());
        assert!(parse_iso8601_ms("2023-12-31T23:59:59Z").is_some());
        for bad in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:60Z",
        ] {
            assert_eq!(parse_iso8601_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "2026-03-05",
            "2026-03-05T14:30:00",
            "2026-03-05T14:30:00.0000000",
            "2026-03-05 14:30:00Z",
            "2026/03/05T14:30:00Z",
            "2026-03-05T14:30:00.Z",
            "2026-03-05T14:30:00.00000000Z",
            "2026-03-05T14:30:00+0000",
            "2026-03-05T14:30:00+24:00",
            "2026-03-05T14:30:00+00:60",
            "2026-03-05T14:30:00+00:00 ",
            "2026-03-05T14:30:00ZZ",
            "+026-03-05T14:30:00Z",
            "2026-03-05T14:30:0aZ",
            "Thu, 05 Mar 2026 14:30:00 GMT",
            "2026-03-05T14:30:00é",
            "2026-03-05T14:30:00.000000é",
            "٢٠٢٦-03-05T14:30:00Z",
        ] {
            assert_eq!(parse_iso8601_ms(bad), None, "{bad:?}");
        }
    }
}
