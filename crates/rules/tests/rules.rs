//! Table-driven tests per rule: at the limit, one minute past, across midnight and across
//! both DST nights of 2026 (29 March: 23 hours; 25 October: 25 hours).
#![allow(clippy::panic)] // Helpers fail the test loudly on a typo in a fixture.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use passa_rules::{Contract, Profile, RuleId, Rules, Settings, Shift, ShiftKind, Violation};

fn tz() -> TimeZone {
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

/// Wall-clock Stockholm time, "2026-06-01 07:00".
fn at(s: &str) -> Timestamp {
    let dt: DateTime = s
        .replace(' ', "T")
        .parse()
        .unwrap_or_else(|e| panic!("{s}: {e}"));
    tz().to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn shift(kind: ShiftKind, from: &str, to: &str, breaks: &[(&str, &str)]) -> Shift {
    let b: Vec<(Timestamp, Timestamp)> = breaks.iter().map(|(a, z)| (at(a), at(z))).collect();
    Shift::new(0, at(from), at(to), kind, &b)
}

fn work(from: &str, to: &str) -> Shift {
    shift(ShiftKind::Work, from, to, &[])
}

fn work_b(from: &str, to: &str, breaks: &[(&str, &str)]) -> Shift {
    shift(ShiftKind::Work, from, to, breaks)
}

/// Seconds-based shift, for generated patterns.
fn work_secs(start: i64, end: i64) -> Shift {
    Shift::new(0, ts(start), ts(end), ShiftKind::Work, &[])
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

const FULL_TIME: Contract = Contract {
    weekly_minutes: None,
    night_worker: false,
};

fn check_with(settings: Settings, contract: Contract, shifts: &[Shift]) -> Vec<Violation> {
    let mut numbered = shifts.to_vec();
    for (i, s) in numbered.iter_mut().enumerate() {
        s.id = i as u64;
    }
    Rules::new(settings, tz()).check(&contract, &numbered)
}

fn found(profile: Profile, shifts: &[Shift], rule: RuleId) -> Vec<(i64, i64)> {
    check_with(Settings::for_profile(profile), FULL_TIME, shifts)
        .into_iter()
        .filter(|v| v.rule == rule)
        .map(|v| (v.measured_minutes, v.limit_minutes))
        .collect()
}

/// Each case: a name, shifts, and the (measured, limit) pairs expected for the rule.
/// A case's name, its shifts, and the expected (measured, limit) pairs.
type Case<'a> = (&'a str, Vec<Shift>, Vec<(i64, i64)>);

fn table(profile: Profile, rule: RuleId, cases: Vec<Case<'_>>) {
    for (name, shifts, expected) in cases {
        assert_eq!(found(profile, &shifts, rule), expected, "{rule:?} / {name}");
    }
}

#[test]
fn overlap() {
    table(
        Profile::Ab,
        RuleId::Overlap,
        vec![
            (
                "touching",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 10:00"),
                    work("2026-06-01 10:00", "2026-06-01 12:00"),
                ],
                vec![],
            ),
            (
                "one minute",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 10:00"),
                    work("2026-06-01 09:59", "2026-06-01 12:00"),
                ],
                vec![(1, 0)],
            ),
            (
                "across midnight",
                vec![
                    work("2026-06-01 21:00", "2026-06-02 01:00"),
                    work("2026-06-01 23:00", "2026-06-02 02:00"),
                ],
                vec![(120, 0)],
            ),
            // 01:00–04:00 on the spring night is two real hours.
            (
                "spring night",
                vec![
                    work("2026-03-29 01:00", "2026-03-29 04:00"),
                    work("2026-03-29 01:00", "2026-03-29 04:00"),
                ],
                vec![(120, 0)],
            ),
            (
                "autumn night",
                vec![
                    work("2026-10-25 01:00", "2026-10-25 04:00"),
                    work("2026-10-25 01:00", "2026-10-25 04:00"),
                ],
                vec![(240, 0)],
            ),
        ],
    );
}

