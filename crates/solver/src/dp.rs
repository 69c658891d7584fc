//! The best row for one employee while everyone else stays put: a labelling dynamic
//! programme over the days (a resource-constrained shortest path).
//!
//! A label is a partial row up to a day: its cost, its last value, the length of its current
//! run of work or of days off (and whether that run began on day 0, where H6/H7 do not
//! apply), minutes so far, shifts per type and weekends worked. Transitions enforce H2, H3,
//! H4 (upper), H5, H6, H7, H8, H9 and pinned cells; H4's minimum is checked at the end, and
//! labels that can no longer reach it are dropped as they arise ([`Reach`]), as are labels
//! that leave no room for the shifts forced on later days ([`Later`]).
//! Labels with the same (last value, run, minutes) are kept only while none dominates
//! another; a cap per day keeps long horizons tractable (then it is a heuristic).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rustc_hash::FxHasher;

use crate::search::{OFF, Tables};

const MAX_TYPES: usize = 32;

/// The most 64-bit words a label's packed shift counts may take (see [`Packing`]): 32 types
/// with limits up to 32 767 each.
const MAX_COUNT_WORDS: usize = 8;

#[derive(Clone, Copy)]
struct Label<const W: usize> {
    cost: i64,
    minutes: u32,
    /// The label on the day before this one's, by index.
    prev: u32,
    /// Shifts per tracked type, packed as [`Packing`] lays them out.
    counts: [u64; W],
    run: u16,
    weekends: u16,
    last: i8,
    from_start: bool,
}

impl<const W: usize> Label<W> {
    /// The state labels are compared within: (last value, run, from the start, minutes),
    /// packed into one integer in that order.
    fn key(&self) -> u64 {
        let last = (i64::from(self.last) - i64::from(OFF)) as u64;
        (last << 58)
            | (u64::from(self.run) << 42)
            | (u64::from(self.from_start) << 41)
            | u64::from(self.minutes)
    }

    /// Whether this label is at least as good in every respect.
    fn dominates(&self, other: &Self, packing: &Packing) -> bool {
        self.cost <= other.cost
            && self.weekends <= other.weekends
            && packing.at_most(&self.counts, &other.counts)
    }
}

/// Where each tracked shift type's count sits in a label's words: a field just wide enough
/// for the type's limit, with a spare (guard) bit above it that stays clear. One subtraction
/// per word then compares every field at once (`b - a` keeps a field's guard bit exactly
/// when `a <= b` there), where comparing counts one by one, and sorting labels that carried
/// them, took most of the programme's time (Curtois 13: 18 types, 9 of them tracked).
struct Packing {
    /// Per shift type, its field when its count is tracked.
    field: Vec<Option<Field>>,
    /// Per word, its fields' guard bits.
    guard: [u64; MAX_COUNT_WORDS],
    words: usize,
}

/// A tracked type's count in a label's words.
#[derive(Debug, Clone, Copy)]
struct Field {
    word: usize,
    /// The field's lowest bit.
    bit: u32,
    /// Its width without the guard bit.
    width: u32,
    /// The most shifts of the type the employee may work.
    limit: u32,
}

impl Packing {
    /// Fields for the types whose `limits` are below `days` (the others cannot be reached
    /// and are not tracked: labels that differ only in them would not dominate each other,
    /// and their number would explode). `None` when they need more than
    /// [`MAX_COUNT_WORDS`] words.
    fn new(limits: &[u32], days: usize) -> Option<Self> {
        let mut packing = Self {
            field: vec![None; limits.len()],
            guard: [0; MAX_COUNT_WORDS],
            words: 0,
        };
        let mut used = 64;
        for (s, &limit) in limits.iter().enumerate() {
            if limit as usize >= days {
                continue;
            }
            let width = (u32::BITS - limit.leading_zeros()).max(1);
            if used + width + 1 > 64 {
                if packing.words == MAX_COUNT_WORDS {
                    return None;
                }
                packing.words += 1;
                used = 0;
            }
            packing.field[s] = Some(Field {
                word: packing.words - 1,
                bit: used,
                width,
                limit,
            });
            packing.guard[packing.words - 1] |= 1 << (used + width);
            used += width + 1;
        }
        Some(packing)
    }

