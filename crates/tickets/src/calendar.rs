//! The business calendar: weekly opening hours in an IANA time zone, minus holidays.
//!
//! Business durations count only the seconds that fall inside opening hours. Opening hours are
//! local wall-clock times, so each day's slots are turned into UTC instants through the time
//! zone's rules for that very date, which keeps the arithmetic right across DST changes.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const SECONDS_PER_DAY: u32 = 86_400;
/// How far `add_business_seconds` looks ahead before deciding a target can never be met.
const SEARCH_HORIZON_DAYS: i64 = 3_660;

/// The wire form of a calendar (`PUT /api/v1/business-hours`), validated into a
/// [`BusinessCalendar`] by [`BusinessHoursSpec::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessHoursSpec {
    pub timezone: String,
    pub weekly: Vec<WeeklySlot>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// One opening slot: `{day: "mon", open: "09:00", close: "17:00"}`. A day may have several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeeklySlot {
    pub day: String,
    pub open: String,
    pub close: String,
}

/// What is wrong with a calendar, field by field (`weekly[2].close`, `holidays[0]`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid business hours: {}", .errors.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
pub struct CalendarError {
    pub errors: Vec<(String, String)>,
}

impl Default for BusinessHoursSpec {
    /// Monday to Friday, 09:00–17:00, UTC.
    fn default() -> Self {
        BusinessHoursSpec {
            timezone: "UTC".into(),
            weekly: DAY_NAMES[..5]
                .iter()
                .map(|d| WeeklySlot {
                    day: (*d).into(),
                    open: "09:00".into(),
                    close: "17:00".into(),
                })
                .collect(),
            holidays: Vec::new(),
        }
    }
}

impl BusinessHoursSpec {
    pub fn validate(&self) -> Result<BusinessCalendar, CalendarError> {
        let mut errors = Vec::new();
        let tz = match self.timezone.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push((
                    "timezone".into(),
                    format!(
                        "unknown time zone `{}`; use an IANA name such as Asia/Jakarta",
                        self.timezone.chars().take(64).collect::<String>()
                    ),
                ));
                None
            }
        };
        let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
        if self.weekly.is_empty() {
            errors.push((
                "weekly".into(),
                "at least one opening slot is needed".into(),
            ));
        }
        for (i, slot) in self.weekly.iter().enumerate() {
            let day = DAY_NAMES.iter().position(|d| *d == slot.day);
            if day.is_none() {
                errors.push((
                    format!("weekly[{i}].day"),
                    "must be one of mon, tue, wed, thu, fri, sat, sun".into(),
                ));
            }
            let open = parse_clock(&slot.open, false);
            if open.is_none() {
                errors.push((
                    format!("weekly[{i}].open"),
                    "must be a time HH:MM between 00:00 and 23:59".into(),
                ));
            }
            let close = parse_clock(&slot.close, true);
            if close.is_none() {
                errors.push((
                    format!("weekly[{i}].close"),
                    "must be a time HH:MM between 00:01 and 24:00".into(),
                ));
            }
            if let (Some(d), Some(o), Some(c)) = (day, open, close) {
                if c <= o {
                    errors.push((format!("weekly[{i}].close"), "must be after open".into()));
                } else {
                    weekly[d].push((o, c));
                }
            }
        }
        let mut holidays = BTreeSet::new();
        for (i, h) in self.holidays.iter().enumerate() {
            match NaiveDate::parse_from_str(h, "%Y-%m-%d") {
                Ok(d) => {
                    holidays.insert(d);
                }
                Err(_) => {
                    errors.push((format!("holidays[{i}]"), "must be a date YYYY-MM-DD".into()))
                }
            }
        }
        match tz {
            Some(tz) if errors.is_empty() => {
                for slots in &mut weekly {
                    *slots = merge_slots(std::mem::take(slots));
                }
                Ok(BusinessCalendar {
                    tz,
                    weekly,
                    holidays,
                    always_open: false,
                })
            }
            _ => Err(CalendarError { errors }),
        }
    }
}

