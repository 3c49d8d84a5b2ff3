//! An EPCIS query schedule (`second`, `minute`, `hour`, `dayOfMonth`, `month`,
//! `dayOfWeek`), matched against a UTC time to the second.
//!
//! Each field is `*`, or a comma-separated list of values (`5`), ranges (`1-5`, or
//! `[1-5]` as EPCIS 1.2 wrote them) and steps (`*/15`, `10-50/10`). The choices where the
//! standard leaves room, written down:
//! - A field left out matches every value when it is *larger* than the largest field given,
//!   and only its least value when it is *smaller* (cron's reading): `{"minute": "*/5"}`
//!   runs at second 0 of every fifth minute, not sixty times in it; `{"month": "6"}` at
//!   00:00:00 on 1 June. `dayOfWeek` ranks with `dayOfMonth`; left out, it is any day (and
//!   so is `dayOfMonth` when `dayOfWeek` is given).
//! - At least one field must be given (an empty schedule would run every second).
//! - `dayOfWeek` counts from 1 (Monday) to 7 (Sunday), as ISO 8601 does; `dayOfMonth` and
//!   `dayOfWeek` must both match where both are given.

use serde::{Deserialize, Serialize};

/// A schedule as the standard's `query-schedule.json` writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    /// 0–59.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<String>,
    /// 0–59.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<String>,
    /// 0–23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<String>,
    /// 1–31.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<String>,
    /// 1–12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// 1 (Monday) – 7 (Sunday).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<String>,
}

/// The fields from the smallest unit up: name, least and greatest value.
const FIELDS: [(&str, u32, u32); 6] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("dayOfMonth", 1, 31),
    ("month", 1, 12),
    ("dayOfWeek", 1, 7),
];

/// A schedule checked and expanded: for each field, which values match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    allowed: [u64; 6],
}

impl Schedule {
    fn field(&self, i: usize) -> Option<&str> {
        [
            &self.second,
            &self.minute,
            &self.hour,
            &self.day_of_month,
            &self.month,
            &self.day_of_week,
        ][i]
            .as_deref()
    }

    /// Checks every field; the error names the field and the reason.
    pub fn compile(&self) -> Result<Compiled, String> {
        // dayOfWeek ranks with dayOfMonth: both name a day.
        let rank = |i: usize| if i == 5 { 3 } else { i };
        let largest = (0..6).filter(|i| self.field(*i).is_some()).map(rank).max();
        let Some(largest) = largest else {
            return Err(
                "schedule: give at least one of second, minute, hour, dayOfMonth, month, dayOfWeek"
                    .into(),
            );
        };
        let mut allowed = [0u64; 6];
        for (i, (name, lo, hi)) in FIELDS.iter().enumerate() {
            allowed[i] = match self.field(i) {
                Some(spec) => parse_field(name, spec, *lo, *hi)?,
                // A day of the week left out is any day; so is a day of the month when
                // a day of the week is given.
                None if i == 5 || (i == 3 && self.day_of_week.is_some()) => all(*lo, *hi),
                None if rank(i) < largest => 1 << lo,
                None => all(*lo, *hi),
            };
        }
        Ok(Compiled { allowed })
    }
}

fn all(lo: u32, hi: u32) -> u64 {
    (lo..=hi).fold(0, |m, v| m | 1 << v)
}

fn parse_field(name: &str, spec: &str, lo: u32, hi: u32) -> Result<u64, String> {
    let num = |s: &str| -> Result<u32, String> {
        let v: u32 = s
            .trim()
            .parse()
            .map_err(|_| format!("schedule/{name}: {s:?} is not a number"))?;
        if v < lo || v > hi {
            return Err(format!("schedule/{name}: {v} is outside {lo}–{hi}"));
        }
        Ok(v)
    };
    let mut mask = 0u64;
    for part in spec.split(',') {
        let part = part.trim().trim_start_matches('[').trim_end_matches(']');
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.trim().parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("schedule/{name}: step {s:?} is not a number above 0")
                })?;
                (r, step)
            }
            None => (part, 1),
        };
        let (a, b) = match range.trim() {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None if step > 1 => (num(r)?, hi),
                None => (num(r)?, num(r)?),
            },
        };
        if a > b {
            return Err(format!("schedule/{name}: range {a}-{b} runs backwards"));
        }
        let mut v = a;
        while v <= b {
            mask |= 1 << v;
            v += step;
        }
    }
    if mask == 0 {
        return Err(format!("schedule/{name}: {spec:?} names no value"));
    }
    Ok(mask)
}