#[test]
fn daily_rest_between_shifts() {
    table(
        Profile::Ab,
        RuleId::DailyRest,
        vec![
            (
                "at the limit",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    work("2026-06-02 08:00", "2026-06-02 13:00"),
                ],
                vec![],
            ),
            (
                "one minute short",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    work("2026-06-02 07:59", "2026-06-02 12:59"),
                ],
                vec![(659, 660)],
            ),
            // 18:00 on 28 March to 06:00 on 29 March is 12 h on the clock but 11 h in real time.
            (
                "spring night at the limit",
                vec![
                    work("2026-03-28 18:00", "2026-03-28 23:00"),
                    work("2026-03-29 11:00", "2026-03-29 15:00"),
                ],
                vec![],
            ),
            (
                "spring night short",
                vec![
                    work("2026-03-28 18:00", "2026-03-28 23:00"),
                    work("2026-03-29 10:59", "2026-03-29 15:00"),
                ],
                vec![(659, 660)],
            ),
            // 23:00 to 09:00 on the autumn night is 10 h on the clock but 11 h in real time.
            (
                "autumn night at the limit",
                vec![
                    work("2026-10-24 18:00", "2026-10-24 23:00"),
                    work("2026-10-25 09:00", "2026-10-25 13:00"),
                ],
                vec![],
            ),
            (
                "autumn night short",
                vec![
                    work("2026-10-24 18:00", "2026-10-24 23:00"),
                    work("2026-10-25 08:59", "2026-10-25 13:00"),
                ],
                vec![(659, 660)],
            ),
            // Standby does not break the rest; on-call at the workplace does.
            (
                "standby between",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    shift(
                        ShiftKind::Standby,
                        "2026-06-01 22:00",
                        "2026-06-02 06:00",
                        &[],
                    ),
                    work("2026-06-02 08:00", "2026-06-02 12:00"),
                ],
                vec![],
            ),
            (
                "on-call between",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    shift(
                        ShiftKind::OnCall,
                        "2026-06-01 22:00",
                        "2026-06-02 01:00",
                        &[],
                    ),
                    work("2026-06-02 08:00", "2026-06-02 12:00"),
                ],
                vec![(60, 660), (420, 660)],
            ),
        ],
    );
}

#[test]
fn daily_rest_within_the_24_hour_period() {
    let long = |to: &str| {
        work_b(
            "2026-06-01 06:00",
            to,
            &[
                ("2026-06-01 10:00", "2026-06-01 10:30"),
                ("2026-06-01 14:00", "2026-06-01 14:30"),
            ],
        )
    };
    table(
        Profile::Ab,
        RuleId::DailyRest,
        vec![
            ("13 h at work", vec![long("2026-06-01 19:00")], vec![]),
            (
                "13 h 1 min",
                vec![long("2026-06-01 19:01")],
                vec![(781, 780)],
            ),
            // On the 23-hour day, 00:00–14:00 on the clock is 13 h.
            (
                "spring day",
                vec![work_b(
                    "2026-03-29 00:00",
                    "2026-03-29 14:00",
                    &[
                        ("2026-03-29 04:00", "2026-03-29 04:30"),
                        ("2026-03-29 08:30", "2026-03-29 09:00"),
                    ],
                )],
                vec![],
            ),
            (
                "spring day plus a minute",
                vec![work_b(
                    "2026-03-29 00:00",
                    "2026-03-29 14:01",
                    &[
                        ("2026-03-29 04:00", "2026-03-29 04:30"),
                        ("2026-03-29 08:30", "2026-03-29 09:00"),
                    ],
                )],
                vec![(781, 780)],
            ),
            // On the 25-hour day, 00:00–12:00 on the clock is 13 h.
            (
                "autumn day",
                vec![work_b(
                    "2026-10-25 00:00",
                    "2026-10-25 12:00",
                    &[
                        ("2026-10-25 04:00", "2026-10-25 04:30"),
                        ("2026-10-25 08:00", "2026-10-25 08:30"),
                    ],
                )],
                vec![],
            ),
            (
                "autumn day plus a minute",
                vec![work_b(
                    "2026-10-25 00:00",
                    "2026-10-25 12:01",
                    &[
                        ("2026-10-25 04:00", "2026-10-25 04:30"),
                        ("2026-10-25 08:00", "2026-10-25 08:30"),
                    ],
                )],
                vec![(781, 780)],
            ),
        ],
    );
}

