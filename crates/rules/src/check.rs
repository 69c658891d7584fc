//! The checks. Each rule is a function over a person's sorted shifts (or sums derived from
//! them) that pushes violations; the full check and the incremental one share them.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use passa_domain::ShiftKind;

use crate::calendar::Calendar;
use crate::messages::explain;
use crate::{Contract, Detail, Explanation, RuleId, Settings, Shift, Violation};

/// Rules of one profile in one time zone: the entry point for checks.
#[derive(Debug, Clone)]
pub struct Rules {
    pub(crate) settings: Settings,
    pub(crate) cal: Calendar,
}

impl Rules {
    /// Ordinary minutes a week allows under `contract`: the contract's, at most full time,
    /// and under AB the shorter full-time week of those who work Sundays or public holidays.
    pub fn ordinary_week_minutes(&self, contract: &Contract, works_sundays: bool) -> i64 {
        let s = &self.settings;
        let full = match s.full_time_week_sundays {
            Some(sunday_full) if works_sundays => sunday_full,
            _ => s.full_time_week,
        };
        contract.weekly_minutes.map_or(full, |c| c.min(full))
    }

    pub fn new(settings: Settings, tz: TimeZone) -> Self {
        let cal = Calendar::new(tz, settings.day_break, settings.week_start);
        Self { settings, cal }
    }

    /// Rules with the day boundaries of `from..=to` precomputed, for many checks over one
    /// planning horizon (the optimizer, the pool). Dates outside still work, more slowly.
    pub fn with_horizon(settings: Settings, tz: TimeZone, from: Date, to: Date) -> Self {
        let cal = Calendar::new(tz, settings.day_break, settings.week_start).with_table(from, to);
        Self { settings, cal }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every violation in one person's shifts, sorted by window start.
    pub fn check(&self, contract: &Contract, shifts: &[Shift]) -> Vec<Violation> {
        let mut sorted = shifts.to_vec();
        sorted.sort_by_key(|s| (s.start, s.end, s.id));
        let mut out = Vec::new();
        let view = Sorted::new(&sorted);
        self.local_rules(&sorted, &mut out);
        let days: BTreeSet<i64> = sorted
            .iter()
            .filter(|s| counts_for_rest(s))
            .flat_map(|s| self.days_of(s))
            .collect();
        for d in days {
            self.day_window(&view, d, &mut out);
        }
        let weeks: BTreeSet<i64> = sorted.iter().flat_map(|s| self.weeks_of(s)).collect();
        for w in &weeks {
            self.weekly_rest(&view, *w, &mut out);
        }
        let totals = self.totals(&sorted);
        if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
            self.sums(contract, &totals, *first, *last, &mut out);
        }
        let months: BTreeSet<Date> = totals.months.keys().copied().collect();
        self.monthly(&totals, &months, &mut out);
        out.sort_by(|a, b| {
            (a.start, a.end, a.rule)
                .cmp(&(b.start, b.end, b.rule))
                .then_with(|| a.cmp(b))
        });
        out
    }

    pub(crate) fn violation(
        &self,
        rule: RuleId,
        start: i64,
        end: i64,
        measured_secs: i64,
        limit_secs: i64,
        detail: Detail,
    ) -> Violation {
        Violation {
            rule,
            start,
            end,
            measured_minutes: measured_secs.div_euclid(60),
            limit_minutes: limit_secs.div_euclid(60),
            detail,
        }
    }

    /// The violation in words, Swedish and English, with its window in local time.
    pub fn explain(&self, v: &Violation) -> Explanation {
        let when = self.describe_window(v.start, v.end);
        let (sv, en) = explain(v.rule, v.measured_minutes, v.limit_minutes, &when, v.detail);
        Explanation { sv, en }
    }

    fn describe_window(&self, start: i64, end: i64) -> String {
        let (a, b) = (self.cal.local(start), self.cal.local(end));
        let a_text = a.strftime("%Y-%m-%d %H:%M").to_string();
        if a.date() == b.date() {
            format!("{a_text}–{}", b.strftime("%H:%M"))
        } else {
            format!("{a_text}–{}", b.strftime("%Y-%m-%d %H:%M"))
        }
    }

    /// The dygns a shift touches.
    pub(crate) fn days_of(&self, s: &Shift) -> Vec<i64> {
        let mut out = Vec::with_capacity(2);
        self.cal.split(
            s.start,
            s.end,
            Calendar::day_of,
            Calendar::day_window,
            |d, _, _| out.push(d),
        );
        out
    }

    /// The weeks a shift touches.
    pub(crate) fn weeks_of(&self, s: &Shift) -> Vec<i64> {
        let mut out = Vec::with_capacity(1);
        self.cal.split(
            s.start,
            s.end,
            Calendar::week_of,
            Calendar::week_window,
            |w, _, _| out.push(w),
        );
        out
    }