/// Parses `HH:MM`; `24:00` is accepted only as a closing time.
fn parse_clock(s: &str, is_close: bool) -> Option<u32> {
    if is_close && s == "24:00" {
        return Some(SECONDS_PER_DAY);
    }
    let t = NaiveTime::parse_from_str(s, "%H:%M").ok()?;
    let secs = t.signed_duration_since(NaiveTime::MIN).num_seconds() as u32;
    (!is_close || secs > 0).then_some(secs)
}

fn merge_slots(mut slots: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    slots.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(slots.len());
    for (o, c) in slots {
        match merged.last_mut() {
            Some(last) if o <= last.1 => last.1 = last.1.max(c),
            _ => merged.push((o, c)),
        }
    }
    merged
}

/// A validated calendar that measures business time.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    tz: Tz,
    /// Opening slots per weekday (Monday first), in seconds after local midnight, sorted and
    /// non-overlapping.
    weekly: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
    /// Calendar time: every second counts. Used for policies measured in calendar hours.
    always_open: bool,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        let spec = BusinessHoursSpec::default();
        // The default spec is a constant that the tests below validate.
        spec.validate()
            .unwrap_or_else(|_| BusinessCalendar::always_open())
    }
}

impl BusinessCalendar {
    /// A calendar in which every second is a business second.
    pub fn always_open() -> Self {
        BusinessCalendar {
            tz: Tz::UTC,
            weekly: Default::default(),
            holidays: BTreeSet::new(),
            always_open: true,
        }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The UTC instants of one local date's opening slots.
    fn slots_on(
        &self,
        date: NaiveDate,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let slots: &[(u32, u32)] = if self.holidays.contains(&date) {
            &[]
        } else {
            &self.weekly[date.weekday().num_days_from_monday() as usize]
        };
        slots.iter().filter_map(move |&(o, c)| {
            let start = local_to_utc(self.tz, date, o)?;
            let end = local_to_utc(self.tz, date, c)?;
            (end > start).then_some((start, end))
        })
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Seconds of business time in `[from, to)`; zero when `to` is not after `from`.
    pub fn business_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        if self.always_open {
            return (to - from).num_seconds();
        }
        let mut total = 0;
        let last = self.local_date(to);
        let mut date = self.local_date(from);
        while date <= last {
            for (s, e) in self.slots_on(date) {
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += (e - s).num_seconds();
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        total
    }

    /// The instant at which `seconds` of business time will have passed since `from`.
    /// `None` when the calendar never opens again within ten years.
    pub fn add_business_seconds(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if seconds <= 0 {
            return Some(from);
        }
        if self.always_open {
            return from.checked_add_signed(Duration::seconds(seconds));
        }
        let mut remaining = seconds;
        let mut date = self.local_date(from);
        for _ in 0..SEARCH_HORIZON_DAYS {
            for (s, e) in self.slots_on(date) {
                if e <= from {
                    continue;
                }
                let s = s.max(from);
                let len = (e - s).num_seconds();
                if remaining <= len {
                    return Some(s + Duration::seconds(remaining));
                }
                remaining -= len;
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// Whether `at` falls inside opening hours.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.always_open
            || self
                .slots_on(self.local_date(at))
                .any(|(s, e)| s <= at && at < e)
    }
}

/// Business time between any two instants of a range in a few comparisons: the range's
/// opening slots are laid out once with the business seconds before each. Reports measure
/// hundreds of thousands of durations; walking the calendar day by day for each would not do.
#[derive(Debug, Clone)]
pub struct BusinessIndex {
    /// `(start, end, business seconds before start)` in Unix seconds, sorted.
    slots: Vec<(i64, i64, i64)>,
    always_open: bool,
}

impl BusinessIndex {
    /// Business seconds from the index's first slot to `t` (Unix seconds).
    fn cumulative(&self, t: i64) -> i64 {
        let i = self.slots.partition_point(|(start, _, _)| *start <= t);
        if i == 0 {
            return 0;
        }
        let (start, end, before) = self.slots[i - 1];
        before + (t.min(end) - start)
    }

    /// Business seconds in `[a, b)` (Unix seconds); zero when `b` is not after `a`. Instants
    /// outside the indexed range count only the part inside it.
    pub fn between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        if self.always_open {
            return b - a;
        }
        self.cumulative(b) - self.cumulative(a)
    }
}

impl BusinessCalendar {
    /// An index of the opening slots between `from` and `to`.
    pub fn index(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> BusinessIndex {
        if self.always_open {
            return BusinessIndex {
                slots: Vec::new(),
                always_open: true,
            };
        }
        let mut slots = Vec::new();
        let mut before = 0;
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            for (s, e) in self.slots_on(date) {
                let (s, e) = (s.timestamp(), e.timestamp());
                slots.push((s, e, before));
                before += e - s;
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        BusinessIndex {
            slots,
            always_open: false,
        }
    }
}

/// Turns a local wall-clock time on a date into a UTC instant. An ambiguous time (the repeated
/// hour when clocks go back) takes its earlier instant; a time that does not exist (skipped when
/// clocks go forward) takes the instant the gap ends, which is when the business really opens.
fn local_to_utc(tz: Tz, date: NaiveDate, secs: u32) -> Option<DateTime<Utc>> {
    let (date, secs) = if secs >= SECONDS_PER_DAY {
        (date.succ_opt()?, 0)
    } else {
        (date, secs)
    };
    let local = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            // Slots are whole minutes and every real gap starts and ends on a whole minute, so
            // the first valid minute after `local` is exactly the end of the gap.
            (1..=6 * 60).find_map(|m| {
                tz.from_local_datetime(&(local + Duration::minutes(m)))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("bad time {s}: {e}"))
    }

    fn cal(tz: &str, slots: &[(&str, &str, &str)], holidays: &[&str]) -> BusinessCalendar {
        BusinessHoursSpec {
            timezone: tz.into(),
            weekly: slots
                .iter()
                .map(|(d, o, c)| WeeklySlot {
                    day: (*d).into(),
                    open: (*o).into(),
                    close: (*c).into(),
                })
                .collect(),
            holidays: holidays.iter().map(|h| (*h).into()).collect(),
        }
        .validate()
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn weekdays(tz: &str, holidays: &[&str]) -> BusinessCalendar {
        let days = ["mon", "tue", "wed", "thu", "fri"];
        let slots: Vec<_> = days.iter().map(|d| (*d, "09:00", "17:00")).collect();
        cal(tz, &slots, holidays)
    }

    #[test]
    fn default_is_weekdays_nine_to_five_utc() {
        let c = BusinessCalendar::default();
        assert!(!c.always_open);
        // Monday 2026-03-02 08:00 to 18:00 UTC holds 8 business hours.
        assert_eq!(
            c.business_seconds(utc("2026-03-02T08:00:00Z"), utc("2026-03-02T18:00:00Z")),
            8 * 3600
        );
    }

    #[test]
    fn friday_afternoon_to_monday_morning_skips_the_weekend() {
        let c = weekdays("UTC", &[]);
        // Fri 16:00 -> Mon 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            c.business_seconds(utc("2026-03-06T16:00:00Z"), utc("2026-03-09T10:00:00Z")),
            2 * 3600
        );
    }

    #[test]
    fn holidays_are_closed_all_day() {
        let c = weekdays("UTC", &["2026-12-25"]);
        // Thu 24th 16:00 -> Mon 28th 10:00: 1h Thursday, Christmas Friday closed, 1h Monday.
        assert_eq!(
            c.business_seconds(utc("2026-12-24T16:00:00Z"), utc("2026-12-28T10:00:00Z")),
            2 * 3600
        );
    }

    #[test]
    fn hours_are_local_to_the_time_zone() {
        // Jakarta is UTC+7: 09:00-17:00 WIB is 02:00-10:00 UTC.
        let c = weekdays("Asia/Jakarta", &[]);
        assert_eq!(
            c.business_seconds(utc("2026-03-02T00:00:00Z"), utc("2026-03-02T12:00:00Z")),
            8 * 3600
        );
        assert!(c.is_open(utc("2026-03-02T02:00:00Z")));
        assert!(!c.is_open(utc("2026-03-02T10:00:00Z")));
    }

    #[test]
    fn a_business_day_across_spring_forward_is_still_eight_hours() {
        // Europe/Berlin moves from +1 to +2 on Sunday 2026-03-29; Monday 30th opens at 07:00 UTC.
        let c = weekdays("Europe/Berlin", &[]);
        assert_eq!(
            c.business_seconds(utc("2026-03-27T00:00:00Z"), utc("2026-03-31T00:00:00Z")),
            16 * 3600
        );
        assert!(c.is_open(utc("2026-03-27T08:00:00Z"))); // Friday 09:00 CET
        assert!(!c.is_open(utc("2026-03-30T06:30:00Z"))); // Monday 08:30 CEST
        assert!(c.is_open(utc("2026-03-30T07:00:00Z"))); // Monday 09:00 CEST
    }

    #[test]
    fn slots_inside_a_dst_gap_or_overlap_count_real_elapsed_time() {
        // New York: 2026-03-08 02:00 -> 03:00 (gap); 2026-11-01 01:00-02:00 happens twice.
        let c = cal("America/New_York", &[("sun", "00:00", "04:00")], &[]);
        let spring = c.business_seconds(utc("2026-03-08T00:00:00Z"), utc("2026-03-09T00:00:00Z"));
        assert_eq!(spring, 3 * 3600, "the skipped hour is not worked");
        let autumn = c.business_seconds(utc("2026-11-01T00:00:00Z"), utc("2026-11-02T00:00:00Z"));
        assert_eq!(autumn, 5 * 3600, "the repeated hour is worked twice");
        // A slot opening inside the gap opens when the gap ends.
        let gap = cal("America/New_York", &[("sun", "02:30", "04:00")], &[]);
        let at_gap_end = utc("2026-03-08T07:00:00Z"); // 03:00 EDT
        assert!(gap.is_open(at_gap_end));
        assert!(!gap.is_open(at_gap_end - Duration::seconds(1)));
    }

    #[test]
    fn split_shifts_and_overlaps_are_merged() {
        let c = cal(
            "UTC",
            &[
                ("mon", "08:00", "12:00"),
                ("mon", "11:00", "13:00"),
                ("mon", "14:00", "16:00"),
            ],
            &[],
        );
        assert_eq!(
            c.business_seconds(utc("2026-03-02T00:00:00Z"), utc("2026-03-03T00:00:00Z")),
            7 * 3600
        );
    }

    #[test]
    fn twenty_four_hours_is_allowed_as_a_closing_time() {
        let c = cal("UTC", &[("sat", "00:00", "24:00")], &[]);
        assert_eq!(
            c.business_seconds(utc("2026-03-07T00:00:00Z"), utc("2026-03-09T00:00:00Z")),
            24 * 3600
        );
    }

    #[test]
    fn adding_business_time_jumps_over_closed_hours() {
        let c = weekdays("UTC", &[]);
        // Friday 16:30 + 1h = Monday 09:30.
        assert_eq!(
            c.add_business_seconds(utc("2026-03-06T16:30:00Z"), 3600),
            Some(utc("2026-03-09T09:30:00Z"))
        );
        // Saturday + 8h = Monday closing time.
        assert_eq!(
            c.add_business_seconds(utc("2026-03-07T12:00:00Z"), 8 * 3600),
            Some(utc("2026-03-09T17:00:00Z"))
        );
        assert_eq!(
            c.add_business_seconds(utc("2026-03-07T12:00:00Z"), 0),
            Some(utc("2026-03-07T12:00:00Z"))
        );
    }

    #[test]
    fn always_open_is_plain_calendar_time() {
        let c = BusinessCalendar::always_open();
        let (a, b) = (utc("2026-03-07T12:00:00Z"), utc("2026-03-09T12:00:00Z"));
        assert_eq!(c.business_seconds(a, b), 48 * 3600);
        assert_eq!(c.add_business_seconds(a, 48 * 3600), Some(b));
    }

    #[test]
    fn invalid_specs_name_each_bad_field() {
        let spec = BusinessHoursSpec {
            timezone: "Mars/Olympus".into(),
            weekly: vec![
                WeeklySlot {
                    day: "funday".into(),
                    open: "09:00".into(),
                    close: "17:00".into(),
                },
                WeeklySlot {
                    day: "mon".into(),
                    open: "17:00".into(),
                    close: "09:00".into(),
                },
                WeeklySlot {
                    day: "tue".into(),
                    open: "9am".into(),
                    close: "25:00".into(),
                },
            ],
            holidays: vec!["2026-02-30".into()],
        };
        let fields: Vec<String> = spec
            .validate()
            .err()
            .map(|e| e.errors.into_iter().map(|(f, _)| f).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec![
                "timezone",
                "weekly[0].day",
                "weekly[1].close",
                "weekly[2].open",
                "weekly[2].close",
                "holidays[0]"
            ]
        );
        let empty = BusinessHoursSpec {
            weekly: vec![],
            ..BusinessHoursSpec::default()
        };
        assert!(empty.validate().is_err());
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2024-01-01 .. 2028-01-01, covering several DST changes.
        (1_704_067_200i64..1_830_297_600)
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
    }

    fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
        let zones = prop::sample::select(vec![
            "UTC",
            "Asia/Jakarta",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
        ]);
        let slot = (0usize..7, 0u32..23, 1u32..8).prop_map(|(d, h, len)| {
            let close = (h + len).min(24);
            WeeklySlot {
                day: DAY_NAMES[d].into(),
                open: format!("{h:02}:00"),
                close: format!("{close:02}:00"),
            }
        });
        (zones, prop::collection::vec(slot, 1..6)).prop_map(|(tz, weekly)| {
            BusinessHoursSpec {
                timezone: tz.into(),
                weekly,
                holidays: vec!["2026-12-25".into()],
            }
            .validate()
            .unwrap_or_else(|e| panic!("{e}"))
        })
    }

    proptest! {
        #[test]
        fn business_time_never_exceeds_calendar_time(c in any_calendar(), a in any_instant(), len in 0i64..60 * 86_400) {
            let b = a + Duration::seconds(len);
            let biz = c.business_seconds(a, b);
            prop_assert!(biz >= 0);
            prop_assert!(biz <= len);
        }

        #[test]
        fn business_time_is_additive(c in any_calendar(), a in any_instant(), x in 0i64..20 * 86_400, y in 0i64..20 * 86_400) {
            let b = a + Duration::seconds(x);
            let d = b + Duration::seconds(y);
            prop_assert_eq!(c.business_seconds(a, b) + c.business_seconds(b, d), c.business_seconds(a, d));
        }

        #[test]
        fn the_index_measures_exactly_like_the_calendar(c in any_calendar(), a in any_instant(), x in 0i64..90 * 86_400, y in 0i64..90 * 86_400) {
            let (from, to) = (a, a + Duration::seconds(x + y + 1));
            let index = c.index(from, to);
            let p = a + Duration::seconds(x);
            let q = p + Duration::seconds(y);
            prop_assert_eq!(index.between(p.timestamp(), q.timestamp()), c.business_seconds(p, q));
        }

        #[test]
        fn adding_business_time_is_the_inverse_of_measuring_it(c in any_calendar(), a in any_instant(), secs in 1i64..40 * 3600) {
            let due = c.add_business_seconds(a, secs);
            prop_assert!(due.is_some());
            let due = due.unwrap_or(a);
            prop_assert_eq!(c.business_seconds(a, due), secs);
            // The due instant is the end of an open second: open just before it.
            prop_assert!(c.is_open(due - Duration::seconds(1)));
        }
    }
}
