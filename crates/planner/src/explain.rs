//! Why a demand stayed uncovered or a wish was not granted, and the plan's summary.

use jiff::civil::Date;
use passa_domain::{CompetenceId, ShiftTypeId, Wish, WishKind};
use passa_rules::{Explanation, Rules};
use passa_solver::Roster;

use crate::problem::Model;
use crate::text::{capitalise, date_en, date_sv, join};

/// A demand not met: how many with a competence were needed on a shift and how many the
/// plan has, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub date: Date,
    pub shift_type: ShiftTypeId,
    pub competence: CompetenceId,
    pub needed: u32,
    pub assigned: u32,
    pub explanation: Explanation,
}

/// A wish the plan does not grant, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetWish {
    pub wish: Wish,
    pub explanation: Explanation,
}

/// Smallest, median and largest of a count over the staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spread {
    pub min: u32,
    pub median: u32,
    pub max: u32,
}

impl Spread {
    fn of(mut values: Vec<u32>) -> Self {
        values.sort_unstable();
        Self {
            min: values.first().copied().unwrap_or(0),
            median: values.get(values.len() / 2).copied().unwrap_or(0),
            max: values.last().copied().unwrap_or(0),
        }
    }
}

/// The plan in numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub shifts: usize,
    /// People placed against the demand's minimums, in per cent of the minimums (100 when
    /// nothing was asked for).
    pub cover_percent: f64,
    pub needed: u32,
    pub covered: u32,
    pub wishes: usize,
    pub wishes_granted: usize,
    pub wishes_granted_percent: f64,
    /// Rule violations in the plan, counted by the rules after planning: always 0.
    pub violations: usize,
    /// Night shifts and weekends worked per person.
    pub nights: Spread,
    pub weekends: Spread,
    /// Cells that differ from the previous schedule, when replanning.
    pub changed: usize,
    /// Moves the search tried, over all threads.
    pub iterations: u64,
}

/// Why one person could not take a shift, in the order the explanation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    Pinned,
    Busy,
    Rules,
    Hours,
    Weekends,
    Wish,
    Elsewhere,
}

impl Reason {
    fn words(self, n: usize) -> (String, String) {
        let (sv, en) = match self {
            Self::Pinned => (
                "är lediga eller låsta enligt schemat",
                "are off or fixed by the schedule",
            ),
            Self::Busy => (
                "arbetar redan ett annat pass den dagen",
                "already work another shift that day",
            ),
            Self::Rules => (
                "skulle bryta mot arbetstidsreglerna",
                "would break a working-time rule",
            ),
            Self::Hours => (
                "har redan hela sin avtalade tid schemalagd",
                "already have all their contracted hours planned",
            ),
            Self::Weekends => (
                "arbetar redan varannan helg",
                "already work every other weekend",
            ),
            Self::Wish => ("har önskat ledigt", "asked to be off"),
            Self::Elsewhere => (
                "behövs mer på andra pass",
                "are needed more on other shifts",
            ),
        };
        (format!("{n} {sv}"), format!("{n} {en}"))
    }
}

pub(crate) struct Report<'m, 'a> {
    model: &'m Model<'a>,
    rules: &'m Rules,
    roster: &'m Roster,
    minutes: Vec<u32>,
}

impl<'m, 'a> Report<'m, 'a> {
    pub fn new(model: &'m Model<'a>, rules: &'m Rules, roster: &'m Roster) -> Self {
        let minutes = roster
            .iter()
            .map(|row| row.iter().flatten().map(|t| model.minutes(*t)).sum())
            .collect();
        Self {
            model,
            rules,
            roster,
            minutes,
        }
    }

    fn competence_name(&self, k: usize) -> String {
        let id = self.model.skills.get(k).copied();
        self.model
            .input
            .competences
            .iter()
            .find(|c| Some(c.id) == id)
            .map_or_else(
                || format!("#{}", id.map_or(0, |i| i.get())),
                |c| c.name.to_string(),
            )
    }

    fn shift_name(&self, t: usize) -> String {
        self.model.input.shift_types[t].name.to_string()
    }

    fn weekends_worked(&self, e: usize) -> u32 {
        crate::problem::weekends_worked(&self.roster[e])
    }

    /// The first rule taking shift t on day d would break for person e.
    fn rule_against(&self, e: usize, d: usize, t: usize) -> Option<passa_rules::Violation> {
        let mut row = self.roster[e].clone();
        row[d] = Some(t);
        let before = self.rules.check(
            &self.model.contracts[e],
            &self.model.shifts_of(e, &self.roster[e]),
        );
        self.rules
            .check(&self.model.contracts[e], &self.model.shifts_of(e, &row))
            .into_iter()
            .find(|v| !before.contains(v))
    }