#[test]
fn a_day_break_moves_the_24_hour_period() {
    let mut settings = Settings::for_profile(Profile::Ab);
    settings.day_break = jiff::civil::time(18, 0, 0, 0);
    // 18:00–07:30 the next day: with midnight as day break neither day has more than 13 h;
    // the period from 18:00 holds all 13 h 30 min, which is too much.
    let night = work_b(
        "2026-06-01 18:00",
        "2026-06-02 07:30",
        &[
            ("2026-06-01 22:00", "2026-06-01 22:30"),
            ("2026-06-02 02:00", "2026-06-02 02:30"),
        ],
    );
    let with_break: Vec<(i64, i64)> = check_with(settings, FULL_TIME, std::slice::from_ref(&night))
        .iter()
        .filter(|v| v.rule == RuleId::DailyRest)
        .map(|v| (v.measured_minutes, v.limit_minutes))
        .collect();
    assert_eq!(with_break, vec![(810, 780)]);
    assert_eq!(found(Profile::Ab, &[night], RuleId::DailyRest), vec![]);
}

#[test]
fn planned_exceptions_need_compensating_rest() {
    let flagged = |from: &str, to: &str| work(from, to).planned_exception(true);
    table(
        Profile::Ab,
        RuleId::DailyRest,
        vec![
            // 9 h rest before a planned exception, 13 h right after: allowed.
            (
                "compensated",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    flagged("2026-06-02 06:00", "2026-06-02 11:00"),
                    work("2026-06-03 00:00", "2026-06-03 04:00"),
                ],
                vec![],
            ),
            (
                "compensation one minute short",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    flagged("2026-06-02 06:00", "2026-06-02 11:00"),
                    work("2026-06-02 23:59", "2026-06-03 04:00"),
                ],
                vec![(779, 780)],
            ),
            (
                "under 9 h even as an exception",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    flagged("2026-06-02 05:59", "2026-06-02 11:00"),
                ],
                vec![(539, 540)],
            ),
            (
                "not flagged",
                vec![
                    work("2026-06-01 16:00", "2026-06-01 21:00"),
                    work("2026-06-02 06:00", "2026-06-02 11:00"),
                ],
                vec![(540, 660)],
            ),
        ],
    );
    // The law alone knows no planned exception.
    assert_eq!(
        found(
            Profile::Atl,
            &[
                work("2026-06-01 16:00", "2026-06-01 21:00"),
                flagged("2026-06-02 06:00", "2026-06-02 11:00")
            ],
            RuleId::DailyRest
        ),
        vec![(540, 660)]
    );
}

/// 5-hour shifts 11 hours apart from `from` up to `to`, then the same again from `resume`
/// to `until`: every free stretch is 11 h except the one from the last shift before `to`
/// to `resume`.
fn week_pattern(from: i64, to: i64, resume: i64, until: i64) -> Vec<Shift> {
    let mut out = Vec::new();
    let mut end = to;
    while end - 5 * 3600 >= from {
        out.push(work_secs(end - 5 * 3600, end));
        end -= 16 * 3600;
    }
    let mut start = resume;
    while start + 5 * 3600 <= until {
        out.push(work_secs(start, start + 5 * 3600));
        start += 16 * 3600;
    }
    out
}

#[test]
fn weekly_rest() {
    let monday = at("2026-06-01 00:00").as_second();
    let h = 3600;
    // The week is filled before and after one free stretch of the given length.
    let week = |free_minutes: i64| {
        let to = monday + 80 * h;
        week_pattern(
            monday - 20 * h,
            to,
            to + free_minutes * 60,
            monday + 190 * h,
        )
    };
    table(
        Profile::Atl,
        RuleId::WeeklyRest,
        vec![
            ("36 h", week(36 * 60), vec![]),
            ("35 h 59 min", week(36 * 60 - 1), vec![(2159, 2160)]),
        ],
    );
    // AB: the weekly rest may not overlap the daily rest, so 36 h + 11 h.
    table(
        Profile::Ab,
        RuleId::WeeklyRest,
        vec![
            ("47 h", week(47 * 60), vec![]),
            ("46 h 59 min", week(47 * 60 - 1), vec![(2819, 2820)]),
        ],
    );
    // Standby is not free time.
    let mut with_standby = week(36 * 60);
    let gap_start = monday + 80 * h;
    with_standby.push(Shift::new(
        0,
        ts(gap_start + 12 * h),
        ts(gap_start + 14 * h),
        ShiftKind::Standby,
        &[],
    ));
    assert_eq!(
        found(Profile::Atl, &with_standby, RuleId::WeeklyRest).len(),
        1
    );
}

