//! Rule profiles and their settings. Every number is a setting with the legal default.

use jiff::civil::{Time, Weekday};

/// The rule set a tenant works under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Arbetstidslagen (SFS 1982:673) as written.
    Atl,
    /// Allmänna bestämmelser, the municipal collective agreement (SKR/Sobona).
    Ab,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "atl" => Some(Self::Atl),
            "ab" => Some(Self::Ab),
            _ => None,
        }
    }
}

/// Limits and windows, in minutes unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub profile: Profile,
    /// Start of the 24-hour period (dygnsbryt), wall-clock.
    pub day_break: Time,
    /// First day of the 7-day period for weekly rest and weekly sums.
    pub week_start: Weekday,
    /// Daily rest between two work periods (ATL 13 §, AB § 13): 11 h.
    pub daily_rest: i64,
    /// Shortest rest before a shift flagged as a planned exception (AB § 13 mom. 8 a): 9 h.
    /// `None` where no such exception exists (plain ATL).
    pub planned_exception_rest: Option<i64>,
    /// Most time at work inside one 24-hour period: 24 h less the 11 h rest = 13 h.
    pub max_work_per_day: i64,
    /// Weekly rest (ATL 14 §): 36 h free in every 7-day period.
    pub weekly_rest: i64,
    /// AB: the weekly rest must not overlap the daily rest, so the free stretch must also
    /// hold the daily rest (36 h + 11 h).
    pub weekly_rest_apart_from_daily_rest: bool,
    /// Longest stretch of work without a break (ATL 15 §): 5 h.
    pub max_work_without_break: i64,
    /// Full-time week (ATL 5 §): 40 h.
    pub full_time_week: i64,
    /// AB full time for staff who work Sundays and public holidays: 38 h 15 min.
    pub full_time_week_sundays: Option<i64>,
    /// Weeks over which ordinary hours are averaged (ATL: at most 4).
    pub ordinary_averaging_weeks: u32,
    /// Overtime above ordinary hours per 4 weeks (ATL 7 §): 48 h.
    pub overtime_per_4_weeks: i64,
    /// Total working time per week on average (ATL 10 b §, EU art. 6): 48 h …
    pub total_per_week: i64,
    /// … over this many weeks (at most four months: 17 weeks).
    pub total_averaging_weeks: u32,
    /// Night workers: at most 8 h per 24 h on average (ATL 13 a §) over the total period.
    pub night_worker_per_day: i64,
    /// Work + on-call at the workplace back to back (AB § 13 mom. 5): at most 20 h, then at
    /// least as long a rest.
    pub max_work_with_oncall: i64,
    /// Local cap per calendar month (e.g. 165 h for hourly substitutes); `None`: no cap.
    pub monthly_cap: Option<i64>,
}

impl Settings {
    pub fn for_profile(profile: Profile) -> Self {
        let ab = profile == Profile::Ab;
        Self {
            profile,
            day_break: Time::midnight(),
            week_start: Weekday::Monday,
            daily_rest: 11 * 60,
            planned_exception_rest: ab.then_some(9 * 60),
            max_work_per_day: 13 * 60,
            weekly_rest: 36 * 60,
            weekly_rest_apart_from_daily_rest: ab,
            max_work_without_break: 5 * 60,
            full_time_week: 40 * 60,
            full_time_week_sundays: ab.then_some(38 * 60 + 15),
            ordinary_averaging_weeks: 4,
            overtime_per_4_weeks: 48 * 60,
            total_per_week: 48 * 60,
            total_averaging_weeks: 17,
            night_worker_per_day: 8 * 60,
            max_work_with_oncall: 20 * 60,
            monthly_cap: None,
        }
    }

    /// The free stretch the weekly rest needs.
    pub fn weekly_rest_required(&self) -> i64 {
        if self.weekly_rest_apart_from_daily_rest {
            self.weekly_rest + self.daily_rest
        } else {
            self.weekly_rest
        }
    }
}
