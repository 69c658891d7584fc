//! The search: optimal on tiny instances (checked by brute force), feasible output, and the
//! same seed giving the same roster.

use std::time::Duration;

use passa_solver::{
    Balance, Cover, Employee, Problem, Request, Roster, ShiftType, SkillCover, SolveOptions,
    evaluate, solve,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A random instance with `n` employees over 7 days and one or two shift types.
fn tiny(seed: u64, n: usize, types: usize) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let shift_types: Vec<ShiftType> = (0..types)
        .map(|t| ShiftType {
            id: ["D", "N"][t].into(),
            minutes: [480, 600][t],
            cannot_follow: if t == 1 { vec![0] } else { vec![] },
        })
        .collect();
    let employees = (0..n)
        .map(|e| Employee {
            id: format!("E{e}"),
            max_shifts: vec![rng.random_range(2..6); types],
            max_minutes: 480 * rng.random_range(3..6),
            min_minutes: 480 * rng.random_range(0..3),
            max_consecutive: rng.random_range(2..5),
            min_consecutive: rng.random_range(1..3),
            min_days_off: rng.random_range(1..3),
            max_weekends: rng.random_range(0..2),
            days_off: (0..7).map(|_| rng.random_bool(0.1)).collect(),
        })
        .collect();
    let request = |rng: &mut StdRng| Request {
        employee: rng.random_range(0..n),
        day: rng.random_range(0..7),
        shift: rng.random_range(0..types),
        weight: rng.random_range(1..4),
    };
    let on_requests = (0..4).map(|_| request(&mut rng)).collect();
    let off_requests = (0..3).map(|_| request(&mut rng)).collect();
    let cover = (0..7 * types)
        .map(|_| Cover {
            requirement: rng.random_range(0..3),
            weight_under: 100,
            weight_over: 1,
        })
        .collect();
    Problem {
        days: 7,
        shift_types,
        employees,
        on_requests,
        off_requests,
        cover,
        ..Problem::default()
    }
}

/// A tiny instance with the planning extras: two skills, skill cover and requests to work.
fn tiny_with_skills(seed: u64, n: usize, types: usize) -> Problem {
    let mut p = tiny(seed, n, types);
    let mut rng = StdRng::seed_from_u64(seed ^ 0xABCD);
    p.skills = (0..n).map(|_| rng.random_range(0..4u64)).collect();
    p.skill_cover = (0..7)
        .flat_map(|d| (0..types).map(move |t| (d, t)))
        .flat_map(|(d, t)| (0..2).map(move |k| (d, t, k)))
        .filter_map(|(day, shift, skill)| {
            if !rng.random_bool(0.4) {
                return None;
            }
            let min = rng.random_range(0..2);
            Some(SkillCover {
                day,
                shift,
                skill,
                min,
                max: min + rng.random_range(0..2),
                weight_under: 50,
                weight_over: 2,
            })
        })
        .collect();
    p.work_requests = (0..3)
        .map(|_| {
            (
                rng.random_range(0..n),
                rng.random_range(0..7),
                rng.random_range(1..5),
            )
        })
        .collect();
    for employee in 0..n {
        if rng.random_bool(0.5) {
            p.balance.push(Balance {
                employee,
                shifts: 1,
                target: rng.random_range(1..4),
                weight: rng.random_range(1..8),
            });
        }
    }
    p
}