    /// Adds a shift of type `s` to `counts`; false (and `counts` unchanged) when that, with
    /// `later` more of the type still to come, would pass the type's limit. Untracked types
    /// always fit.
    fn add(&self, counts: &mut [u64], s: usize, later: u32) -> bool {
        let Some(f) = self.field[s] else {
            return true;
        };
        if self.count(counts, s) + u64::from(later) >= u64::from(f.limit) {
            return false;
        }
        counts[f.word] += 1 << f.bit;
        true
    }

    /// The count of type `s` in `counts`; 0 for an untracked type.
    fn count(&self, counts: &[u64], s: usize) -> u64 {
        self.field[s].map_or(0, |f| (counts[f.word] >> f.bit) & ((1 << f.width) - 1))
    }

    /// Whether every count of `a` is at most the same count of `b`.
    fn at_most(&self, a: &[u64], b: &[u64]) -> bool {
        a.iter()
            .zip(b)
            .zip(&self.guard[..a.len()])
            .all(|((a, b), g)| ((b | g) - a) & g == *g)
    }
}

/// Per-cell costs for employee `e` against the others' counts: `cost[d * (types + 1) + v]`,
/// `v == types` for off; `None` where the value is not allowed.
pub(crate) fn cell_costs(
    t: &Tables<'_>,
    e: usize,
    others: &[i64],
    others_skill: &[i64],
) -> Vec<Option<i64>> {
    let mut skill = others_skill.to_vec();
    costs_by(
        t,
        e,
        |_, _| true,
        |d| t.request_off[e * t.days + d],
        |d, s| {
            t.request[(e * t.days + d) * t.types + s]
                + t.cover_step(d, s, others[d * t.types + s])
                + t.skill_step(e, d, s, 1, &mut skill, false)
        },
    )
}

/// Per-cell costs for employee `e`, laid out as [`cell_costs`]'s: a day off costs `off(d)`
/// and shift type `s` costs `shift(d, s)`, asked day by day in type order. `None` where
/// another value is pinned, the day is one of the employee's fixed days off or the type one
/// they may not work, or `allowed(d, value)` refuses it (`None` for off). The one place
/// that says which values a row programme may use.
pub(crate) fn costs_by<C: Copy>(
    t: &Tables<'_>,
    e: usize,
    allowed: impl Fn(usize, Option<usize>) -> bool,
    off: impl Fn(usize) -> C,
    mut shift: impl FnMut(usize, usize) -> C,
) -> Vec<Option<C>> {
    let p = t.p;
    let emp = &p.employees[e];
    let width = t.types + 1;
    let mut out = vec![None; t.days * width];
    for d in 0..t.days {
        let pinned = p
            .pinned
            .iter()
            .find(|(pe, pd, _)| *pe == e && *pd == d)
            .map(|x| x.2);
        for v in 0..width {
            let value = (v < t.types).then_some(v);
            if pinned.is_some_and(|want| want != value) || !allowed(d, value) {
                continue;
            }
            out[d * width + v] = match value {
                None => Some(off(d)),
                Some(s) if emp.days_off[d] || emp.max_shifts.get(s).copied().unwrap_or(0) == 0 => {
                    None
                }
                Some(s) => Some(shift(d, s)),
            };
        }
    }
    out
}

/// The cheapest feasible row under `costs`, if the search finds one.
pub(crate) fn best_row(
    t: &Tables<'_>,
    e: usize,
    costs: &[Option<i64>],
    cap: usize,
) -> Option<Vec<i8>> {
    best_rows(t, e, costs, cap, 1).into_iter().next()
}

