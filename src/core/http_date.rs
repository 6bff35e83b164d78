//! `Retry-After` values: delay-seconds or an HTTP date (RFC 9110 §10.2.3).

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Milliseconds to wait, given the header and the wall clock (ms since the
/// Unix epoch). `None` when the header says nothing usable.
pub fn retry_after_ms(header: &str, wall_now_ms: f64) -> Option<u64> {
    let header = header.trim();
    if !header.is_empty() && header.bytes().all(|b| b.is_ascii_digit()) {
        return header.parse::<u64>().ok().map(|s| s.saturating_mul(1000));
    }
    let at = parse_imf_fixdate(header)?;
    let wait = at - wall_now_ms;
    Some(if wait > 0.0 { wait as u64 } else { 0 })
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` into ms since the Unix epoch.
pub fn parse_imf_fixdate(value: &str) -> Option<f64> {
    let rest = value.get(5..)?; // "Sun, "
    let mut parts = rest.split(' ');
    let day: i64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: i64 = clock.next()?.parse().ok()?;
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) as f64)
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
        ] {
            assert_eq!(retry_after_ms(bad, 0.0), None, "{bad:?}");
        }
    }
}
