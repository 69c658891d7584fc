//! One person's shifts, kept so that "may they also take shift S?" re-checks only what S
//! can change.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::civil::Date;

use crate::check::{Rules, Sorted, Totals, counts_for_rest};
use crate::{Contract, Shift, Violation};

/// How far from a new shift the neighbourhood reaches: more than a week either side, so
/// every 24-hour period, 7-day period and rest gap the shift can touch lies inside it.
const REACH: i64 = 9 * 86_400;

/// A person's current shifts with the sums the averaged rules need.
#[derive(Debug, Clone)]
pub struct PersonSchedule {
    rules: Arc<Rules>,
    contract: Contract,
    /// Sorted by (start, end, id).
    shifts: Vec<Shift>,
    longest: i64,
    totals: Totals,
}

impl PersonSchedule {
    pub fn new(rules: Arc<Rules>, contract: Contract) -> Self {
        Self {
            rules,
            contract,
            shifts: Vec::new(),
            longest: 0,
            totals: Totals::default(),
        }
    }

    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    pub fn insert(&mut self, shift: Shift) {
        self.rules.add_totals(&mut self.totals, &shift, 1);
        self.longest = self.longest.max(shift.end - shift.start);
        let at = self
            .shifts
            .partition_point(|s| (s.start, s.end, s.id) < (shift.start, shift.end, shift.id));
        self.shifts.insert(at, shift);
    }

    /// Removes the shift with this id; returns it if it was there.
    pub fn remove(&mut self, id: u64) -> Option<Shift> {
        let at = self.shifts.iter().position(|s| s.id == id)?;
        let shift = self.shifts.remove(at);
        self.rules.add_totals(&mut self.totals, &shift, -1);
        Some(shift)
    }

    /// Every violation of the current shifts.
    pub fn check_all(&self) -> Vec<Violation> {
        self.rules.check(&self.contract, &self.shifts)
    }

    /// The violations that taking `shift` as well would add: empty when the person may take
    /// it. Equal to a full check with the shift less a full check without it.
    pub fn can_take(&self, shift: &Shift) -> Vec<Violation> {
        let rules = &self.rules;
        // The neighbourhood: shifts within REACH, widened to whole chains of touching shifts.
        let lo = shift.start - REACH;
        let hi = shift.end + REACH;
        let shifts = &self.shifts;
        let mut last = shifts.partition_point(|s| s.start < hi);
        let mut first = shifts
            .partition_point(|s| s.start < lo - self.longest)
            .min(last);
        // A shift before the neighbourhood that reaches into its first shift joins it.
        while first < last {
            let edge = shifts[first].start;
            let from = shifts.partition_point(|s| s.start < edge - self.longest);
            match (from..first).find(|&k| shifts[k].end >= edge) {
                Some(k) => first = k,
                None => break,
            }
        }
        // And so does a shift after it that its shifts reach.
        let mut reach_end = shifts[first..last]
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or(i64::MIN);
        while last < shifts.len() && shifts[last].start <= reach_end {
            reach_end = reach_end.max(shifts[last].end);
            last += 1;
        }
        let before = &self.shifts[first..last];
        let mut after: Vec<Shift> = Vec::with_capacity(before.len() + 1);
        let at =
            before.partition_point(|s| (s.start, s.end, s.id) < (shift.start, shift.end, shift.id));
        after.extend_from_slice(&before[..at]);
        after.push(shift.clone());
        after.extend_from_slice(&before[at..]);

        let mut old = Vec::new();
        let mut new = Vec::new();
        rules.local_rules(before, &mut old);
        rules.local_rules(&after, &mut new);
        let (old_view, new_view) = (Sorted::new(before), Sorted::new(&after));

        if counts_for_rest(shift) {
            for d in rules.days_of(shift) {
                rules.day_window(&old_view, d, &mut old);
                rules.day_window(&new_view, d, &mut new);
            }
        }
        // A week, window or month with no work cannot break a rule, so checking every one
        // the shift touches, before and after, gives exactly what a full check would add.
        let weeks: BTreeSet<i64> = rules.weeks_of(shift).into_iter().collect();
        for w in &weeks {
            rules.weekly_rest(&old_view, *w, &mut old);
            rules.weekly_rest(&new_view, *w, &mut new);
        }
        let mut totals = self.totals.around(&weeks, rules, shift);
        rules.add_totals(&mut totals.after, shift, 1);
        if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
            rules.sums(&self.contract, &totals.before, *first, *last, &mut old);
            rules.sums(&self.contract, &totals.after, *first, *last, &mut new);
        }
        let months: BTreeSet<Date> = totals.after.months.keys().copied().collect();
        rules.monthly(&totals.before, &months, &mut old);
        rules.monthly(&totals.after, &months, &mut new);

        difference(new, old)
    }
}

/// The sums around a new shift, before and after it.
struct AroundTotals {
    before: Totals,
    after: Totals,
}

impl Totals {
    /// The part of these sums that windows touching `weeks` can see (windows reach 17
    /// weeks either way), and the months the new shift touches.
    fn around(&self, weeks: &BTreeSet<i64>, rules: &Rules, shift: &Shift) -> AroundTotals {
        let reach = i64::from(
            rules
                .settings
                .total_averaging_weeks
                .max(rules.settings.ordinary_averaging_weeks)
                .max(4),
        );
        let (Some(first), Some(last)) = (weeks.first(), weeks.last()) else {
            return AroundTotals {
                before: Totals::default(),
                after: Totals::default(),
            };
        };
        let (from, to) = (*first - reach, *last + reach);
        let mut part = Totals::default();
        part.weeks
            .extend(self.weeks.range(from..=to).map(|(k, v)| (*k, *v)));
        part.sunday_work
            .extend(self.sunday_work.range(from..=to).map(|(k, v)| (*k, *v)));
        let mut months = Totals::default();
        rules.add_totals(&mut months, shift, 1);
        for m in months.months.keys() {
            if let Some(v) = self.months.get(m) {
                part.months.insert(*m, *v);
            }
        }
        AroundTotals {
            before: part.clone(),
            after: part,
        }
    }
}

/// `new` less `old`, as multisets.
fn difference(mut new: Vec<Violation>, mut old: Vec<Violation>) -> Vec<Violation> {
    new.sort();
    old.sort();
    let mut out = Vec::new();
    let mut old_iter = old.into_iter().peekable();
    for v in new {
        while old_iter.peek().is_some_and(|o| *o < v) {
            old_iter.next();
        }
        if old_iter.peek() == Some(&v) {
            old_iter.next();
        } else {
            out.push(v);
        }
    }
    out
}
