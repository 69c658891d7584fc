//! Wall-clock windows as instants: the 24-hour period from the day break (dygn), weeks,
//! calendar months, and Swedish public holidays. Instants are seconds since the Unix epoch;
//! a dygn is named by its day number (days since 1970-01-01) and a week by its week number,
//! so the hot paths do integer arithmetic, not calendar arithmetic.

use jiff::civil::{Date, DateTime, Time, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

const EPOCH: Date = date(1970, 1, 1);
/// 1970-01-01 was a Thursday: three days after a Monday.
const EPOCH_MONDAY_OFFSET: i64 = 3;

#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    tz: TimeZone,
    day_break: Time,
    /// Day number of the first dygn of week 0.
    week_offset: i64,
    table: Option<DayTable>,
}

/// Day starts and Sunday/holiday flags for a range of days, precomputed.
#[derive(Debug, Clone)]
struct DayTable {
    first: i64,
    /// `starts[i]` is where day `first + i` starts; one more entry closes the last day.
    starts: Vec<i64>,
    sunday_or_holiday: Vec<bool>,
}

pub(crate) fn day_number(d: Date) -> i64 {
    d.duration_since(EPOCH).as_secs().div_euclid(86_400)
}

pub(crate) fn date_of(day: i64) -> Date {
    EPOCH.saturating_add(Span::new().days(day))
}

impl Calendar {
    pub(crate) fn new(tz: TimeZone, day_break: Time, week_start: Weekday) -> Self {
        let week_offset =
            (i64::from(week_start.to_monday_zero_offset()) - EPOCH_MONDAY_OFFSET).rem_euclid(7);
        Self {
            tz,
            day_break,
            week_offset,
            table: None,
        }
    }

    /// Precomputes the days from `from` to `to` (inclusive).
    pub(crate) fn with_table(mut self, from: Date, to: Date) -> Self {
        let (first, last) = (day_number(from), day_number(to).max(day_number(from)));
        let starts = (first..=last + 1)
            .map(|d| self.compute_day_start(d))
            .collect();
        let sunday_or_holiday = (first..=last)
            .map(|d| is_sunday_or_holiday(date_of(d)))
            .collect();
        self.table = Some(DayTable {
            first,
            starts,
            sunday_or_holiday,
        });
        self
    }

    pub(crate) fn local(&self, t: i64) -> DateTime {
        self.tz
            .to_datetime(Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH))
    }

    /// The instant a wall-clock time happens; a time in the spring gap is taken as the
    /// instant just after the gap, as the clocks do.
    pub(crate) fn instant(&self, dt: DateTime) -> i64 {
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map_or(0, Timestamp::as_second)
    }

    fn compute_day_start(&self, day: i64) -> i64 {
        self.instant(date_of(day).to_datetime(self.day_break))
    }

    fn table_index(&self, day: i64) -> Option<(&DayTable, usize)> {
        let table = self.table.as_ref()?;
        let i = usize::try_from(day - table.first).ok()?;
        (i + 1 < table.starts.len()).then_some((table, i))
    }

    /// Where dygn `day` starts.
    pub(crate) fn day_start(&self, day: i64) -> i64 {
        match self.table_index(day) {
            Some((table, i)) => table.starts[i],
            None => match self.table.as_ref() {
                // The closing entry of the table.
                Some(t) if day - t.first == t.starts.len() as i64 - 1 => {
                    t.starts[t.starts.len() - 1]
                }
                _ => self.compute_day_start(day),
            },
        }
    }

    /// The dygn an instant falls in.
    pub(crate) fn day_of(&self, t: i64) -> i64 {
        if let Some(table) = &self.table
            && let (Some(first), Some(last)) = (table.starts.first(), table.starts.last())
            && *first <= t
            && t < *last
        {
            return table.first + table.starts.partition_point(|s| *s <= t) as i64 - 1;
        }
        let d = day_number(self.local(t).date());
        if t < self.compute_day_start(d) {
            d - 1
        } else {
            d
        }
    }

    pub(crate) fn day_window(&self, day: i64) -> (i64, i64) {
        (self.day_start(day), self.day_start(day + 1))
    }

    /// The week a dygn belongs to.
    pub(crate) fn week_of_day(&self, day: i64) -> i64 {
        (day - self.week_offset).div_euclid(7)
    }

    pub(crate) fn week_of(&self, t: i64) -> i64 {
        self.week_of_day(self.day_of(t))
    }

    /// `[start, end)` of a week.
    pub(crate) fn week_window(&self, week: i64) -> (i64, i64) {
        let first = self.week_offset + 7 * week;
        (self.day_start(first), self.day_start(first + 7))
    }

    /// The calendar month an instant falls in, as its first day. Months, like days, turn
    /// at the day break.
    pub(crate) fn month_of(&self, t: i64) -> Date {
        date_of(self.day_of(t)).first_of_month()
    }

    pub(crate) fn month_window(&self, first: Date) -> (i64, i64) {
        let next = first.saturating_add(Span::new().months(1));
        (
            self.day_start(day_number(first)),
            self.day_start(day_number(next)),
        )
    }

    /// Whether dygn `day` is a Sunday or a Swedish public holiday.
    pub(crate) fn is_sunday_or_holiday(&self, day: i64) -> bool {
        match self.table_index(day) {
            Some((table, i)) => table.sunday_or_holiday[i],
            None => is_sunday_or_holiday(date_of(day)),
        }
    }

    /// Splits `[start, end)` at the boundaries of the periods `key_of` names, calling `f`
    /// with each period's key and the part inside it.
    pub(crate) fn split<K: Copy>(
        &self,
        start: i64,
        end: i64,
        key_of: impl Fn(&Self, i64) -> K,
        window_of: impl Fn(&Self, K) -> (i64, i64),
        mut f: impl FnMut(K, i64, i64),
    ) {
        let mut at = start;
        while at < end {
            let key = key_of(self, at);
            let (_, window_end) = window_of(self, key);
            // A window must move forward; guard against a zone that would not let it.
            let stop = if window_end > at {
                window_end.min(end)
            } else {
                end
            };
            f(key, at, stop);
            at = stop;
        }
    }
}

