//! Fuzz target: the `Retry-After` header, as delay-seconds or an HTTP date.
//! The `httpdate` crate is the independent oracle for dates.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::http_date::{parse_imf_fixdate, retry_after_ms};
use proptest::prelude::*;
use std::time::{Duration, UNIX_EPOCH};
use support::text;

/// The last second the parser accepts: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn imf_fixdate(unix_seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix_seconds))
}

/// Valid dates with one byte replaced: the inputs most likely to slip
/// through a lenient field check.
fn mutated_date() -> impl Strategy<Value = String> {
    (
        0..=LAST_SECOND,
        any::<prop::sample::Index>(),
        prop::sample::select(&b"0123456789+- :,GMTJanFeb\0"[..]),
    )
        .prop_map(|(seconds, at, byte)| {
            let mut bytes = imf_fixdate(seconds).into_bytes();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            String::from_utf8(bytes).expect("ASCII in, ASCII out")
        })
}

/// The day, month, year, hour, minute and second a date string spells,
/// read with Rust's integer parser (which takes a leading `+` or `-`).
fn written_fields(date: &str) -> Option<[i64; 6]> {
    let mut parts = date.get(5..)?.split(' ');
    let day = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|n| n.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    Some([day, month, year, hour, minute, second])
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn delay_seconds_become_milliseconds(
        digits in "[0-9]{1,40}",
        padding in "[ \t]{0,2}",
        wall_now_ms in any::<f64>(),
    ) {
        let header = format!("{padding}{digits}{padding}");
        // A number too large for u64 is still a (very long) delay, not garbage.
        let expected = digits
            .parse::<u128>()
            .map_or(u64::MAX, |seconds| u64::try_from(seconds.saturating_mul(1000)).unwrap_or(u64::MAX));
        prop_assert_eq!(retry_after_ms(&header, wall_now_ms), Some(expected));
    }

    #[test]
    fn every_imf_fixdate_parses_to_its_instant(seconds in 0..=LAST_SECOND, wait_ms in -1e9f64..1e9) {
        let date = imf_fixdate(seconds);
        let at = seconds as f64 * 1000.0;
        prop_assert_eq!(parse_imf_fixdate(&date), Some(at));
        let expected = if wait_ms > 0.0 { wait_ms as u64 } else { 0 };
        let got = retry_after_ms(&date, at - wait_ms).expect("a valid date");
        // `at - wait_ms` rounds; allow the last millisecond.
        prop_assert!(got.abs_diff(expected) <= 1, "{got} vs {expected}");
    }

    #[test]
    fn an_accepted_date_means_what_it_says(
        header in prop_oneof![mutated_date(), text()],
        wall_now_ms in any::<f64>(),
    ) {
        // Never panics, whatever the clock says.
        retry_after_ms(&header, wall_now_ms);
        let Some(at) = parse_imf_fixdate(&header) else {
            return Ok(());
        };
        prop_assert!((0.0..=LAST_SECOND as f64 * 1000.0 + 1000.0).contains(&at), "{at}");
        let fields = written_fields(&header).expect("an accepted date has six fields");
        // A leap second (:60) is accepted and lands on the next minute.
        if fields[5] != 60 {
            let canonical = imf_fixdate((at / 1000.0) as u64);
            prop_assert_eq!(written_fields(&canonical), Some(fields), "{:?} parsed as {}", header, canonical);
        }
    }
}