    /// Rules over neighbouring shifts: overlap, rest between work periods, breaks, work with
    /// on-call.
    pub(crate) fn local_rules(&self, sorted: &[Shift], out: &mut Vec<Violation>) {
        self.overlap(sorted, out);
        let periods = rest_periods(sorted);
        self.rest_gaps(&periods, out);
        self.breaks(sorted, out);
    }

    fn overlap(&self, sorted: &[Shift], out: &mut Vec<Violation>) {
        for (i, a) in sorted.iter().enumerate() {
            for b in sorted[i + 1..].iter().take_while(|b| b.start < a.end) {
                let (start, end) = (b.start, a.end.min(b.end));
                if start < end {
                    out.push(self.violation(
                        RuleId::Overlap,
                        start,
                        end,
                        end - start,
                        0,
                        Detail::None,
                    ));
                }
            }
        }
    }

    fn rest_gaps(&self, periods: &[Period], out: &mut Vec<Violation>) {
        let s = &self.settings;
        let daily = s.daily_rest * 60;
        for (i, pair) in periods.windows(2).enumerate() {
            let (a, b) = (&pair[0], &pair[1]);
            let gap = b.start - a.end;
            let exception = s
                .planned_exception_rest
                .filter(|_| b.planned_exception)
                .map(|m| m * 60);
            match exception {
                Some(min) if gap >= min && gap < daily => {
                    // Shortened rest as planned: the rest right after must make up for it.
                    let needed = daily + (daily - gap);
                    if let Some(c) = periods.get(i + 2) {
                        let after = c.start - b.end;
                        if after < needed {
                            out.push(self.violation(
                                RuleId::DailyRest,
                                b.end,
                                c.start,
                                after,
                                needed,
                                Detail::Compensation {
                                    short_rest_minutes: gap.div_euclid(60),
                                },
                            ));
                        }
                    }
                }
                Some(min) if gap < min => {
                    out.push(self.violation(
                        RuleId::DailyRest,
                        a.end,
                        b.start,
                        gap,
                        min,
                        Detail::None,
                    ));
                }
                _ if gap < daily => {
                    out.push(self.violation(
                        RuleId::DailyRest,
                        a.end,
                        b.start,
                        gap,
                        daily,
                        Detail::None,
                    ));
                }
                _ => {}
            }
        }
        let max = s.max_work_with_oncall * 60;
        for (i, p) in periods.iter().enumerate() {
            if !p.has_oncall {
                continue;
            }
            let length = p.end - p.start;
            if length > max {
                out.push(self.violation(
                    RuleId::WorkOncall20h,
                    p.start,
                    p.end,
                    length,
                    max,
                    Detail::None,
                ));
            }
            if length > daily
                && let Some(next) = periods.get(i + 1)
            {
                let rest = next.start - p.end;
                if rest < length {
                    out.push(self.violation(
                        RuleId::WorkOncall20h,
                        p.end,
                        next.start,
                        rest,
                        length,
                        Detail::RestAfter {
                            period_minutes: length.div_euclid(60),
                        },
                    ));
                }
            }
        }
    }

    fn breaks(&self, sorted: &[Shift], out: &mut Vec<Violation>) {
        let max = self.settings.max_work_without_break * 60;
        // Work shifts that touch form one stretch; breaks split it.
        let mut stretch_start: Option<i64> = None;
        let mut stretch_end = i64::MIN;
        let mut pieces: Vec<(i64, i64)> = Vec::new();
        let flush = |start: Option<i64>,
                     end: i64,
                     pieces: &mut Vec<(i64, i64)>,
                     out: &mut Vec<Violation>| {
            let Some(mut at) = start else { return };
            pieces.sort_unstable();
            for (b0, b1) in pieces.drain(..) {
                if b0 > at && b0 - at > max {
                    out.push(self.violation(RuleId::Break, at, b0, b0 - at, max, Detail::None));
                }
                at = at.max(b1);
            }
            if end - at > max {
                out.push(self.violation(RuleId::Break, at, end, end - at, max, Detail::None));
            }
        };
        for s in sorted.iter().filter(|s| s.kind == ShiftKind::Work) {
            if stretch_start.is_some() && s.start <= stretch_end {
                stretch_end = stretch_end.max(s.end);
            } else {
                flush(stretch_start, stretch_end, &mut pieces, out);
                stretch_start = Some(s.start);
                stretch_end = s.end;
            }
            pieces.extend(s.breaks.iter().copied());
        }
        flush(stretch_start, stretch_end, &mut pieces, out);
    }

