//! The search: simulated annealing over a penalised objective with delta evaluation.
//!
//! Hard constraints are penalised (weight [`HARD`] per unit) so the search can cross
//! infeasible ground; the best feasible roster found is kept. Moves: change one day, trade
//! two days of one employee (work moves to another day, hours unchanged), swap one day
//! between two employees (cover unchanged), swap a block of days between two employees, set
//! a block of days for one employee, and now and then rebuild one employee's whole row as
//! the best one given the others (`dp.rs`). Each move re-costs only the days it changes of
//! the employees it touches (`tally.rs`) and the cover cells it changes. Where requests and cover make up the whole
//! objective and the run is bounded by time alone, thread 0 first runs the column-generation
//! dive (`colgen.rs`), improves its roster by large neighbourhoods, each searched by a dive,
//! until 90 % of the limit, and anneals from the result, cooler; once it has begun them, the
//! other threads stop annealing and search large neighbourhoods too.
//!
//! The cooling schedule follows the move count, never the clock: two cycles over a move
//! limit when one is set, else cycles doubling in length, so any time limit ends soon after
//! a finished cycle. Determinism: each thread follows a trajectory fixed by the seed and its
//! index; the time limit decides where it stops, on year-long instances how wide the row
//! construction may go, and where thread 0 starts: its dive is paced by the clock, and a root
//! relaxation still open after a second takes in the best roster any thread has found. A
//! move limit (no dive) gives identical results on any machine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::tally::Tally;
use crate::{Problem, Roster, evaluate};

/// Penalty per unit of hard violation. Lower weights (tried: 30–300) let the penalised
/// optimum sit on infeasible ground and the search never returns; the best feasible roster
/// is kept apart either way.
const HARD: i64 = 1_000;
/// Starting temperature of each cooling cycle, in objective units (a cover shortfall is 100).
const T_START: f64 = 150.0;
const T_END: f64 = 0.3;
/// Cooling cycles over a move budget. Each cycle after the first restarts from the best
/// roster, cooler. Measured on Curtois 5–9, 13, 19 and 20–24: cycles of a fixed length never
/// cooled on the large instances within 10 s; one to three cycles over the budget, or cycles
/// doubling in length (time-limited runs), did about equally well on the small ones.
const CYCLES: f64 = 2.0;
/// Moves per employee-day in the first cooling cycle of a time-limited run.
const FIRST_CYCLE_PER_CELL: u64 = 50;
/// The share of the time left that the last cycle's moves are sized to, at the pace so far:
/// the pace varies a little, and a cycle that ends early just stays cold.
const LAST_CYCLE_FILL: f64 = 0.95;
pub(crate) const OFF: i8 = -1;

/// Extra hard rules supplied by the caller (in product use: the working-time rules). Gets an
/// employee's whole row (shift type index per day, `None` off) and returns how many
/// violations it holds.
pub trait HardRule: Send + Sync {
    fn violations(&self, employee: usize, row: &[Option<usize>]) -> u32;
}

/// Reports the best objective as it improves.
pub trait Progress: Send + Sync {
    fn improved(&self, objective: i64, elapsed: Duration);
}

#[derive(Clone)]
pub struct SolveOptions {
    pub time_limit: Duration,
    /// Stop each thread after this many moves (for reproducible runs: the clock-bounded
    /// column-generation start is then not used); `None`: time only.
    pub max_iterations: Option<u64>,
    pub threads: usize,
    pub seed: u64,
    pub hard_rule: Option<Arc<dyn HardRule>>,
    pub progress: Option<Arc<dyn Progress>>,
    /// A roster to start from (replanning); `None` starts with everyone off.
    pub start: Option<Roster>,
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("time_limit", &self.time_limit)
            .field("max_iterations", &self.max_iterations)
            .field("threads", &self.threads)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_secs(10),
            max_iterations: None,
            threads: 1,
            seed: 1,
            hard_rule: None,
            progress: None,
            start: None,
        }
    }
}

/// The best roster found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub roster: Roster,
    /// The exact objective (from the evaluator) when feasible.
    pub objective: i64,
    pub feasible: bool,
    pub iterations: u64,
}

/// Precomputed per-problem tables.
pub(crate) struct Tables<'a> {
    pub(crate) p: &'a Problem,
    /// `request[(e * days + d) * types + t]`: soft cost of e working t on d (on-requests
    /// for other shifts and off-requests for t); `request_off[e * days + d]`: cost of e
    /// being off on d.
    pub(crate) request: Vec<i64>,
    pub(crate) request_off: Vec<i64>,
    /// Values a cell may take: off, or a shift type the employee can work, unless fixed.
    allowed: Vec<Vec<i8>>,
    pinned: Vec<bool>,
    pub(crate) types: usize,
    pub(crate) days: usize,
    pub(crate) hard_rule: Option<Arc<dyn HardRule>>,
    /// `skill_at[d * types + t]`: indexes of the skill covers on shift t of day d.
    skill_at: Vec<Vec<usize>>,
    /// Per employee, their balance targets.
    pub(crate) balance_of: Vec<Vec<crate::Balance>>,
}

