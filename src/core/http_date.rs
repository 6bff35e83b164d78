//! `Retry-After` values: delay-seconds or an HTTP date (RFC 9110 §10.2.3).

use super::chars::is;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Milliseconds to wait, given the header and the wall clock (ms since the
/// Unix epoch). `None` when the header says nothing usable.
pub fn retry_after_ms(header: &str, wall_now_ms: f64) -> Option<u64> {
    let header = header.trim();
    if !header.is_empty() && header.bytes().all(|b| b.is_ascii_digit()) {
        // Only overflow fails here: a delay too long to count is the longest.
        return Some(
            header
                .parse::<u64>()
                .map_or(u64::MAX, |s| s.saturating_mul(1000)),
        );
    }
    let at = parse_imf_fixdate(header)?;
    let wait = at - wall_now_ms;
    Some(if wait > 0.0 { wait as u64 } else { 0 })
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` into ms since the Unix epoch.
pub fn parse_imf_fixdate(value: &str) -> Option<f64> {
    let rest = value.get(5..)?; // "Sun, "
    let mut parts = rest.split(is(' '));
    let day = digits(parts.next()?)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year = digits(parts.next()?)?;
    let mut clock = parts.next()?.split(is(':'));
    let hour = digits(clock.next()?)?;
    let minute = digits(clock.next()?)?;
    let second = digits(clock.next()?)?;
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1970..=9999).contains(&year)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) as f64)
}

/// A date or time field: ASCII digits only. `str::parse` would also take a
/// sign, and `-1:00:00` is not an hour before midnight.
fn digits(field: &str) -> Option<i64> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_from_civil(next_year, next_month, 1) - days_from_civil(year, month, 1)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_become_milliseconds() {
        assert_eq!(retry_after_ms("3", 0.0), Some(3000));
        assert_eq!(retry_after_ms(" 0 ", 0.0), Some(0));
        // Found by tests/fuzz_retry_after.rs: too long to count is not garbage.
        assert_eq!(retry_after_ms("99999999999999999999", 0.0), Some(u64::MAX));
    }

    #[test]
    fn http_dates_are_measured_from_the_wall_clock() {
        let at = parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(at, 784_111_777_000.0);
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at - 2500.0),
            Some(2500)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at + 1.0),
            Some(0)
        );
    }

    #[test]
    fn garbage_is_ignored() {
        for bad in [
            "",
            "-1",
            "soon",
            "1.5",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun,",
            // Found by tests/fuzz_retry_after.rs: signs and impossible dates.
            "Sun, 06 Nov 1994 -1:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Wed, 29 Feb 2023 00:00:00 GMT",
            "Thu, 31 Apr 2025 00:00:00 GMT",
        ] {
            assert_eq!(retry_after_ms(bad, 0.0), None, "{bad:?}");
        }
    }
}