    /// More work inside one dygn than leaves room for the daily rest.
    pub(crate) fn day_window(&self, sorted: &Sorted<'_>, d: i64, out: &mut Vec<Violation>) {
        let (from, to) = self.cal.day_window(d);
        let at_work: i64 = sorted
            .within(from, to)
            .filter(|s| counts_for_rest(s))
            .map(|s| s.seconds_within(from, to))
            .sum();
        let limit = self.settings.max_work_per_day * 60;
        if at_work > limit {
            out.push(self.violation(
                RuleId::DailyRest,
                from,
                to,
                at_work,
                limit,
                Detail::DayWindow,
            ));
        }
    }

    /// The longest free stretch inside a 7-day period, against the weekly rest.
    pub(crate) fn weekly_rest(&self, sorted: &Sorted<'_>, week: i64, out: &mut Vec<Violation>) {
        let (from, to) = self.cal.week_window(week);
        let mut longest = 0;
        let mut free_from = from;
        for s in sorted.within(from, to) {
            longest = longest.max(s.start.max(from) - free_from);
            free_from = free_from.max(s.end.min(to));
        }
        longest = longest.max(to - free_from);
        let required = self.settings.weekly_rest_required() * 60;
        if longest < required {
            out.push(self.violation(
                RuleId::WeeklyRest,
                from,
                to,
                longest,
                required,
                Detail::None,
            ));
        }
    }

    /// Work per week and per month.
    pub(crate) fn totals(&self, sorted: &[Shift]) -> Totals {
        let mut totals = Totals::default();
        for s in sorted {
            self.add_totals(&mut totals, s, 1);
        }
        totals
    }

    pub(crate) fn add_totals(&self, totals: &mut Totals, s: &Shift, sign: i64) {
        if s.kind == ShiftKind::Standby {
            return;
        }
        self.cal.split(
            s.start,
            s.end,
            Calendar::week_of,
            Calendar::week_window,
            |w, a, b| {
                let t = totals.weeks.entry(w).or_default();
                let work = s.work_within(a, b);
                if s.kind == ShiftKind::Work {
                    t.work += sign * work;
                    t.worktime += sign * work;
                } else {
                    t.worktime += sign * s.seconds_within(a, b);
                }
            },
        );
        if s.kind == ShiftKind::Work {
            self.cal.split(
                s.start,
                s.end,
                Calendar::day_of,
                Calendar::day_window,
                |d, a, b| {
                    if self.cal.is_sunday_or_holiday(d) && s.work_within(a, b) > 0 {
                        *totals
                            .sunday_work
                            .entry(self.cal.week_of_day(d))
                            .or_default() += sign;
                    }
                },
            );
            if self.settings.monthly_cap.is_none() {
                return;
            }
            self.cal.split(
                s.start,
                s.end,
                Calendar::month_of,
                Calendar::month_window,
                |m, a, b| {
                    *totals.months.entry(m).or_default() += sign * s.work_within(a, b);
                },
            );
        }
    }