/// Up to `k` of the cheapest feasible rows the search finds under `costs`, cheapest first
/// (all different: each label ends one path).
pub(crate) fn best_rows(
    t: &Tables<'_>,
    e: usize,
    costs: &[Option<i64>],
    cap: usize,
    k: usize,
) -> Vec<Vec<i8>> {
    if t.types > MAX_TYPES {
        return Vec::new();
    }
    let Some(packing) = Packing::new(&t.p.employees[e].max_shifts, t.days) else {
        return Vec::new();
    };
    // Labels are copied for every transition: as few count words as the employee needs.
    match packing.words {
        0 | 1 => labelled::<1>(t, e, costs, cap, k, &packing),
        2 => labelled::<2>(t, e, costs, cap, k, &packing),
        3 | 4 => labelled::<4>(t, e, costs, cap, k, &packing),
        _ => labelled::<MAX_COUNT_WORDS>(t, e, costs, cap, k, &packing),
    }
}

/// [`best_rows`] with labels of `W` count words.
fn labelled<const W: usize>(
    t: &Tables<'_>,
    e: usize,
    costs: &[Option<i64>],
    cap: usize,
    k: usize,
    packing: &Packing,
) -> Vec<Vec<i8>> {
    let p = t.p;
    let emp = &p.employees[e];
    let width = t.types + 1;
    let min_off = emp.min_days_off.max(1) as u16;
    let weekends_tracked = (emp.max_weekends as usize) < t.days.div_ceil(7);
    let reach = Reach::new(t, e, costs, min_off, weekends_tracked);
    let later = Later::new(t, costs);
    let alive = |d: usize, l: &Label<W>| {
        reach
            .at(d, (l.last != OFF, l.run, l.from_start, l.weekends))
            .is_some_and(|m| l.minutes + m >= emp.min_minutes)
    };
    // Per day, each kept label's (value, label on the day before): all the rows need.
    let mut trail: Vec<Vec<(i8, u32)>> = Vec::with_capacity(t.days);
    let mut kept: Vec<Label<W>> = Vec::new();
    for (v, cost) in costs.iter().take(width).enumerate() {
        let Some(c) = *cost else { continue };
        let mut label = Label {
            cost: c,
            minutes: 0,
            prev: 0,
            counts: [0; W],
            run: 1,
            weekends: 0,
            last: if v < t.types { v as i8 } else { OFF },
            from_start: true,
        };
        if v < t.types {
            label.minutes = p.shift_types[v].minutes;
            if !packing.add(&mut label.counts, v, later.count(0, v))
                || label.minutes + later.minutes[0] > emp.max_minutes
                || emp.max_consecutive < 1
            {
                continue;
            }
        }
        kept.push(label);
    }
    trail.push(kept.iter().map(|l| (l.last, 0)).collect());
    let mut next: Vec<Label<W>> = Vec::new();
    let mut groups = Groups::default();
    for d in 1..t.days {
        let weekday = d % 7;
        next.clear();
        for (i, l) in kept.iter().enumerate() {
            let working = l.last != OFF;
            for v in 0..width {
                let Some(c) = costs[d * width + v] else {
                    continue;
                };
                let mut n = *l;
                n.cost += c;
                n.prev = i as u32;
                if v == t.types {
                    if working {
                        // A run of work ends inside the horizon.
                        if !l.from_start && u32::from(l.run) < emp.min_consecutive {
                            continue;
                        }
                        n.run = 1;
                        n.from_start = false;
                    } else {
                        n.run = (l.run + 1).min(min_off);
                    }
                    n.last = OFF;
                } else {
                    let s = v;
                    if working {
                        if !p.may_follow(l.last as usize, s)
                            || u32::from(l.run) + 1 > emp.max_consecutive
                        {
                            continue;
                        }
                        n.run = l.run + 1;
                    } else {
                        // A run of days off ends inside the horizon.
                        if !l.from_start && u32::from(l.run) < emp.min_days_off {
                            continue;
                        }
                        n.run = 1;
                        n.from_start = false;
                    }
                    n.minutes += p.shift_types[s].minutes;
                    if n.minutes + later.minutes[d] > emp.max_minutes
                        || !packing.add(&mut n.counts, s, later.count(d, s))
                    {
                        continue;
                    }
                    if weekends_tracked && (weekday == 5 || (weekday == 6 && l.last == OFF)) {
                        n.weekends += 1;
                        if u32::from(n.weekends) > emp.max_weekends {
                            continue;
                        }
                    }
                    n.last = s as i8;
                }
                // Exact: a label that cannot reach the minimum minutes any more is dead.
                if alive(d, &n) {
                    next.push(n);
                }
            }
        }
        keep(&next, &mut groups, cap, packing, &mut kept);
        trail.push(kept.iter().map(|l| (l.last, l.prev)).collect());
    }
    let mut ends: Vec<(i64, usize)> = kept
        .iter()
        .enumerate()
        .filter(|(_, l)| l.minutes >= emp.min_minutes)
        .map(|(i, l)| (l.cost, i))
        .collect();
    ends.sort_unstable();
    ends.iter()
        .take(k)
        .map(|&(_, mut i)| {
            let mut row = vec![OFF; t.days];
            for d in (0..t.days).rev() {
                let (value, prev) = trail[d][i];
                row[d] = value;
                i = prev as usize;
            }
            row
        })
        .collect()
}

