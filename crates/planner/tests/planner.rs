//! The planner: never a rule violation (property test on random small units, DST nights
//! included), reasons in words, and replanning that changes little.

use std::time::Duration;

use jiff::civil::{Date, Time, date};
use jiff::tz::TimeZone;
use passa_domain::{
    Competence, CompetenceId, Demand, Label, PersonId, SchedulePeriod, SchedulePeriodId, ShiftKind,
    ShiftType, ShiftTypeId, UnitId, Wish, WishKind,
};
use passa_planner::{
    Assignment, Pinned, PlanError, PlanOptions, PlanningInput, StaffMember, plan, violations,
};
use passa_rules::{Profile, Settings};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

const UNIT: UnitId = UnitId::new(1);
const USK: CompetenceId = CompetenceId::new(1);
const SSK: CompetenceId = CompetenceId::new(2);

fn tz() -> TimeZone {
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

fn options(seed: u64) -> PlanOptions {
    PlanOptions {
        settings: Settings::for_profile(Profile::Ab),
        time_zone: tz(),
        time_limit: Duration::from_secs(20),
        max_iterations: Some(30_000),
        threads: 1,
        seed,
    }
}

fn shift_type(id: i64, name: &str, start: &str, end: &str, break_minutes: u16) -> ShiftType {
    let time = |s: &str| s.parse::<Time>().unwrap_or(Time::midnight());
    ShiftType {
        id: ShiftTypeId::new(id),
        unit: UNIT,
        name: Label::parse("shift type", name).unwrap_or_else(|_| unreachable!()),
        start: time(start),
        end: time(end),
        break_minutes,
    }
}

/// Day, evening, night, and a long day whose one break in the middle leaves more than
/// five hours without a break (so the rules must refuse it).
fn all_shift_types() -> Vec<ShiftType> {
    vec![
        shift_type(1, "Dag", "07:00", "15:30", 30),
        shift_type(2, "Kväll", "14:00", "22:00", 30),
        shift_type(3, "Natt", "21:30", "07:15", 45),
        shift_type(4, "Lång dag", "07:00", "19:30", 60),
    ]
}

fn competences() -> Vec<Competence> {
    vec![
        Competence {
            id: USK,
            name: Label::parse("competence", "Undersköterska").unwrap_or_else(|_| unreachable!()),
        },
        Competence {
            id: SSK,
            name: Label::parse("competence", "Sjuksköterska").unwrap_or_else(|_| unreachable!()),
        },
    ]
}

fn period(start: Date, weeks: u8) -> SchedulePeriod {
    SchedulePeriod::new(SchedulePeriodId::new(1), UNIT, start, weeks)
        .unwrap_or_else(|_| unreachable!())
}

fn member(id: i64, competences: Vec<CompetenceId>, weekly_minutes: u16) -> StaffMember {
    StaffMember {
        id: PersonId::new(id),
        competences,
        weekly_minutes,
        night_worker: false,
        other_shifts: vec![],
    }
}

/// Exactly `n` undersköterskor on `shift_type` on `date`.
fn usk(date: Date, shift_type: ShiftTypeId, n: u16) -> Demand {
    Demand {
        unit: UNIT,
        date,
        shift_type,
        competence: USK,
        min: n,
        max: n,
    }
}

/// A random small unit; periods over both DST nights of 2026 and an ordinary month.
fn random_unit(seed: u64) -> PlanningInput {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = *[date(2026, 3, 23), date(2026, 10, 19), date(2026, 12, 7)]
        .choose(&mut rng)
        .unwrap_or(&date(2026, 12, 7));
    let weeks = rng.random_range(1..=2u8);
    let period = period(start, weeks);
    let mut shift_types = all_shift_types();
    shift_types.retain(|_| rng.random_bool(0.7));
    if shift_types.is_empty() {
        shift_types.push(shift_type(1, "Dag", "07:00", "15:30", 30));
    }
    let n = rng.random_range(3..=6);
    let staff: Vec<StaffMember> = (0..n)
        .map(|i| {
            let comps = match rng.random_range(0..4) {
                0 => vec![SSK],
                1 => vec![USK, SSK],
                _ => vec![USK],
            };
            let mut m = member(
                100 + i,
                comps,
                *[1200u16, 1800, 2295, 2400]
                    .choose(&mut rng)
                    .unwrap_or(&2295),
            );
            m.night_worker = rng.random_bool(0.3);
            if rng.random_bool(0.3) {
                // An evening at another unit the Sunday before the period.
                let sunday = start.yesterday().unwrap_or(start);
                let at = |h| {
                    tz().to_ambiguous_timestamp(sunday.at(h, 0, 0, 0))
                        .compatible()
                        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
                };
                m.other_shifts.push(passa_rules::Shift::new(
                    9_000_000,
                    at(16),
                    at(23),
                    ShiftKind::Work,
                    &[(at(19), at(19) + jiff::SignedDuration::from_mins(30))],
                ));
            }
            m
        })
        .collect();
    let dates: Vec<Date> = period.dates().collect();
    let mut demand = Vec::new();
    for d in &dates {
        for st in &shift_types {
            for c in [USK, SSK] {
                let min = rng
                    .random_range(0..=2u16)
                    .saturating_sub(u16::from(c == SSK));
                if min > 0 || rng.random_bool(0.2) {
                    demand.push(Demand {
                        unit: UNIT,
                        date: *d,
                        shift_type: st.id,
                        competence: c,
                        min,
                        max: min + 1,
                    });
                }
            }
        }
    }
    let pick_type = |rng: &mut StdRng| shift_types.choose(rng).map(|s| s.id);
    let wishes = (0..rng.random_range(0..6))
        .map(|_| Wish {
            person: PersonId::new(100 + rng.random_range(0..n)),
            date: *dates.choose(&mut rng).unwrap_or(&start),
            shift_type: if rng.random_bool(0.5) {
                pick_type(&mut rng)
            } else {
                None
            },
            kind: if rng.random_bool(0.6) {
                WishKind::Avoid
            } else {
                WishKind::Want
            },
            weight: rng.random_range(1..=10),
        })
        .collect();
    let mut pinned: Vec<Pinned> = Vec::new();
    for _ in 0..rng.random_range(0..4) {
        let p = Pinned {
            person: PersonId::new(100 + rng.random_range(0..n)),
            date: *dates.choose(&mut rng).unwrap_or(&start),
            // The long day breaks the break rule on its own; pinning it is tested apart.
            shift_type: if rng.random_bool(0.5) {
                pick_type(&mut rng).filter(|t| *t != ShiftTypeId::new(4))
            } else {
                None
            },
        };
        if !pinned
            .iter()
            .any(|q| q.person == p.person && q.date == p.date)
        {
            pinned.push(p);
        }
    }
    PlanningInput {
        period,
        shift_types,
        competences: competences(),
        demand,
        staff,
        wishes,
        pinned,
        previous: vec![],
    }
}

fn check_plan(input: &PlanningInput, options: &PlanOptions, assignments: &[Assignment]) {
    let found = violations(input, options, assignments).unwrap_or_default();
    assert!(found.is_empty(), "rule violations in the plan: {found:?}");
    let mut seen = std::collections::BTreeSet::new();
    for a in assignments {
        assert!(seen.insert((a.person, a.date)), "two shifts on one day");
        assert!(input.period.dates().any(|d| d == a.date));
        assert!(input.shift_types.iter().any(|s| s.id == a.shift_type));
    }
    for p in &input.pinned {
        let got = assignments
            .iter()
            .find(|a| a.person == p.person && a.date == p.date)
            .map(|a| a.shift_type);
        assert_eq!(got, p.shift_type, "a pinned cell was changed");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_planner_never_returns_a_rule_violation(seed in any::<u64>()) {
        let input = random_unit(seed);
        let options = options(seed);
        match plan(&input, &options) {
            Ok(plan) => {
                check_plan(&input, &options, &plan.assignments);
                prop_assert_eq!(plan.summary.violations, 0);
                // Every shortfall and unmet wish comes with words in both languages.
                for s in &plan.shortfalls {
                    prop_assert!(s.assigned < s.needed);
                    prop_assert!(!s.explanation.sv.is_empty() && !s.explanation.en.is_empty());
                }
                for w in &plan.unmet_wishes {
                    prop_assert!(w.explanation.sv.contains("beviljades inte"));
                }
            }
            Err(PlanError::PinnedBreaksRules { .. }) => {
                // Only when the pinned shifts break a rule on their own.
                let pinned: Vec<Assignment> = input
                    .pinned
                    .iter()
                    .filter_map(|p| p.shift_type.map(|shift_type| Assignment {
                        person: p.person,
                        date: p.date,
                        shift_type,
                    }))
                    .collect();
                let found = violations(&input, &options, &pinned).unwrap_or_default();
                prop_assert!(!found.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

/// Two undersköterskor for two evenings a week; one asks for Friday off.
fn evenings() -> PlanningInput {
    let start = date(2026, 12, 7);
    let period = period(start, 1);
    let evening = shift_type(2, "Kväll", "14:00", "22:00", 30);
    let demand = period
        .dates()
        .filter(|d| matches!(d.day(), 10 | 11))
        .map(|d| usk(d, evening.id, 2))
        .collect();
    PlanningInput {
        period,
        shift_types: vec![evening],
        competences: competences(),
        demand,
        staff: vec![member(1, vec![USK], 900), member(2, vec![USK], 900)],
        wishes: vec![Wish {
            person: PersonId::new(1),
            date: date(2026, 12, 11),
            shift_type: None,
            kind: WishKind::Avoid,
            weight: 5,
        }],
        pinned: vec![],
        previous: vec![],
    }
}

#[test]
fn a_wish_that_would_leave_a_shift_short_is_explained() -> Result<(), PlanError> {
    let input = evenings();
    let plan = plan(&input, &options(1))?;
    check_plan(&input, &options(1), &plan.assignments);
    assert_eq!(plan.summary.cover_percent, 100.0);
    assert_eq!(plan.unmet_wishes.len(), 1);
    let text = &plan.unmet_wishes[0].explanation;
    assert_eq!(
        text.sv,
        "Önskan om ledigt fredag 11 dec beviljades inte: 1 av 2 med Undersköterska på Kväll skulle saknas."
    );
    assert_eq!(
        text.en,
        "Wish for Friday 11 Dec off not granted: 1 of 2 with Undersköterska on Kväll would be missing."
    );
    Ok(())
}

#[test]
fn a_demand_nobody_can_meet_is_explained() -> Result<(), PlanError> {
    let mut input = evenings();
    input.demand.push(Demand {
        unit: UNIT,
        date: date(2026, 12, 10),
        shift_type: ShiftTypeId::new(2),
        competence: SSK,
        min: 1,
        max: 1,
    });
    let plan = plan(&input, &options(1))?;
    let short: Vec<&str> = plan
        .shortfalls
        .iter()
        .map(|s| s.explanation.sv.as_str())
        .collect();
    assert_eq!(
        short,
        [
            "Torsdag 10 dec, Kväll, Sjuksköterska: 1 av 1 saknas. Ingen i personalgruppen har kompetensen."
        ]
    );
    assert!(plan.summary.cover_percent < 100.0);
    Ok(())
}

#[test]
fn a_rest_rule_keeps_an_evening_from_being_followed_by_a_day() -> Result<(), PlanError> {
    // One person with hours for one shift more, evening Monday and day Tuesday both asked
    // for: the 9 h between them is less than the daily rest, so one stays uncovered, and
    // the reason given is the rule.
    let start = date(2026, 12, 7);
    let day = shift_type(1, "Dag", "07:00", "15:30", 30);
    let evening = shift_type(2, "Kväll", "14:00", "22:00", 30);
    let demand = vec![usk(start, evening.id, 1), usk(date(2026, 12, 8), day.id, 1)];
    let input = PlanningInput {
        period: period(start, 1),
        shift_types: vec![day, evening],
        competences: competences(),
        demand,
        staff: vec![member(1, vec![USK], 500)],
        wishes: vec![],
        pinned: vec![],
        previous: vec![],
    };
    let plan = plan(&input, &options(3))?;
    check_plan(&input, &options(3), &plan.assignments);
    assert_eq!(plan.assignments.len(), 1);
    assert_eq!(plan.shortfalls.len(), 1);
    assert!(
        plan.shortfalls[0]
            .explanation
            .sv
            .contains("1 skulle bryta mot arbetstidsreglerna"),
        "{}",
        plan.shortfalls[0].explanation.sv
    );
    Ok(())
}

#[test]
fn pinned_shifts_that_break_a_rule_are_refused_with_the_reason() {
    let mut input = evenings();
    input
        .shift_types
        .push(shift_type(1, "Dag", "07:00", "15:30", 30));
    input.pinned = vec![
        Pinned {
            person: PersonId::new(1),
            date: date(2026, 12, 7),
            shift_type: Some(ShiftTypeId::new(2)),
        },
        Pinned {
            person: PersonId::new(1),
            date: date(2026, 12, 8),
            shift_type: Some(ShiftTypeId::new(1)),
        },
    ];
    match plan(&input, &options(1)) {
        Err(e @ PlanError::PinnedBreaksRules { .. }) => {
            assert_eq!(e.code(), "pinned_breaks_rules");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn replanning_after_a_sick_call_changes_little() -> Result<(), PlanError> {
    // A week with two on every day shift and four people; one falls ill on Wednesday.
    let start = date(2026, 12, 7);
    let day = shift_type(1, "Dag", "07:00", "15:30", 30);
    let period = period(start, 1);
    let demand = period.dates().map(|d| usk(d, day.id, 2)).collect();
    let mut input = PlanningInput {
        period,
        shift_types: vec![day],
        competences: competences(),
        demand,
        staff: (1..=4).map(|i| member(i, vec![USK], 2400)).collect(),
        wishes: vec![],
        pinned: vec![],
        previous: vec![],
    };
    let first = plan(&input, &options(7))?;
    assert_eq!(first.summary.cover_percent, 100.0);
    let wednesday = date(2026, 12, 9);
    let Some(sick) = first
        .assignments
        .iter()
        .find(|a| a.date == wednesday)
        .map(|a| a.person)
    else {
        panic!("nobody works Wednesday");
    };
    input.previous = first.assignments.clone();
    input.pinned = vec![Pinned {
        person: sick,
        date: wednesday,
        shift_type: None,
    }];
    let second = plan(&input, &options(7))?;
    check_plan(&input, &options(7), &second.assignments);
    assert_eq!(second.summary.cover_percent, 100.0);
    // The sick shift goes to someone else; that person gives up one other day (their
    // hours), and the sick person may take that one: at most four cells move.
    assert!(
        second.summary.changed <= 4,
        "{} cells changed",
        second.summary.changed
    );
    Ok(())
}

#[test]
fn nights_are_shared_in_proportion_to_hours() -> Result<(), PlanError> {
    // Four weeks, one night and two days every day, six people on the same hours: 28
    // nights to share, about five each.
    let start = date(2026, 12, 7);
    let day = shift_type(1, "Dag", "07:00", "15:30", 30);
    let night = shift_type(3, "Natt", "21:30", "07:15", 45);
    let period = period(start, 4);
    let demand = period
        .dates()
        .flat_map(|d| [usk(d, day.id, 2), usk(d, night.id, 1)])
        .collect();
    let input = PlanningInput {
        period,
        shift_types: vec![day, night],
        competences: competences(),
        demand,
        staff: (1..=6).map(|i| member(i, vec![USK], 1800)).collect(),
        wishes: vec![],
        pinned: vec![],
        previous: vec![],
    };
    let options = PlanOptions {
        max_iterations: Some(150_000),
        ..options(3)
    };
    let planned = plan(&input, &options)?;
    check_plan(&input, &options, &planned.assignments);
    let nights = planned.summary.nights;
    assert!(
        nights.max - nights.min <= 2,
        "nights per person {nights:?}, cover {} %",
        planned.summary.cover_percent
    );
    Ok(())
}

#[test]
fn hours_are_planned_to_the_full_time_week_the_rules_allow() -> Result<(), PlanError> {
    // Four weeks of day shifts (8 h of work each): one every day and a second on six
    // weekdays, 34 in all. Under AB a full-timer who works Sundays has a 38 h 15 min week,
    // 153 h in four weeks: 19 shifts, not the 20 a 40 h week allows; the 30-hour colleague
    // takes the other 15, and every day is covered.
    let start = date(2026, 12, 7);
    let day = shift_type(1, "Dag", "07:00", "15:30", 30);
    let period = period(start, 4);
    let extra = [
        date(2026, 12, 9),
        date(2026, 12, 10),
        date(2026, 12, 16),
        date(2026, 12, 17),
        date(2026, 12, 23),
        date(2026, 12, 30),
    ];
    let demand = period
        .dates()
        .map(|d| usk(d, day.id, if extra.contains(&d) { 2 } else { 1 }))
        .collect();
    let input = PlanningInput {
        period,
        shift_types: vec![day],
        competences: competences(),
        demand,
        staff: vec![member(1, vec![USK], 2400), member(2, vec![USK], 1800)],
        wishes: vec![],
        pinned: vec![],
        previous: vec![],
    };
    for seed in 1..=4 {
        let options = PlanOptions {
            max_iterations: Some(150_000),
            ..options(seed)
        };
        let planned = plan(&input, &options)?;
        check_plan(&input, &options, &planned.assignments);
        let full_timer = planned
            .assignments
            .iter()
            .filter(|a| a.person == PersonId::new(1))
            .count();
        assert_eq!(full_timer, 19, "seed {seed}");
        assert_eq!(
            planned.summary.cover_percent, 100.0,
            "seed {seed}: {:?}",
            planned.shortfalls
        );
    }
    Ok(())
}