impl<'a> Tables<'a> {
    pub(crate) fn new(p: &'a Problem, hard_rule: Option<Arc<dyn HardRule>>) -> Self {
        let (days, types, n) = (p.days, p.shift_types.len(), p.employees.len());
        let mut request = vec![0i64; n * days * types];
        let mut request_off = vec![0i64; n * days];
        for r in &p.on_requests {
            // Not working shift t costs the weight, whatever else is worked.
            request_off[r.employee * days + r.day] += i64::from(r.weight);
            for t in (0..types).filter(|t| *t != r.shift) {
                request[(r.employee * days + r.day) * types + t] += i64::from(r.weight);
            }
        }
        for r in &p.off_requests {
            request[(r.employee * days + r.day) * types + r.shift] += i64::from(r.weight);
        }
        for &(e, d, weight) in &p.work_requests {
            if e < n && d < days {
                request_off[e * days + d] += i64::from(weight);
            }
        }
        let mut skill_at = vec![Vec::new(); days * types];
        for (i, c) in p.skill_cover.iter().enumerate() {
            if c.day < days && c.shift < types {
                skill_at[c.day * types + c.shift].push(i);
            }
        }
        let mut balance_of = vec![Vec::new(); n];
        for b in &p.balance {
            if let Some(list) = balance_of.get_mut(b.employee) {
                list.push(*b);
            }
        }
        let mut pinned = vec![false; n * days];
        for &(e, d, _) in &p.pinned {
            if e < n && d < days {
                pinned[e * days + d] = true;
            }
        }
        let allowed = p
            .employees
            .iter()
            .map(|emp| {
                std::iter::once(OFF)
                    .chain(
                        (0..types)
                            .filter(|t| emp.max_shifts.get(*t).copied().unwrap_or(0) > 0)
                            .map(|t| t as i8),
                    )
                    .collect()
            })
            .collect();
        Self {
            p,
            request,
            request_off,
            allowed,
            pinned,
            types,
            days,
            hard_rule,
            skill_at,
            balance_of,
        }
    }

    /// The change in skill-cover cost if employee `e` joins (`step` 1) or leaves (`step`
    /// -1) shift `t` on day `d`, given the skill counts; with `update`, the counts follow.
    pub(crate) fn skill_step(
        &self,
        e: usize,
        d: usize,
        t: usize,
        step: i64,
        counts: &mut [i64],
        update: bool,
    ) -> i64 {
        let mut delta = 0;
        for &i in &self.skill_at[d * self.types + t] {
            let c = &self.p.skill_cover[i];
            if self.p.has_skill(e, c.skill) {
                delta += c.cost(counts[i] + step) - c.cost(counts[i]);
                if update {
                    counts[i] += step;
                }
            }
        }
        delta
    }

    /// (hard units, soft cost) of one employee's row.
    pub(crate) fn employee_cost(&self, e: usize, row: &[i8]) -> (i64, i64) {
        self.cost_of(e, &self.tally(e, row))
    }

    pub(crate) fn cover_cost(&self, d: usize, t: usize, n: i64) -> i64 {
        let c = self.p.cover(d, t);
        let req = i64::from(c.requirement);
        i64::from(c.weight_under) * (req - n).max(0) + i64::from(c.weight_over) * (n - req).max(0)
    }

    /// What one more person on shift t of day d adds to the cover cost when n already work it.
    pub(crate) fn cover_step(&self, d: usize, t: usize, n: i64) -> i64 {
        self.cover_cost(d, t, n + 1) - self.cover_cost(d, t, n)
    }
}

/// One trajectory's current state.
pub(crate) struct State {
    rows: Vec<Vec<i8>>,
    /// Per employee, their row's tally and its (hard, soft) cost.
    tally: Vec<Tally>,
    emp: Vec<(i64, i64)>,
    count: Vec<i64>,
    /// People with the skill on each skill cover's shift.
    skill_count: Vec<i64>,
    pub(crate) hard: i64,
    pub(crate) soft: i64,
}

impl State {
    pub(crate) fn new(t: &Tables<'_>, rows: Vec<Vec<i8>>) -> Self {
        let tally: Vec<Tally> = rows
            .iter()
            .enumerate()
            .map(|(e, r)| t.tally(e, r))
            .collect();
        let emp: Vec<(i64, i64)> = tally
            .iter()
            .enumerate()
            .map(|(e, c)| t.cost_of(e, c))
            .collect();
        let mut count = vec![0i64; t.days * t.types];
        let mut skill_count = vec![0i64; t.p.skill_cover.len()];
        for (e, r) in rows.iter().enumerate() {
            for (d, v) in r.iter().enumerate() {
                if *v != OFF {
                    count[d * t.types + *v as usize] += 1;
                    t.skill_step(e, d, *v as usize, 1, &mut skill_count, true);
                }
            }
        }
        let cover: i64 = (0..t.days)
            .flat_map(|d| (0..t.types).map(move |s| (d, s)))
            .map(|(d, s)| t.cover_cost(d, s, count[d * t.types + s]))
            .sum::<i64>()
            + t.p
                .skill_cover
                .iter()
                .zip(&skill_count)
                .map(|(c, n)| c.cost(*n))
                .sum::<i64>();
        let hard = emp.iter().map(|c| c.0).sum();
        let soft = emp.iter().map(|c| c.1).sum::<i64>() + cover;
        Self {
            rows,
            tally,
            emp,
            count,
            skill_count,
            hard,
            soft,
        }
    }

