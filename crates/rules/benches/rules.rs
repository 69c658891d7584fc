//! Benchmark: a full rules check of 1,000 people × 16 weeks, and the incremental question
//! "may this person also take shift S?". Single-threaded. Run with
//! `cargo bench -p passa-rules --bench rules` (add `-- --write-doc` to update
//! docs/benchmarks.md).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use passa_rules::{Contract, PersonSchedule, Profile, Rules, Settings, Shift, ShiftKind};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const PEOPLE: usize = 1_000;
const WEEKS: i64 = 16;
const QUESTIONS: usize = 20_000;

fn at(tz: &TimeZone, d: Date, h: i8, m: i8) -> Timestamp {
    tz.to_ambiguous_timestamp(d.at(h, m, 0, 0))
        .compatible()
        .unwrap()
}

/// Day, evening and night shifts as care homes run them, with breaks.
fn shift_on(tz: &TimeZone, d: Date, kind: u8, id: u64) -> Shift {
    let next = d.tomorrow().unwrap();
    let (start, end, brk) = match kind {
        0 => (
            at(tz, d, 7, 0),
            at(tz, d, 15, 30),
            (at(tz, d, 11, 30), at(tz, d, 12, 0)),
        ),
        1 => (
            at(tz, d, 14, 0),
            at(tz, d, 22, 0),
            (at(tz, d, 18, 0), at(tz, d, 18, 30)),
        ),
        _ => (
            at(tz, d, 21, 30),
            at(tz, next, 7, 15),
            (at(tz, next, 1, 30), at(tz, next, 2, 15)),
        ),
    };
    Shift::new(id, start, end, ShiftKind::Work, &[brk])
}

fn roster(tz: &TimeZone, first: Date, rng: &mut StdRng) -> Vec<Vec<Shift>> {
    let mut id = 0;
    (0..PEOPLE)
        .map(|_| {
            // A rotation: one kind of shift a week, five days of seven, as rosters run.
            let mut shifts = Vec::new();
            for week in 0..WEEKS {
                let kind = rng.random_range(0..3);
                let off = rng.random_range(0..7);
                for day in (0..7).filter(|d| *d != off && *d != (off + 1) % 7) {
                    let d = first.saturating_add(Span::new().days(week * 7 + day));
                    shifts.push(shift_on(tz, d, kind, id));
                    id += 1;
                }
            }
            shifts
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    let write_doc = std::env::args().any(|a| a == "--write-doc");
    let tz = TimeZone::get("Europe/Stockholm").unwrap();
    let first = date(2026, 2, 2); // 16 weeks across the spring DST change
    let last = first.saturating_add(Span::new().days(WEEKS * 7 + 7));
    let rules = Arc::new(Rules::with_horizon(
        Settings::for_profile(Profile::Ab),
        tz.clone(),
        first.saturating_add(Span::new().days(-150)),
        last.saturating_add(Span::new().days(150)),
    ));
    let mut rng = StdRng::seed_from_u64(7);
    let people = roster(&tz, first, &mut rng);
    let shifts: usize = people.iter().map(Vec::len).sum();
    let contract = Contract {
        weekly_minutes: Some(38 * 60 + 15),
        night_worker: false,
    };

    // Full check: all people, repeated; the median run counts.
    let mut runs = Vec::new();
    let mut violations = 0;
    for _ in 0..9 {
        let started = Instant::now();
        violations = people
            .iter()
            .map(|p| rules.check(&contract, p).len())
            .sum::<usize>();
        runs.push(started.elapsed());
    }
    let full = median(runs);

    // Incremental: schedules built once, then questions about random new shifts.
    let schedules: Vec<PersonSchedule> = people
        .iter()
        .map(|p| {
            let mut s = PersonSchedule::new(rules.clone(), contract);
            for shift in p {
                s.insert(shift.clone());
            }
            s
        })
        .collect();
    let mut times = Vec::with_capacity(QUESTIONS);
    let mut refused = 0;
    for q in 0..QUESTIONS {
        let person = rng.random_range(0..PEOPLE);
        let d = first.saturating_add(Span::new().days(rng.random_range(0..WEEKS * 7)));
        let candidate = shift_on(&tz, d, rng.random_range(0..3), 1_000_000 + q as u64);
        let started = Instant::now();
        let answer = schedules[person].can_take(&candidate);
        times.push(started.elapsed());
        refused += usize::from(!answer.is_empty());
    }
    times.sort();
    let (p50, p90, p99) = (
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
    );

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let table = format!(
        "<!-- rules:start -->\n## Working-time rules\n\n\
         Measured on one core ({cpu}), release build, with `cargo bench -p passa-rules --bench rules`.\n\
         Data: {PEOPLE} people × {WEEKS} weeks from 2 Feb 2026 (across the spring DST change), {shifts} shifts of day, \
         evening and night types with breaks, AB profile; {violations} violations found.\n\n\
         | measurement | result | target |\n|---|---|---|\n\
         | full check, {PEOPLE} people × {WEEKS} weeks (median of 9 runs) | {:.1} ms | < 50 ms |\n\
         | incremental \"may this person take shift S?\" ({QUESTIONS} questions, {refused} refused), median | {:.2} µs | < 10 µs |\n\
         | incremental, 90th / 99th percentile | {:.2} / {:.2} µs | |\n\
         <!-- rules:end -->\n",
        full.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e6,
        p90.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
    );
    println!("{table}");
    if write_doc {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md");
        let text = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
        let updated = match (
            text.find("<!-- rules:start -->"),
            text.find("<!-- rules:end -->"),
        ) {
            (Some(a), Some(b)) => format!(
                "{}{}{}",
                &text[..a],
                table.trim_end(),
                &text[b + "<!-- rules:end -->".len()..]
            ),
            _ => format!("{}\n\n{}", text.trim_end(), table),
        };
        std::fs::write(path, updated).unwrap();
        println!("wrote {path}");
    }
}
