//! Calendar dates as written in bodies and documents: `YYYY-MM-DD` (RFC 3339 `full-date`),
//! checked to be a day that exists in the proleptic Gregorian calendar — `2026-02-31` and
//! `2025-02-29` are refused, `2024-02-29` is accepted. One rule for every module, so that
//! a date one validator accepts no other refuses.

/// Whether `s` is `YYYY-MM-DD` naming a real day (years 0000 to 9999).
pub fn is_calendar_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let number =
        |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let (y, m, d) = (number(0..4), number(5..7), number(8..10));
    (1..=days_in_month(y, m)).contains(&d)
}

/// Days in month `m` of year `y` (0 for a month that does not exist).
fn days_in_month(y: u32, m: u32) -> u32 {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Milliseconds since 1970 as the UTC date, `YYYY-MM-DD`.
pub fn date_of_ms(ms: u64) -> String {
    let days = i64::try_from(ms / 86_400_000).unwrap_or(i64::MAX / 2);
    // Days since 1970-01-01 to the civil date (the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_days_that_exist_are_dates() {
        for ok in [
            "2026-01-31",
            "2026-02-28",
            "2024-02-29",
            "2000-02-29",
            "2026-04-30",
            "2026-12-31",
            "0001-01-01",
        ] {
            assert!(is_calendar_date(ok), "{ok}");
        }
        for bad in [
            "2026-02-31",
            "2026-02-29",
            "1900-02-29",
            "2100-02-29",
            "2026-04-31",
            "2026-06-31",
            "2026-09-31",
            "2026-11-31",
            "2026-00-10",
            "2026-13-01",
            "2026-01-00",
            "2026-01-32",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "2026-01-01T00:00:00Z",
            "２０２６-01-01",
            "+026-01-01",
            "",
        ] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
    }

    /// Every day of four years (one of them leap) agrees with a day count from 2024-01-01.
    #[test]
    fn a_walk_through_the_calendar_agrees() {
        let mut accepted = 0;
        for y in 2024..2028u32 {
            for m in 1..=12u32 {
                for d in 1..=31u32 {
                    if is_calendar_date(&format!("{y:04}-{m:02}-{d:02}")) {
                        accepted += 1;
                    }
                }
            }
        }
        assert_eq!(accepted, 366 + 365 * 3);
    }
}
