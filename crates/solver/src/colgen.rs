//! A start from the linear relaxation: column generation, then diving.
//!
//! The relaxation chooses, for each employee, a mix of whole rows (columns) that keep every
//! rule of that employee, so that the cover cost plus the requests' cost is least. New rows
//! come from the row programme (`dp.rs`) priced with the cover rows' duals; the linear
//! programmes are solved by Clarabel (an interior-point solver in pure Rust: no LP solver
//! of our own). On these rostering problems that relaxation is tight, and fixing the
//! employees whose mix is nearly one row, re-solving between fixings ("diving"), ends in a
//! roster close to the best. The search then starts from it.

use std::collections::HashSet;
use std::time::Instant;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};

use crate::search::{OFF, Tables};

/// Cell costs are scaled to integers for the row programme.
const SCALE: f64 = 1_000.0;
/// A column enters when its reduced cost is below this.
const ENTER: f64 = -1e-3;
/// The widest row programme used in pricing. Narrow ones miss good rows: on Curtois 2 the
/// relaxation stalled at 877 with the search's width, and reached the optimum, 828, with
/// this one.
const MAX_CAP: usize = 20_000;
/// The root's pricing starts this many times wider than the search's row programme.
const ROOT_WIDTH: usize = 64;
/// When no employee's mix is nearly one row, this share of them (the nearest) is fixed at
/// once, so the dive ends in time on the larger instances.
const FIX_SHARE: usize = 8;
/// A root relaxation this many times a known roster's cost, a quarter of the way into its
/// time, is given up.
const FAR: f64 = 1.5;
/// Mixes at least this close to one row are fixed together.
const NEARLY_ONE: f64 = 0.99;

struct Column {
    employee: usize,
    row: Vec<i8>,
    cost: f64,
}

struct Lp {
    /// The relaxation's value, fixed employees' rows included.
    objective: f64,
    /// Column indexes in the programme's variable order.
    active: Vec<usize>,
    value: Vec<f64>,
    /// Per cover row, its dual; per employee (unfixed), the convexity dual.
    cover_dual: Vec<f64>,
    employee_dual: Vec<f64>,
}

struct Master<'t, 'a> {
    t: &'t Tables<'a>,
    columns: Vec<Column>,
    seen: Vec<HashSet<Vec<i8>>>,
    /// `row_of[d * types + s]`: the cover row of shift s on day d, if it has a cost.
    row_of: Vec<Option<usize>>,
    cover_cells: Vec<usize>,
    fixed: Vec<Option<usize>>,
    cap: usize,
}

impl<'t, 'a> Master<'t, 'a> {
    fn new(t: &'t Tables<'a>, cap: usize) -> Self {
        let mut row_of = vec![None; t.days * t.types];
        let mut cover_cells = Vec::new();
        for d in 0..t.days {
            for s in 0..t.types {
                let c = t.p.cover(d, s);
                if c.weight_under > 0 || c.weight_over > 0 {
                    row_of[d * t.types + s] = Some(cover_cells.len());
                    cover_cells.push(d * t.types + s);
                }
            }
        }
        Self {
            t,
            columns: Vec::new(),
            seen: vec![HashSet::new(); t.p.employees.len()],
            row_of,
            cover_cells,
            fixed: vec![None; t.p.employees.len()],
            cap,
        }
    }

    /// Adds a row as a column if it keeps every rule and is new; returns whether it was.
    fn add(&mut self, e: usize, row: Vec<i8>) -> bool {
        let (hard, soft) = self.t.employee_cost(e, &row);
        if hard != 0 || self.seen[e].contains(&row) {
            return false;
        }
        self.seen[e].insert(row.clone());
        self.columns.push(Column {
            employee: e,
            row,
            cost: soft as f64,
        });
        true
    }

