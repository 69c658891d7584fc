//! Unit planning quality and speed on demo-like care homes: 24 staff, four weeks, day,
//! evening and night shifts, demand per competence, two or three wishes per person.
//!
//! `cargo bench -p passa-planner --bench planner` (add `-- --write-doc` to update
//! docs/benchmarks.md).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use jiff::civil::{Date, Time, date};
use jiff::tz::TimeZone;
use passa_domain::{
    Competence, CompetenceId, Demand, Label, PersonId, SchedulePeriod, SchedulePeriodId, ShiftType,
    ShiftTypeId, UnitId, Wish, WishKind,
};
use passa_planner::{PlanOptions, PlanningInput, StaffMember, plan};
use passa_rules::{Profile, Settings};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

const UNIT: UnitId = UnitId::new(1);
const USK: CompetenceId = CompetenceId::new(1);
const VB: CompetenceId = CompetenceId::new(2);
const SSK: CompetenceId = CompetenceId::new(3);
const DELEGATION: CompetenceId = CompetenceId::new(4);

fn shift(id: i64, name: &str, start: &str, end: &str, brk: u16) -> ShiftType {
    ShiftType {
        id: ShiftTypeId::new(id),
        unit: UNIT,
        name: Label::parse("shift", name).unwrap(),
        start: start.parse::<Time>().unwrap(),
        end: end.parse::<Time>().unwrap(),
        break_minutes: brk,
    }
}

/// A care home like the demo's: the same shift types, demand and staff mix.
fn care_home(seed: u64, start: Date) -> PlanningInput {
    let mut rng = StdRng::seed_from_u64(seed);
    let period = SchedulePeriod::new(SchedulePeriodId::new(1), UNIT, start, 4).unwrap();
    let shift_types = vec![
        shift(1, "Dag", "07:00", "15:30", 30),
        shift(2, "Kväll", "14:00", "22:00", 30),
        shift(3, "Natt", "21:30", "07:15", 45),
    ];
    let staff: Vec<StaffMember> = (0..24)
        .map(|i| {
            let roll = rng.random_range(0..100);
            let mut competences = vec![match roll {
                0..8 => SSK,
                8..65 => USK,
                _ => VB,
            }];
            if competences[0] == USK && rng.random_bool(0.6) {
                competences.push(DELEGATION);
            }
            let percent = *[75u16, 80, 90, 100, 100, 100].choose(&mut rng).unwrap();
            StaffMember {
                id: PersonId::new(100 + i),
                competences,
                weekly_minutes: u16::try_from((38 * 60 + 15) * u32::from(percent) / 100).unwrap(),
                night_worker: false,
                other_shifts: vec![],
            }
        })
        .collect();
    let dates: Vec<Date> = period.dates().collect();
    let mut demand = Vec::new();
    for d in &dates {
        let weekend = d.weekday().to_monday_one_offset() >= 6;
        for st in &shift_types {
            let needs: &[(CompetenceId, u16)] = match (st.id.get(), weekend) {
                (1, false) => &[(USK, 3), (VB, 1), (SSK, 1)],
                (1, true) => &[(USK, 2), (VB, 1), (SSK, 1)],
                (2, _) => &[(USK, 2), (VB, 1), (DELEGATION, 1)],
                _ => &[(USK, 1), (DELEGATION, 1)],
            };
            for (competence, min) in needs {
                demand.push(Demand {
                    unit: UNIT,
                    date: *d,
                    shift_type: st.id,
                    competence: *competence,
                    min: *min,
                    max: min + 1,
                });
            }
        }
    }
    let mut wishes = Vec::new();
    for m in &staff {
        for _ in 0..rng.random_range(2..=3) {
            let (kind, shift_type) = if rng.random_bool(0.7) {
                (WishKind::Avoid, None)
            } else {
                (WishKind::Want, shift_types.choose(&mut rng).map(|s| s.id))
            };
            wishes.push(Wish {
                person: m.id,
                date: *dates.choose(&mut rng).unwrap(),
                shift_type,
                kind,
                weight: rng.random_range(3..=8),
            });
        }
    }
    let name = |id, s: &str| Competence {
        id,
        name: Label::parse("competence", s).unwrap(),
    };
    PlanningInput {
        period,
        shift_types,
        competences: vec![
            name(USK, "Undersköterska"),
            name(VB, "Vårdbiträde"),
            name(SSK, "Sjuksköterska"),
            name(DELEGATION, "Delegering läkemedel"),
        ],
        demand,
        staff,
        wishes,
        pinned: vec![],
        previous: vec![],
    }
}

fn main() {
    let write_doc = std::env::args().any(|a| a == "--write-doc");
    let tz = TimeZone::get("Europe/Stockholm").unwrap();
    // Four weeks in December, and four across the autumn DST change.
    let starts = [date(2026, 12, 14), date(2026, 10, 12), date(2026, 3, 16)];
    let mut rows = String::new();
    // Move budgets per thread; the time limit is only a safety net, so the plans are the
    // same on any machine.
    for budget in [300_000u64, 750_000, 1_500_000] {
        let (mut cover, mut wishes, mut violations, mut iterations, mut wall) =
            (Vec::new(), Vec::new(), 0, 0u64, Duration::ZERO);
        for (i, start) in starts.iter().enumerate() {
            let input = care_home(i as u64 + 1, *start);
            let options = PlanOptions {
                settings: Settings::for_profile(Profile::Ab),
                time_zone: tz.clone(),
                time_limit: Duration::from_secs(120),
                max_iterations: Some(budget),
                threads: 2,
                seed: 1,
            };
            let began = Instant::now();
            let p = plan(&input, &options).unwrap();
            wall += began.elapsed();
            cover.push(p.summary.cover_percent);
            wishes.push(p.summary.wishes_granted_percent);
            violations += p.summary.violations;
            iterations += p.summary.iterations;
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let line = format!(
            "| {}k | {:.1} % (lowest {:.1} %) | {:.0} % (lowest {:.0} %) | {violations} | {:.0} | {:.1} s |\n",
            budget / 1000,
            mean(&cover),
            min(&cover),
            mean(&wishes),
            min(&wishes),
            iterations as f64 / wall.as_secs_f64(),
            wall.as_secs_f64() / starts.len() as f64,
        );
        print!("{line}");
        rows.push_str(&line);
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let table = format!(
        "<!-- planner:start -->\n## Unit planning\n\n\
         Measured on 2 cores ({cpu}), release build, with `cargo bench -p passa-planner --bench planner`.\n\
         Data: three demo-like care homes (24 staff, 4 weeks from 14 Dec, 12 Oct and 16 Mar 2026, the last two \
         across a DST change; day, evening and night shifts; demand per competence; 2–3 wishes per person), AB \
         profile, 2 threads, seed 1. Cover counts people placed against the demand's minimums; violations are \
         counted by the rules after planning.\n\n\
         | moves per thread | cover (mean) | wishes granted (mean) | rule violations | moves/s | wall per unit |\n\
         |---|---|---|---|---|---|\n{rows}<!-- planner:end -->\n"
    );
    println!("{table}");
    if write_doc {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md");
        let text = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
        let updated = match (
            text.find("<!-- planner:start -->"),
            text.find("<!-- planner:end -->"),
        ) {
            (Some(a), Some(b)) => format!(
                "{}{}{}",
                &text[..a],
                table.trim_end(),
                &text[b + "<!-- planner:end -->".len()..]
            ),
            _ => format!("{}\n\n{}", text.trim_end(), table),
        };
        std::fs::write(path, updated).unwrap();
        println!("wrote {path}");
    }
}
