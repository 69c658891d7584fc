//! The objects of staff planning, as later use cases (rules, optimizer, pool) see them.
//!
//! Instants are UTC [`jiff::Timestamp`]s; dates and clock times are Europe/Stockholm civil
//! values, turned into instants by the caller with the tenant's time zone.

use jiff::Timestamp;
use jiff::civil::{Date, Time};

use crate::{
    CompetenceId, DomainError, Email, EmployeeNumber, EmploymentPercent, Label, PersonId,
    PersonKind, PersonName, PhoneNumber, SchedulePeriodId, ShiftTypeId, TenantId, UnitId,
    WeeklyMinutes,
};

/// One data controller (a municipality or a board). Nothing crosses from one tenant to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: Label,
}

/// A workplace: a home-care district, a care home, a group home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub name: Label,
}

/// A qualification a shift can require: undersköterska, sjuksköterska, delegering, körkort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competence {
    pub id: CompetenceId,
    pub name: Label,
}

/// The part of a person that is personal data; the vault seals every field of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalDetails {
    pub employee_number: EmployeeNumber,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
}

/// Employment: share of full time and the weekly hours it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Employment {
    pub percent: EmploymentPercent,
    pub weekly_minutes: WeeklyMinutes,
}

/// A member of staff or a substitute, with home unit, competences and the units they are
/// trained at (inskolad).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub kind: PersonKind,
    pub details: PersonalDetails,
    pub home_unit: UnitId,
    pub competences: Vec<CompetenceId>,
    pub trained_at: Vec<UnitId>,
    pub employment: Employment,
}

/// A kind of shift at a unit (pass): wall-clock start and end, unpaid break minutes.
/// An end at or before the start means the shift ends the next day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftType {
    pub id: ShiftTypeId,
    pub unit: UnitId,
    pub name: Label,
    pub start: Time,
    pub end: Time,
    pub break_minutes: u16,
}

impl ShiftType {
    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }
}

/// What a shift is for the working-time rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShiftKind {
    Work,
    /// On call at the workplace (jour).
    OnCall,
    /// On standby away from the workplace (beredskap).
    Standby,
}

/// A time range of real elapsed time, start before end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: Timestamp,
    end: Timestamp,
}

impl Interval {
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, DomainError> {
        if end <= start {
            return Err(DomainError::Invalid {
                field: "end",
                reason: "must be after the start",
            });
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> Timestamp {
        self.start
    }

    pub fn end(&self) -> Timestamp {
        self.end
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// A dated shift for one person at one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub person: PersonId,
    pub unit: UnitId,
    pub shift_type: Option<ShiftTypeId>,
    pub kind: ShiftKind,
    pub time: Interval,
    pub breaks: Vec<Interval>,
}

/// Staffing demand (bemanningsbehov): how many with a competence a unit needs on a shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub unit: UnitId,
    pub date: Date,
    pub shift_type: ShiftTypeId,
    pub competence: CompetenceId,
    pub min: u16,
    pub max: u16,
}

/// A schedule period of whole ISO weeks starting on a Monday (typically 2–16 weeks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePeriod {
    pub id: SchedulePeriodId,
    pub unit: UnitId,
    start: Date,
    weeks: u8,
}

impl SchedulePeriod {
    pub fn new(
        id: SchedulePeriodId,
        unit: UnitId,
        start: Date,
        weeks: u8,
    ) -> Result<Self, DomainError> {
        if start.weekday() != jiff::civil::Weekday::Monday {
            return Err(DomainError::Invalid {
                field: "start",
                reason: "a schedule period starts on a Monday",
            });
        }
        if !(1..=52).contains(&weeks) {
            return Err(DomainError::OutOfRange {
                field: "weeks",
                min: "1",
                max: "52",
            });
        }
        Ok(Self {
            id,
            unit,
            start,
            weeks,
        })
    }

    pub fn start(&self) -> Date {
        self.start
    }

    pub fn weeks(&self) -> u8 {
        self.weeks
    }

    /// Every date of the period, Monday first.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        self.start
            .series(jiff::Span::new().days(1))
            .take(usize::from(self.weeks) * 7)
    }
}

/// Whether a wish asks for something or asks to be spared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WishKind {
    Want,
    Avoid,
}

/// A staff wish (önskemål) for a date, optionally for one shift type, with a weight 1–10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wish {
    pub person: PersonId,
    pub date: Date,
    pub shift_type: Option<ShiftTypeId>,
    pub kind: WishKind,
    pub weight: u8,
}

/// A time a substitute has said they can work (tillgänglighet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub person: PersonId,
    pub time: Interval,
}

/// Links a person to a competence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HasCompetence {
    pub person: PersonId,
    pub competence: CompetenceId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_schedule_period_starts_on_a_monday_and_lists_its_days() {
        let monday = date(2026, 11, 30);
        let period = SchedulePeriod::new(SchedulePeriodId::new(1), UnitId::new(1), monday, 4);
        let days: Vec<Date> = period
            .iter()
            .flat_map(|p| p.dates().collect::<Vec<_>>())
            .collect();
        assert_eq!(days.len(), 28);
        assert_eq!(days.last(), Some(&date(2026, 12, 27)));
        assert!(
            SchedulePeriod::new(
                SchedulePeriodId::new(1),
                UnitId::new(1),
                date(2026, 12, 1),
                4
            )
            .is_err()
        );
        assert!(SchedulePeriod::new(SchedulePeriodId::new(1), UnitId::new(1), monday, 0).is_err());
    }

    #[test]
    fn an_interval_must_end_after_it_starts() {
        let t = Timestamp::UNIX_EPOCH;
        assert!(Interval::new(t, t).is_err());
    }
}
