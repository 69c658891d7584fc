//! A unit's period as a solver problem, and the way back.

use std::sync::Arc;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use passa_domain::{CompetenceId, ShiftKind, ShiftTypeId, WishKind};
use passa_rules::{Contract, Rules, Shift};
use passa_solver::{Balance, Cover, Employee, HardRule, Problem, Request, Roster, SkillCover};

use crate::{Assignment, PlanError, PlanningInput};

/// Cost of one person short of a demand's minimum: above any single wish, so cover wins.
pub(crate) const COVER_UNDER: u32 = 100;
/// Cost of one person beyond a demand's maximum.
const COVER_OVER: u32 = 10;
/// A wish's weight (1–10) times this.
const WISH_UNIT: u32 = 5;
/// Cost of each night a person works above or below their fair share: less than any wish,
/// so shares give way to wishes and cover, but decide between otherwise equal plans.
const FAIR_NIGHT: u32 = 3;
/// Cost of changing one cell of the previous schedule when replanning: more than most
/// wishes, less than a missing person.
const CHANGE: u32 = 30;

/// A wish in solver terms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MappedWish {
    /// Index into the input's wishes.
    pub index: usize,
    pub employee: usize,
    pub day: usize,
    pub shift: Option<usize>,
    pub kind: WishKind,
}

pub(crate) struct Model<'a> {
    pub input: &'a PlanningInput,
    pub problem: Problem,
    pub start: Option<Roster>,
    pub dates: Vec<Date>,
    pub contracts: Vec<Contract>,
    /// Skill index → competence.
    pub skills: Vec<CompetenceId>,
    /// `slots[d * types + t]`: shift type t on day d as the rules see it.
    slots: Vec<Shift>,
    pub night: Vec<bool>,
    /// `pinned[e * days + d]`: the pinned value of a cell, if pinned.
    pub pinned: Vec<Option<Option<usize>>>,
    pub wishes: Vec<MappedWish>,
}

/// Seconds of `[a, b)` inside 22:00–06:00 local time, the ATL night.
fn night_seconds(start: i64, end: i64, tz: &TimeZone) -> i64 {
    let Ok(first) = Timestamp::from_second(start) else {
        return 0;
    };
    let day = tz.to_datetime(first).date();
    let mut total = 0;
    for offset in -1..=2 {
        let Ok(d) = day.checked_add(offset.days()) else {
            continue;
        };
        let Ok(next) = d.tomorrow() else { continue };
        let (Ok(from), Ok(to)) = (
            tz.to_ambiguous_timestamp(d.at(22, 0, 0, 0)).compatible(),
            tz.to_ambiguous_timestamp(next.at(6, 0, 0, 0)).compatible(),
        ) else {
            continue;
        };
        let (from, to) = (from.as_second(), to.as_second());
        total += (end.min(to) - start.max(from)).max(0);
    }
    total
}