    fn total(&self) -> i64 {
        self.soft + HARD * self.hard
    }
}

/// A proposed change: new values for some cells.
struct Move {
    cells: Vec<(usize, usize, i8)>,
}

fn propose(t: &Tables<'_>, s: &State, rng: &mut StdRng, buf: &mut Move) -> bool {
    buf.cells.clear();
    let n = s.rows.len();
    let h = t.days;
    let free = |e: usize, d: usize| !t.pinned[e * h + d];
    if rng.random_range(0..100u32) < 20 {
        // Within one employee: two days trade their values (work moves to another day).
        let e = rng.random_range(0..n);
        let (a, b) = (rng.random_range(0..h), rng.random_range(0..h));
        if a == b || !free(e, a) || !free(e, b) || s.rows[e][a] == s.rows[e][b] {
            return false;
        }
        buf.cells.push((e, a, s.rows[e][b]));
        buf.cells.push((e, b, s.rows[e][a]));
        return true;
    }
    match rng.random_range(0..100u32) {
        0..40 => {
            let (e, d) = (rng.random_range(0..n), rng.random_range(0..h));
            let options = &t.allowed[e];
            let v = options[rng.random_range(0..options.len())];
            if !free(e, d) || v == s.rows[e][d] {
                return false;
            }
            buf.cells.push((e, d, v));
        }
        40..75 => {
            if n < 2 {
                return false;
            }
            let (a, b, d) = (
                rng.random_range(0..n),
                rng.random_range(0..n),
                rng.random_range(0..h),
            );
            if a == b || !free(a, d) || !free(b, d) || s.rows[a][d] == s.rows[b][d] {
                return false;
            }
            buf.cells.push((a, d, s.rows[b][d]));
            buf.cells.push((b, d, s.rows[a][d]));
        }
        75..90 => {
            if n < 2 {
                return false;
            }
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            let len = rng.random_range(2..=7usize).min(h);
            let d0 = rng.random_range(0..=h - len);
            if a == b {
                return false;
            }
            for d in d0..d0 + len {
                if !free(a, d) || !free(b, d) {
                    return false;
                }
                if s.rows[a][d] != s.rows[b][d] {
                    buf.cells.push((a, d, s.rows[b][d]));
                    buf.cells.push((b, d, s.rows[a][d]));
                }
            }
        }
        _ => {
            let e = rng.random_range(0..n);
            let len = rng.random_range(2..=5usize).min(h);
            let d0 = rng.random_range(0..=h - len);
            let options = &t.allowed[e];
            let v = options[rng.random_range(0..options.len())];
            for d in d0..d0 + len {
                if free(e, d) && s.rows[e][d] != v {
                    buf.cells.push((e, d, v));
                }
            }
        }
    }
    !buf.cells.is_empty()
}

/// The share of the time limit thread 0 may spend on the relaxation and its dive.
const DIVE_SHARE: f64 = 0.6;
/// Thread 0 improves the dive's roster by large-neighbourhood dives until this share of the
/// time limit, then anneals from it. Curtois, 60 s, medians of seeds 1–3 without and with:
/// 15: 3921, 3915; 19: 3305, 3212; 20: 5680, 5199.
const LNS_SHARE: f64 = 0.9;
/// Starting temperature of the annealing after a finished dive: low, so the first cycle
/// refines the dive's roster rather than scattering it (a cover shortfall costs 100).
const DIVE_HEAT: f64 = 10.0;

/// Every this many moves, at least, one employee's row is rebuilt by the row programme
/// instead (see [`dp_every`]).
const DP_EVERY: u64 = 8_192;
/// Rebuilds are spaced by the row programme's work (days × values × labels kept) divided by
/// this many moves, where that is above [`DP_EVERY`] (see [`dp_every`]).
const DP_WORK_PER_MOVE: u64 = 3;

/// How many moves apart the annealing rebuilds a row by the row programme. The programme's
/// work grows with the horizon and the shift types, a move's hardly: on a year of 16 types
/// (Curtois 23) a rebuild cost as much as about 26 000 moves, so one every 8 192 moves took
/// three quarters of the time (60 s, seed 1: 43 219 with them, 25 802 with none). Spaced by
/// their work they take about a fifth of it there; none at all is no answer, since they pay
/// where they are cheaper (22, 60 s, seeds 1–2: 40 501, 41 167 every 8 192 moves; 44 304,
/// 45 061 without). Since [`dp_cap`] aims the same product at 10 000, the spacing passes
/// [`DP_EVERY`] only where the programme is held at its fewest labels, on the largest grids
/// of days × values (Curtois 13, 19, 20–24).
fn dp_every(t: &Tables<'_>, cap: usize) -> u64 {
    let work = (t.days * (t.types + 1) * cap) as u64;
    DP_EVERY.max(work / DP_WORK_PER_MOVE)
}