/// A day's labels grouped by key, kept between days so their buffers are reused.
#[derive(Default)]
struct Groups {
    /// Per key seen, its group.
    index: HashMap<u64, u32, BuildHasherDefault<FxHasher>>,
    /// Per group, (key, group): sorted by key to visit groups in key order.
    keys: Vec<(u64, u32)>,
    /// Per group, where its labels begin in `members` (and, last, the end).
    starts: Vec<u32>,
    /// Label indexes, group by group.
    members: Vec<u32>,
    group_of: Vec<u32>,
    /// Per group, the next free place in `members` while they are filled.
    fill: Vec<u32>,
}

/// Puts into `kept` (a buffer reused from day to day) the labels of `next` no other label
/// with the same key dominates, in key order and cheapest first within a key (and of those,
/// the one with the fewest weekends used, which later days may need), cut to `cap` where
/// there are more. Grouping by a hash of the key and sorting only within groups: sorting
/// every label by key took a third of the programme's time.
fn keep<const W: usize>(
    next: &[Label<W>],
    g: &mut Groups,
    cap: usize,
    packing: &Packing,
    kept: &mut Vec<Label<W>>,
) {
    g.index.clear();
    g.keys.clear();
    g.starts.clear();
    g.group_of.clear();
    for l in next {
        let key = l.key();
        let fresh = g.keys.len() as u32;
        let group = *g.index.entry(key).or_insert(fresh);
        if group == fresh {
            g.keys.push((key, fresh));
            g.starts.push(0);
        }
        g.starts[group as usize] += 1;
        g.group_of.push(group);
    }
    // Sizes to starts, then each label into its group's place.
    let mut at = 0;
    for start in &mut g.starts {
        let size = *start;
        *start = at;
        at += size;
    }
    g.starts.push(at);
    g.members.clear();
    g.members.resize(next.len(), 0);
    g.fill.clear();
    g.fill.extend_from_slice(&g.starts);
    for (i, group) in g.group_of.iter().enumerate() {
        let slot = &mut g.fill[*group as usize];
        g.members[*slot as usize] = i as u32;
        *slot += 1;
    }
    g.keys.sort_unstable();
    let order = |i: &u32| {
        let l = &next[*i as usize];
        (l.cost, l.weekends, *i)
    };
    kept.clear();
    'groups: for &(_, group) in &g.keys {
        let range = g.starts[group as usize] as usize..g.starts[group as usize + 1] as usize;
        let members = &mut g.members[range];
        members.sort_unstable_by_key(order);
        let group_start = kept.len();
        for i in members.iter() {
            let l = &next[*i as usize];
            if !kept[group_start..].iter().any(|k| k.dominates(l, packing)) {
                kept.push(*l);
                if kept.len() > cap {
                    break 'groups;
                }
            }
        }
    }
    if kept.len() > cap {
        // Too many: the first label of each key, the cheapest (never dominated, so the
        // dominance tests left undone would not have changed this; on Curtois 13 they
        // were a quarter of the programme's time).
        kept.clear();
        for &(_, group) in &g.keys {
            let range = g.starts[group as usize] as usize..g.starts[group as usize + 1] as usize;
            if let Some(first) = g.members[range].iter().min_by_key(|i| order(i)) {
                kept.push(next[*first as usize]);
            }
        }
    }
    if kept.len() > cap {
        // Keep the cheapest labels of every minutes total, not just the cheapest overall:
        // cutting by cost alone can drop every row that still reaches the minimum minutes.
        // Not a stable sort: labels of equal minutes, cost and weekends arrive in key order,
        // and keeping the first of them would keep those that end off or with short runs
        // (Curtois 23, 60 s, seed 1: 42 818 with a stable sort, 39 087 without).
        kept.sort_unstable_by_key(|l| (l.minutes, l.cost, l.weekends));
        let groups = kept
            .windows(2)
            .filter(|w| w[0].minutes != w[1].minutes)
            .count()
            + 1;
        let per_group = (cap / groups).max(1);
        let mut seen = 0;
        let mut current = u32::MAX;
        kept.retain(|l| {
            if l.minutes != current {
                current = l.minutes;
                seen = 0;
            }
            seen += 1;
            seen <= per_group
        });
    }
    if kept.len() > cap {
        // More distinct minute totals than the cap (many shift lengths on a long
        // horizon): keep evenly spaced ones, so every part of the range stays reachable.
        // In place: each picked index is at least the place it goes to, so no label is
        // overwritten before it is read.
        let len = kept.len();
        for i in 0..cap {
            kept[i] = kept[i * (len - 1) / (cap - 1).max(1)];
        }
        kept.truncate(cap);
    }
}

