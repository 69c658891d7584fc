//! The evaluator on hand-built instances whose values can be worked out by hand,
//! including the horizon edges of H6 and H7.

use passa_solver::{
    Balance, Cover, Employee, Problem, Request, Roster, ShiftType, evaluate, parse_instance,
    parse_roster, write_roster,
};

fn employee(id: &str, days: usize) -> Employee {
    Employee {
        id: id.into(),
        max_shifts: vec![7, 7],
        max_minutes: 10_000,
        min_minutes: 0,
        max_consecutive: 7,
        min_consecutive: 1,
        min_days_off: 1,
        max_weekends: 1,
        days_off: vec![false; days],
    }
}

/// 7 days, shifts D (480 min) and N (600 min; D may not follow N), one employee.
fn problem() -> Problem {
    Problem {
        days: 7,
        shift_types: vec![
            ShiftType {
                id: "D".into(),
                minutes: 480,
                cannot_follow: vec![],
            },
            ShiftType {
                id: "N".into(),
                minutes: 600,
                cannot_follow: vec![0],
            },
        ],
        employees: vec![employee("A", 7)],
        on_requests: vec![],
        off_requests: vec![],
        cover: vec![Cover::default(); 14],
        ..Problem::default()
    }
}

const D: Option<usize> = Some(0);
const N: Option<usize> = Some(1);
const O: Option<usize> = None;

fn hard(p: &Problem, row: [Option<usize>; 7]) -> Vec<(&'static str, Option<usize>)> {
    let roster: Roster = vec![row.to_vec()];
    evaluate(p, &roster)
        .hard
        .into_iter()
        .map(|v| (v.constraint, v.day))
        .collect()
}

#[test]
fn shift_rotation_and_counts() {
    let mut p = problem();
    assert_eq!(hard(&p, [N, D, O, O, O, O, O]), vec![("H2", Some(1))]);
    assert_eq!(hard(&p, [D, N, O, O, O, O, O]), vec![]);
    p.employees[0].max_shifts = vec![1, 7];
    assert_eq!(hard(&p, [D, D, O, O, O, O, O]), vec![("H3", None)]);
    p.employees[0].max_shifts = vec![7, 7];
    p.employees[0].min_minutes = 1000;
    assert_eq!(hard(&p, [D, D, O, O, O, O, O]), vec![("H4", None)]);
    assert_eq!(hard(&p, [D, N, O, O, O, O, O]), vec![]);
    p.employees[0].max_minutes = 1000;
    assert_eq!(hard(&p, [D, D, D, O, O, O, O]), vec![("H4", None)]);
}

#[test]
fn max_consecutive_counts_days_outside_as_off() {
    let mut p = problem();
    p.employees[0].max_consecutive = 3;
    assert_eq!(hard(&p, [D, D, D, O, D, D, D]), vec![]);
    assert_eq!(hard(&p, [D, D, D, D, O, O, O]), vec![("H5", Some(0))]);
    assert_eq!(hard(&p, [O, O, O, D, D, D, D]), vec![("H5", Some(3))]);
}

#[test]
fn min_consecutive_shifts_exempts_runs_touching_the_horizon() {
    let mut p = problem();
    p.employees[0].min_consecutive = 3;
    // A run at the start or the end is exempt, whatever its length.
    assert_eq!(hard(&p, [D, O, O, O, O, O, O]), vec![]);
    assert_eq!(hard(&p, [O, O, O, O, O, O, D]), vec![]);
    // Inside, with a day off on both sides, it must be at least 3.
    assert_eq!(hard(&p, [O, D, D, O, O, O, O]), vec![("H6", Some(1))]);
    assert_eq!(hard(&p, [O, D, D, D, O, O, O]), vec![]);
}

#[test]
fn min_days_off_exempts_runs_touching_the_horizon() {
    let mut p = problem();
    p.employees[0].min_days_off = 2;
    assert_eq!(hard(&p, [O, D, D, D, D, D, D]), vec![]);
    assert_eq!(hard(&p, [D, D, D, D, D, D, O]), vec![]);
    assert_eq!(hard(&p, [D, D, O, D, D, D, D]), vec![("H7", Some(2))]);
    assert_eq!(hard(&p, [D, D, O, O, D, D, D]), vec![]);
}