/// Proposes the best row for a random employee, given everyone else.
fn propose_row(t: &Tables<'_>, s: &State, rng: &mut StdRng, buf: &mut Move, cap: usize) -> bool {
    buf.cells.clear();
    let e = rng.random_range(0..s.rows.len());
    let (others, others_skill) = counts_without(t, e, &s.count, &s.skill_count, &s.rows[e]);
    let costs = crate::dp::cell_costs(t, e, &others, &others_skill);
    let Some(row) = crate::dp::best_row(t, e, &costs, cap) else {
        return false;
    };
    for (d, v) in row.iter().enumerate() {
        if *v != s.rows[e][d] {
            buf.cells.push((e, d, *v));
        }
    }
    !buf.cells.is_empty()
}

/// Buffers the evaluation of a move reuses.
#[derive(Default)]
struct Scratch {
    /// The employees the move touches, and for each their new tally and cost.
    touched: Vec<usize>,
    new_costs: Vec<(Tally, (i64, i64))>,
    /// The cells' values before the move.
    old: Vec<i8>,
    /// One touched employee's row before the move, and the days it changes.
    before: Vec<i8>,
    changed: Vec<usize>,
}

/// The change in (hard, soft) if the move were made; leaves the state as it was.
fn delta(t: &Tables<'_>, s: &mut State, m: &Move, x: &mut Scratch) -> (i64, i64) {
    x.touched.clear();
    for (e, _, _) in &m.cells {
        if !x.touched.contains(e) {
            x.touched.push(*e);
        }
    }
    let mut cover_delta = 0i64;
    // Apply to rows and counts, measure, then undo.
    x.old.clear();
    for &(e, d, v) in &m.cells {
        let prev = s.rows[e][d];
        x.old.push(prev);
        if prev != OFF {
            let i = d * t.types + prev as usize;
            cover_delta -= t.cover_step(d, prev as usize, s.count[i] - 1);
            s.count[i] -= 1;
            cover_delta += t.skill_step(e, d, prev as usize, -1, &mut s.skill_count, true);
        }
        if v != OFF {
            let i = d * t.types + v as usize;
            cover_delta += t.cover_step(d, v as usize, s.count[i]);
            s.count[i] += 1;
            cover_delta += t.skill_step(e, d, v as usize, 1, &mut s.skill_count, true);
        }
        s.rows[e][d] = v;
    }
    x.new_costs.clear();
    let (mut dh, mut ds) = (0, cover_delta);
    for &e in &x.touched {
        x.before.clone_from(&s.rows[e]);
        x.changed.clear();
        // In reverse, so a cell changed twice ends with its first value before.
        for (&(ce, d, _), &was) in m.cells.iter().zip(&x.old).rev() {
            if ce == e {
                x.before[d] = was;
                if !x.changed.contains(&d) {
                    x.changed.push(d);
                }
            }
        }
        let mut tally = s.tally[e];
        t.retally(e, &x.before, &s.rows[e], &x.changed, &mut tally);
        let c = t.cost_of(e, &tally);
        dh += c.0 - s.emp[e].0;
        ds += c.1 - s.emp[e].1;
        x.new_costs.push((tally, c));
    }
    for (&(e, d, v), &prev) in m.cells.iter().zip(&x.old).rev() {
        if v != OFF {
            s.count[d * t.types + v as usize] -= 1;
            t.skill_step(e, d, v as usize, -1, &mut s.skill_count, true);
        }
        if prev != OFF {
            s.count[d * t.types + prev as usize] += 1;
            t.skill_step(e, d, prev as usize, 1, &mut s.skill_count, true);
        }
        s.rows[e][d] = prev;
    }
    (dh, ds)
}

fn apply(t: &Tables<'_>, s: &mut State, m: &Move, x: &Scratch, dh: i64, ds: i64) {
    for &(e, d, v) in &m.cells {
        let prev = s.rows[e][d];
        if prev != OFF {
            s.count[d * t.types + prev as usize] -= 1;
            t.skill_step(e, d, prev as usize, -1, &mut s.skill_count, true);
        }
        if v != OFF {
            s.count[d * t.types + v as usize] += 1;
            t.skill_step(e, d, v as usize, 1, &mut s.skill_count, true);
        }
        s.rows[e][d] = v;
    }
    for (e, (tally, c)) in x.touched.iter().zip(&x.new_costs) {
        s.tally[*e] = *tally;
        s.emp[*e] = *c;
    }
    s.hard += dh;
    s.soft += ds;
}

