//! What the rules take and give.

use jiff::Timestamp;
use passa_domain::ShiftKind;

/// One shift of a person, as instants. Times are seconds since the Unix epoch internally;
/// construct with [`Shift::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// The caller's handle for the shift, echoed in nothing personal.
    pub id: u64,
    pub start: i64,
    pub end: i64,
    pub kind: ShiftKind,
    /// Breaks (rast) inside the shift, sorted, not overlapping.
    pub breaks: Vec<(i64, i64)>,
    /// AB § 13 mom. 8 a: a planned exception that may follow a shortened (≥ 9 h) rest.
    pub planned_exception: bool,
}

impl Shift {
    /// A shift from `start` to `end`; breaks are clipped to the shift, sorted and merged.
    pub fn new(
        id: u64,
        start: Timestamp,
        end: Timestamp,
        kind: ShiftKind,
        breaks: &[(Timestamp, Timestamp)],
    ) -> Self {
        let (s, e) = (start.as_second(), end.as_second());
        let mut b: Vec<(i64, i64)> = breaks
            .iter()
            .map(|(a, z)| (a.as_second().max(s), z.as_second().min(e)))
            .filter(|(a, z)| a < z)
            .collect();
        b.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(b.len());
        for (a, z) in b {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(z),
                _ => merged.push((a, z)),
            }
        }
        Self {
            id,
            start: s,
            end: e,
            kind,
            breaks: merged,
            planned_exception: false,
        }
    }

    pub fn planned_exception(mut self, yes: bool) -> Self {
        self.planned_exception = yes;
        self
    }

    /// Seconds of the shift inside `[from, to)`.
    pub(crate) fn seconds_within(&self, from: i64, to: i64) -> i64 {
        (self.end.min(to) - self.start.max(from)).max(0)
    }

    /// Seconds of work inside `[from, to)`: the shift less its breaks.
    pub(crate) fn work_within(&self, from: i64, to: i64) -> i64 {
        let breaks: i64 = self
            .breaks
            .iter()
            .map(|(a, z)| ((*z).min(to) - (*a).max(from)).max(0))
            .sum();
        self.seconds_within(from, to) - breaks
    }
}

/// A person's contract as far as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// Contracted ordinary minutes per week; `None` means full time.
    pub weekly_minutes: Option<i64>,
    /// A night worker under ATL 13 a §.
    pub night_worker: bool,
}

/// The stable id of each rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    Overlap,
    DailyRest,
    WeeklyRest,
    Break,
    OrdinaryHours,
    Overtime,
    TotalHours48,
    NightWork,
    WorkOncall20h,
    MonthlyCap,
}

impl RuleId {
    pub const ALL: [RuleId; 10] = [
        Self::Overlap,
        Self::DailyRest,
        Self::WeeklyRest,
        Self::Break,
        Self::OrdinaryHours,
        Self::Overtime,
        Self::TotalHours48,
        Self::NightWork,
        Self::WorkOncall20h,
        Self::MonthlyCap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overlap => "overlap",
            Self::DailyRest => "daily_rest",
            Self::WeeklyRest => "weekly_rest",
            Self::Break => "break",
            Self::OrdinaryHours => "ordinary_hours",
            Self::Overtime => "overtime",
            Self::TotalHours48 => "total_hours_48",
            Self::NightWork => "night_work",
            Self::WorkOncall20h => "work_oncall_20h",
            Self::MonthlyCap => "monthly_cap",
        }
    }
}

/// One broken rule: which, over what window, and the measured value against the limit.
/// [`crate::Rules::explain`] puts it in words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violation {
    pub rule: RuleId,
    /// Window start and end, seconds since the Unix epoch.
    pub start: i64,
    pub end: i64,
    pub measured_minutes: i64,
    pub limit_minutes: i64,
    pub detail: Detail,
}

/// What a rule adds to its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Detail {
    None,
    /// The daily-rest rule measured one 24-hour period (dygn), not a gap.
    DayWindow,
    /// Rest after a planned exception that followed a rest of this many minutes.
    Compensation {
        short_rest_minutes: i64,
    },
    /// Rest after this many minutes of work and on-call in a row.
    RestAfter {
        period_minutes: i64,
    },
}

/// A violation in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub sv: String,
    pub en: String,
}

impl Violation {
    pub fn start(&self) -> Timestamp {
        Timestamp::from_second(self.start).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn end(&self) -> Timestamp {
        Timestamp::from_second(self.end).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}