#[test]
fn weekly_rest_across_the_dst_nights() {
    // Free from Saturday 11:00 to Sunday 23:00 on the clock: 36 h in June, 35 h in March
    // (the spring night is short), 37 h in October.
    let h = 3600;
    let case = |sat: &str, sun: &str, monday: &str| {
        let (to, resume) = (at(sat).as_second(), at(sun).as_second());
        week_pattern(at(monday).as_second() - 20 * h, to, resume, resume + 40 * h)
    };
    let june = case("2026-06-06 11:00", "2026-06-07 23:00", "2026-06-01 00:00");
    let march = case("2026-03-28 11:00", "2026-03-29 23:00", "2026-03-23 00:00");
    let october = case("2026-10-24 11:00", "2026-10-25 23:00", "2026-10-19 00:00");
    assert_eq!(found(Profile::Atl, &june, RuleId::WeeklyRest), vec![]);
    assert_eq!(
        found(Profile::Atl, &march, RuleId::WeeklyRest),
        vec![(35 * 60, 2160)]
    );
    assert_eq!(found(Profile::Atl, &october, RuleId::WeeklyRest), vec![]);
}

#[test]
fn breaks() {
    table(
        Profile::Ab,
        RuleId::Break,
        vec![
            (
                "5 h",
                vec![work("2026-06-01 07:00", "2026-06-01 12:00")],
                vec![],
            ),
            (
                "5 h 1 min",
                vec![work("2026-06-01 07:00", "2026-06-01 12:01")],
                vec![(301, 300)],
            ),
            (
                "with a break",
                vec![work_b(
                    "2026-06-01 07:00",
                    "2026-06-01 16:00",
                    &[("2026-06-01 12:00", "2026-06-01 12:30")],
                )],
                vec![],
            ),
            (
                "break a minute late",
                vec![work_b(
                    "2026-06-01 07:00",
                    "2026-06-01 16:00",
                    &[("2026-06-01 12:01", "2026-06-01 12:30")],
                )],
                vec![(301, 300)],
            ),
            (
                "across midnight",
                vec![work("2026-06-01 22:00", "2026-06-02 03:01")],
                vec![(301, 300)],
            ),
            (
                "back-to-back shifts are one stretch",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 10:00"),
                    work("2026-06-01 10:00", "2026-06-01 13:00"),
                ],
                vec![(360, 300)],
            ),
            // 00:00–06:00 on the spring night is 5 h; on the autumn night 00:00–04:00 is.
            (
                "spring night",
                vec![work("2026-03-29 00:00", "2026-03-29 06:00")],
                vec![],
            ),
            (
                "spring night plus a minute",
                vec![work("2026-03-29 00:00", "2026-03-29 06:01")],
                vec![(301, 300)],
            ),
            (
                "autumn night",
                vec![work("2026-10-25 00:00", "2026-10-25 04:00")],
                vec![],
            ),
            (
                "autumn night plus a minute",
                vec![work("2026-10-25 00:00", "2026-10-25 04:01")],
                vec![(301, 300)],
            ),
            (
                "on-call needs no break",
                vec![shift(
                    ShiftKind::OnCall,
                    "2026-06-01 07:00",
                    "2026-06-01 13:00",
                    &[],
                )],
                vec![],
            ),
        ],
    );
}

/// Weekday shifts 07:00–16:00 with an hour's break (8 h of work) for `weeks` weeks from
/// Monday `monday`, the last one ending `last_end` instead.
fn office_weeks(monday: &str, weeks: i64, last_end: &str) -> Vec<Shift> {
    let start = at(monday);
    let mut out = Vec::new();
    for w in 0..weeks {
        for d in 0..5 {
            let day = start
                .to_zoned_datetime(tz())
                .saturating_add(jiff::Span::new().days(w * 7 + d));
            let date = day.date().to_string();
            let end = if w == weeks - 1 && d == 4 {
                last_end.to_owned()
            } else {
                "16:00".to_owned()
            };
            out.push(work_b(
                &format!("{date} 07:00"),
                &format!("{date} {end}"),
                &[(&format!("{date} 11:00"), &format!("{date} 12:00"))],
            ));
        }
    }
    out
}

