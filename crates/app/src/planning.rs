//! Planning a unit's schedule period: load what the planner needs, plan, store the plan.

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use passa_domain::{
    Demand, PersonKind, SchedulePeriod, SchedulePeriodId, ShiftType, TenantId, Wish,
};
use passa_planner::{Plan, PlanError, PlanOptions, PlanningInput, StaffMember};
use passa_rules::{Profile, Settings};
use passa_store::{IdKind, PlannedShiftRecord, ScheduleBatch, ShiftTypeRecord};

use crate::{AppError, Passa, audit, stamp};

/// How to plan.
#[derive(Debug, Clone)]
pub struct PlanningOptions {
    pub profile: Profile,
    pub time_zone: TimeZone,
    /// A safety net: the search stops here even if its move budget is not spent.
    pub time_limit: Duration,
    /// Moves per thread; with a budget the same input always gives the same plan.
    pub max_iterations: Option<u64>,
    pub threads: usize,
    pub seed: u64,
}

/// A planned period, as stored.
#[derive(Debug, Clone)]
pub struct PeriodPlan {
    pub unit: String,
    pub period: SchedulePeriodId,
    pub start: Date,
    pub weeks: u8,
    pub staff: usize,
    pub plan: Plan,
}

fn parse_date(s: &str) -> Result<Date, AppError> {
    s.parse()
        .map_err(|_| AppError::Store(passa_store::StoreError::Corrupt(format!("bad date {s}"))))
}

fn parse_time(s: &str) -> Result<Time, AppError> {
    s.parse()
        .map_err(|_| AppError::Store(passa_store::StoreError::Corrupt(format!("bad time {s}"))))
}

/// A stored shift type as the domain knows it.
pub(crate) fn shift_type_of(s: &ShiftTypeRecord) -> Result<ShiftType, AppError> {
    Ok(ShiftType {
        id: s.id,
        unit: s.unit,
        name: s.name.clone(),
        start: parse_time(&s.start)?,
        end: parse_time(&s.end)?,
        break_minutes: s.break_minutes,
    })
}

impl From<PlanError> for AppError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::PinnedBreaksRules { .. }
            | PlanError::PinnedTwice { .. }
            | PlanError::PinnedOutsidePeriod { .. } => Self::Conflict(e.to_string()),
            _ => Self::BadInput(e.to_string()),
        }
    }
}

impl Passa {
    /// Plans a schedule period of a unit for its staff (substitutes are booked through the
    /// pool, not planned) and stores the plan in place of the period's previous one.
    /// `wishes` are the staff's wishes for the period.
    pub async fn plan_period(
        &self,
        tenant: TenantId,
        period: SchedulePeriodId,
        wishes: &[Wish],
        options: &PlanningOptions,
        now: Timestamp,
    ) -> Result<PeriodPlan, AppError> {
        let planning = self.store.planning(tenant).await?;
        let record = planning
            .periods
            .iter()
            .find(|p| p.id == period)
            .ok_or_else(|| AppError::NotFound(format!("no schedule period {}", period.get())))?;
        let unit = record.unit;
        let schedule_period =
            SchedulePeriod::new(period, unit, parse_date(&record.start)?, record.weeks)?;
        let unit_name = self
            .store
            .units(tenant)
            .await?
            .into_iter()
            .find(|u| u.id == unit)
            .map_or_else(String::new, |u| u.name.to_string());
        let shift_types = planning
            .shift_types
            .iter()
            .filter(|s| s.unit == unit)
            .map(shift_type_of)
            .collect::<Result<Vec<_>, AppError>>()?;
        let demand = planning
            .demand
            .iter()
            .filter(|d| d.unit == unit)
            .map(|d| {
                Ok(Demand {
                    unit: d.unit,
                    date: parse_date(&d.date)?,
                    shift_type: d.shift_type,
                    competence: d.competence,
                    min: d.min,
                    max: d.max,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        // Only ids, competences and hours: planning opens no sealed field.
        let staff: Vec<StaffMember> = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .filter(|p| p.kind == PersonKind::Staff && p.home_unit == unit)
            .map(|p| StaffMember {
                id: p.id,
                competences: p.competences,
                weekly_minutes: p.weekly_minutes,
                night_worker: false,
                other_shifts: vec![],
            })
            .collect();
        let previous = self
            .store
            .schedule(tenant, period)
            .await?
            .iter()
            .map(|s| {
                Ok(passa_planner::Assignment {
                    person: s.person,
                    date: parse_date(&s.date)?,
                    shift_type: s.shift_type,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let input = PlanningInput {
            period: schedule_period,
            shift_types,
            competences: self.store.competences(tenant).await?,
            demand,
            wishes: wishes
                .iter()
                .filter(|w| staff.iter().any(|s| s.id == w.person))
                .cloned()
                .collect(),
            staff,
            pinned: vec![],
            previous,
        };
        let plan_options = PlanOptions {
            settings: Settings::for_profile(options.profile),
            time_zone: options.time_zone.clone(),
            time_limit: options.time_limit,
            max_iterations: options.max_iterations,
            threads: options.threads,
            seed: options.seed,
        };
        // The search is CPU-bound for seconds: off the async workers.
        let (input, plan) = tokio::task::spawn_blocking(move || {
            let plan = passa_planner::plan(&input, &plan_options);
            (input, plan)
        })
        .await
        .map_err(|e| AppError::Io(format!("the planner stopped: {e}")))?;
        let plan = plan?;

        let first = self
            .store
            .allocate_ids(
                IdKind::PlannedShift,
                u32::try_from(plan.assignments.len()).unwrap_or(u32::MAX),
            )
            .await?;
        let mut shifts = Vec::with_capacity(plan.assignments.len());
        for (i, a) in plan.assignments.iter().enumerate() {
            let Some(st) = input.shift_types.iter().find(|s| s.id == a.shift_type) else {
                continue;
            };
            let (start, end) = passa_planner::shift_instants(st, a.date, &options.time_zone)?;
            shifts.push(PlannedShiftRecord {
                id: first + i as i64,
                period,
                unit,
                person: a.person,
                shift_type: a.shift_type,
                date: a.date.to_string(),
                start: stamp(start),
                end: stamp(end),
                pinned: false,
            });
        }
        let s = &plan.summary;
        self.store
            .save_schedule(
                tenant,
                &ScheduleBatch {
                    period,
                    shifts,
                    audit: Some(audit(
                        now,
                        "cli",
                        "schedule.plan",
                        format!(
                            "period {}: {} shifts, cover {:.1} %, {} shortfalls",
                            period.get(),
                            s.shifts,
                            s.cover_percent,
                            plan.shortfalls.len()
                        ),
                    )),
                },
            )
            .await?;
        Ok(PeriodPlan {
            unit: unit_name,
            period,
            start: input.period.start(),
            weeks: input.period.weeks(),
            staff: input.staff.len(),
            plan,
        })
    }
}