/// A greedy start: day by day, each shift's requirement filled by the employees who can
/// take it without breaking rotation, type, minute or run limits, those furthest below their
/// minimum minutes and with the cheapest requests first. The search repairs the rest.
#[allow(clippy::needless_range_loop)] // `s` indexes several tables at once.
fn construct(t: &Tables<'_>, mut rows: Vec<Vec<i8>>) -> Vec<Vec<i8>> {
    let p = t.p;
    let n = p.employees.len();
    let mut minutes = vec![0u32; n];
    let mut counts = vec![vec![0u32; t.types]; n];
    for d in 0..t.days {
        for s in 0..t.types {
            let assigned = rows.iter().filter(|r| r[d] == s as i8).count() as u32;
            let need = p.cover(d, s).requirement.saturating_sub(assigned);
            if need == 0 {
                continue;
            }
            let mut candidates: Vec<usize> = (0..n)
                .filter(|&e| {
                    let emp = &p.employees[e];
                    let run = (0..d).rev().take_while(|k| rows[e][*k] != OFF).count() as u32;
                    rows[e][d] == OFF
                        && !t.pinned[e * t.days + d]
                        && !emp.days_off[d]
                        && counts[e][s] < emp.max_shifts.get(s).copied().unwrap_or(0)
                        && minutes[e] + p.shift_types[s].minutes <= emp.max_minutes
                        && run < emp.max_consecutive
                        && (d == 0
                            || rows[e][d - 1] == OFF
                            || p.may_follow(rows[e][d - 1] as usize, s))
                })
                .collect();
            candidates.sort_by_key(|&e| {
                let short = i64::from(p.employees[e].min_minutes) - i64::from(minutes[e]);
                (-short, t.request[(e * t.days + d) * t.types + s], e)
            });
            for &e in candidates.iter().take(need as usize) {
                rows[e][d] = s as i8;
                minutes[e] += p.shift_types[s].minutes;
                counts[e][s] += 1;
            }
        }
    }
    rows
}

/// Cover and skill counts of everyone but `e`, whose row is `row`.
fn counts_without(
    t: &Tables<'_>,
    e: usize,
    count: &[i64],
    skill_count: &[i64],
    row: &[i8],
) -> (Vec<i64>, Vec<i64>) {
    let mut others = count.to_vec();
    let mut others_skill = skill_count.to_vec();
    for (d, v) in row.iter().enumerate() {
        if *v != OFF {
            others[d * t.types + *v as usize] -= 1;
            t.skill_step(e, d, *v as usize, -1, &mut others_skill, true);
        }
    }
    (others, others_skill)
}

/// Labels kept per day in the row programme: all of them on short horizons, fewer on long.
fn dp_cap(t: &Tables<'_>) -> usize {
    (10_000 / (t.days * (t.types + 1))).clamp(50, 2_000)
}

/// Every hard constraint of the benchmark concerns one employee, so giving each employee
/// the best row the row programme finds for them, one after the other, gives a feasible
/// roster whenever each row is. It is the fallback the search starts with as its best.
///
/// Each row is first sought with a narrow programme, and only when that finds none with a
/// wider one (×4 each step): a narrow one misses rows that reach the minimum minutes, but a
/// wide one on a year-long horizon takes seconds per employee. Past `deadline` no wider
/// programme is tried.
fn construct_rows(t: &Tables<'_>, mut rows: Vec<Vec<i8>>, deadline: Instant) -> Vec<Vec<i8>> {
    let size = t.days * (t.types + 1) * t.p.employees.len().max(1);
    let widest = (400_000_000 / size).clamp(NARROW, 4_000);
    let state = State::new(t, rows.clone());
    let (mut count, mut skill_count) = (state.count, state.skill_count);
    for (e, current) in rows.iter_mut().enumerate() {
        let (others, others_skill) = counts_without(t, e, &count, &skill_count, current);
        let costs = crate::dp::cell_costs(t, e, &others, &others_skill);
        // Pruning by cost can lose every row that reaches the minimum minutes; then the
        // row with the most minutes will do.
        let width = t.types + 1;
        let eager: Vec<Option<i64>> = costs
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let minutes = t.p.shift_types.get(i % width).map_or(0, |s| s.minutes);
                c.map(|_| -i64::from(minutes))
            })
            .collect();
        let mut cap = NARROW;
        let found = loop {
            let row = crate::dp::best_row(t, e, &costs, cap)
                .or_else(|| crate::dp::best_row(t, e, &eager, cap));
            if row.is_some() || cap >= widest || Instant::now() >= deadline {
                break row;
            }
            cap = (cap * 4).min(widest);
        };
        if let Some(row) = found {
            count = others;
            skill_count = others_skill;
            for (d, v) in row.iter().enumerate() {
                if *v != OFF {
                    count[d * t.types + *v as usize] += 1;
                    t.skill_step(e, d, *v as usize, 1, &mut skill_count, true);
                }
            }
            *current = row;
        }
    }
    rows
}

