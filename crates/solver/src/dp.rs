//! The best row for one employee while everyone else stays put: a labelling dynamic
//! programme over the days (a resource-constrained shortest path).
//!
//! A label is a partial row up to a day: its cost, its last value, the length of its current
//! run of work or of days off (and whether that run began on day 0, where H6/H7 do not
//! apply), minutes so far, shifts per type and weekends worked. Transitions enforce H2, H3,
//! H4 (upper), H5, H6, H7, H8, H9 and pinned cells; H4's minimum is checked at the end.
//! Labels with the same (last value, run, minutes) are kept only while none dominates
//! another; a cap per day keeps long horizons tractable (then it is a heuristic).

use crate::search::{OFF, Tables};

const MAX_TYPES: usize = 32;

#[derive(Clone, Copy)]
struct Label {
    cost: i64,
    last: i8,
    run: u16,
    from_start: bool,
    minutes: u32,
    weekends: u16,
    counts: [u16; MAX_TYPES],
    prev: u32,
}

impl Label {
    fn key(&self) -> (i8, u16, bool, u32) {
        (self.last, self.run, self.from_start, self.minutes)
    }

    fn dominates(&self, other: &Label) -> bool {
        self.cost <= other.cost
            && self.weekends <= other.weekends
            && self.counts.iter().zip(&other.counts).all(|(a, b)| a <= b)
    }
}

/// Per-cell costs for employee `e`: `cost[d * (types + 1) + v]`, `v == types` for off;
/// `None` where the value is not allowed.
pub(crate) fn cell_costs(
    t: &Tables<'_>,
    e: usize,
    others: &[i64],
    others_skill: &[i64],
) -> Vec<Option<i64>> {
    let mut skill = others_skill.to_vec();
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
            if let Some(want) = pinned
                && want != value
            {
                continue;
            }
            out[d * width + v] = match value {
                None => Some(t.request_off[e * t.days + d]),
                Some(s) if emp.days_off[d] || emp.max_shifts.get(s).copied().unwrap_or(0) == 0 => {
                    None
                }
                Some(s) => {
                    let n = others[d * t.types + s];
                    Some(
                        t.request[(e * t.days + d) * t.types + s] + t.cover_cost(d, s, n + 1)
                            - t.cover_cost(d, s, n)
                            + t.skill_step(e, d, s, 1, &mut skill, false),
                    )
                }
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
    let p = t.p;
    let emp = &p.employees[e];
    let width = t.types + 1;
    if t.types > MAX_TYPES {
        return None;
    }
    let min_off = emp.min_days_off.max(1) as u16;
    // Counts that cannot reach their limit within the horizon are not kept: labels that
    // differ only in them would not dominate each other, and their number would explode.
    let days = t.days as u32;
    let tracked: Vec<bool> = emp.max_shifts.iter().map(|m| *m < days).collect();
    let weekends_tracked = (emp.max_weekends as usize) < t.days.div_ceil(7);
    let longest = p.shift_types.iter().map(|s| s.minutes).max().unwrap_or(0);
    let mut days: Vec<Vec<Label>> = Vec::with_capacity(t.days);
    let mut first = Vec::new();
    for (v, cost) in costs.iter().take(width).enumerate() {
        let Some(c) = *cost else { continue };
        let mut label = Label {
            cost: c,
            last: if v < t.types { v as i8 } else { OFF },
            run: 1,
            from_start: true,
            minutes: 0,
            weekends: 0,
            counts: [0; MAX_TYPES],
            prev: 0,
        };
        if v < t.types {
            label.minutes = p.shift_types[v].minutes;
            label.counts[v] = u16::from(tracked[v]);
            if emp.max_shifts[v] < 1 || label.minutes > emp.max_minutes || emp.max_consecutive < 1 {
                continue;
            }
        }
        first.push(label);
    }
    days.push(first);
    for d in 1..t.days {
        let weekday = d % 7;
        let mut next: Vec<Label> = Vec::new();
        for (i, l) in days[d - 1].iter().enumerate() {
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
                    n.counts[s] += u16::from(tracked[s]);
                    if n.minutes > emp.max_minutes || u32::from(n.counts[s]) > emp.max_shifts[s] {
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
                next.push(n);
            }
        }
        // Keep the labels no other label with the same key dominates, cheapest first (and of
        // those, the one with the fewest weekends used, which later days may need).
        // Unstable sorts are deterministic too, and avoid the stable sort's scratch copies
        // of these large labels.
        next.sort_unstable_by(|a, b| {
            a.key()
                .cmp(&b.key())
                .then(a.cost.cmp(&b.cost))
                .then(a.weekends.cmp(&b.weekends))
        });
        let mut kept: Vec<Label> = Vec::with_capacity(next.len());
        let mut group_start = 0;
        for l in next {
            if kept.last().is_none_or(|k| k.key() != l.key()) {
                group_start = kept.len();
            }
            if !kept[group_start..].iter().any(|k| k.dominates(&l)) {
                kept.push(l);
            }
        }
        // Exact: a label that cannot reach the minimum minutes any more is dead.
        let remaining = (t.days - 1 - d) as u32;
        kept.retain(|l| l.minutes + remaining * longest >= emp.min_minutes);
        if kept.len() > cap {
            // First one label per key, the cheapest.
            kept.dedup_by(|later, earlier| later.key() == earlier.key());
        }
        if kept.len() > cap {
            // Keep the cheapest labels of every minutes total, not just the cheapest overall:
            // cutting by cost alone can drop every row that still reaches the minimum minutes.
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
            let len = kept.len();
            kept = (0..cap)
                .map(|i| kept[i * (len - 1) / (cap - 1).max(1)])
                .collect();
        }
        days.push(kept);
    }
    let last = days.last()?;
    let (mut i, _) = last
        .iter()
        .enumerate()
        .filter(|(_, l)| l.minutes >= emp.min_minutes)
        .min_by_key(|(_, l)| l.cost)?;
    let mut row = vec![OFF; t.days];
    for d in (0..t.days).rev() {
        let l = &days[d][i];
        row[d] = l.last;
        i = l.prev as usize;
    }
    Some(row)
}