    /// Averaged rules over sliding windows of whole weeks: every window that holds a week
    /// from `first_week` to `last_week` is checked, so the result does not depend on where
    /// a period happens to start. A window without work cannot break these rules.
    pub(crate) fn sums(
        &self,
        contract: &Contract,
        totals: &Totals,
        first_week: i64,
        last_week: i64,
        out: &mut Vec<Violation>,
    ) {
        let s = &self.settings;
        let n_ordinary = i64::from(s.ordinary_averaging_weeks.max(1));
        let n_total = i64::from(s.total_averaging_weeks.max(1));
        let reach = n_ordinary.max(4).max(n_total);
        // Prefix sums over the weeks any window can see, so each window costs O(1).
        let lo = first_week - (reach - 1);
        let last_index = last_week - lo;
        let len = usize::try_from(last_index + reach).unwrap_or(0);
        let hi = lo + last_index + reach - 1;
        let mut work = vec![0i64; len + 1];
        let mut worktime = vec![0i64; len + 1];
        let mut sundays = vec![0i64; len + 1];
        for (w, t) in totals.weeks.range(lo..=hi) {
            let i = (*w - lo) as usize + 1;
            work[i] += t.work;
            worktime[i] += t.worktime;
        }
        for (w, c) in totals.sunday_work.range(lo..=hi) {
            if *c > 0 {
                sundays[(*w - lo) as usize + 1] += 1;
            }
        }
        for v in [&mut work, &mut worktime, &mut sundays] {
            for i in 1..v.len() {
                v[i] += v[i - 1];
            }
        }
        let sum = |p: &[i64], i: i64, n: i64| p[(i + n) as usize] - p[i as usize];
        let weekly_ordinary =
            |i: i64, n: i64| self.ordinary_week_minutes(contract, sum(&sundays, i, n) > 0) * 60;
        let span = |i: i64, n: i64| {
            (
                self.cal.week_window(lo + i).0,
                self.cal.week_window(lo + i + n).0,
            )
        };
        let first_index = reach - 1;
        let starts = |n: i64| (first_index - n + 1)..=last_index;

        for i in starts(n_ordinary) {
            let done = sum(&work, i, n_ordinary);
            let limit = weekly_ordinary(i, n_ordinary) * n_ordinary;
            if done > limit {
                let (a, b) = span(i, n_ordinary);
                out.push(self.violation(RuleId::OrdinaryHours, a, b, done, limit, Detail::None));
            }
        }
        for i in starts(4) {
            let extra = sum(&work, i, 4) - weekly_ordinary(i, 4) * 4;
            let limit = s.overtime_per_4_weeks * 60;
            if extra > limit {
                let (a, b) = span(i, 4);
                out.push(self.violation(RuleId::Overtime, a, b, extra, limit, Detail::None));
            }
        }
        for i in starts(n_total) {
            let done = sum(&worktime, i, n_total);
            let limit = s.total_per_week * 60 * n_total;
            if done > limit {
                let (a, b) = span(i, n_total);
                out.push(self.violation(RuleId::TotalHours48, a, b, done, limit, Detail::None));
            }
            // ATL 13 a §: 8 h per 24 h on average, one 24-hour weekly rest per week set aside.
            let night_limit = s.night_worker_per_day * 60 * 6 * n_total;
            if contract.night_worker && done > night_limit {
                let (a, b) = span(i, n_total);
                out.push(self.violation(RuleId::NightWork, a, b, done, night_limit, Detail::None));
            }
        }
    }

    pub(crate) fn monthly(
        &self,
        totals: &Totals,
        months: &BTreeSet<Date>,
        out: &mut Vec<Violation>,
    ) {
        let Some(cap) = self.settings.monthly_cap else {
            return;
        };
        for m in months {
            let work = totals.months.get(m).copied().unwrap_or(0);
            if work > cap * 60 {
                let (a, b) = self.cal.month_window(*m);
                out.push(self.violation(RuleId::MonthlyCap, a, b, work, cap * 60, Detail::None));
            }
        }
    }
}

/// Work and on-call at the workplace break the daily rest; standby does not.
pub(crate) fn counts_for_rest(s: &Shift) -> bool {
    matches!(s.kind, ShiftKind::Work | ShiftKind::OnCall)
}

/// Shifts sorted by start, with the longest one's length, so the shifts of a window are
/// found by binary search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sorted<'a> {
    shifts: &'a [Shift],
    longest: i64,
}

impl<'a> Sorted<'a> {
    pub(crate) fn new(shifts: &'a [Shift]) -> Self {
        let longest = shifts.iter().map(|s| s.end - s.start).max().unwrap_or(0);
        Self { shifts, longest }
    }

    /// The shifts that intersect `[from, to)`, in order.
    pub(crate) fn within(self, from: i64, to: i64) -> impl Iterator<Item = &'a Shift> {
        let first = self
            .shifts
            .partition_point(|s| s.start < from - self.longest);
        self.shifts[first..]
            .iter()
            .take_while(move |s| s.start < to)
            .filter(move |s| s.end > from)
    }
}

/// Work and on-call merged where they touch: the periods daily rest lies between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Period {
    pub start: i64,
    pub end: i64,
    pub has_oncall: bool,
    pub planned_exception: bool,
}

pub(crate) fn rest_periods(sorted: &[Shift]) -> Vec<Period> {
    let mut out: Vec<Period> = Vec::new();
    for s in sorted.iter().filter(|s| counts_for_rest(s)) {
        match out.last_mut() {
            Some(p) if s.start <= p.end => {
                p.end = p.end.max(s.end);
                p.has_oncall |= s.kind == ShiftKind::OnCall;
                p.planned_exception |= s.planned_exception;
            }
            _ => out.push(Period {
                start: s.start,
                end: s.end,
                has_oncall: s.kind == ShiftKind::OnCall,
                planned_exception: s.planned_exception,
            }),
        }
    }
    out
}

/// Seconds per week and month, and Sunday/holiday work per week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub weeks: BTreeMap<i64, WeekTotals>,
    /// Number of (shift, day) pairs with work on a Sunday or holiday, per week.
    pub sunday_work: BTreeMap<i64, i64>,
    pub months: BTreeMap<Date, i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WeekTotals {
    /// Work less breaks.
    pub work: i64,
    /// Work less breaks, plus on-call at the workplace.
    pub worktime: i64,
}
