//! `passa solve`: the optimizer on a benchmark instance, and the evaluator.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use passa_solver::{
    Progress, SolveOptions, evaluate, parse_instance, parse_roster, solve, write_roster,
};

use crate::args::SolveArgs;
use crate::{BadInput, Exit};

fn read(path: &std::path::Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(BadInput(format!("{} does not exist", path.display())).into())
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Prints each improvement to stderr as it happens.
struct Stderr;

impl Progress for Stderr {
    fn improved(&self, objective: i64, elapsed: Duration) {
        eprintln!("best {objective} at {:.2} s", elapsed.as_secs_f64());
    }
}

pub fn run(args: &SolveArgs) -> anyhow::Result<()> {
    let instance = read(&args.instance)?;
    let problem = parse_instance(&instance)
        .map_err(|e| BadInput(format!("{}: {e}", args.instance.display())))?;
    if let Some(roster_path) = &args.evaluate {
        let roster = parse_roster(&problem, &read(roster_path)?)
            .map_err(|e| BadInput(format!("{}: {e}", roster_path.display())))?;
        let evaluation = evaluate(&problem, &roster);
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if evaluation.feasible() {
            writeln!(out, "objective {}", evaluation.objective)?;
            return Ok(());
        }
        writeln!(
            out,
            "infeasible: {} hard constraint violations",
            evaluation.hard.len()
        )?;
        for v in &evaluation.hard {
            let day = v.day.map(|d| format!(" day {d}")).unwrap_or_default();
            writeln!(out, "{} {}{day}: {}", v.constraint, v.employee, v.detail)?;
        }
        return Err(Exit(1).into());
    }
    let (Some(limit), Some(out_path)) = (args.time_limit, &args.out) else {
        return Err(BadInput("--time-limit and --out are required to search".into()).into());
    };
    if !(limit.is_finite() && limit > 0.0) {
        return Err(BadInput("--time-limit must be a positive number of seconds".into()).into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(limit),
        max_iterations: args.max_iterations,
        threads,
        seed: args.seed,
        progress: Some(Arc::new(Stderr)),
        ..SolveOptions::default()
    };
    let solution = solve(&problem, &options);
    if !solution.feasible {
        eprintln!("no feasible roster found in {limit} s; nothing written");
        return Err(Exit(1).into());
    }
    std::fs::write(out_path, write_roster(&problem, &solution.roster))
        .with_context(|| format!("writing {}", out_path.display()))?;
    eprintln!("{} moves tried", solution.iterations);
    println!("objective {}", solution.objective);
    Ok(())
}