/// The shifts a row must still take after each day: the days where `costs` allow one shift
/// type and nothing else (pinned or forced cells, a neighbourhood's fixed days). A label whose
/// counts or minutes leave no room for them is dead; without this, a capped programme in a
/// window of days keeps labels that spend the limits inside the window and then cannot take
/// the forced days after it, and may end with no row at all (Curtois 13, 60 s: employees of
/// a neighbourhood left without a row about once a neighbourhood).
struct Later {
    types: usize,
    /// `counts[d * types + s]`: shifts of type s forced after day d.
    counts: Vec<u32>,
    /// Per day, the minutes of the shifts forced after it.
    minutes: Vec<u32>,
}

impl Later {
    fn new(t: &Tables<'_>, costs: &[Option<i64>]) -> Self {
        let width = t.types + 1;
        let mut later = Self {
            types: t.types,
            counts: vec![0; t.days * t.types],
            minutes: vec![0; t.days],
        };
        for d in (0..t.days.saturating_sub(1)).rev() {
            let next = &costs[(d + 1) * width..(d + 2) * width];
            let (before, after) = later.counts.split_at_mut((d + 1) * t.types);
            before[d * t.types..].copy_from_slice(&after[..t.types]);
            later.minutes[d] = later.minutes[d + 1];
            let mut allowed = next.iter().enumerate().filter(|(_, c)| c.is_some());
            if let (Some((s, _)), None) = (allowed.next(), allowed.next())
                && s < t.types
            {
                later.counts[d * t.types + s] += 1;
                later.minutes[d] += t.p.shift_types[s].minutes;
            }
        }
        later
    }

