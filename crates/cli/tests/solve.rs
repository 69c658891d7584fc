//! `passa solve`: writes a feasible roster and `objective N`, evaluates rosters, says when
//! nothing feasible was found.

use std::process::{Command, Output};

const INSTANCE: &str = "SECTION_HORIZON\r\n7\r\n\r\nSECTION_SHIFTS\r\nD,480,\r\nN,600,D\r\n\r\nSECTION_STAFF\r\n\
A,D=7|N=7,2880,960,5,1,1,1\r\nB,D=7|N=0,2880,960,5,1,1,1\r\n\r\nSECTION_DAYS_OFF\r\nA,6\r\nB,0\r\n\r\n\
SECTION_SHIFT_ON_REQUESTS\r\nA,1,D,2\r\n\r\nSECTION_SHIFT_OFF_REQUESTS\r\nB,3,D,1\r\n\r\n\
SECTION_COVER\r\n0,D,1,100,1\r\n0,N,0,100,1\r\n1,D,1,100,1\r\n1,N,1,100,1\r\n2,D,1,100,1\r\n2,N,0,100,1\r\n\
3,D,1,100,1\r\n3,N,0,100,1\r\n4,D,1,100,1\r\n4,N,0,100,1\r\n5,D,0,100,1\r\n5,N,0,100,1\r\n6,D,0,100,1\r\n6,N,0,100,1\r\n";

fn passa(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_passa"))
        .args(args)
        .output()
}

#[test]
fn solve_writes_a_roster_the_evaluator_agrees_with() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let instance = dir.path().join("tiny.txt");
    std::fs::write(&instance, INSTANCE)?;
    let roster = dir.path().join("roster.txt");
    let (i, r) = (
        instance.to_str().unwrap_or_default(),
        roster.to_str().unwrap_or_default(),
    );
    let out = passa(&[
        "solve",
        "--time-limit",
        "1",
        "--threads",
        "2",
        "--seed",
        "3",
        "--out",
        r,
        i,
    ])?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout)?;
    let last = stdout.lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("objective "), "{stdout}");
    let text = std::fs::read_to_string(&roster)?;
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.split(',').count() == 8), "{text}");
    let evaluated = passa(&["solve", "--evaluate", r, i])?;
    assert_eq!(evaluated.status.code(), Some(0));
    assert_eq!(String::from_utf8(evaluated.stdout)?.trim(), last);
    Ok(())
}

#[test]
fn evaluate_lists_broken_constraints_and_exits_1() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let instance = dir.path().join("tiny.txt");
    std::fs::write(&instance, INSTANCE)?;
    let roster = dir.path().join("bad.txt");
    // B works N (cannot: max 0) and on its fixed day off; A works only one shift (too few minutes).
    std::fs::write(&roster, "A,D,,,,,,\nB,N,,,,,,\n")?;
    let out = passa(&[
        "solve",
        "--evaluate",
        roster.to_str().unwrap_or_default(),
        instance.to_str().unwrap_or_default(),
    ])?;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    for needle in ["infeasible", "H3 B", "H9 B day 0", "H4 A"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    Ok(())
}

#[test]
fn an_impossible_instance_writes_nothing_and_exits_1() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let instance = dir.path().join("impossible.txt");
    // A must work at least 10 000 minutes in a week of 8-hour shifts.
    std::fs::write(
        &instance,
        INSTANCE.replace("A,D=7|N=7,2880,960", "A,D=7|N=7,20000,10000"),
    )?;
    let roster = dir.path().join("roster.txt");
    let out = passa(&[
        "solve",
        "--time-limit",
        "0.5",
        "--out",
        roster.to_str().unwrap_or_default(),
        instance.to_str().unwrap_or_default(),
    ])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feasible roster"));
    assert!(!roster.exists());
    Ok(())
}

#[test]
fn the_same_seed_gives_the_same_roster_under_a_time_limit() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let instance = dir.path().join("tiny.txt");
    std::fs::write(&instance, INSTANCE)?;
    let mut rosters = Vec::new();
    for run in 0..2 {
        let roster = dir.path().join(format!("roster-{run}.txt"));
        let out = passa(&[
            "solve",
            "--time-limit",
            "0.5",
            "--threads",
            "2",
            "--seed",
            "11",
            "--out",
            roster.to_str().unwrap_or_default(),
            instance.to_str().unwrap_or_default(),
        ])?;
        assert_eq!(out.status.code(), Some(0));
        rosters.push(std::fs::read_to_string(&roster)?);
    }
    assert_eq!(rosters[0], rosters[1]);
    Ok(())
}
