//! One employee's share of the objective, kept up to date cell by cell.
//!
//! A [`Tally`] holds the parts of an employee's cost that a changed cell moves: shifts per
//! type, minutes, weekends worked, requests, work on fixed days off, forbidden successions
//! and the cost of the runs of work and of days off. The annealing changes one to a few
//! dozen cells per move; re-costing the whole row each time took 73 % of the time on
//! Curtois 22 (a year, 50 employees). [`Tables::retally`] re-costs only the changed days,
//! their neighbours and the runs they touch; it must agree with [`Tables::tally`] on
//! every row, which a property test checks.

use crate::search::{OFF, Tables};

/// Shift types told apart in the counts (more are counted with the last).
const COUNTED: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tally {
    counts: [u16; COUNTED],
    minutes: u32,
    weekends: u32,
    /// Soft: the requests' cost.
    request: i64,
    /// Hard units: shifts on fixed days off, forbidden successions, runs too long or too
    /// short, and the caller's own rule.
    days_off: i64,
    follow: i64,
    runs: i64,
    rule: i64,
}

/// Changes to one row at most this long are re-costed cell by cell; longer ones (a whole
/// row rebuilt) from scratch.
const INCREMENTAL: usize = 16;

impl Tables<'_> {
    /// The tally of employee `e`'s whole row.
    pub(crate) fn tally(&self, e: usize, row: &[i8]) -> Tally {
        let h = self.days;
        let mut tally = Tally {
            counts: [0; COUNTED],
            minutes: 0,
            weekends: 0,
            request: 0,
            days_off: 0,
            follow: 0,
            runs: 0,
            rule: 0,
        };
        for (d, &v) in row.iter().enumerate() {
            self.add_day(e, d, v, 1, &mut tally);
            if d + 1 < h {
                tally.follow += self.broken_succession(v, row[d + 1]);
            }
        }
        for w in 0..h / 7 {
            tally.weekends += u32::from(row[7 * w + 5] != OFF || row[7 * w + 6] != OFF);
        }
        if h > 0 {
            tally.runs = self.runs_cost(e, 0, h - 1, row);
        }
        tally.rule = self.rule_cost(e, row);
        tally
    }

    /// Updates `tally`, employee `e`'s for their row `before`, to their row `row`, which
    /// differs from it on the days `changed` (each once) alone.
    pub(crate) fn retally(
        &self,
        e: usize,
        before: &[i8],
        row: &[i8],
        changed: &[usize],
        tally: &mut Tally,
    ) {
        if changed.len() > INCREMENTAL {
            *tally = self.tally(e, row);
            return;
        }
        let h = self.days;
        // Successions (d, d + 1) and weekends touched, each once.
        let mut pairs = [0usize; 2 * INCREMENTAL];
        let mut n_pairs = 0;
        let mut weeks = [0usize; INCREMENTAL];
        let mut n_weeks = 0;
        let mut flips = [0usize; INCREMENTAL];
        let mut n_flips = 0;
        for &d in changed {
            let was = before[d];
            self.add_day(e, d, was, -1, tally);
            self.add_day(e, d, row[d], 1, tally);
            for p in d.saturating_sub(1)..=d {
                if p + 1 < h && !pairs[..n_pairs].contains(&p) {
                    pairs[n_pairs] = p;
                    n_pairs += 1;
                }
            }
            let w = d / 7;
            if d % 7 >= 5 && w < h / 7 && !weeks[..n_weeks].contains(&w) {
                weeks[n_weeks] = w;
                n_weeks += 1;
            }
            if (was == OFF) != (row[d] == OFF) {
                flips[n_flips] = d;
                n_flips += 1;
            }
        }
        for &p in &pairs[..n_pairs] {
            tally.follow += self.broken_succession(row[p], row[p + 1])
                - self.broken_succession(before[p], before[p + 1]);
        }
        let worked = |v: &[i8], w: usize| v[7 * w + 5] != OFF || v[7 * w + 6] != OFF;
        for &w in &weeks[..n_weeks] {
            let now = worked(row, w);
            let was = worked(before, w);
            tally.weekends = tally.weekends + u32::from(now) - u32::from(was);
        }
        // Runs change only around days that turned from work to off or back. Each window
        // around them ends where both rows have a run boundary, so no run crosses it.
        let flips = &mut flips[..n_flips];
        flips.sort_unstable();
        let boundary = |d: usize| {
            d == 0
                || d >= h
                || ((row[d - 1] == OFF) != (row[d] == OFF)
                    && (before[d - 1] == OFF) != (before[d] == OFF))
        };
        let mut covered: Option<usize> = None;
        for &f in flips.iter() {
            if covered.is_some_and(|c| f <= c) {
                continue;
            }
            let mut lo = f;
            while !boundary(lo) {
                lo -= 1;
            }
            let mut hi = f;
            while !boundary(hi + 1) {
                hi += 1;
            }
            tally.runs += self.runs_cost(e, lo, hi, row) - self.runs_cost(e, lo, hi, before);
            covered = Some(hi);
        }
        tally.rule = self.rule_cost(e, row);
    }

    /// (hard units, soft cost) of a tally.
    pub(crate) fn cost_of(&self, e: usize, tally: &Tally) -> (i64, i64) {
        let emp = &self.p.employees[e];
        let mut hard = tally.days_off + tally.follow + tally.runs + tally.rule;
        let mut soft = tally.request;
        for b in &self.balance_of[e] {
            let n: u32 = (0..self.types.min(32))
                .filter(|t| b.counts(*t))
                .map(|t| u32::from(tally.counts[t.min(COUNTED - 1)]))
                .sum();
            soft += b.cost(n);
        }
        hard += i64::from(tally.weekends.saturating_sub(emp.max_weekends));
        for (t, max) in emp.max_shifts.iter().enumerate().take(COUNTED) {
            hard += i64::from(u32::from(tally.counts[t]).saturating_sub(*max));
        }
        let minutes = tally.minutes;
        if minutes > emp.max_minutes {
            hard += i64::from((minutes - emp.max_minutes).div_ceil(60));
        }
        if minutes < emp.min_minutes {
            hard += i64::from((emp.min_minutes - minutes).div_ceil(60));
        }
        (hard, soft)
    }

    /// Adds (`sign` 1) or takes away (-1) the day-by-day terms of value `v` on day `d`.
    fn add_day(&self, e: usize, d: usize, v: i8, sign: i64, tally: &mut Tally) {
        let h = self.days;
        if v == OFF {
            tally.request += sign * self.request_off[e * h + d];
            return;
        }
        let t = v as usize;
        tally.request += sign * self.request[(e * h + d) * self.types + t];
        let count = &mut tally.counts[t.min(COUNTED - 1)];
        let minutes = self.p.shift_types[t].minutes;
        if sign > 0 {
            *count += 1;
            tally.minutes += minutes;
        } else {
            *count -= 1;
            tally.minutes -= minutes;
        }
        if self.p.employees[e].days_off[d] {
            tally.days_off += sign;
        }
    }

    /// 1 when shift `b` may not follow shift `a` on the next day.
    fn broken_succession(&self, a: i8, b: i8) -> i64 {
        i64::from(a != OFF && b != OFF && !self.p.may_follow(a as usize, b as usize))
    }

    /// Hard units of the runs of work and of days off within days `lo..=hi`, which must
    /// begin and end runs. Runs at the horizon's edges have no minimum (H6, H7).
    fn runs_cost(&self, e: usize, lo: usize, hi: usize, row: &[i8]) -> i64 {
        let emp = &self.p.employees[e];
        let h = self.days;
        let mut hard = 0;
        let mut start = lo;
        while start <= hi {
            let working = row[start] != OFF;
            let mut end = start;
            while end <= hi && (row[end] != OFF) == working {
                end += 1;
            }
            let len = (end - start) as u32;
            let inside = start > 0 && end < h;
            if working {
                hard += i64::from(len.saturating_sub(emp.max_consecutive));
                if inside {
                    hard += i64::from(emp.min_consecutive.saturating_sub(len));
                }
            } else if inside {
                hard += i64::from(emp.min_days_off.saturating_sub(len));
            }
            start = end;
        }
        hard
    }

    /// The caller's own hard rule on the whole row.
    fn rule_cost(&self, e: usize, row: &[i8]) -> i64 {
        self.hard_rule.as_ref().map_or(0, |rule| {
            let as_options: Vec<Option<usize>> = row
                .iter()
                .map(|v| (*v != OFF).then_some(*v as usize))
                .collect();
            i64::from(rule.violations(e, &as_options))
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::search::{OFF, Tables};
    use crate::{Balance, Employee, Problem, Request, ShiftType};

    /// One employee, three shift types (a late may not be followed by an early, a night by
    /// anything but a night), tight run limits, requests on every third day and a balance
    /// target, so every term of the tally can move.
    fn problem(days: usize, contract: (u32, u32, u32, u32), off: &[bool]) -> Problem {
        let (max_consecutive, min_consecutive, min_days_off, max_weekends) = contract;
        let shift = |id: &str, minutes, cannot_follow| ShiftType {
            id: id.into(),
            minutes,
            cannot_follow,
        };
        Problem {
            days,
            shift_types: vec![
                shift("E", 480, vec![]),
                shift("L", 480, vec![0]),
                shift("N", 600, vec![0, 1]),
            ],
            employees: vec![Employee {
                id: "A".into(),
                max_shifts: vec![days as u32 / 2, days as u32, 3],
                max_minutes: 480 * days as u32 / 2,
                min_minutes: 480 * days as u32 / 4,
                max_consecutive,
                min_consecutive,
                min_days_off,
                max_weekends,
                days_off: off[..days].to_vec(),
            }],
            on_requests: (0..days)
                .step_by(3)
                .map(|day| Request {
                    employee: 0,
                    day,
                    shift: day % 3,
                    weight: 2,
                })
                .collect(),
            off_requests: (1..days)
                .step_by(3)
                .map(|day| Request {
                    employee: 0,
                    day,
                    shift: day % 3,
                    weight: 3,
                })
                .collect(),
            work_requests: vec![(0, days - 1, 5)],
            balance: vec![Balance {
                employee: 0,
                shifts: 0b110,
                target: 4,
                weight: 7,
            }],
            cover: vec![Default::default(); days * 3],
            ..Problem::default()
        }
    }

    fn value(code: u8) -> i8 {
        if code == 3 { OFF } else { code as i8 }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Re-costing only the changed days gives the tally of the whole new row, at the
        /// horizon's edges too and when the changes are far apart.
        #[test]
        fn a_retally_agrees_with_a_tally_of_the_whole_row(
            days in 7_usize..=30,
            contract in (1_u32..=6, 1_u32..=3, 1_u32..=3, 0_u32..=3),
            off in proptest::collection::vec(proptest::bool::weighted(0.1), 30),
            row in proptest::collection::vec(0_u8..4, 30),
            changes in proptest::collection::vec((0_usize..30, 0_u8..4), 1..24),
        ) {
            let p = problem(days, contract, &off);
            let t = Tables::new(&p, None);
            let before: Vec<i8> = row[..days].iter().map(|c| value(*c)).collect();
            let mut after = before.clone();
            let mut changed: Vec<usize> = Vec::new();
            for (d, code) in changes {
                let d = d % days;
                if !changed.contains(&d) {
                    changed.push(d);
                    after[d] = value(code);
                }
            }
            let mut tally = t.tally(0, &before);
            t.retally(0, &before, &after, &changed, &mut tally);
            prop_assert_eq!(tally, t.tally(0, &after));
            prop_assert_eq!(t.cost_of(0, &tally), t.employee_cost(0, &after));
        }
    }
}