    /// Why person e, not on shift t of day d, is not on it.
    fn reason(&self, e: usize, d: usize, t: usize) -> Reason {
        let model = self.model;
        let emp = &model.problem.employees[e];
        if model.is_pinned(e, d) {
            return Reason::Pinned;
        }
        if self.roster[e][d].is_some() {
            return Reason::Busy;
        }
        if self.rule_against(e, d, t).is_some() {
            return Reason::Rules;
        }
        if self.minutes[e] + model.minutes(t) > emp.max_minutes {
            return Reason::Hours;
        }
        let weekend = d % 7 >= 5;
        let works_that_weekend = {
            let w = d / 7;
            self.roster[e][7 * w + 5].is_some() || self.roster[e][7 * w + 6].is_some()
        };
        if weekend && !works_that_weekend && self.weekends_worked(e) >= emp.max_weekends {
            return Reason::Weekends;
        }
        if model.avoids(e, d, t) {
            return Reason::Wish;
        }
        Reason::Elsewhere
    }

    pub fn shortfalls(&self) -> Vec<Shortfall> {
        let model = self.model;
        let mut out = Vec::new();
        for c in &model.problem.skill_cover {
            let have = model.skill_count(self.roster, c.day, c.shift, c.skill);
            if have >= i64::from(c.min) {
                continue;
            }
            let assigned = u32::try_from(have).unwrap_or(0);
            let mut reasons: Vec<(Reason, usize)> = Vec::new();
            let mut total = 0;
            for e in 0..self.roster.len() {
                if !model.problem.has_skill(e, c.skill) {
                    continue;
                }
                total += 1;
                if self.roster[e][c.day] == Some(c.shift) {
                    continue;
                }
                let r = self.reason(e, c.day, c.shift);
                match reasons.iter_mut().find(|x| x.0 == r) {
                    Some(x) => x.1 += 1,
                    None => reasons.push((r, 1)),
                }
            }
            reasons.sort();
            let date = model.dates[c.day];
            let (comp, shift) = (self.competence_name(c.skill), self.shift_name(c.shift));
            let missing = c.min - assigned;
            let head_sv = format!(
                "{}, {shift}, {comp}: {missing} av {} saknas.",
                capitalise(&date_sv(date)),
                c.min
            );
            let head_en = format!(
                "{}, {shift}, {comp}: {missing} of {} missing.",
                date_en(date),
                c.min
            );
            let (sv, en) = if total == 0 {
                (
                    format!("{head_sv} Ingen i personalgruppen har kompetensen."),
                    format!("{head_en} Nobody on the staff has this competence."),
                )
            } else {
                let (parts_sv, parts_en): (Vec<String>, Vec<String>) =
                    reasons.iter().map(|(r, n)| r.words(*n)).unzip();
                (
                    format!(
                        "{head_sv} Av {total} med kompetensen {}.",
                        join(&parts_sv, "och")
                    ),
                    format!(
                        "{head_en} Of the {total} with the competence, {}.",
                        join(&parts_en, "and")
                    ),
                )
            };
            out.push(Shortfall {
                date,
                shift_type: model.input.shift_types[c.shift].id,
                competence: model.skills[c.skill],
                needed: c.min,
                assigned,
                explanation: Explanation { sv, en },
            });
        }
        out
    }

    fn wish_text(&self, w: &crate::problem::MappedWish) -> (String, String) {
        let date = self.model.dates[w.day];
        let (dsv, den) = (date_sv(date), date_en(date));
        match (w.kind, w.shift) {
            (WishKind::Avoid, None) => (
                format!("Önskan om ledigt {dsv}"),
                format!("Wish for {den} off"),
            ),
            (WishKind::Avoid, Some(t)) => {
                let s = self.shift_name(t);
                (
                    format!("Önskan att slippa {s} {dsv}"),
                    format!("Wish to be spared {s} on {den}"),
                )
            }
            (WishKind::Want, None) => (
                format!("Önskan att arbeta {dsv}"),
                format!("Wish to work on {den}"),
            ),
            (WishKind::Want, Some(t)) => {
                let s = self.shift_name(t);
                (
                    format!("Önskan om {s} {dsv}"),
                    format!("Wish for {s} on {den}"),
                )
            }
        }
    }

    /// Why a wish to be off (from a day or a shift) was not granted.
    fn why_working(&self, e: usize, d: usize, t: usize) -> (String, String) {
        let model = self.model;
        let emp = &model.problem.employees[e];
        if model.is_pinned(e, d) {
            return (
                "passet är redan låst i schemat".into(),
                "the shift is already fixed in the schedule".into(),
            );
        }
        let short: Vec<(String, String)> = model
            .problem
            .skill_cover
            .iter()
            .filter(|c| c.day == d && c.shift == t && model.problem.has_skill(e, c.skill))
            .filter_map(|c| {
                let without = model.skill_count(self.roster, d, t, c.skill) - 1;
                let missing = i64::from(c.min) - without;
                (missing > 0).then(|| {
                    let comp = self.competence_name(c.skill);
                    let shift = self.shift_name(t);
                    (
                        format!("{missing} av {} med {comp} på {shift} skulle saknas", c.min),
                        format!(
                            "{missing} of {} with {comp} on {shift} would be missing",
                            c.min
                        ),
                    )
                })
            })
            .collect();
        if !short.is_empty() {
            let (sv, en): (Vec<String>, Vec<String>) = short.into_iter().unzip();
            return (join(&sv, "och"), join(&en, "and"));
        }
        if self.minutes[e].saturating_sub(model.minutes(t)) < emp.min_minutes {
            return (
                "annars skulle inte hela den avtalade tiden bli schemalagd".into(),
                "otherwise not all contracted hours would be planned".into(),
            );
        }
        (
            "ingen annan med samma kompetens kunde ta passet inom arbetstidsreglerna och sin avtalade tid".into(),
            "nobody else with the same competence could take the shift within the working-time rules and their contracted hours".into(),
        )
    }

