//! The problem: days, shift types, employees with contract limits, requests and cover.

/// A kind of shift: its id, length, and the shift types that may not follow it the next day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftType {
    pub id: String,
    pub minutes: u32,
    /// Indexes of shift types that may not be worked the day after this one.
    pub cannot_follow: Vec<usize>,
}

/// An employee's contract as the benchmark states it. A `max_shifts` of 0 for a shift type
/// means the employee cannot work it (that is how skills are expressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: String,
    /// Per shift type.
    pub max_shifts: Vec<u32>,
    pub max_minutes: u32,
    pub min_minutes: u32,
    pub max_consecutive: u32,
    pub min_consecutive: u32,
    pub min_days_off: u32,
    pub max_weekends: u32,
    /// Per day: a fixed day off.
    pub days_off: Vec<bool>,
}

/// A request for (on) or against (off) a shift on a day, with its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub employee: usize,
    pub day: usize,
    pub shift: usize,
    pub weight: u32,
}

/// How many are needed on a shift of a day, and the cost per person under and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cover {
    pub requirement: u32,
    pub weight_under: u32,
    pub weight_over: u32,
}

/// How many of the people on a shift of a day must have a skill (a competence), and the
/// cost per person short of `min` or beyond `max`. One person counts for every skill they
/// have, so covers of different skills on the same shift may overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkillCover {
    pub day: usize,
    pub shift: usize,
    /// Index into each employee's skill bit set ([`Problem::skills`]); below 64.
    pub skill: usize,
    pub min: u32,
    pub max: u32,
    pub weight_under: u32,
    pub weight_over: u32,
}

impl SkillCover {
    pub fn cost(&self, n: i64) -> i64 {
        i64::from(self.weight_under) * (i64::from(self.min) - n).max(0)
            + i64::from(self.weight_over) * (n - i64::from(self.max)).max(0)
    }
}

/// A soft target for how many shifts of some types an employee works over the horizon (a
/// fair share of the nights, say): `weight` per shift above or below `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub employee: usize,
    /// The shift types counted, as a bit set (bit `t` for type `t`).
    pub shifts: u32,
    pub target: u32,
    pub weight: u32,
}

impl Balance {
    pub fn counts(&self, shift: usize) -> bool {
        shift < 32 && self.shifts & (1 << shift) != 0
    }

    pub fn cost(&self, n: u32) -> i64 {
        i64::from(self.weight) * i64::from(n.abs_diff(self.target))
    }
}

/// A whole problem. Day 0 is a Monday; weekend `w` is days `7w+5` and `7w+6`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problem {
    pub days: usize,
    pub shift_types: Vec<ShiftType>,
    pub employees: Vec<Employee>,
    pub on_requests: Vec<Request>,
    pub off_requests: Vec<Request>,
    /// `cover[day * shift_types.len() + shift]`.
    pub cover: Vec<Cover>,
    /// Assignments fixed by the caller: (employee, day, shift or day off).
    pub pinned: Vec<(usize, usize, Option<usize>)>,
    /// Per employee, a bit set of skills (bit `k` for skill `k`); empty when no
    /// [`SkillCover`] is used. The benchmark expresses skills through `max_shifts` instead.
    pub skills: Vec<u64>,
    pub skill_cover: Vec<SkillCover>,
    /// Requests to work some shift on a day, whichever: the weight is paid for a day off.
    pub work_requests: Vec<(usize, usize, u32)>,
    pub balance: Vec<Balance>,
}

impl Problem {
    pub fn cover(&self, day: usize, shift: usize) -> Cover {
        self.cover
            .get(day * self.shift_types.len() + shift)
            .copied()
            .unwrap_or_default()
    }

    pub fn weekends(&self) -> usize {
        self.days / 7
    }

    /// Whether every table has the size the days, shift types and employees call for.
    /// The search handles at most 32 shift types.
    pub fn is_well_formed(&self) -> bool {
        let types = self.shift_types.len();
        types <= 32
            && self.cover.len() == self.days * types
            && self
                .shift_types
                .iter()
                .all(|s| s.cannot_follow.iter().all(|t| *t < types))
            && self
                .employees
                .iter()
                .all(|e| e.max_shifts.len() == types && e.days_off.len() == self.days)
            && self
                .on_requests
                .iter()
                .chain(&self.off_requests)
                .all(|r| r.employee < self.employees.len() && r.day < self.days && r.shift < types)
            && self.pinned.iter().all(|(e, d, t)| {
                *e < self.employees.len() && *d < self.days && t.is_none_or(|t| t < types)
            })
            && (self.skills.is_empty() || self.skills.len() == self.employees.len())
            && self
                .skill_cover
                .iter()
                .all(|c| c.day < self.days && c.shift < types && c.skill < 64)
            && self
                .work_requests
                .iter()
                .all(|(e, d, _)| *e < self.employees.len() && *d < self.days)
            && self
                .balance
                .iter()
                .all(|b| b.employee < self.employees.len())
    }

    /// Whether employee `e` has skill `k`.
    pub fn has_skill(&self, e: usize, k: usize) -> bool {
        self.skills
            .get(e)
            .is_some_and(|s| k < 64 && s & (1 << k) != 0)
    }

    /// Whether `shift` may be worked the day after `previous`.
    pub fn may_follow(&self, previous: usize, shift: usize) -> bool {
        self.shift_types
            .get(previous)
            .is_none_or(|p| !p.cannot_follow.contains(&shift))
    }
}

/// A roster: for each employee, each day's shift type index or `None` for a day off.
pub type Roster = Vec<Vec<Option<usize>>>;

/// The two shift types the crate's own tests plan with: an eight-hour day and a ten-hour
/// night, which a day shift may not follow.
#[cfg(test)]
pub(crate) fn day_and_night() -> Vec<ShiftType> {
    vec![
        ShiftType {
            id: "D".into(),
            minutes: 480,
            cannot_follow: vec![],
        },
        ShiftType {
            id: "N".into(),
            minutes: 600,
            cannot_follow: vec![0],
        },
    ]
}