    /// Shifts of type `s` forced after day `d`.
    fn count(&self, d: usize, s: usize) -> u32 {
        self.counts[d * self.types + s]
    }
}

/// The most minutes a row can still add after a day, from a label's run state, under the
/// rules on runs, days off, weekends and allowed cells (shift counts, minutes caps and
/// successions relaxed). Labels that cannot reach the minimum minutes by then, or cannot end
/// the row at all, are dead; without it a narrow programme fills with such labels and may
/// find no row (Curtois 14, six on and three off at most, needing 25 shifts of 42 days).
struct Reach {
    /// Longest run of work (or of days off) told apart.
    runs: usize,
    /// Whether runs of work have an upper limit within the horizon; without one, runs
    /// longer than the minimum are told apart no further.
    limited: bool,
    weekends: usize,
    /// `more[d * states + state]`: minutes after day d, `None` when no row can end.
    more: Vec<Option<u32>>,
}

impl Reach {
    fn new(
        t: &Tables<'_>,
        e: usize,
        costs: &[Option<i64>],
        min_off: u16,
        weekends_tracked: bool,
    ) -> Self {
        let emp = &t.p.employees[e];
        let width = t.types + 1;
        let limited = (emp.max_consecutive as usize) < t.days;
        let work = if limited {
            emp.max_consecutive
        } else {
            emp.min_consecutive
        };
        let runs = (work.max(u32::from(min_off)) as usize).clamp(1, t.days.max(1));
        let weekends = if weekends_tracked {
            emp.max_weekends as usize + 1
        } else {
            1
        };
        let mut reach = Self {
            runs,
            limited,
            weekends,
            more: Vec::new(),
        };
        let states = reach.states();
        reach.more = vec![None; t.days * states];
        if let Some(last) = t.days.checked_sub(1) {
            for state in 0..states {
                reach.more[last * states + state] = Some(0);
            }
        }
        for d in (0..t.days.saturating_sub(1)).rev() {
            let next = d + 1;
            let work_minutes = (0..t.types)
                .filter(|s| costs[next * width + s].is_some())
                .map(|s| t.p.shift_types[s].minutes)
                .max();
            let off = costs[next * width + t.types].is_some();
            for state in 0..states {
                let (working, run, from_start, used) = reach.decode(state);
                let mut best: Option<u32> = None;
                if off {
                    let to = if working {
                        (from_start || u32::from(run) >= emp.min_consecutive)
                            .then_some((false, 1, false, used))
                    } else {
                        Some((false, (run + 1).min(min_off), from_start, used))
                    };
                    if let Some(m) = to.and_then(|to| reach.at(next, to)) {
                        best = best.max(Some(m));
                    }
                }
                if let Some(minutes) = work_minutes {
                    let to = if working {
                        (!limited || u32::from(run) < emp.max_consecutive).then_some((
                            true,
                            run + 1,
                            from_start,
                            used,
                        ))
                    } else {
                        (from_start || u32::from(run) >= emp.min_days_off)
                            .then_some((true, 1, false, used))
                    };
                    // Saturday, or Sunday after a Saturday off, starts a weekend worked.
                    let to = to.and_then(|(w, r, f, u)| {
                        let starts =
                            weekends_tracked && (next % 7 == 5 || (next % 7 == 6 && !working));
                        let u = u + u16::from(starts);
                        (usize::from(u) < reach.weekends).then_some((w, r, f, u))
                    });
                    if let Some(m) = to.and_then(|to| reach.at(next, to)) {
                        best = best.max(Some(m + minutes));
                    }
                }
                reach.more[d * states + state] = best;
            }
        }
        reach
    }

    fn states(&self) -> usize {
        2 * self.runs * 2 * self.weekends
    }