impl Compiled {
    /// Whether the schedule runs at `t` (UTC, to the second).
    pub fn matches(&self, t: time::OffsetDateTime) -> bool {
        let t = t.to_offset(time::UtcOffset::UTC);
        let values = [
            u32::from(t.second()),
            u32::from(t.minute()),
            u32::from(t.hour()),
            u32::from(t.day()),
            u32::from(u8::from(t.month())),
            u32::from(t.weekday().number_from_monday()),
        ];
        values
            .iter()
            .zip(self.allowed)
            .all(|(v, mask)| mask & (1 << v) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-`day` `h`:`m`:`sec` UTC (the 6th is a Sunday, the 7th a Monday).
    fn at(day: u8, h: u8, m: u8, sec: u8) -> time::OffsetDateTime {
        time::Date::from_calendar_date(2026, time::Month::December, day)
            .and_then(|d| d.with_hms(h, m, sec))
            .expect("a date")
            .assume_utc()
    }

    fn s(json: &str) -> Compiled {
        serde_json::from_str::<Schedule>(json)
            .expect("schedule")
            .compile()
            .expect("compiles")
    }

    #[test]
    fn a_field_left_out_below_the_largest_given_is_its_least_value() {
        let every_5_min = s(r#"{"minute": "*/5"}"#);
        assert!(every_5_min.matches(at(6, 10, 15, 0)));
        assert!(!every_5_min.matches(at(6, 10, 15, 1)));
        assert!(!every_5_min.matches(at(6, 10, 16, 0)));
        let nightly = s(r#"{"hour": "2"}"#);
        assert!(nightly.matches(at(6, 2, 0, 0)));
        assert!(!nightly.matches(at(6, 2, 1, 0)));
    }

    #[test]
    fn lists_ranges_steps_and_days_of_the_week() {
        let weekdays =
            s(r#"{"second": "0", "minute": "30", "hour": "[8-17]", "dayOfWeek": "1-5"}"#);
        // 2026-12-07 is a Monday, 2026-12-06 a Sunday.
        assert!(weekdays.matches(at(7, 8, 30, 0)));
        assert!(!weekdays.matches(at(6, 8, 30, 0)));
        assert!(!weekdays.matches(at(7, 18, 30, 0)));
        let june = s(r#"{"month": "6"}"#);
        let june_first = time::Date::from_calendar_date(2027, time::Month::June, 1)
            .and_then(|d| d.with_hms(0, 0, 0))
            .expect("date")
            .assume_utc();
        assert!(june.matches(june_first));
        assert!(!june.matches(june_first + time::Duration::days(1)));
        let sundays = s(r#"{"dayOfWeek": "7"}"#);
        assert!(sundays.matches(at(6, 0, 0, 0)));
        assert!(!sundays.matches(at(6, 0, 0, 1)));
        let seconds = s(r#"{"second": "0,20-30/5"}"#);
        for ok in [0, 20, 25, 30] {
            assert!(seconds.matches(at(6, 9, 0, ok)));
        }
        assert!(!seconds.matches(at(6, 9, 0, 21)));
    }

    #[test]
    fn bad_schedules_name_the_field_and_the_reason() {
        let err = |json: &str| {
            serde_json::from_str::<Schedule>(json)
                .map_err(|e| e.to_string())
                .and_then(|s| s.compile())
                .expect_err("refused")
        };
        assert!(err("{}").contains("at least one"));
        assert!(err(r#"{"minute": "60"}"#).contains("schedule/minute: 60 is outside 0–59"));
        assert!(err(r#"{"hour": "5-2"}"#).contains("runs backwards"));
        assert!(err(r#"{"second": "*/0"}"#).contains("step"));
        assert!(err(r#"{"month": "jan"}"#).contains("schedule/month"));
        assert!(err(r#"{"week": "1"}"#).contains("week"));
    }
}