    fn solve(&self) -> Option<Lp> {
        let t = self.t;
        let n_cover = self.cover_cells.len();
        let unfixed: Vec<usize> = (0..self.fixed.len())
            .filter(|e| self.fixed[*e].is_none())
            .collect();
        let mut slot = vec![usize::MAX; self.fixed.len()];
        for (i, e) in unfixed.iter().enumerate() {
            slot[*e] = i;
        }
        let active: Vec<usize> = (0..self.columns.len())
            .filter(|c| self.fixed[self.columns[*c].employee].is_none())
            .collect();
        let n_eq = n_cover + unfixed.len();
        let n_var = active.len() + 2 * n_cover;
        let mut colptr = Vec::with_capacity(n_var + 1);
        let mut rowval = Vec::new();
        let mut nzval = Vec::new();
        let mut q = Vec::with_capacity(n_var);
        colptr.push(0);
        for (k, &c) in active.iter().enumerate() {
            let col = &self.columns[c];
            for (d, v) in col.row.iter().enumerate() {
                if *v != OFF
                    && let Some(r) = self.row_of[d * t.types + *v as usize]
                {
                    rowval.push(r);
                    nzval.push(1.0);
                }
            }
            rowval.push(n_cover + slot[col.employee]);
            nzval.push(1.0);
            rowval.push(n_eq + k);
            nzval.push(-1.0);
            colptr.push(rowval.len());
            q.push(col.cost);
        }
        // Shortfall and surplus of each cover row.
        for (r, &cell) in self.cover_cells.iter().enumerate() {
            let c = t.p.cover(cell / t.types, cell % t.types);
            for (sign, weight) in [(1.0, c.weight_under), (-1.0, c.weight_over)] {
                let k = colptr.len() - 1;
                rowval.push(r);
                nzval.push(sign);
                rowval.push(n_eq + k);
                nzval.push(-1.0);
                colptr.push(rowval.len());
                q.push(f64::from(weight));
            }
        }
        let mut b = vec![0.0; n_eq + n_var];
        for (r, &cell) in self.cover_cells.iter().enumerate() {
            b[r] = f64::from(t.p.cover(cell / t.types, cell % t.types).requirement);
        }
        for e in 0..self.fixed.len() {
            if let Some(c) = self.fixed[e] {
                for (d, v) in self.columns[c].row.iter().enumerate() {
                    if *v != OFF
                        && let Some(r) = self.row_of[d * t.types + *v as usize]
                    {
                        b[r] -= 1.0;
                    }
                }
            }
        }
        for i in 0..unfixed.len() {
            b[n_cover + i] = 1.0;
        }
        let a = CscMatrix::new(n_eq + n_var, n_var, colptr, rowval, nzval);
        let p = CscMatrix::zeros((n_var, n_var));
        let cones = [
            SupportedConeT::ZeroConeT(n_eq),
            SupportedConeT::NonnegativeConeT(n_var),
        ];
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .max_iter(100)
            .build()
            .ok()?;
        let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings).ok()?;
        solver.solve();
        let sol = &solver.solution;
        if !matches!(
            sol.status,
            SolverStatus::Solved | SolverStatus::AlmostSolved
        ) {
            return None;
        }
        // Clarabel's duals z satisfy q + Aᵀz = 0: the price of a row is -z.
        let cover_dual = sol.z[..n_cover].iter().map(|z| -z).collect();
        let mut employee_dual = vec![0.0; self.fixed.len()];
        for (i, e) in unfixed.iter().enumerate() {
            employee_dual[*e] = -sol.z[n_cover + i];
        }
        let fixed_cost: f64 = self
            .fixed
            .iter()
            .flatten()
            .map(|c| self.columns[*c].cost)
            .sum();
        Some(Lp {
            objective: sol.obj_val + fixed_cost,
            value: sol.x[..active.len()].to_vec(),
            active,
            cover_dual,
            employee_dual,
        })
    }

    /// Prices every unfixed employee's best row against the duals; returns how many
    /// columns entered.
    fn price(&mut self, lp: &Lp) -> usize {
        let t = self.t;
        let width = t.types + 1;
        let mut added = 0;
        for e in 0..self.fixed.len() {
            if self.fixed[e].is_some() {
                continue;
            }
            let emp = &t.p.employees[e];
            let mut costs = vec![None; t.days * width];
            for d in 0..t.days {
                let pinned =
                    t.p.pinned
                        .iter()
                        .find(|(pe, pd, _)| *pe == e && *pd == d)
                        .map(|x| x.2);
                for v in 0..width {
                    let value = (v < t.types).then_some(v);
                    if pinned.is_some_and(|want| want != value) {
                        continue;
                    }
                    costs[d * width + v] = match value {
                        None => Some(t.request_off[e * t.days + d] as f64),
                        Some(s)
                            if emp.days_off[d]
                                || emp.max_shifts.get(s).copied().unwrap_or(0) == 0 =>
                        {
                            None
                        }
                        Some(s) => {
                            let dual =
                                self.row_of[d * t.types + s].map_or(0.0, |r| lp.cover_dual[r]);
                            Some(t.request[(e * t.days + d) * t.types + s] as f64 - dual)
                        }
                    }
                    .map(|c| (c * SCALE).round() as i64);
                }
            }
            let Some(row) = crate::dp::best_row(t, e, &costs, self.cap) else {
                continue;
            };
            let reduced: f64 = row
                .iter()
                .enumerate()
                .filter_map(|(d, v)| {
                    let i = if *v == OFF { t.types } else { *v as usize };
                    costs[d * width + i]
                })
                .sum::<i64>() as f64
                / SCALE
                - lp.employee_dual[e];
            if reduced < ENTER && self.add(e, row) {
                added += 1;
            }
        }
        added
    }
}