    fn decode(&self, state: usize) -> (bool, u16, bool, u16) {
        let used = state % self.weekends;
        let rest = state / self.weekends;
        let from_start = rest % 2 == 1;
        let rest = rest / 2;
        let run = rest % self.runs + 1;
        let working = rest / self.runs == 1;
        (working, run as u16, from_start, used as u16)
    }

    /// Minutes after day `d` from a state; `None` if no row ends from it.
    fn at(
        &self,
        d: usize,
        (working, run, from_start, used): (bool, u16, bool, u16),
    ) -> Option<u32> {
        let run = if working && !self.limited {
            usize::from(run).min(self.runs)
        } else {
            usize::from(run)
        };
        if run == 0 || run > self.runs || usize::from(used) >= self.weekends {
            return None;
        }
        let state = ((usize::from(working) * self.runs + run - 1) * 2 + usize::from(from_start))
            * self.weekends
            + usize::from(used);
        self.more[d * self.states() + state]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Later, MAX_COUNT_WORDS, Packing, best_row};
    use crate::search::{OFF, Tables};
    use crate::{Employee, Problem};

    /// One employee over `days` days with two shift types (a night may not be followed by
    /// a day shift) and the given contract.
    fn one(days: usize, contract: (u32, u32, u32, u32, u32, u32), off: Vec<bool>) -> Problem {
        let (min_shifts, max_consecutive, min_consecutive, min_days_off, max_weekends, max_d) =
            contract;
        Problem {
            days,
            shift_types: crate::model::day_and_night(),
            employees: vec![Employee {
                id: "A".into(),
                max_shifts: vec![max_d, days as u32],
                max_minutes: 600 * days as u32,
                min_minutes: 480 * min_shifts,
                max_consecutive,
                min_consecutive,
                min_days_off,
                max_weekends,
                days_off: off,
            }],
            cover: vec![Default::default(); days * 2],
            ..Problem::default()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Wide enough, the programme finds the cheapest row that keeps every rule, as
        /// trying every row does; tight minimum and maximum minutes, and shift limits with
        /// days forced to a shift, are where a wrong dead-label test would show.
        #[test]
        fn a_wide_programme_finds_the_cheapest_row(
            days in 7_usize..=10,
            min_shifts in 0_u32..=7,
            max_consecutive in 1_u32..=5,
            min_consecutive in 1_u32..=3,
            min_days_off in 1_u32..=3,
            max_weekends in 0_u32..=1,
            max_d in 0_u32..=6,
            off in proptest::collection::vec(proptest::bool::weighted(0.1), 10),
            cell in proptest::collection::vec(-50_i64..50, 30),
            forced in proptest::collection::vec(proptest::option::weighted(0.2, 0_usize..3), 10),
            max_hours in 24_u32..=80,
        ) {
            let mut p = one(
                days,
                (min_shifts, max_consecutive, min_consecutive, min_days_off, max_weekends, max_d),
                off[..days].to_vec(),
            );
            p.employees[0].max_minutes = max_hours * 60;
            let t = Tables::new(&p, None);
            let emp = &p.employees[0];
            let costs: Vec<Option<i64>> = (0..days * 3)
                .map(|i| {
                    let (d, v) = (i / 3, i % 3);
                    let work = v < 2;
                    let refused = work && (emp.days_off[d] || emp.max_shifts[v] == 0);
                    (!refused && forced[d].is_none_or(|f| f == v)).then_some(cell[i])
                })
                .collect();
            let cost_of = |row: &[i8]| -> Option<i64> {
                row.iter()
                    .enumerate()
                    .map(|(d, v)| costs[d * 3 + if *v == OFF { 2 } else { *v as usize }])
                    .sum()
            };
            let mut best: Option<i64> = None;
            for code in 0..3_usize.pow(days as u32) {
                let row: Vec<i8> = (0..days)
                    .map(|d| match code / 3_usize.pow(d as u32) % 3 {
                        2 => OFF,
                        v => v as i8,
                    })
                    .collect();
                if t.employee_cost(0, &row).0 == 0
                    && let Some(c) = cost_of(&row)
                {
                    best = Some(best.map_or(c, |b: i64| b.min(c)));
                }
            }
            let found = best_row(&t, 0, &costs, 1 << 20);
            prop_assert_eq!(found.as_deref().and_then(cost_of), best);
            if let Some(row) = &found {
                prop_assert_eq!(t.employee_cost(0, row).0, 0);
            }
        }

        /// Packed counts compare and grow as the counts themselves do, on a year's horizon
        /// with limits of every width (some types untracked).
        #[test]
        fn packed_counts_compare_and_grow_field_by_field(
            limits in proptest::collection::vec(0_u32..400, 1..=32),
            fills in proptest::collection::vec((0.0_f64..=1.0, 0.0_f64..=1.0), 32),
        ) {
            let days = 364;
            let packing = Packing::new(&limits, days);
            prop_assert!(packing.is_some());
            let Some(packing) = packing else { return Ok(()) };
            let mut a = [0_u64; MAX_COUNT_WORDS];
            let mut b = [0_u64; MAX_COUNT_WORDS];
            let (mut want_a, mut want_b) = (Vec::new(), Vec::new());
            for (s, (&limit, (fa, fb))) in limits.iter().zip(&fills).enumerate() {
                let tracked = (limit as usize) < days;
                let (na, nb) = if tracked {
                    ((f64::from(limit) * fa) as u64, (f64::from(limit) * fb) as u64)
                } else {
                    (0, 0)
                };
                for _ in 0..na {
                    prop_assert!(packing.add(&mut a, s, 0));
                }
                for _ in 0..nb {
                    prop_assert!(packing.add(&mut b, s, 0));
                }
                // At the limit, a shift more is refused and changes nothing.
                if tracked {
                    let mut full = [0_u64; MAX_COUNT_WORDS];
                    for _ in 0..limit {
                        prop_assert!(packing.add(&mut full, s, 0));
                    }
                    let before = full;
                    prop_assert!(!packing.add(&mut full, s, 0));
                    prop_assert_eq!(full, before);
                    prop_assert_eq!(packing.count(&full, s), u64::from(limit));
                }
                prop_assert_eq!(packing.count(&a, s), na);
                want_a.push(na);
                want_b.push(nb);
            }
            let fieldwise = |x: &[u64], y: &[u64]| x.iter().zip(y).all(|(x, y)| x <= y);
            prop_assert_eq!(packing.at_most(&a, &b), fieldwise(&want_a, &want_b));
            prop_assert_eq!(packing.at_most(&b, &a), fieldwise(&want_b, &want_a));
            prop_assert!(packing.at_most(&a, &a));
        }
    }

    /// Only days that allow one shift type and nothing else count as shifts still to come;
    /// a day forced off, or with a choice, does not.
    #[test]
    fn later_counts_the_shifts_forced_after_each_day() {
        let p = one(5, (0, 5, 1, 1, 1, 5), vec![false; 5]);
        let t = Tables::new(&p, None);
        let (day, night, off) = (Some(0), Some(0), Some(0));
        // Day 1 forced to a day shift, day 2 off, day 3 either shift, day 4 a night.
        let costs = [
            [day, night, off],
            [day, None, None],
            [None, None, off],
            [day, night, None],
            [None, night, None],
        ]
        .concat();
        let later = Later::new(&t, &costs);
        let days: Vec<u32> = (0..5).map(|d| later.count(d, 0)).collect();
        let nights: Vec<u32> = (0..5).map(|d| later.count(d, 1)).collect();
        assert_eq!(days, [1, 0, 0, 0, 0]);
        assert_eq!(nights, [1, 1, 1, 1, 0]);
        let (d, n) = (p.shift_types[0].minutes, p.shift_types[1].minutes);
        assert_eq!(later.minutes, [d + n, n, n, n, 0]);
    }
}