/// The roster the search's threads start from: greedy, then each row by the row programme.
#[cfg(test)]
pub(crate) fn row_start(t: &Tables<'_>) -> Vec<Vec<i8>> {
    let empty = vec![vec![OFF; t.days]; t.p.employees.len()];
    let far = Instant::now() + Duration::from_secs(3_600);
    construct_rows(t, construct(t, empty), far)
}

/// Labels per day of the first, narrow row programme in [`construct_rows`].
const NARROW: usize = 64;

pub(crate) fn to_roster(rows: &[Vec<i8>]) -> Roster {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|v| (*v != OFF).then_some(*v as usize))
                .collect()
        })
        .collect()
}

/// The best feasible roster any thread has found.
#[derive(Default)]
struct Best {
    objective: Option<i64>,
    /// Its rows, kept only while [`Shared::keep_rows`] holds.
    rows: Option<Vec<Vec<i8>>>,
}

struct Shared {
    best: Mutex<Best>,
    /// Whether `report` keeps the rows too: only while thread 0's root relaxation may take
    /// them in, so the copy stays off the annealing's path in every other run.
    keep_rows: AtomicBool,
    /// The best roster of the large neighbourhoods, with its objective.
    lns: Mutex<Option<(i64, Vec<Vec<i8>>)>>,
    /// Whether thread 0 has begun the large neighbourhoods (the same as `lns` being set, read
    /// without the lock in the annealing's loop): from then on the other threads stop
    /// annealing and search large neighbourhoods too, until [`LNS_SHARE`] of the limit.
    lns_started: AtomicBool,
    started: Instant,
    progress: Option<Arc<dyn Progress>>,
    stop: AtomicBool,
}

/// How a thread's annealing runs: from what temperature, and whether it gives way to the
/// large neighbourhoods.
#[derive(Clone, Copy)]
struct Course {
    heat: f64,
    /// Whether it stops once thread 0 has begun the large neighbourhoods.
    yields: bool,
}

/// One thread's annealing; returns its best (penalised total, rows, iterations).
fn anneal(
    t: &Tables<'_>,
    start: Vec<Vec<i8>>,
    fallback: Option<&Vec<Vec<i8>>>,
    seed: u64,
    options: &SolveOptions,
    shared: &Shared,
    course: Course,
) -> (i64, Vec<Vec<i8>>, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = State::new(t, start);
    // The best feasible roster (by soft cost), and failing any, the least infeasible.
    let mut best_feasible: Option<(i64, Vec<Vec<i8>>)> =
        (s.hard == 0).then(|| (s.soft, s.rows.clone()));
    if let Some(rows) = fallback {
        let f = State::new(t, rows.clone());
        if f.hard == 0 && best_feasible.as_ref().is_none_or(|b| f.soft < b.0) {
            report(shared, f.soft, &f.rows);
            best_feasible = Some((f.soft, f.rows));
        }
    }
    if s.hard == 0 && best_feasible.as_ref().is_some_and(|b| b.0 == s.soft) {
        report(shared, s.soft, &s.rows);
    }
    let mut least_bad = (s.total(), s.rows.clone());
    let (t_start, t_end) = (course.heat, T_END);
    let mut m = Move { cells: Vec::new() };
    let mut scratch = Scratch::default();
    let dp_cap = dp_cap(t);
    let dp_every = dp_every(t, dp_cap);
    let mut iteration: u64 = 0;
    let mut round = 0u64;
    // With only a time limit, cycles double in length from a first one sized to the
    // problem, in moves, until the last, which is sized to the time left: up to it a run
    // retraces the same trajectory whatever the machine, and it cools within any limit.
    let mut cycle_len = (FIRST_CYCLE_PER_CELL * t.p.employees.len() as u64 * t.days as u64)
        .clamp(50_000, 1_000_000);
    let mut cycle_start = 0u64;
    let began = Instant::now();
    // Whether the cycle under way is the last: it ends at the time limit and is not followed.
    let mut last = false;
    loop {
        if iteration.is_multiple_of(1024)
            && (shared.stop.load(Ordering::Relaxed)
                || (course.yields && shared.lns_started.load(Ordering::Relaxed))
                || options.max_iterations.is_some_and(|max| iteration >= max)
                || (options.max_iterations.is_none()
                    && shared.started.elapsed() >= options.time_limit))
        {
            break;
        }
        let (this_round, phase) = match options.max_iterations {
            // A move budget: CYCLES equal cycles over it.
            Some(max) => {
                let at = iteration as f64 / max.max(1) as f64 * CYCLES;
                (at as u64, at.fract())
            }
            None if !last && iteration - cycle_start >= cycle_len => {
                cycle_start = iteration;
                // A cycle that would not end by the limit, or leave room for the next (twice
                // as long), becomes the last and spans the time left at the pace so far: the
                // run ends cold instead of cut off while hot (Curtois 24 at 60 s spent its
                // last 20 s in a cycle that could not finish).
                let pace = iteration as f64 / began.elapsed().as_secs_f64().max(1e-6);
                let left = options
                    .time_limit
                    .saturating_sub(shared.started.elapsed())
                    .as_secs_f64();
                (cycle_len, last) = next_cycle(cycle_len * 2, left * pace);
                (round + 1, 0.0)
            }
            // Past the end of the last cycle the search stays cold.
            None => (
                round,
                ((iteration - cycle_start) as f64 / cycle_len as f64).min(1.0),
            ),
        };
        let heat = t_start / (1.0 + this_round as f64).sqrt();
        let temperature = heat * (t_end / heat).powf(phase);
        if this_round != round {
            round = this_round;
            let restart = best_feasible.as_ref().map_or(&least_bad.1, |b| &b.1);
            s = State::new(t, restart.clone());
        }
        iteration += 1;
        let proposed = if iteration.is_multiple_of(dp_every) {
            propose_row(t, &s, &mut rng, &mut m, dp_cap)
        } else {
            propose(t, &s, &mut rng, &mut m)
        };
        if !proposed {
            continue;
        }
        let (dh, ds) = delta(t, &mut s, &m, &mut scratch);
        let d = HARD * dh + ds;
        if d <= 0 || rng.random_bool((-(d as f64) / temperature).exp().min(1.0)) {
            apply(t, &mut s, &m, &scratch, dh, ds);
            if s.hard == 0 {
                if best_feasible.as_ref().is_none_or(|b| s.soft < b.0) {
                    best_feasible = Some((s.soft, s.rows.clone()));
                    report(shared, s.soft, &s.rows);
                }
            } else if best_feasible.is_none() && s.total() < least_bad.0 {
                least_bad = (s.total(), s.rows.clone());
            }
        }
    }
    let (best_total, best_rows) = match best_feasible {
        Some((soft, rows)) => (soft, rows),
        // Infeasible results rank after every feasible one.
        None => (i64::MAX / 2 + least_bad.0.min(i64::MAX / 4), least_bad.1),
    };
    (best_total, best_rows, iteration)
}