/// Column generation from the rows of `start`, then diving until every employee has one
/// row. `None` when a programme fails, some employee has no row, `deadline` passes, or the
/// root relaxation costs more than the `incumbent` roster (or [`FAR`] times it a quarter of
/// the way into the root's time).
pub(crate) fn dive(
    t: &Tables<'_>,
    start: &[Vec<i8>],
    cap: usize,
    deadline: Instant,
    incumbent: &dyn Fn() -> Option<i64>,
) -> Option<Vec<Vec<i8>>> {
    // The root prices wide from the start: narrow pricing finds rows of slightly negative
    // reduced cost for many rounds and leaves the relaxation far from its optimum (Curtois 17
    // after 18 s: 8386 narrow, 5798 wide; best known 5746).
    let mut m = Master::new(t, (cap * ROOT_WIDTH).min(MAX_CAP));
    let dive_cap = (cap * 16).min(MAX_CAP);
    for (e, row) in start.iter().enumerate() {
        m.add(e, row.clone());
    }
    if (0..start.len()).any(|e| m.seen[e].is_empty()) {
        return None;
    }
    // Whether the first (root) relaxation is done; later ones follow fixings.
    let mut root_done = false;
    // The root gets half the time: a dive from a rougher relaxation beats no dive.
    let now = Instant::now();
    let root_deadline = now + deadline.saturating_duration_since(now) / 2;
    let root_quarter = now + root_deadline.saturating_duration_since(now) / 4;
    let mut rounds_left = 1_000;
    loop {
        // Generate columns until none enters (or the round limit for this fixing).
        let mut lp = m.solve()?;
        for _ in 0..rounds_left {
            let added = m.price(&lp);
            if Instant::now() >= deadline || (!root_done && Instant::now() >= root_deadline) {
                break;
            }
            if added == 0 {
                // Cheap pricing found nothing: at the root, price wider, up to exact.
                if root_done || m.cap >= MAX_CAP || Instant::now() >= root_deadline {
                    break;
                }
                m.cap = (m.cap * 4).min(MAX_CAP);
                continue;
            }
            lp = m.solve()?;
            // A root still far above a roster already found, a quarter of the way in, will
            // not come down in time (Curtois 13, 18, 19 within a minute).
            if !root_done
                && Instant::now() >= root_quarter
                && incumbent().is_some_and(|best| lp.objective > FAR * best as f64)
            {
                return None;
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        // A root relaxation that costs more than a roster already found promises nothing
        // better: its time goes back to the annealing. (Later relaxations may: the search
        // refines a dive's roster well below the last one's value.)
        if !root_done && incumbent().is_some_and(|best| lp.objective > best as f64) {
            return None;
        }
        root_done = true;
        m.cap = dive_cap;
        // Fewer rounds per fixing once half of the diving time is gone, so the dive ends.
        let dive_half = root_deadline + deadline.saturating_duration_since(root_deadline) / 2;
        rounds_left = if Instant::now() < dive_half { 5 } else { 1 };
        // Fix every employee whose mix is nearly one row; if none, the nearest 1/FIX_SHARE.
        let mut best: Vec<Option<(f64, usize)>> = vec![None; m.fixed.len()];
        for (k, &c) in lp.active.iter().enumerate() {
            let e = m.columns[c].employee;
            if best[e].is_none_or(|(v, _)| lp.value[k] > v) {
                best[e] = Some((lp.value[k], c));
            }
        }
        let mut fixed_any = false;
        for (e, b) in best.iter().enumerate() {
            if let Some((v, c)) = b
                && *v >= NEARLY_ONE
            {
                m.fixed[e] = Some(*c);
                fixed_any = true;
            }
        }
        if !fixed_any {
            let mut nearest: Vec<(f64, usize, usize)> = best
                .iter()
                .enumerate()
                .filter_map(|(e, b)| b.map(|(v, c)| (v, e, c)))
                .collect();
            nearest.sort_by(|a, b| b.0.total_cmp(&a.0));
            let n = (nearest.len() / FIX_SHARE).max(1);
            for (_, e, c) in nearest.into_iter().take(n) {
                m.fixed[e] = Some(c);
            }
        }
        if m.fixed.iter().all(Option::is_some) {
            break;
        }
    }
    m.fixed
        .iter()
        .map(|c| c.map(|c| m.columns[c].row.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::dive;
    use crate::search::{Tables, to_roster};
    use crate::{Problem, evaluate, parse_instance};

    fn instance(i: u32) -> Option<Problem> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/benchmarks/curtois");
        let text = std::fs::read_to_string(dir.join(format!("Instance{i}.txt"))).ok()?;
        parse_instance(&text).ok()
    }

    /// Curtois 2 and 3 have proven optima (828 and 1001), which the dive reaches on its own
    /// from the row programme's roster; instance 1's relaxation is not tight (558 for 607),
    /// and its dive must still end in a roster that keeps every rule.
    #[test]
    fn the_dive_reaches_proven_optima_and_keeps_every_rule() {
        for (i, optimum) in [(1, None), (2, Some(828)), (3, Some(1001))] {
            // The benchmark folder lies beside the repository; without it there is nothing
            // to check.
            let Some(p) = instance(i) else { return };
            let t = Tables::new(&p, None);
            let start = crate::search::row_start(&t);
            let deadline = Instant::now() + Duration::from_secs(120);
            let rows = dive(&t, &start, 64, deadline, &|| None).expect("the dive ends");
            let e = evaluate(&p, &to_roster(&rows));
            assert!(e.feasible(), "Instance{i}: {:?}", e.hard);
            if let Some(optimum) = optimum {
                assert_eq!(e.objective, optimum, "Instance{i}");
            }
        }
    }
}
