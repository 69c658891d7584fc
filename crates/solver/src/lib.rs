//! The roster optimizer: a shift-assignment [`Problem`] general enough for the public
//! rostering benchmarks and for unit planning, its exact [`evaluate`] function, readers and
//! writers for the Curtois & Qu format, and a local search ([`solve`]).
//!
//! The model is days × employees × shift types. Hard constraints (H1–H9 of the benchmark)
//! decide feasibility; soft ones (requests, cover) give the objective, an integer to
//! minimise. The solver knows no database, clock or time zone: days are indexes, shift
//! lengths are minutes, and a caller's own hard rules come in through [`HardRule`].

mod colgen;
mod curtois;
mod dp;
mod eval;
mod model;
mod search;
mod simplex;
mod tally;

pub use curtois::{ParseError, parse_instance, parse_roster, write_roster};
pub use eval::{Evaluation, HardViolation, evaluate};
pub use model::{Balance, Cover, Employee, Problem, Request, Roster, ShiftType, SkillCover};
pub use search::{HardRule, Progress, Solution, SolveOptions, solve};
