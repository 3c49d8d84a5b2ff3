//! Field values: amounts as exact millionths, and times in the forms exports use.

use super::{Amount, SCALE};

/// Parses a positive decimal with at most 6 decimals into millionths.
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    parse_decimal(s, false)
}

/// Parses a positive decimal into millionths; with `truncate`, decimals past the sixth are
/// dropped (crypto values carry up to 18) instead of refused.
pub fn parse_decimal(s: &str, truncate: bool) -> Result<Amount, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.starts_with('-') {
        return Err(format!(
            "{s:?} is negative: amounts are positive (direction is from → to)"
        ));
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{s:?} is not a decimal number"));
    }
    let frac = if frac.len() > 6 {
        if !truncate {
            return Err(format!("{s:?} has more than 6 decimals"));
        }
        &frac[..6]
    } else {
        frac
    };
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("{s:?} is too large"))?
    };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse()
            .map_err(|_| format!("{s:?} is not a decimal number"))?
    };
    for _ in frac.len()..6 {
        f *= 10;
    }
    let v = whole
        .checked_mul(SCALE)
        .and_then(|w| w.checked_add(f))
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if v == 0 {
        return Err("is zero".into());
    }
    Ok(v)
}

/// Parses an integer count of base units (wei, satoshi) with `decimals` decimals into
/// millionths of the unit, dropping what is smaller.
pub fn parse_base_units(s: &str, decimals: u32) -> Result<Amount, String> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a whole number of base units"));
    }
    let digits = s.trim_start_matches('0');
    let keep = digits
        .len()
        .saturating_sub(decimals.saturating_sub(6) as usize);
    let shifted = &digits[..keep];
    let mut v: i64 = if shifted.is_empty() {
        0
    } else {
        shifted.parse().map_err(|_| format!("{s:?} is too large"))?
    };
    for _ in decimals..6 {
        v = v
            .checked_mul(10)
            .ok_or_else(|| format!("{s:?} is too large"))?;
    }
    if v == 0 {
        return Err("is zero".into());
    }
    Ok(v)
}

/// Parses Unix seconds, RFC 3339 (without a zone: UTC), or the forms exports write:
/// `2022/09/01 00:20` (IBM's AML data), `2024-01-31 12:00:00 UTC` (BigQuery), `20170101`
/// (AMLSim's dates).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>()
        && !(s.len() == 8 && (19_000_101..=29_991_231).contains(&n))
    {
        return Ok(n);
    }
    let mut t = s.trim_end_matches(" UTC").replace('/', "-");
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        t = format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..]);
    }
    if t.len() == 10 {
        t.push_str("T00:00:00");
    }
    if t.len() == 16 {
        t.push_str(":00");
    }
    let parsed = humantime::parse_rfc3339_weak(&t)
        .map_err(|_| format!("{s:?} is neither Unix seconds nor a date and time"))?;
    let secs = parsed
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("{s:?} is before 1970"))?
        .as_secs();
    Ok(secs as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_parse_exactly_and_bad_ones_say_why() {
        assert_eq!(parse_amount("1250.5"), Ok(1_250_500_000));
        assert_eq!(parse_amount("0.000001"), Ok(1));
        assert_eq!(parse_amount(".5"), Ok(500_000));
        assert!(parse_amount("-3").expect_err("neg").contains("negative"));
        assert!(
            parse_amount("1.0000001")
                .expect_err("dec")
                .contains("6 decimals")
        );
        assert_eq!(parse_decimal("1.0000019", true), Ok(1_000_001));
        assert!(
            parse_amount("12a")
                .expect_err("nan")
                .contains("not a decimal")
        );
        assert!(parse_amount("0").expect_err("zero").contains("zero"));
        assert!(
            parse_amount("99999999999999999999")
                .expect_err("big")
                .contains("too large")
        );
        assert_eq!(parse_time("1767225600"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01 00:00:00"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026/01/01 00:00"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01 00:00:00 UTC"), Ok(1_767_225_600));
        assert_eq!(parse_time("20260101"), Ok(1_767_225_600));
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn base_units_become_millionths() {
        // 1.5 ETH in wei; 0.001 BTC in satoshi; dust below a millionth is nothing.
        assert_eq!(parse_base_units("1500000000000000000", 18), Ok(1_500_000));
        assert_eq!(parse_base_units("100000", 8), Ok(1_000));
        assert_eq!(parse_base_units("42", 0), Ok(42_000_000));
        assert!(
            parse_base_units("999999999999", 18)
                .expect_err("dust")
                .contains("zero")
        );
        assert!(parse_base_units("1e18", 18).is_err());
    }
}