#[test]
fn ordinary_hours() {
    table(
        Profile::Atl,
        RuleId::OrdinaryHours,
        vec![
            (
                "160 h in 4 weeks",
                office_weeks("2026-06-01 00:00", 4, "16:00"),
                vec![],
            ),
            (
                "one minute more",
                office_weeks("2026-06-01 00:00", 4, "16:01"),
                vec![(160 * 60 + 1, 160 * 60)],
            ),
        ],
    );
    // A contract of 38 h 15 min is the person's ordinary week.
    let contract = Contract {
        weekly_minutes: Some(38 * 60 + 15),
        night_worker: false,
    };
    let over: Vec<(i64, i64)> = check_with(
        Settings::for_profile(Profile::Ab),
        contract,
        &office_weeks("2026-06-01 00:00", 4, "16:00"),
    )
    .iter()
    .filter(|v| v.rule == RuleId::OrdinaryHours)
    .map(|v| (v.measured_minutes, v.limit_minutes))
    .collect();
    assert_eq!(over, vec![(9600, 4 * (38 * 60 + 15))]);
}

#[test]
fn ordinary_hours_count_real_time_across_the_spring_night() {
    // Four weeks of 160 h, with one Friday replaced by the night 28–29 March,
    // 22:00–07:00 on the clock: 8 h of work in real time, not 9.
    let mut shifts = office_weeks("2026-03-09 00:00", 4, "16:00");
    shifts.retain(|s| s.start != at("2026-03-27 07:00").as_second());
    shifts.push(work_b("2026-03-28 22:00", "2026-03-29 07:00", &[]));
    let ordinary = found(Profile::Atl, &shifts, RuleId::OrdinaryHours);
    assert_eq!(ordinary, vec![], "the spring night counts 8 h");
}

#[test]
fn overtime() {
    // Six days of 8 h 40 min: 52 h a week, 208 h in four weeks: 48 h over.
    let weeks = |last_end: &str| {
        let mut out = Vec::new();
        let start = at("2026-06-01 00:00");
        for w in 0..4 {
            for d in 0..6 {
                let date = start
                    .to_zoned_datetime(tz())
                    .saturating_add(jiff::Span::new().days(w * 7 + d))
                    .date()
                    .to_string();
                let end = if w == 3 && d == 5 { last_end } else { "16:40" };
                out.push(work_b(
                    &format!("{date} 07:00"),
                    &format!("{date} {end}"),
                    &[(&format!("{date} 11:00"), &format!("{date} 12:00"))],
                ));
            }
        }
        out
    };
    table(
        Profile::Atl,
        RuleId::Overtime,
        vec![
            ("48 h", weeks("16:40"), vec![]),
            ("48 h 1 min", weeks("16:41"), vec![(48 * 60 + 1, 48 * 60)]),
        ],
    );
}

#[test]
fn total_hours_and_night_work() {
    // 17 weeks of six 8-hour days: 48 h a week on average, at the limit.
    let shifts = |extra: i64| {
        let base = at("2026-04-06 07:00").as_second();
        let mut out = Vec::new();
        for w in 0..17i64 {
            for d in 0..6i64 {
                let s = base + (w * 7 + d) * 86_400;
                let e = s + 9 * 3600 + if w == 16 && d == 5 { extra } else { 0 };
                out.push(Shift::new(
                    0,
                    ts(s),
                    ts(e),
                    ShiftKind::Work,
                    &[(ts(s + 4 * 3600), ts(s + 5 * 3600))],
                ));
            }
        }
        out
    };
    table(
        Profile::Atl,
        RuleId::TotalHours48,
        vec![
            ("816 h", shifts(0), vec![]),
            ("816 h 1 min", shifts(60), vec![(816 * 60 + 1, 816 * 60)]),
        ],
    );
    assert_eq!(found(Profile::Atl, &shifts(60), RuleId::NightWork), vec![]);
    let night = Contract {
        weekly_minutes: None,
        night_worker: true,
    };
    let v: Vec<(i64, i64)> = check_with(Settings::for_profile(Profile::Atl), night, &shifts(60))
        .iter()
        .filter(|v| v.rule == RuleId::NightWork)
        .map(|v| (v.measured_minutes, v.limit_minutes))
        .collect();
    assert_eq!(v, vec![(816 * 60 + 1, 8 * 60 * 6 * 17)]);
}

