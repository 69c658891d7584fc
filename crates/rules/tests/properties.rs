//! Properties: the incremental answer equals a full re-check; moving a schedule by whole
//! weeks (away from DST) moves its violations and changes nothing else; no input panics.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use passa_rules::{
    Contract, PersonSchedule, Profile, Rules, Settings, Shift, ShiftKind, Violation,
};
use proptest::prelude::*;

fn tz() -> TimeZone {
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

/// Monday 4 May 2026 00:00 in Stockholm (CEST, far from both DST changes).
const BASE: i64 = 1_777_845_600;

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[derive(Debug, Clone)]
struct Gen {
    start_quarters: i64,
    length_quarters: i64,
    kind: u8,
    break_at: Option<i64>,
    exception: bool,
}

fn gen_shift() -> impl Strategy<Value = Gen> {
    (
        0i64..21 * 96,
        4i64..14 * 4,
        0u8..10,
        proptest::option::of(1i64..20),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(start_quarters, length_quarters, kind, break_at, exception)| Gen {
                start_quarters,
                length_quarters,
                kind,
                break_at,
                exception,
            },
        )
}

fn build(g: &Gen, id: u64, offset: i64) -> Shift {
    let start = BASE + offset + g.start_quarters * 900;
    let end = start + g.length_quarters * 900;
    let kind = match g.kind {
        0..=6 => ShiftKind::Work,
        7 | 8 => ShiftKind::OnCall,
        _ => ShiftKind::Standby,
    };
    let breaks: Vec<(Timestamp, Timestamp)> = g
        .break_at
        .map(|q| start + q * 900)
        .filter(|b| b + 1800 < end)
        .map(|b| (ts(b), ts(b + 1800)))
        .into_iter()
        .collect();
    Shift::new(id, ts(start), ts(end), kind, &breaks).planned_exception(g.exception)
}

fn settings(profile_ab: bool, cap: bool) -> Settings {
    let mut s = Settings::for_profile(if profile_ab {
        Profile::Ab
    } else {
        Profile::Atl
    });
    if cap {
        s.monthly_cap = Some(40 * 60);
    }
    s
}

fn difference(mut new: Vec<Violation>, old: &[Violation]) -> Vec<Violation> {
    let mut old = old.to_vec();
    new.retain(|v| match old.iter().position(|o| o == v) {
        Some(i) => {
            old.remove(i);
            false
        }
        None => true,
    });
    new.sort();
    new
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_incremental_answer_equals_a_full_recheck(
        existing in proptest::collection::vec(gen_shift(), 0..14),
        candidate in gen_shift(),
        ab in any::<bool>(),
        cap in any::<bool>(),
        night in any::<bool>(),
        part_time in any::<bool>(),
    ) {
        let rules = Arc::new(Rules::new(settings(ab, cap), tz()));
        let contract = Contract { weekly_minutes: part_time.then_some(30 * 60), night_worker: night };
        let mut schedule = PersonSchedule::new(rules.clone(), contract);
        let shifts: Vec<Shift> = existing.iter().enumerate().map(|(i, g)| build(g, i as u64, 0)).collect();
        for s in &shifts {
            schedule.insert(s.clone());
        }
        let s = build(&candidate, 999, 0);
        let before = rules.check(&contract, &shifts);
        let mut with = shifts.clone();
        with.push(s.clone());
        let after = rules.check(&contract, &with);
        let mut incremental = schedule.can_take(&s);
        incremental.sort();
        prop_assert_eq!(incremental, difference(after, &before));
        prop_assert_eq!(schedule.check_all(), before);
    }

    #[test]
    fn moving_every_shift_by_whole_weeks_moves_the_violations(
        existing in proptest::collection::vec(gen_shift(), 1..14),
        weeks in -2i64..=6,
        ab in any::<bool>(),
    ) {
        let rules = Rules::new(settings(ab, false), tz());
        // A contract below both full-time weeks: the limit does not hinge on which dates
        // are public holidays.
        let contract = Contract { weekly_minutes: Some(36 * 60), night_worker: false };
        let delta = weeks * 7 * 86_400;
        let here: Vec<Shift> = existing.iter().enumerate().map(|(i, g)| build(g, i as u64, 0)).collect();
        let there: Vec<Shift> = existing.iter().enumerate().map(|(i, g)| build(g, i as u64, delta)).collect();
        let key = |v: &Violation, d: i64| (v.rule, v.start + d, v.end + d, v.measured_minutes, v.limit_minutes);
        let a: Vec<_> = rules.check(&contract, &here).iter().map(|v| key(v, delta)).collect();
        let b: Vec<_> = rules.check(&contract, &there).iter().map(|v| key(v, 0)).collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn no_input_panics(
        raw in proptest::collection::vec((any::<i32>(), -100_000i64..200_000, 0u8..3, any::<i32>(), any::<i16>()), 0..12),
        ab in any::<bool>(),
        cap in any::<bool>(),
    ) {
        let rules = Arc::new(Rules::new(settings(ab, cap), tz()));
        let contract = Contract { weekly_minutes: None, night_worker: true };
        let shifts: Vec<Shift> = raw
            .iter()
            .enumerate()
            .map(|(i, (start, len, kind, b, bl))| {
                let start = BASE + i64::from(*start);
                let kind = [ShiftKind::Work, ShiftKind::OnCall, ShiftKind::Standby][usize::from(*kind)];
                let b0 = start + i64::from(*b) % 100_000;
                Shift::new(i as u64, ts(start), ts(start + len), kind, &[(ts(b0), ts(b0 + i64::from(*bl)))])
            })
            .collect();
        let mut schedule = PersonSchedule::new(rules.clone(), contract);
        for s in &shifts {
            let _ = schedule.can_take(s);
            schedule.insert(s.clone());
        }
        let _ = schedule.check_all();
        for s in &shifts {
            let _ = schedule.remove(s.id);
        }
    }
}