fn is_sunday_or_holiday(d: Date) -> bool {
    d.weekday() == Weekday::Sunday || is_swedish_holiday(d)
}

/// Easter Sunday (anonymous Gregorian algorithm).
fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as i8, day as i8)
}

/// Swedish public holidays (allmänna helgdagar, lag 1989:253) other than ordinary Sundays.
pub(crate) fn is_swedish_holiday(d: Date) -> bool {
    let (m, day) = (d.month(), d.day());
    if matches!(
        (m, day),
        (1, 1) | (1, 6) | (5, 1) | (6, 6) | (12, 25) | (12, 26)
    ) {
        return true;
    }
    // Good Friday, Easter Monday, Ascension Day: all between March and June.
    if (3..=6).contains(&m) {
        let offset = i32::from(d.day_of_year()) - i32::from(easter(d.year()).day_of_year());
        if matches!(offset, -2 | 1 | 39) {
            return true;
        }
    }
    // Midsummer Day: the Saturday 20–26 June; All Saints' Day: the Saturday 31 Oct–6 Nov.
    d.weekday() == Weekday::Saturday
        && ((m == 6 && (20..=26).contains(&day)) || (m == 10 && day == 31) || (m == 11 && day <= 6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn stockholm(day_break: Time) -> Calendar {
        Calendar::new(
            TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC),
            day_break,
            Weekday::Monday,
        )
    }

    #[test]
    fn the_dst_days_are_23_and_25_hours_long() {
        let plain = stockholm(time(0, 0, 0, 0));
        let tabled = stockholm(time(0, 0, 0, 0)).with_table(date(2026, 1, 1), date(2026, 12, 31));
        for cal in [plain, tabled] {
            let (a, b) = cal.day_window(day_number(date(2026, 3, 29)));
            assert_eq!(b - a, 23 * 3600);
            let (a, b) = cal.day_window(day_number(date(2026, 10, 25)));
            assert_eq!(b - a, 25 * 3600);
            let june = day_number(date(2026, 6, 1));
            let (a, b) = cal.day_window(june);
            assert_eq!(b - a, 24 * 3600);
            assert_eq!(cal.day_of(a), june);
            assert_eq!(cal.day_of(a - 1), june - 1);
            let (w0, w1) = cal.week_window(cal.week_of(a));
            assert_eq!((w0, w1 - w0), (a, 7 * 86_400));
        }
    }

    #[test]
    fn a_day_break_moves_the_dygn() {
        let cal = stockholm(time(6, 0, 0, 0));
        let t = cal.instant(date(2026, 6, 2).at(5, 59, 0, 0));
        assert_eq!(cal.day_of(t), day_number(date(2026, 6, 1)));
        assert_eq!(cal.day_of(t + 60), day_number(date(2026, 6, 2)));
        // Monday 05:00 still belongs to Sunday's period, and so to the week before.
        let monday_early = cal.instant(date(2026, 6, 1).at(5, 0, 0, 0));
        assert_eq!(cal.week_of(monday_early) + 1, cal.week_of(t));
    }

    #[test]
    fn swedish_holidays_of_2026() {
        for d in [
            date(2026, 1, 1),
            date(2026, 1, 6),
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 5, 1),
            date(2026, 5, 14),
            date(2026, 6, 6),
            date(2026, 6, 20),
            date(2026, 10, 31),
            date(2026, 12, 25),
            date(2026, 12, 26),
        ] {
            assert!(is_swedish_holiday(d), "{d}");
        }
        for d in [
            date(2026, 4, 2),
            date(2026, 6, 19),
            date(2026, 12, 24),
            date(2026, 11, 7),
        ] {
            assert!(!is_swedish_holiday(d), "{d}");
        }
    }
}