impl<'a> Model<'a> {
    pub fn new(input: &'a PlanningInput, rules: &Rules, tz: &TimeZone) -> Result<Self, PlanError> {
        let types = input.shift_types.len();
        if types > 32 {
            return Err(PlanError::TooManyShiftTypes);
        }
        let dates: Vec<Date> = input.period.dates().collect();
        let days = dates.len();
        let type_of = |id: ShiftTypeId, what: &'static str| {
            input
                .shift_types
                .iter()
                .position(|s| s.id == id)
                .ok_or(PlanError::UnknownShiftType { what })
        };
        let person_of = |id, what: &'static str| {
            input
                .staff
                .iter()
                .position(|s| s.id == id)
                .ok_or(PlanError::UnknownPerson { what })
        };
        let day_of = |date: Date| dates.iter().position(|d| *d == date);

        // Each shift type on each day as instants, its break in the middle.
        let mut slots = Vec::with_capacity(days * types);
        for (d, date) in dates.iter().enumerate() {
            for (t, st) in input.shift_types.iter().enumerate() {
                let (start, end) = crate::shift_instants(st, *date, tz)?;
                let length = (end.as_second() - start.as_second()).max(0);
                let brk = (i64::from(st.break_minutes) * 60).min(length);
                let mid = start.as_second() + (length - brk) / 2;
                let breaks = if brk > 0 {
                    vec![(mid, mid + brk)]
                } else {
                    vec![]
                };
                slots.push(Shift {
                    id: (d * types + t) as u64,
                    start: start.as_second(),
                    end: end.as_second(),
                    kind: ShiftKind::Work,
                    breaks,
                    planned_exception: false,
                });
            }
        }
        let worked_minutes = |s: &Shift| {
            let breaks: i64 = s.breaks.iter().map(|(a, b)| b - a).sum();
            ((s.end - s.start - breaks) / 60).max(0)
        };
        // A type's length on the first day stands for it: the solver counts minutes per
        // type, and only a DST night changes a shift's length, by one hour.
        let minutes: Vec<u32> = (0..types)
            .map(|t| {
                slots
                    .get(t)
                    .map_or(0, |s| u32::try_from(worked_minutes(s)).unwrap_or(0))
            })
            .collect();
        let night: Vec<bool> = (0..types)
            .map(|t| {
                slots
                    .get(t)
                    .is_some_and(|s| night_seconds(s.start, s.end, tz) >= 3 * 3600)
            })
            .collect();

        // Which shift types may follow which the next day, by wall clock and daily rest;
        // the rules check the exact elapsed time (DST nights) on top.
        let rest = rules.settings().daily_rest;
        let clock = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
        let solver_types: Vec<passa_solver::ShiftType> = input
            .shift_types
            .iter()
            .enumerate()
            .map(|(a, sa)| {
                let end = clock(sa.end) + if sa.crosses_midnight() { 1440 } else { 0 };
                passa_solver::ShiftType {
                    id: format!("{}", sa.id.get()),
                    minutes: minutes[a],
                    cannot_follow: input
                        .shift_types
                        .iter()
                        .enumerate()
                        .filter(|(_, sb)| clock(sb.start) + 1440 - end < rest)
                        .map(|(b, _)| b)
                        .collect(),
                }
            })
            .collect();

        // Competences in the demand become skills.
        let mut skills: Vec<CompetenceId> = Vec::new();
        let mut demand = Vec::new();
        for dm in &input.demand {
            let Some(d) = day_of(dm.date) else { continue };
            let t = type_of(dm.shift_type, "a demand row")?;
            let k = match skills.iter().position(|c| *c == dm.competence) {
                Some(k) => k,
                None => {
                    skills.push(dm.competence);
                    skills.len() - 1
                }
            };
            demand.push((d, t, k, u32::from(dm.min), u32::from(dm.max.max(dm.min))));
        }
        if skills.len() > 64 {
            return Err(PlanError::TooManyCompetences);
        }
        // Every (type, skill) pair asked for on some day gets a cover on every day, so
        // that extra people on a day without demand cost as much as beyond a maximum.
        let mut pairs: Vec<(usize, usize)> = demand.iter().map(|x| (x.1, x.2)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut skill_cover = Vec::new();
        for d in 0..days {
            for &(t, k) in &pairs {
                let (min, max) = demand
                    .iter()
                    .filter(|x| x.0 == d && x.1 == t && x.2 == k)
                    .fold((0, 0), |acc, x| (acc.0 + x.3, acc.1 + x.4));
                skill_cover.push(SkillCover {
                    day: d,
                    shift: t,
                    skill: k,
                    min,
                    max,
                    weight_under: COVER_UNDER,
                    weight_over: COVER_OVER,
                });
            }
        }
        let bits: Vec<u64> = input
            .staff
            .iter()
            .map(|m| {
                skills
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| m.competences.contains(c))
                    .fold(0u64, |acc, (k, _)| acc | (1 << k))
            })
            .collect();

        // Pinned cells.
        let mut pinned = vec![None; input.staff.len() * days];
        let mut pinned_list = Vec::new();
        for p in &input.pinned {
            let e = person_of(p.person, "a pinned shift")?;
            let d = day_of(p.date).ok_or(PlanError::PinnedOutsidePeriod { date: p.date })?;
            let t = match p.shift_type {
                Some(id) => Some(type_of(id, "a pinned shift")?),
                None => None,
            };
            if pinned[e * days + d].is_some() {
                return Err(PlanError::PinnedTwice { date: p.date });
            }
            pinned[e * days + d] = Some(t);
            pinned_list.push((e, d, t));
        }

        // Contracts: the hours of the days not pinned off, less what other units have.
        let period_start = slots.first().map_or(0, |s| s.start);
        let period_end = slots.last().map_or(0, |s| s.end);
        let longest = minutes.iter().copied().max().unwrap_or(0);
        let mut employees = Vec::with_capacity(input.staff.len());
        let mut contracts = Vec::with_capacity(input.staff.len());
        for (e, m) in input.staff.iter().enumerate() {
            let workable: Vec<u32> = (0..types)
                .map(|t| {
                    let useful = pairs
                        .iter()
                        .any(|(pt, k)| *pt == t && bits[e] & (1 << k) != 0);
                    if useful { days as u32 } else { 0 }
                })
                .collect();
            let off_days = (0..days)
                .filter(|d| pinned[e * days + d] == Some(None))
                .count();
            let elsewhere: i64 = m
                .other_shifts
                .iter()
                .filter(|s| s.start < period_end && s.end > period_start)
                .map(worked_minutes)
                .sum();
            let can_work = workable.iter().any(|w| *w > 0);
            let contract = Contract {
                weekly_minutes: Some(i64::from(m.weekly_minutes)),
                night_worker: m.night_worker,
            };
            // Care runs every day, so whoever can work here may work Sundays: under AB their
            // full-time week is the shorter one, and the rules check the hours against it.
            let weekly = rules.ordinary_week_minutes(&contract, can_work);
            let target = (weekly * (days - off_days) as i64 / 7 - elsewhere).max(0) as u32;
            employees.push(Employee {
                id: format!("{}", m.id.get()),
                max_shifts: workable,
                max_minutes: target,
                min_minutes: if can_work {
                    target.saturating_sub(longest)
                } else {
                    0
                },
                max_consecutive: 6,
                min_consecutive: 1,
                min_days_off: 1,
                // Every other weekend off.
                max_weekends: (days / 7).div_ceil(2) as u32,
                days_off: vec![false; days],
            });
            contracts.push(contract);
        }

        // Wishes.
        let mut wishes = Vec::new();
        let (mut on_requests, mut off_requests, mut work_requests) =
            (Vec::new(), Vec::new(), Vec::new());
        for (index, w) in input.wishes.iter().enumerate() {
            let e = person_of(w.person, "a wish")?;
            let Some(d) = day_of(w.date) else { continue };
            let shift = match w.shift_type {
                Some(id) => Some(type_of(id, "a wish")?),
                None => None,
            };
            let weight = u32::from(w.weight.clamp(1, 10)) * WISH_UNIT;
            let request = |shift| Request {
                employee: e,
                day: d,
                shift,
                weight,
            };
            match (w.kind, shift) {
                (WishKind::Want, Some(t)) => on_requests.push(request(t)),
                (WishKind::Want, None) => work_requests.push((e, d, weight)),
                (WishKind::Avoid, Some(t)) => off_requests.push(request(t)),
                (WishKind::Avoid, None) => off_requests.extend((0..types).map(request)),
            }
            wishes.push(MappedWish {
                index,
                employee: e,
                day: d,
                shift,
                kind: w.kind,
            });
        }

        let balance = fair_nights(&night, &skill_cover, &employees, days);

        // Replanning: start from the schedule as it stands, and make each change cost.
        let mut start = None;
        if !input.previous.is_empty() {
            let mut roster: Roster = vec![vec![None; days]; input.staff.len()];
            for a in &input.previous {
                let (Ok(e), Some(d)) =
                    (person_of(a.person, "the previous schedule"), day_of(a.date))
                else {
                    continue;
                };
                roster[e][d] = Some(type_of(a.shift_type, "the previous schedule")?);
            }
            for (e, row) in roster.iter().enumerate() {
                for (d, v) in row.iter().enumerate() {
                    let request = |shift| Request {
                        employee: e,
                        day: d,
                        shift,
                        weight: CHANGE,
                    };
                    match v {
                        Some(t) => on_requests.push(request(*t)),
                        None => off_requests.extend((0..types).map(request)),
                    }
                }
            }
            start = Some(roster);
        }

        let problem = Problem {
            days,
            shift_types: solver_types,
            employees,
            on_requests,
            off_requests,
            cover: vec![Cover::default(); days * types],
            pinned: pinned_list,
            skills: bits,
            skill_cover,
            work_requests,
            balance,
        };
        Ok(Self {
            input,
            problem,
            start,
            dates,
            contracts,
            skills,
            slots,
            night,
            pinned,
            wishes,
        })
    }

    pub fn days(&self) -> usize {
        self.dates.len()
    }

    pub fn types(&self) -> usize {
        self.input.shift_types.len()
    }

    pub fn type_index(&self, id: ShiftTypeId) -> usize {
        self.input
            .shift_types
            .iter()
            .position(|s| s.id == id)
            .unwrap_or(usize::MAX)
    }

    pub fn slot(&self, d: usize, t: usize) -> &Shift {
        &self.slots[d * self.types() + t]
    }

    pub fn minutes(&self, t: usize) -> u32 {
        self.problem.shift_types[t].minutes
    }

    /// The rules' view of an assignment, if it is inside the period.
    pub fn shift_for(&self, a: &crate::Assignment) -> Option<Shift> {
        let d = self.dates.iter().position(|d| *d == a.date)?;
        let t = self
            .input
            .shift_types
            .iter()
            .position(|s| s.id == a.shift_type)?;
        Some(self.slot(d, t).clone())
    }

    /// A person's shifts for the rules: other units' and the row's.
    pub fn shifts_of(&self, e: usize, row: &[Option<usize>]) -> Vec<Shift> {
        let mut shifts = self.input.staff[e].other_shifts.clone();
        for (d, v) in row.iter().enumerate() {
            if let Some(t) = v {
                shifts.push(self.slot(d, *t).clone());
            }
        }
        shifts
    }

    pub fn is_pinned(&self, e: usize, d: usize) -> bool {
        self.pinned[e * self.days() + d].is_some()
    }

    pub fn hook(&self, rules: &Arc<Rules>) -> Arc<dyn HardRule> {
        Arc::new(Hook {
            rules: rules.clone(),
            contracts: self.contracts.clone(),
            other: self
                .input
                .staff
                .iter()
                .map(|m| m.other_shifts.clone())
                .collect(),
            slots: self.slots.clone(),
            types: self.types(),
        })
    }

    /// Pinned shifts that break a rule on their own cannot be planned around.
    pub fn check_pinned(&self, rules: &Rules) -> Result<(), PlanError> {
        for (e, member) in self.input.staff.iter().enumerate() {
            let row: Vec<Option<usize>> = (0..self.days())
                .map(|d| self.pinned[e * self.days() + d].flatten())
                .collect();
            let found = rules.check(&self.contracts[e], &self.shifts_of(e, &row));
            if let Some(v) = found.first() {
                return Err(PlanError::PinnedBreaksRules {
                    person: member.id,
                    explanation: rules.explain(v),
                });
            }
        }
        Ok(())
    }

    /// Takes out shifts that take part in a rule violation until none is left. Every rule
    /// is broken by too much work, never by too little, so taking shifts out always ends
    /// clean: at worst with the pinned ones, which [`Self::check_pinned`] cleared.
    pub fn repair(&self, rules: &Rules, roster: &mut Roster) {
        for (e, row) in roster.iter_mut().enumerate() {
            loop {
                let found = rules.check(&self.contracts[e], &self.shifts_of(e, row));
                let Some(v) = found.first() else { break };
                let removable = |d: &usize| row[*d].is_some() && !self.is_pinned(e, *d);
                let touching = (0..self.days()).rev().filter(removable).find(|d| {
                    row[*d].is_some_and(|t| {
                        let s = self.slot(*d, t);
                        s.start <= v.end && s.end >= v.start
                    })
                });
                match touching.or_else(|| (0..self.days()).rev().find(removable)) {
                    Some(d) => row[d] = None,
                    None => break,
                }
            }
        }
    }

    /// Whether a row keeps the planner's own limits (hours, weekends, days in a row) and
    /// every rule.
    pub fn row_ok(&self, rules: &Rules, e: usize, row: &[Option<usize>]) -> bool {
        let emp = &self.problem.employees[e];
        let minutes: u32 = row.iter().flatten().map(|t| self.minutes(*t)).sum();
        let weekends = weekends_worked(row);
        let mut run = 0;
        let mut longest = 0;
        for v in row {
            run = if v.is_some() { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        (emp.min_minutes..=emp.max_minutes).contains(&minutes)
            && weekends <= emp.max_weekends
            && longest <= emp.max_consecutive
            && rules
                .check(&self.contracts[e], &self.shifts_of(e, row))
                .is_empty()
    }

    /// Whether a wish holds in a roster.
    pub fn granted(&self, w: &MappedWish, roster: &Roster) -> bool {
        let v = roster[w.employee][w.day];
        match (w.kind, w.shift) {
            (WishKind::Want, Some(t)) => v == Some(t),
            (WishKind::Want, None) => v.is_some(),
            (WishKind::Avoid, Some(t)) => v != Some(t),
            (WishKind::Avoid, None) => v.is_none(),
        }
    }

    /// Whether person e wished to be spared shift t (or the whole day) on day d.
    pub fn avoids(&self, e: usize, d: usize, t: usize) -> bool {
        self.wishes.iter().any(|w| {
            w.employee == e
                && w.day == d
                && w.kind == WishKind::Avoid
                && w.shift.is_none_or(|s| s == t)
        })
    }

    /// Hands the shift of someone who wished to be spared it to a colleague who can take
    /// it with the same competences, within every rule and limit, and did not wish the
    /// same. The search weighs wishes already; this catches what it left on the table.
    pub fn grant_wishes(&self, rules: &Rules, roster: &mut Roster) {
        for w in &self.wishes {
            let (e, d) = (w.employee, w.day);
            if w.kind != WishKind::Avoid || self.granted(w, roster) || self.is_pinned(e, d) {
                continue;
            }
            let Some(t) = roster[e][d] else { continue };
            let mut without = roster[e].clone();
            without[d] = None;
            if !self.row_ok(rules, e, &without) {
                continue;
            }
            // The taker must bring each skill the shift would otherwise fall short of.
            let needed = self
                .problem
                .skill_cover
                .iter()
                .filter(|c| c.day == d && c.shift == t && self.problem.has_skill(e, c.skill))
                .filter(|c| self.skill_count(roster, d, t, c.skill) <= i64::from(c.min))
                .fold(0u64, |acc, c| acc | (1 << c.skill));
            let taker = (0..roster.len()).find(|&o| {
                if o == e
                    || roster[o][d].is_some()
                    || self.is_pinned(o, d)
                    || self.problem.skills[o] & needed != needed
                    || self.problem.employees[o].max_shifts[t] == 0
                    || self.avoids(o, d, t)
                {
                    return false;
                }
                let mut with = roster[o].clone();
                with[d] = Some(t);
                self.row_ok(rules, o, &with)
            });
            if let Some(o) = taker {
                roster[e][d] = None;
                roster[o][d] = Some(t);
            }
        }
    }

    /// People on shift t of day d with skill k.
    pub fn skill_count(&self, roster: &Roster, d: usize, t: usize, k: usize) -> i64 {
        (0..roster.len())
            .filter(|e| roster[*e][d] == Some(t) && self.problem.has_skill(*e, k))
            .count() as i64
    }

    pub fn assignments(&self, roster: &Roster) -> Vec<Assignment> {
        let mut out = Vec::new();
        for (e, row) in roster.iter().enumerate() {
            for (d, v) in row.iter().enumerate() {
                if let Some(t) = v {
                    out.push(Assignment {
                        person: self.input.staff[e].id,
                        date: self.dates[d],
                        shift_type: self.input.shift_types[*t].id,
                    });
                }
            }
        }
        out
    }
}

/// Weekends (Saturday or Sunday) a row works; day 0 is a Monday.
pub(crate) fn weekends_worked(row: &[Option<usize>]) -> u32 {
    (0..row.len() / 7)
        .filter(|w| row[7 * w + 5].is_some() || row[7 * w + 6].is_some())
        .count() as u32
}

/// The rules as the solver's hard rule: the number of violations in a row.
struct Hook {
    rules: Arc<Rules>,
    contracts: Vec<Contract>,
    other: Vec<Vec<Shift>>,
    slots: Vec<Shift>,
    types: usize,
}

impl HardRule for Hook {
    fn violations(&self, employee: usize, row: &[Option<usize>]) -> u32 {
        let (Some(contract), Some(other)) =
            (self.contracts.get(employee), self.other.get(employee))
        else {
            return 0;
        };
        let mut shifts = other.clone();
        for (d, v) in row.iter().enumerate() {
            if let Some(s) = v.and_then(|t| self.slots.get(d * self.types + t)) {
                shifts.push(s.clone());
            }
        }
        u32::try_from(self.rules.check(contract, &shifts).len()).unwrap_or(u32::MAX)
    }
}

/// Fair shares of the nights: the people who can work a night type share the period's
/// nights (the most any one competence needs on each night shift) in proportion to their
/// hours.
fn fair_nights(
    night: &[bool],
    skill_cover: &[SkillCover],
    employees: &[Employee],
    days: usize,
) -> Vec<Balance> {
    let types = night.len();
    let bits = night
        .iter()
        .enumerate()
        .filter(|(t, n)| **n && *t < 32)
        .fold(0u32, |acc, (t, _)| acc | (1 << t));
    if bits == 0 {
        return Vec::new();
    }
    let mut need = vec![0u32; days * types];
    for c in skill_cover {
        if let Some(n) = need.get_mut(c.day * types + c.shift) {
            *n = (*n).max(c.min);
        }
    }
    let nights: u64 = need
        .iter()
        .enumerate()
        .filter(|(i, _)| night[i % types])
        .map(|(_, n)| u64::from(*n))
        .sum();
    let able: Vec<usize> = (0..employees.len())
        .filter(|e| {
            employees[*e]
                .max_shifts
                .iter()
                .enumerate()
                .any(|(t, m)| night.get(t).copied().unwrap_or(false) && *m > 0)
        })
        .collect();
    let hours: u64 = able
        .iter()
        .map(|e| u64::from(employees[*e].max_minutes))
        .sum();
    if nights == 0 || hours == 0 {
        return Vec::new();
    }
    able.into_iter()
        .map(|employee| {
            let own = u64::from(employees[employee].max_minutes);
            Balance {
                employee,
                shifts: bits,
                // Rounded to the nearest night.
                target: u32::try_from((nights * own * 2 + hours) / (2 * hours)).unwrap_or(0),
                weight: FAIR_NIGHT,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Time, date};
    use passa_domain::{
        Demand, Label, PersonId, SchedulePeriod, SchedulePeriodId, ShiftType, UnitId,
    };
    use passa_rules::{Profile, Settings};

    use super::*;
    use crate::StaffMember;

    /// Four weeks of one day shift; a full-timer and a half-timer.
    fn unit() -> PlanningInput {
        let unit = UnitId::new(1);
        let start = date(2026, 12, 7);
        let period = SchedulePeriod::new(SchedulePeriodId::new(1), unit, start, 4)
            .unwrap_or_else(|_| unreachable!());
        let day = ShiftType {
            id: ShiftTypeId::new(1),
            unit,
            name: Label::parse("shift type", "Dag").unwrap_or_else(|_| unreachable!()),
            start: Time::constant(7, 0, 0, 0),
            end: Time::constant(15, 30, 0, 0),
            break_minutes: 30,
        };
        let usk = CompetenceId::new(1);
        let member = |id: i64, weekly_minutes: u16| StaffMember {
            id: PersonId::new(id),
            competences: vec![usk],
            weekly_minutes,
            night_worker: false,
            other_shifts: vec![],
        };
        PlanningInput {
            demand: period
                .dates()
                .map(|d| Demand {
                    unit,
                    date: d,
                    shift_type: day.id,
                    competence: usk,
                    min: 1,
                    max: 1,
                })
                .collect(),
            period,
            shift_types: vec![day],
            competences: vec![],
            staff: vec![member(1, 2400), member(2, 1200)],
            wishes: vec![],
            pinned: vec![],
            previous: vec![],
        }
    }

    #[test]
    fn hours_are_capped_at_the_full_time_week_of_the_profile() -> Result<(), PlanError> {
        let tz = TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC);
        let input = unit();
        let max = |profile| -> Result<Vec<u32>, PlanError> {
            let rules = Rules::new(Settings::for_profile(profile), tz.clone());
            let model = Model::new(&input, &rules, &tz)?;
            Ok(model
                .problem
                .employees
                .iter()
                .map(|e| e.max_minutes)
                .collect())
        };
        // AB: whoever works Sundays has a 38 h 15 min week, so four weeks hold 153 h, and
        // the rules would take back anything planned above it; part-timers keep their own.
        assert_eq!(max(Profile::Ab)?, vec![153 * 60, 80 * 60]);
        // ATL has no shorter week: 40 h.
        assert_eq!(max(Profile::Atl)?, vec![160 * 60, 80 * 60]);
        Ok(())
    }
}