    /// Why a wish to work (a day or a shift) was not granted.
    fn why_not_working(&self, e: usize, d: usize, t: Option<usize>) -> (String, String) {
        let model = self.model;
        if model.is_pinned(e, d) {
            return (
                "dagen är redan låst i schemat".into(),
                "the day is already fixed in the schedule".into(),
            );
        }
        if let Some(other) = self.roster[e][d] {
            let s = self.shift_name(other);
            return (
                format!("du behövs på {s} den dagen"),
                format!("you are needed on {s} that day"),
            );
        }
        // For a wish for any shift, speak of the first shift type the person can work.
        let Some(t) = t
            .or_else(|| (0..model.types()).find(|t| model.problem.employees[e].max_shifts[*t] > 0))
        else {
            return (
                "enheten har inget pass som kräver din kompetens".into(),
                "the unit has no shift that needs your competence".into(),
            );
        };
        if let Some(v) = self.rule_against(e, d, t) {
            let x = self.rules.explain(&v);
            return (
                format!(
                    "passet skulle bryta mot arbetstidsreglerna: {}",
                    x.sv.trim_end_matches('.')
                ),
                format!(
                    "the shift would break a working-time rule: {}",
                    x.en.trim_end_matches('.')
                ),
            );
        }
        if self.minutes[e] + model.minutes(t) > model.problem.employees[e].max_minutes {
            return (
                "hela din avtalade tid är redan schemalagd".into(),
                "all your contracted hours are already planned".into(),
            );
        }
        let full = model
            .problem
            .skill_cover
            .iter()
            .filter(|c| c.day == d && c.shift == t && model.problem.has_skill(e, c.skill))
            .all(|c| model.skill_count(self.roster, d, t, c.skill) >= i64::from(c.max));
        if full {
            return (
                "passet är redan fullt bemannat".into(),
                "the shift is already fully staffed".into(),
            );
        }
        (
            "bemanningen och andras önskemål vägde tyngre".into(),
            "cover and other people's wishes weighed more".into(),
        )
    }

    pub fn unmet_wishes(&self) -> Vec<UnmetWish> {
        let model = self.model;
        let mut out = Vec::new();
        for w in &model.wishes {
            if model.granted(w, self.roster) {
                continue;
            }
            let (e, d) = (w.employee, w.day);
            let (why_sv, why_en) = match (w.kind, self.roster[e][d]) {
                (WishKind::Avoid, Some(t)) => self.why_working(e, d, t),
                _ => self.why_not_working(e, d, w.shift),
            };
            let (head_sv, head_en) = self.wish_text(w);
            out.push(UnmetWish {
                wish: model.input.wishes[w.index].clone(),
                explanation: Explanation {
                    sv: format!("{head_sv} beviljades inte: {why_sv}."),
                    en: format!("{head_en} not granted: {why_en}."),
                },
            });
        }
        out
    }

    pub fn summary(&self) -> Summary {
        let model = self.model;
        let (mut needed, mut covered) = (0u32, 0u32);
        for c in &model.problem.skill_cover {
            let have = model.skill_count(self.roster, c.day, c.shift, c.skill);
            needed += c.min;
            covered += u32::try_from(have.clamp(0, i64::from(c.min))).unwrap_or(0);
        }
        let wishes = model.wishes.len();
        let wishes_granted = model
            .wishes
            .iter()
            .filter(|w| model.granted(w, self.roster))
            .count();
        let violations = (0..self.roster.len())
            .map(|e| {
                self.rules
                    .check(&model.contracts[e], &model.shifts_of(e, &self.roster[e]))
                    .len()
            })
            .sum();
        let nights = self
            .roster
            .iter()
            .map(|row| row.iter().flatten().filter(|t| model.night[**t]).count() as u32)
            .collect();
        let weekends = (0..self.roster.len())
            .map(|e| self.weekends_worked(e))
            .collect();
        let changed = match &model.start {
            Some(previous) => previous
                .iter()
                .zip(self.roster)
                .map(|(a, b)| a.iter().zip(b).filter(|(x, y)| x != y).count())
                .sum(),
            None => 0,
        };
        let percent = |part: usize, whole: usize| {
            if whole == 0 {
                100.0
            } else {
                100.0 * part as f64 / whole as f64
            }
        };
        Summary {
            shifts: self.roster.iter().flatten().flatten().count(),
            cover_percent: percent(covered as usize, needed as usize),
            needed,
            covered,
            wishes,
            wishes_granted,
            wishes_granted_percent: percent(wishes_granted, wishes),
            violations,
            nights: Spread::of(nights),
            weekends: Spread::of(weekends),
            changed,
            iterations: 0,
        }
    }
}