/// The best feasible objective by trying every roster: every combination of the rows each
/// employee could work on their own (the only coupling between employees is cover).
fn brute_force(p: &Problem) -> Option<i64> {
    let types = p.shift_types.len();
    let base = types as u64 + 1;
    let rows_for = |e: usize| -> Vec<Vec<Option<usize>>> {
        let alone = Problem {
            employees: vec![p.employees[e].clone()],
            on_requests: vec![],
            off_requests: vec![],
            skills: vec![],
            skill_cover: vec![],
            work_requests: vec![],
            balance: vec![],
            ..p.clone()
        };
        (0..base.pow(7))
            .map(|code| {
                let mut c = code;
                (0..7)
                    .map(|_| {
                        let v = (c % base) as usize;
                        c /= base;
                        (v > 0).then(|| v - 1)
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|row| evaluate(&alone, &vec![row.clone()]).feasible())
            .collect()
    };
    let options: Vec<Vec<Vec<Option<usize>>>> = (0..p.employees.len()).map(rows_for).collect();
    let mut best: Option<i64> = None;
    let mut pick = vec![0usize; options.len()];
    if options.iter().any(Vec::is_empty) {
        return None;
    }
    loop {
        let roster: Roster = pick
            .iter()
            .enumerate()
            .map(|(e, i)| options[e][*i].clone())
            .collect();
        let e = evaluate(p, &roster);
        if e.feasible() && best.is_none_or(|b| e.objective < b) {
            best = Some(e.objective);
        }
        // Next combination.
        let mut k = 0;
        loop {
            if k == pick.len() {
                return best;
            }
            pick[k] += 1;
            if pick[k] < options[k].len() {
                break;
            }
            pick[k] = 0;
            k += 1;
        }
    }
}

fn options(seed: u64) -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(60),
        max_iterations: Some(1_000_000),
        threads: 1,
        seed,
        ..SolveOptions::default()
    }
}

#[test]
fn tiny_instances_are_solved_to_optimality() {
    let mut checked = 0;
    for seed in 0..16 {
        let p = match seed % 4 {
            0 => tiny(seed, 4, 1),
            1 => tiny(seed, 3, 1),
            2 => tiny_with_skills(seed, 3, 1),
            _ => tiny(seed, 2, 2),
        };
        let optimum = brute_force(&p);
        let found = solve(&p, &options(seed));
        match optimum {
            Some(best) => {
                assert!(found.feasible, "seed {seed}: a feasible roster exists");
                assert_eq!(found.objective, best, "seed {seed}");
                checked += 1;
            }
            None => assert!(!found.feasible, "seed {seed}"),
        }
    }
    assert!(checked >= 4, "too few feasible tiny instances ({checked})");
}

#[test]
fn the_same_seed_gives_the_same_roster() {
    let p = tiny(99, 3, 2);
    let a = solve(
        &p,
        &SolveOptions {
            threads: 2,
            ..options(5)
        },
    );
    let b = solve(
        &p,
        &SolveOptions {
            threads: 2,
            ..options(5)
        },
    );
    assert_eq!(a, b);
}

/// Under a time limit alone, with two threads, the dive, the large neighbourhoods the
/// threads share and the annealing all take part; the roster still passes the evaluator.
#[test]
fn a_timed_run_of_two_threads_passes_the_evaluator() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/benchmarks/curtois");
    if !dir.exists() {
        return Ok(());
    }
    let p = passa_solver::parse_instance(&std::fs::read_to_string(dir.join("Instance2.txt"))?)?;
    let s = solve(
        &p,
        &SolveOptions {
            time_limit: Duration::from_secs(6),
            max_iterations: None,
            threads: 2,
            ..options(1)
        },
    );
    let e = evaluate(&p, &s.roster);
    assert!(e.feasible(), "{:?}", e.hard);
    assert_eq!(e.objective, s.objective);
    Ok(())
}

#[test]
fn output_passes_the_evaluator_on_benchmark_instances() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/benchmarks/curtois");
    if !dir.exists() {
        return Ok(());
    }
    for i in [1, 2, 3] {
        let p = passa_solver::parse_instance(&std::fs::read_to_string(
            dir.join(format!("Instance{i}.txt")),
        )?)?;
        let s = solve(
            &p,
            &SolveOptions {
                max_iterations: Some(5_000_000),
                ..options(1)
            },
        );
        assert!(s.feasible, "Instance{i}");
        let e = evaluate(&p, &s.roster);
        assert!(e.feasible() && e.objective == s.objective, "Instance{i}");
    }
    Ok(())
}