#[test]
fn work_with_oncall() {
    let oncall = |from: &str, to: &str| shift(ShiftKind::OnCall, from, to, &[]);
    table(
        Profile::Ab,
        RuleId::WorkOncall20h,
        vec![
            (
                "20 h",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 12:00"),
                    oncall("2026-06-01 12:00", "2026-06-02 03:00"),
                ],
                vec![],
            ),
            (
                "20 h 1 min",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 12:00"),
                    oncall("2026-06-01 12:00", "2026-06-02 03:01"),
                ],
                vec![(1201, 1200)],
            ),
            // 15 h of work and on-call, then at least 15 h of rest.
            (
                "rest as long",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 12:00"),
                    oncall("2026-06-01 12:00", "2026-06-01 22:00"),
                    work("2026-06-02 13:00", "2026-06-02 17:00"),
                ],
                vec![],
            ),
            (
                "rest a minute shorter",
                vec![
                    work("2026-06-01 07:00", "2026-06-01 12:00"),
                    oncall("2026-06-01 12:00", "2026-06-01 22:00"),
                    work("2026-06-02 12:59", "2026-06-02 17:00"),
                ],
                vec![(899, 900)],
            ),
            // 12:00 to 06:00 across the spring night is 17 h, not 18.
            (
                "spring night",
                vec![
                    work("2026-03-28 07:00", "2026-03-28 12:00"),
                    oncall("2026-03-28 12:00", "2026-03-29 04:00"),
                ],
                vec![],
            ),
            // 07:00 to 03:00 across the autumn night is 21 h, not 20.
            (
                "autumn night",
                vec![
                    work("2026-10-24 07:00", "2026-10-24 12:00"),
                    oncall("2026-10-24 12:00", "2026-10-25 03:00"),
                ],
                vec![(1260, 1200)],
            ),
        ],
    );
}

#[test]
fn monthly_cap() {
    // Every weekday of June 2026 (22 days), 7 h 30 min of work: 165 h.
    let june = |last_end: &str| {
        let mut out = Vec::new();
        for day in 1..=30 {
            let d = jiff::civil::date(2026, 6, day);
            if matches!(
                d.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            ) {
                continue;
            }
            let end = if day == 30 { last_end } else { "16:00" };
            out.push(work_b(
                &format!("{d} 08:00"),
                &format!("{d} {end}"),
                &[(&format!("{d} 12:00"), &format!("{d} 12:30"))],
            ));
        }
        out
    };
    let mut settings = Settings::for_profile(Profile::Ab);
    settings.monthly_cap = Some(165 * 60);
    let capped = |shifts: &[Shift]| -> Vec<(i64, i64)> {
        check_with(settings.clone(), FULL_TIME, shifts)
            .iter()
            .filter(|v| v.rule == RuleId::MonthlyCap)
            .map(|v| (v.measured_minutes, v.limit_minutes))
            .collect()
    };
    assert_eq!(capped(&june("16:00")), vec![]);
    assert_eq!(capped(&june("16:01")), vec![(165 * 60 + 1, 165 * 60)]);
    assert_eq!(
        found(Profile::Ab, &june("16:01"), RuleId::MonthlyCap),
        vec![],
        "no cap unless set"
    );
}

#[test]
fn every_violation_is_explained_in_swedish_and_english() {
    let shifts = vec![
        work("2026-06-01 07:00", "2026-06-01 22:00"),
        work("2026-06-02 05:00", "2026-06-02 12:00"),
    ];
    let rules = Rules::new(Settings::for_profile(Profile::Ab), tz());
    let violations = rules.check(&FULL_TIME, &shifts);
    assert!(violations.len() >= 3, "{violations:?}");
    for v in violations {
        let words = rules.explain(&v);
        assert!(
            words.sv.contains(" h") && words.en.contains(" h"),
            "{words:?}"
        );
        assert_ne!(words.sv, words.en);
    }
    let rest = rules.explain(
        &rules
            .check(&FULL_TIME, &shifts)
            .into_iter()
            .find(|v| v.rule == RuleId::DailyRest && v.end - v.start == 7 * 3600)
            .unwrap_or_else(|| panic!("no gap")),
    );
    assert_eq!(
        rest.sv,
        "Vilan mellan passen är 7 h (2026-06-01 22:00–2026-06-02 05:00), men dygnsvilan ska vara minst 11 h."
    );
    assert_eq!(
        rest.en,
        "The rest between shifts is 7 h (2026-06-01 22:00–2026-06-02 05:00); daily rest must be at least 11 h."
    );
}