/// The length in moves of the next cooling cycle under a time limit, and whether it is the
/// last, when `doubled` moves are due and about `room` more fit in the time left.
fn next_cycle(doubled: u64, room: f64) -> (u64, bool) {
    if doubled as f64 * 3.0 > room {
        (((room * LAST_CYCLE_FILL) as u64).max(1), true)
    } else {
        (doubled, false)
    }
}

fn report(shared: &Shared, objective: i64, rows: &[Vec<i8>]) {
    if let Ok(mut best) = shared.best.lock()
        && best.objective.is_none_or(|b| objective < b)
    {
        best.objective = Some(objective);
        match (&mut best.rows, shared.keep_rows.load(Ordering::Relaxed)) {
            // Reuses the rows' allocations.
            (Some(kept), true) if kept.len() == rows.len() => kept.clone_from_slice(rows),
            (kept, true) => *kept = Some(rows.to_vec()),
            (kept, false) => *kept = None,
        }
        if let Some(p) = &shared.progress {
            p.improved(objective, shared.started.elapsed());
        }
    }
}

/// Searches for the roster with the lowest objective within the limits.
pub fn solve(problem: &Problem, options: &SolveOptions) -> Solution {
    // The time limit covers the construction too.
    let started = Instant::now();
    if !problem.is_well_formed() {
        return Solution {
            roster: vec![vec![None; problem.days]; problem.employees.len()],
            objective: 0,
            feasible: false,
            iterations: 0,
        };
    }
    let tables = Tables::new(problem, options.hard_rule.clone());
    let given = options.start.is_some();
    let mut start: Vec<Vec<i8>> = match &options.start {
        Some(r) => r
            .iter()
            .map(|row| row.iter().map(|v| v.map_or(OFF, |t| t as i8)).collect())
            .collect(),
        None => vec![vec![OFF; problem.days]; problem.employees.len()],
    };
    // Pinned cells take their values before anything else.
    for &(e, d, v) in &problem.pinned {
        if let Some(cell) = start.get_mut(e).and_then(|r| r.get_mut(d)) {
            *cell = v.map_or(OFF, |t| t as i8);
        }
    }
    let mut fallback = None;
    if !given {
        start = construct(&tables, start);
        fallback = Some(construct_rows(
            &tables,
            start.clone(),
            started + options.time_limit / 2,
        ));
    }
    let threads = options.threads.max(1);
    // The relaxation prices rows by requests and cover alone, so it is tried only where
    // those are the whole objective and the employees' own rules all the hard ones; and
    // not under a move limit, since the dive is bounded by the clock and such runs must not be.
    let dive = !given
        && options.max_iterations.is_none()
        && problem.skill_cover.is_empty()
        && problem.balance.is_empty()
        && options.hard_rule.is_none();
    let shared = Shared {
        best: Mutex::default(),
        // Only other threads' rosters can reach the root: thread 0 anneals after its dive.
        keep_rows: AtomicBool::new(dive && threads > 1),
        lns: Mutex::default(),
        lns_started: AtomicBool::new(false),
        started,
        progress: options.progress.clone(),
        stop: AtomicBool::new(false),
    };
    // The best roster any thread has found, when its objective is below `than`.
    let incumbent = |than: Option<i64>| {
        let best = shared.best.lock().ok()?;
        let (objective, rows) = (best.objective?, best.rows.as_ref()?);
        than.is_none_or(|t| objective < t)
            .then(|| (objective, rows.clone()))
    };
    let results: Vec<(i64, Vec<Vec<i8>>, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                // Odd threads start from the row programme's roster, even ones from the
                // greedy one: two different basins for the same time.
                let own_start = match fallback.as_ref() {
                    Some(f) if i % 2 == 1 => f.clone(),
                    _ => start.clone(),
                };
                let (tables, shared, start, fallback, incumbent) =
                    (&tables, &shared, own_start, fallback.as_ref(), &incumbent);
                let seed = options
                    .seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(i as u64);
                scope.spawn(move || {
                    let lns_until = shared.started + options.time_limit.mul_f64(LNS_SHARE);
                    // The large neighbourhoods' best roster is kept apart from the annealing's,
                    // and they go on from their own: the annealing's is a poorer start for them
                    // even where it costs less (Curtois 13, 60 s, seeds 1–4: neighbourhoods from
                    // the annealing's best once the root was done, 1 820, 1 663, 1 618, 1 828;
                    // from the dive's roster, 1 494, 1 532, 1 611, 2 004).
                    let lns_report = |o: i64, r: &[Vec<i8>]| {
                        if let Ok(mut lns) = shared.lns.lock()
                            && lns.as_ref().is_none_or(|l| o < l.0)
                        {
                            *lns = Some((o, r.to_vec()));
                        }
                        shared.lns_started.store(true, Ordering::Relaxed);
                        report(shared, o, r);
                    };
                    let lns_best = |than: Option<i64>| {
                        let lns = shared.lns.lock().ok()?;
                        lns.as_ref()
                            .filter(|l| than.is_none_or(|t| l.0 < t))
                            .cloned()
                    };
                    let neighbourhoods = |rows| {
                        crate::colgen::improve(
                            tables,
                            rows,
                            dp_cap(tables),
                            lns_until,
                            seed,
                            &lns_report,
                            &lns_best,
                        )
                    };
                    let mut start = start;
                    let mut heat = T_START;
                    if i == 0
                        && dive
                        && let Some(f) = fallback
                    {
                        let d = crate::colgen::dive(
                            tables,
                            f,
                            dp_cap(tables),
                            shared.started + options.time_limit.mul_f64(DIVE_SHARE),
                            incumbent,
                            seed,
                            None,
                        );
                        shared.keep_rows.store(false, Ordering::Relaxed);
                        if let Some(d) = d {
                            heat = DIVE_HEAT;
                            start = neighbourhoods(d);
                        }
                    }
                    let joins = i > 0 && dive;
                    let course = Course {
                        heat,
                        yields: joins,
                    };
                    let first = anneal(tables, start, fallback, seed, options, shared, course);
                    // Stopped for the large neighbourhoods: search them from the best roster
                    // too, then anneal from the result, as thread 0 does.
                    let Some((_, best)) =
                        lns_best(None).filter(|_| joins && Instant::now() < lns_until)
                    else {
                        return first;
                    };
                    let rows = neighbourhoods(best);
                    let course = Course {
                        heat: DIVE_HEAT,
                        yields: false,
                    };
                    let second = anneal(tables, rows, None, seed, options, shared, course);
                    let iterations = first.2 + second.2;
                    let (total, rows, _) = if second.0 < first.0 { second } else { first };
                    (total, rows, iterations)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let iterations = results.iter().map(|r| r.2).sum();
    // Lowest total; ties go to the lowest thread index, so the choice is deterministic.
    let best = results
        .into_iter()
        .min_by_key(|r| r.0)
        .map(|r| r.1)
        .unwrap_or_default();
    let roster = to_roster(&best);
    let evaluation = evaluate(problem, &roster);
    Solution {
        objective: evaluation.objective,
        feasible: evaluation.feasible(),
        roster,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::{LAST_CYCLE_FILL, next_cycle};

    #[test]
    fn cycles_double_while_the_next_one_still_fits_after_them() {
        // 1 000 moves now and 2 000 after them fit in 3 000.
        assert_eq!(next_cycle(1_000, 3_000.0), (1_000, false));
    }

    #[test]
    fn a_cycle_without_room_for_the_next_spans_the_time_left() {
        // 1 000 fit, but not the 2 000 after them: this cycle takes the whole room.
        let (len, last) = next_cycle(1_000, 2_999.0);
        assert!(last);
        assert_eq!(len, (2_999.0 * LAST_CYCLE_FILL) as u64);
        // One that would not even end in time shrinks to the room.
        let (len, last) = next_cycle(1_000_000, 10_000.0);
        assert!(last);
        assert!(len < 10_000);
        // No room at all still leaves a cycle of one move, so the phase stays defined.
        assert_eq!(next_cycle(1_000, 0.0), (1, true));
    }
}