#[test]
fn weekends_and_days_off() {
    let mut p = problem();
    p.employees[0].max_weekends = 0;
    assert_eq!(hard(&p, [O, O, O, O, O, D, O]), vec![("H8", None)]);
    assert_eq!(hard(&p, [O, O, O, O, O, O, D]), vec![("H8", None)]);
    p.employees[0].max_weekends = 1;
    p.employees[0].days_off[2] = true;
    assert_eq!(hard(&p, [O, O, D, O, O, O, O]), vec![("H9", Some(2))]);
}

#[test]
fn objective_by_hand() {
    let mut p = problem();
    p.employees.push(employee("B", 7));
    // Cover: 2 D on day 0 (under 1 with one worker: 100), 0 N on day 1 (over 1: 1).
    p.cover[0] = Cover {
        requirement: 2,
        weight_under: 100,
        weight_over: 1,
    };
    p.cover[3] = Cover {
        requirement: 0,
        weight_under: 100,
        weight_over: 1,
    };
    // A wants D on day 0 (granted: 0) and N on day 3 (works D: penalty 2 even so).
    p.on_requests = vec![
        Request {
            employee: 0,
            day: 0,
            shift: 0,
            weight: 3,
        },
        Request {
            employee: 0,
            day: 3,
            shift: 1,
            weight: 2,
        },
    ];
    // B does not want N on day 1 (works it: 1).
    p.off_requests = vec![Request {
        employee: 1,
        day: 1,
        shift: 1,
        weight: 1,
    }];
    let roster: Roster = vec![vec![D, O, O, D, O, O, O], vec![O, N, O, O, O, O, O]];
    let e = evaluate(&p, &roster);
    assert!(e.feasible(), "{:?}", e.hard);
    assert_eq!(e.objective, 100 + 1 + 2 + 1);
}

#[test]
fn rosters_round_trip_through_the_file_format() -> Result<(), Box<dyn std::error::Error>> {
    let text = "SECTION_HORIZON\r\n7\r\n\r\nSECTION_SHIFTS\r\nD,480,\r\nN,600,D\r\n\r\nSECTION_STAFF\r\n\
                A,D=7|N=7,10000,0,7,1,1,1\r\n\r\nSECTION_DAYS_OFF\r\nA,3\r\n\r\nSECTION_SHIFT_ON_REQUESTS\r\n\r\n\
                SECTION_SHIFT_OFF_REQUESTS\r\n\r\nSECTION_COVER\r\n0,D,1,100,1\r\n";
    let p = parse_instance(text)?;
    assert_eq!(p.days, 7);
    assert_eq!(p.shift_types[1].cannot_follow, vec![0]);
    assert!(p.employees[0].days_off[3]);
    let roster: Roster = vec![vec![D, N, O, O, O, O, O]];
    let written = write_roster(&p, &roster);
    assert_eq!(written, "A,D,N,,,,,\n");
    assert_eq!(parse_roster(&p, &written)?, roster);
    assert!(parse_roster(&p, "A,D,N\n").is_err());
    assert!(parse_roster(&p, "Z,D,N,,,,,\n").is_err());
    Ok(())
}

#[test]
fn every_benchmark_instance_parses() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/benchmarks/curtois");
    if !dir.exists() {
        return Ok(()); // The benchmark folder lives beside the repository, not in it.
    }
    for i in 1..=24 {
        let p = parse_instance(&std::fs::read_to_string(
            dir.join(format!("Instance{i}.txt")),
        )?)?;
        assert_eq!(p.cover.len(), p.days * p.shift_types.len(), "Instance{i}");
        assert!(p.days % 7 == 0);
    }
    Ok(())
}

#[test]
fn balance_costs_each_shift_off_the_target() {
    let mut p = problem();
    // A fair share of two nights, 3 per night off it.
    p.balance = vec![Balance {
        employee: 0,
        shifts: 1 << 1,
        target: 2,
        weight: 3,
    }];
    let objective = |row: [Option<usize>; 7]| evaluate(&p, &vec![row.to_vec()]).objective;
    assert_eq!(objective([D, N, O, O, O, O, N]), 0);
    assert_eq!(objective([D, D, O, O, O, O, O]), 6);
    assert_eq!(objective([N, O, N, O, N, O, N]), 6);
    assert_eq!(objective([N, O, D, O, O, O, O]), 3);
}
