//! Unit planning: one unit's schedule period in, a schedule out that keeps every
//! working-time rule of the tenant's profile, with a reason for each demand left uncovered
//! and each wish not granted.
//!
//! The period becomes a [`passa_solver::Problem`]: days × the unit's shift types, cover per
//! competence as skill cover, contract hours as minute limits, wishes as requests, pinned
//! shifts as pinned cells, and the rules crate as the solver's [`passa_solver::HardRule`].
//! The solver treats rules as heavy penalties, so what it returns is checked again with the
//! rules and any shift still taking part in a violation is taken out (pinned shifts never
//! are): the schedule handed back has no violation, by construction rather than by hope.
//!
//! The crate does no IO and reads no clock; it knows no database and no personal data
//! beyond ids.

mod explain;
mod problem;
mod text;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use passa_domain::{
    Competence, CompetenceId, Demand, PersonId, SchedulePeriod, ShiftType, ShiftTypeId, Wish,
};
use passa_rules::{Explanation, Rules, Settings};

pub use explain::{Shortfall, Spread, Summary, UnmetWish};

/// A member of staff as planning sees them: no name, only what the plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: PersonId,
    pub competences: Vec<CompetenceId>,
    /// Contracted minutes per week.
    pub weekly_minutes: u16,
    /// A night worker under ATL 13 a §.
    pub night_worker: bool,
    /// Shifts the person already has outside this unit's plan (another unit, the days just
    /// before the period): the rules see them, the planner never moves them.
    pub other_shifts: Vec<passa_rules::Shift>,
}

/// One person on one shift type on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assignment {
    pub person: PersonId,
    pub date: Date,
    pub shift_type: ShiftTypeId,
}

/// A cell the planner may not change: a published shift, or (with no shift type) a day
/// the person is off, e.g. sick or on leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pinned {
    pub person: PersonId,
    pub date: Date,
    pub shift_type: Option<ShiftTypeId>,
}

/// Everything about one unit's period the planner needs.
#[derive(Debug, Clone)]
pub struct PlanningInput {
    pub period: SchedulePeriod,
    /// The unit's shift types (at most 32).
    pub shift_types: Vec<ShiftType>,
    /// Names for the explanations.
    pub competences: Vec<Competence>,
    pub demand: Vec<Demand>,
    pub staff: Vec<StaffMember>,
    pub wishes: Vec<Wish>,
    pub pinned: Vec<Pinned>,
    /// The schedule as it stands, when replanning: the planner changes as little of it as
    /// it can.
    pub previous: Vec<Assignment>,
}

/// How to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub settings: Settings,
    pub time_zone: TimeZone,
    pub time_limit: Duration,
    /// A cap on the search's moves per thread, for reproducible runs; `None`: time only.
    pub max_iterations: Option<u64>,
    pub threads: usize,
    pub seed: u64,
}

/// The schedule and what it could not do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Sorted by date, shift type, person. Pinned shifts included.
    pub assignments: Vec<Assignment>,
    pub shortfalls: Vec<Shortfall>,
    pub unmet_wishes: Vec<UnmetWish>,
    pub summary: Summary,
}

/// Why a period cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the unit has more than 32 shift types")]
    TooManyShiftTypes,
    #[error("the demand names more than 64 competences")]
    TooManyCompetences,
    #[error("{what} refers to a shift type that is not one of the unit's")]
    UnknownShiftType { what: &'static str },
    #[error("{what} refers to a person who is not in the staff list")]
    UnknownPerson { what: &'static str },
    #[error("a pinned shift on {date} is outside the period")]
    PinnedOutsidePeriod { date: Date },
    #[error("two pinned entries for one person on {date}")]
    PinnedTwice { date: Date },
    #[error("the pinned shifts of one person already break a working-time rule: {}", explanation.en)]
    PinnedBreaksRules {
        person: PersonId,
        explanation: Explanation,
    },
    #[error("the time zone has no offset for {date}")]
    Time { date: Date },
}

impl PlanError {
    /// A stable code for machines.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooManyShiftTypes => "too_many_shift_types",
            Self::TooManyCompetences => "too_many_competences",
            Self::UnknownShiftType { .. } => "unknown_shift_type",
            Self::UnknownPerson { .. } => "unknown_person",
            Self::PinnedOutsidePeriod { .. } => "pinned_outside_period",
            Self::PinnedTwice { .. } => "pinned_twice",
            Self::PinnedBreaksRules { .. } => "pinned_breaks_rules",
            Self::Time { .. } => "time",
        }
    }
}

