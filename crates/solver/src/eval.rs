//! The exact evaluator: the objective of a roster, or the hard constraints it breaks.
//!
//! This is the reference the search is tested against, written to follow the benchmark's
//! definitions line by line rather than to be fast.

use crate::{Problem, Roster};

/// A broken hard constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardViolation {
    /// `H1`…`H9` as the benchmark numbers them, or `pinned`.
    pub constraint: &'static str,
    pub employee: String,
    pub day: Option<usize>,
    pub detail: String,
}

/// The soft objective, and every hard violation (empty when the roster is feasible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub objective: i64,
    pub hard: Vec<HardViolation>,
}

impl Evaluation {
    pub fn feasible(&self) -> bool {
        self.hard.is_empty()
    }
}

/// Runs of equal "worked" state: (start, length, worked).
fn runs(worked: &[bool]) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    for (d, w) in worked.iter().enumerate() {
        match out.last_mut() {
            Some(run) if run.2 == *w => run.1 += 1,
            _ => out.push((d, 1, *w)),
        }
    }
    out
}

pub fn evaluate(problem: &Problem, roster: &Roster) -> Evaluation {
    let mut hard = Vec::new();
    let h = problem.days;
    let types = problem.shift_types.len();
    let mut push = |constraint: &'static str, e: usize, day: Option<usize>, detail: String| {
        let employee = problem
            .employees
            .get(e)
            .map_or_else(|| format!("#{e}"), |x| x.id.clone());
        hard.push(HardViolation {
            constraint,
            employee,
            day,
            detail,
        });
    };
    if roster.len() != problem.employees.len() {
        push(
            "H1",
            roster.len(),
            None,
            format!(
                "the roster has {} rows for {} employees",
                roster.len(),
                problem.employees.len()
            ),
        );
        return Evaluation { objective: 0, hard };
    }
    for (e, (emp, row)) in problem.employees.iter().zip(roster).enumerate() {
        if row.len() != h {
            push("H1", e, None, format!("{} days instead of {h}", row.len()));
            continue;
        }
        if let Some(d) = row.iter().position(|s| s.is_some_and(|t| t >= types)) {
            push("H1", e, Some(d), "unknown shift type".into());
            continue;
        }
        // H2: shift rotation.
        for d in 0..h.saturating_sub(1) {
            if let (Some(a), Some(b)) = (row[d], row[d + 1])
                && !problem.may_follow(a, b)
            {
                push(
                    "H2",
                    e,
                    Some(d + 1),
                    format!(
                        "{} may not follow {}",
                        problem.shift_types[b].id, problem.shift_types[a].id
                    ),
                );
            }
        }
        // H3: max shifts per type.
        for (t, max) in emp.max_shifts.iter().enumerate() {
            let n = row.iter().filter(|s| **s == Some(t)).count() as u32;
            if n > *max {
                push(
                    "H3",
                    e,
                    None,
                    format!("{n} {} shifts, at most {max}", problem.shift_types[t].id),
                );
            }
        }
        // H4: total minutes.
        let minutes: u32 = row
            .iter()
            .flatten()
            .map(|t| problem.shift_types[*t].minutes)
            .sum();
        if minutes > emp.max_minutes || minutes < emp.min_minutes {
            push(
                "H4",
                e,
                None,
                format!(
                    "{minutes} minutes, must be {}–{}",
                    emp.min_minutes, emp.max_minutes
                ),
            );
        }
        let worked: Vec<bool> = row.iter().map(Option::is_some).collect();
        for (start, len, is_work) in runs(&worked) {
            let inside = start > 0 && start + len < h;
            if is_work {
                // H5: max consecutive shifts (days outside the horizon are off).
                if len as u32 > emp.max_consecutive {
                    push(
                        "H5",
                        e,
                        Some(start),
                        format!("{len} shifts in a row, at most {}", emp.max_consecutive),
                    );
                }
                // H6: min consecutive shifts, for runs with a day off on both sides.
                if inside && (len as u32) < emp.min_consecutive {
                    push(
                        "H6",
                        e,
                        Some(start),
                        format!("{len} shifts in a row, at least {}", emp.min_consecutive),
                    );
                }
            } else if inside && (len as u32) < emp.min_days_off {
                // H7: min consecutive days off, for runs with work on both sides.
                push(
                    "H7",
                    e,
                    Some(start),
                    format!("{len} days off in a row, at least {}", emp.min_days_off),
                );
            }
        }
        // H8: max weekends.
        let weekends = (0..problem.weekends())
            .filter(|w| worked[7 * w + 5] || worked[7 * w + 6])
            .count() as u32;
        if weekends > emp.max_weekends {
            push(
                "H8",
                e,
                None,
                format!("{weekends} weekends, at most {}", emp.max_weekends),
            );
        }
        // H9: fixed days off.
        for d in (0..h).filter(|d| emp.days_off.get(*d).copied().unwrap_or(false) && worked[*d]) {
            push("H9", e, Some(d), "works on a fixed day off".into());
        }
    }
    for &(e, d, want) in &problem.pinned {
        if roster.get(e).and_then(|r| r.get(d)).copied() != Some(want) {
            push(
                "pinned",
                e,
                Some(d),
                "differs from the pinned assignment".into(),
            );
        }
    }
    if hard.iter().any(|v| v.constraint == "H1") {
        // The roster's shape is wrong; there is no objective to speak of.
        return Evaluation { objective: 0, hard };
    }

    let x = |e: usize, d: usize, t: usize| roster[e][d] == Some(t);
    let mut objective: i64 = 0;
    for r in &problem.on_requests {
        if !x(r.employee, r.day, r.shift) {
            objective += i64::from(r.weight);
        }
    }
    for r in &problem.off_requests {
        if x(r.employee, r.day, r.shift) {
            objective += i64::from(r.weight);
        }
    }
    for d in 0..h {
        for t in 0..types {
            let c = problem.cover(d, t);
            let n = roster.iter().filter(|row| row[d] == Some(t)).count() as i64;
            let req = i64::from(c.requirement);
            objective += i64::from(c.weight_under) * (req - n).max(0)
                + i64::from(c.weight_over) * (n - req).max(0);
        }
    }
    for c in &problem.skill_cover {
        let n = (0..roster.len())
            .filter(|e| roster[*e][c.day] == Some(c.shift) && problem.has_skill(*e, c.skill))
            .count() as i64;
        objective += c.cost(n);
    }
    for &(e, d, weight) in &problem.work_requests {
        if roster[e][d].is_none() {
            objective += i64::from(weight);
        }
    }
    for b in &problem.balance {
        let n = roster[b.employee]
            .iter()
            .filter(|v| v.is_some_and(|t| b.counts(t)))
            .count();
        objective += b.cost(u32::try_from(n).unwrap_or(u32::MAX));
    }
    Evaluation { objective, hard }
}