/// When a shift type worked on `date` starts and ends. A time in the spring DST gap is the
/// instant just after it, as clocks do; an end at or before the start is the next day.
pub fn shift_instants(
    shift_type: &ShiftType,
    date: Date,
    tz: &TimeZone,
) -> Result<(Timestamp, Timestamp), PlanError> {
    let end_date = if shift_type.crosses_midnight() {
        date.tomorrow().map_err(|_| PlanError::Time { date })?
    } else {
        date
    };
    let at = |day: Date, time| {
        tz.to_ambiguous_timestamp(day.to_datetime(time))
            .compatible()
            .map_err(|_| PlanError::Time { date: day })
    };
    Ok((at(date, shift_type.start)?, at(end_date, shift_type.end)?))
}

/// Plans one unit's period.
pub fn plan(input: &PlanningInput, options: &PlanOptions) -> Result<Plan, PlanError> {
    let period = &input.period;
    let last = period
        .dates()
        .last()
        .unwrap_or(period.start())
        .tomorrow()
        .unwrap_or(period.start());
    let rules = Arc::new(Rules::with_horizon(
        options.settings.clone(),
        options.time_zone.clone(),
        period.start().yesterday().unwrap_or(period.start()),
        last,
    ));
    let model = problem::Model::new(input, &rules, &options.time_zone)?;
    model.check_pinned(&rules)?;
    let solution = passa_solver::solve(
        &model.problem,
        &passa_solver::SolveOptions {
            time_limit: options.time_limit,
            max_iterations: options.max_iterations,
            threads: options.threads.max(1),
            seed: options.seed,
            hard_rule: Some(model.hook(&rules)),
            progress: None,
            start: model.start.clone(),
        },
    );
    let iterations = solution.iterations;
    let mut roster = solution.roster;
    model.repair(&rules, &mut roster);
    model.grant_wishes(&rules, &mut roster);
    let report = explain::Report::new(&model, &rules, &roster);
    let mut assignments = model.assignments(&roster);
    assignments.sort_by_key(|a| (a.date, model.type_index(a.shift_type), a.person));
    Ok(Plan {
        assignments,
        shortfalls: report.shortfalls(),
        unmet_wishes: report.unmet_wishes(),
        summary: Summary {
            iterations,
            ..report.summary()
        },
    })
}

/// Every rule violation of each person in a plan, with their other shifts: what the
/// planner guarantees is empty. Used by tests and by callers that want to show it.
pub fn violations(
    input: &PlanningInput,
    options: &PlanOptions,
    assignments: &[Assignment],
) -> Result<BTreeMap<PersonId, Vec<passa_rules::Violation>>, PlanError> {
    let rules = Rules::new(options.settings.clone(), options.time_zone.clone());
    let rules = Arc::new(rules);
    let model = problem::Model::new(input, &rules, &options.time_zone)?;
    let mut out = BTreeMap::new();
    for (e, member) in input.staff.iter().enumerate() {
        let mut shifts = member.other_shifts.clone();
        for a in assignments.iter().filter(|a| a.person == member.id) {
            if let Some(s) = model.shift_for(a) {
                shifts.push(s);
            }
        }
        let found = rules.check(&model.contracts[e], &shifts);
        if !found.is_empty() {
            out.insert(member.id, found);
        }
    }
    Ok(out)
}
