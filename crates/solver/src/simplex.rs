//! A primal simplex for the column generation's restricted master (`colgen.rs`), kept warm
//! from one solve to the next.
//!
//! Written by hand because no library here does the job: the master is re-solved hundreds of
//! times a run, each time with a few hundred new columns or a few forced cells, and what
//! pays is starting from the last basis. Clarabel (interior point) starts cold every time
//! (Curtois 19: 0.37 s a solve at the root, nine tenths of the dive's time; this simplex
//! takes 0.18 s at the root and 0.11 s in the dive); the pure-Rust simplex crates neither
//! add columns to a solved model nor give duals; HiGHS needs CMake and a C++ build.
//!
//! The programme: rows are the cover cells (`Σ columns + under − over = requirement`) and
//! one convexity row per employee (`Σ their columns = 1`); a column is one employee's row
//! with its cost; each cover row has an under and an over slack with the cover weights as
//! costs. The basis is kept as a small *kernel*: the basic slacks are unit columns, so only
//! the rows without a basic slack and the basic columns form a square matrix `M` whose
//! inverse is held densely and updated in place at each pivot (one of four shapes: a column
//! replaces a column, a column takes a slack's row, a slack takes a column's row, a slack
//! takes another slack's row). Its size is the number of basic columns, a few hundred,
//! whatever the number of cover rows (a year of 32 shift types has 11 648).
//!
//! Pivots are chosen by Devex pricing with reduced costs updated from the pivot row, and
//! every right-hand side is shifted by a millionth or two so that the many cover rows met
//! exactly do not make pivots degenerate; the values reported are those of the unshifted
//! programme at the optimal basis.
//!
//! Columns that may no longer take part (their employee's cells were forced, or the
//! employee fixed) are driven out of a warm basis by a first phase that minimises their sum;
//! after it they are held at zero. A solve that runs out of pivots or time, or meets a
//! singular kernel, gives up (`None`), and the caller solves with Clarabel instead.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A column of the master: an employee's row as the cover rows it counts in.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub(crate) employee: usize,
    /// Cover rows (indexes below the number of cover rows), ascending.
    pub(crate) rows: Vec<u32>,
    pub(crate) cost: f64,
}

/// One solve's programme: the cover rows' requirements and weights, every column so far,
/// and which of them may take part.
#[derive(Debug)]
pub(crate) struct Programme<'p> {
    pub(crate) requirement: &'p [f64],
    pub(crate) under: &'p [f64],
    pub(crate) over: &'p [f64],
    pub(crate) employees: usize,
    pub(crate) columns: &'p [Col],
    pub(crate) allowed: &'p [bool],
}

impl Programme<'_> {
    fn rows(&self) -> usize {
        self.requirement.len() + self.employees
    }
}

/// An optimal solution of the master.
#[derive(Debug, Clone)]
pub(crate) struct Optimum {
    pub(crate) objective: f64,
    /// Per column (by index), its value; zero for all but basic ones.
    pub(crate) value: Vec<f64>,
    /// Per row (cover rows first, then one per employee), its dual: a column's reduced cost
    /// is its cost less the duals of its rows.
    pub(crate) dual: Vec<f64>,
}

/// Which slack of a cover row is basic, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slack {
    None,
    Under,
    Over,
}

/// The variable that enters the basis.
#[derive(Debug, Clone, Copy)]
enum Entering {
    Column(usize),
    /// A slack of a row without one (row, +1 for under, -1 for over).
    Slack(usize, f64),
}

/// The basic variable that leaves.
#[derive(Debug, Clone, Copy)]
enum Leaving {
    /// The column at this kernel position.
    Column(usize),
    /// The slack of this cover row.
    Slack(usize),
}

const NONE: usize = usize::MAX;
/// Reduced costs below this enter (costs are whole units; a cover shortfall is 100).
const OPTIMALITY: f64 = 1e-7;
/// Basic values may fall this far below zero in the ratio test (Harris' two passes).
const FEASIBILITY: f64 = 1e-9;
/// Smallest pivot element taken.
const PIVOT: f64 = 1e-8;
/// The right-hand sides' shifts lie between this and twice this.
const SHIFT: f64 = 1e-6;
/// Pivots between fresh inversions of the kernel.
const REINVERT: usize = 100;

/// The warm state: the basis and its kernel's inverse.
#[derive(Debug, Default)]
pub(crate) struct Simplex {
    /// Cover rows and employees of the programme the basis belongs to.
    covers: usize,
    employees: usize,
    /// Per cover row, its basic slack and the slack's value.
    slack: Vec<Slack>,
    slack_value: Vec<f64>,
    /// The kernel's rows (without a basic slack; every convexity row is one) and, per row,
    /// its position there or `NONE`.
    kernel_rows: Vec<usize>,
    row_pos: Vec<usize>,
    /// The basic columns, their values, and per column its position or `NONE`.
    kernel_cols: Vec<usize>,
    col_value: Vec<f64>,
    col_pos: Vec<usize>,
    /// The kernel's inverse, `inv[k * stride + r]` for column position k and row position r.
    inv: Vec<f64>,
    stride: usize,
    updates: usize,
    /// Per row, the shift of its right-hand side.
    shift: Vec<f64>,
}

impl Simplex {
    /// Solves `p` from the last basis where it still fits; `None` when it gives up (pivot
    /// limit, `until`, a singular kernel, no allowed column for some employee).
    pub(crate) fn solve(&mut self, p: &Programme<'_>, until: Instant) -> Option<Optimum> {
        let covers = p.requirement.len();
        if self.covers != covers
            || self.employees != p.employees
            || self.kernel_cols.iter().any(|c| *c >= p.columns.len())
        {
            self.crash(p)?;
        } else if self.col_pos.len() < p.columns.len() {
            self.col_pos.resize(p.columns.len(), NONE);
        }
        // Columns never change, so the inverse carries over; the values are refreshed.
        self.recompute_values(p);
        let limit = 50 * p.rows() + 10_000;
        let mut left = limit;
        // Phase one: basic columns no longer allowed are driven to zero.
        if self.kernel_cols.iter().any(|c| !p.allowed[*c]) {
            let out = self.iterate(p, Phase::Clear, &mut left, until)?;
            if !out {
                return None;
            }
            let stuck: f64 = self
                .kernel_cols
                .iter()
                .zip(&self.col_value)
                .filter(|(c, _)| !p.allowed[**c])
                .map(|(_, x)| *x)
                .sum();
            if stuck > 1e-6 {
                return None;
            }
        }
        loop {
            if !self.iterate(p, Phase::Optimise, &mut left, until)? {
                return None;
            }
            // A fresh inverse confirms the optimum; rounding over many updates can hide a
            // last improving column.
            if self.updates < 20 {
                break;
            }
            if !self.reinvert(p) {
                return None;
            }
            self.recompute_values(p);
            if self
                .kernel_cols
                .iter()
                .zip(&self.col_value)
                .any(|(c, x)| *x < -1e-6 || (!p.allowed[*c] && *x > 1e-6))
                || self.slack_value.iter().any(|x| *x < -1e-6)
            {
                return None;
            }
            if Pricing::new(self, p, Phase::Optimise)
                .select(self, p)
                .is_none()
            {
                break;
            }
        }
        Some(self.optimum(p))
    }

    /// Pivots until no variable improves `phase`'s objective; `Some(false)` when the
    /// programme is unbounded or a pivot fails, `None` out of pivots or time.
    ///
    /// The entering variable is chosen by Devex pricing (largest d²/w, with reference
    /// weights w), and reduced costs are updated from the pivot row rather than recomputed:
    /// Dantzig's rule took 3 000–4 500 pivots to take in 120 new columns on Curtois 19.
    fn iterate(
        &mut self,
        p: &Programme<'_>,
        phase: Phase,
        left: &mut usize,
        until: Instant,
    ) -> Option<bool> {
        let covers = p.requirement.len();
        let mut alpha_k = Vec::new();
        let mut alpha_s = vec![0.0; covers];
        let mut rho = vec![0.0; covers + p.employees];
        let mut pricing = Pricing::new(self, p, phase);
        loop {
            if *left == 0 {
                return None;
            }
            *left -= 1;
            if (*left).is_multiple_of(64) && Instant::now() >= until {
                return None;
            }
            // A fresh inverse costs about 2k³, a pivot about k² and a pass over the columns:
            // every 2k pivots (at least REINVERT) keeps the two in balance.
            if self.updates >= REINVERT.max(2 * self.kernel_cols.len()) {
                if !self.reinvert(p) {
                    return Some(false);
                }
                self.recompute_values(p);
                pricing.refresh(self, p, phase);
            }
            let Some(entering) = pricing.select(self, p) else {
                return Some(true);
            };
            self.ftran(p, entering, &mut alpha_k, &mut alpha_s);
            let Some((leaving, theta)) = self.ratio(p, phase, &alpha_k, &alpha_s) else {
                return Some(false);
            };
            let pivot = match leaving {
                Leaving::Column(j) => alpha_k[j],
                Leaving::Slack(r) => alpha_s[r],
            };
            self.pivot_row(p, leaving, &mut rho);
            pricing.update(self, p, entering, leaving, pivot, &rho);
            // Values move first, then the basis and its inverse.
            for (x, a) in self.col_value.iter_mut().zip(&alpha_k) {
                *x -= theta * a;
            }
            for (r, a) in alpha_s.iter().enumerate() {
                if self.slack[r] != Slack::None {
                    self.slack_value[r] -= theta * a;
                }
            }
            if !self.pivot(p, entering, leaving, theta, &alpha_k, &alpha_s) {
                return Some(false);
            }
        }
    }

    /// Row `leaving` of the basis inverse, over all rows (`rho`, overwritten): what a
    /// column's entries there make of the leaving variable's value.
    fn pivot_row(&self, p: &Programme<'_>, leaving: Leaving, rho: &mut [f64]) {
        rho.fill(0.0);
        let n = self.kernel_cols.len();
        let s = self.stride;
        match leaving {
            Leaving::Column(j) => {
                for (i, r) in self.kernel_rows.iter().enumerate() {
                    rho[*r] = self.inv[j * s + i];
                }
            }
            Leaving::Slack(r) => {
                let sign = if self.slack[r] == Slack::Over {
                    -1.0
                } else {
                    1.0
                };
                rho[r] = sign;
                let mut v = vec![0.0; n];
                for (k, c) in self.kernel_cols.iter().enumerate() {
                    if p.columns[*c].rows.binary_search(&(r as u32)).is_ok() {
                        for (vi, a) in v.iter_mut().zip(&self.inv[k * s..k * s + n]) {
                            *vi += a;
                        }
                    }
                }
                for (i, row) in self.kernel_rows.iter().enumerate() {
                    rho[*row] = -sign * v[i];
                }
            }
        }
    }

    /// A basis that is feasible at once: one allowed column per employee (the cheapest),
    /// and a slack on every cover row taking up the difference.
    fn crash(&mut self, p: &Programme<'_>) -> Option<()> {
        let covers = p.requirement.len();
        let mut chosen = vec![NONE; p.employees];
        for (c, col) in p.columns.iter().enumerate() {
            if p.allowed[c]
                && col.employee < p.employees
                && (chosen[col.employee] == NONE || col.cost < p.columns[chosen[col.employee]].cost)
            {
                chosen[col.employee] = c;
            }
        }
        if chosen.contains(&NONE) {
            return None;
        }
        self.covers = covers;
        self.employees = p.employees;
        self.slack = vec![Slack::Under; covers];
        self.slack_value = vec![0.0; covers];
        self.kernel_rows = (covers..covers + p.employees).collect();
        self.row_pos = vec![NONE; covers + p.employees];
        for (i, r) in self.kernel_rows.iter().enumerate() {
            self.row_pos[*r] = i;
        }
        self.col_pos = vec![NONE; p.columns.len()];
        // Kernel position e holds employee e's column: its convexity row is position e.
        self.kernel_cols = chosen;
        for (k, c) in self.kernel_cols.iter().enumerate() {
            self.col_pos[*c] = k;
        }
        // A small shift of every right-hand side, fixed per row: without it most pivots
        // are degenerate (cover rows met exactly, slacks basic at zero) and Dantzig's rule
        // stalls for thousands of them (Curtois 19's second master: 33 000 pivots, no end).
        let mut rng = StdRng::seed_from_u64(0x5EED);
        self.shift = (0..covers + p.employees)
            .map(|_| SHIFT * (1.0 + rng.random::<f64>()))
            .collect();
        let mut load: Vec<f64> = p
            .requirement
            .iter()
            .zip(&self.shift)
            .map(|(b, s)| b + s)
            .collect();
        for c in &self.kernel_cols {
            let x = 1.0 + self.shift[covers + p.columns[*c].employee];
            for r in &p.columns[*c].rows {
                load[*r as usize] -= x;
            }
        }
        for (r, rest) in load.into_iter().enumerate() {
            self.slack[r] = if rest >= 0.0 {
                Slack::Under
            } else {
                Slack::Over
            };
        }
        let n = p.employees;
        self.stride = n.max(1);
        self.inv = vec![0.0; n * n];
        for k in 0..n {
            self.inv[k * self.stride + k] = 1.0;
        }
        self.updates = 0;
        self.recompute_values(p);
        Some(())
    }

    /// The kernel's inverse afresh by Gauss–Jordan elimination with partial pivoting;
    /// false when it is singular.
    fn reinvert(&mut self, p: &Programme<'_>) -> bool {
        let n = self.kernel_cols.len();
        if n != self.kernel_rows.len() {
            return false;
        }
        let covers = p.requirement.len();
        // m[i * n + j]: kernel row i in kernel column j; the inverse is built beside it.
        let mut m = vec![0.0_f64; n * n];
        for (j, c) in self.kernel_cols.iter().enumerate() {
            let col = &p.columns[*c];
            for r in col
                .rows
                .iter()
                .map(|r| *r as usize)
                .chain([covers + col.employee])
            {
                let i = self.row_pos[r];
                if i != NONE {
                    m[i * n + j] = 1.0;
                }
            }
        }
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            inv[i * n + i] = 1.0;
        }
        // Row operations on [m | inv]; afterwards inv = m⁻¹ with m's rows as inv's rows
        // permuted, which the swaps keep aligned.
        for j in 0..n {
            let Some(best) =
                (j..n).max_by(|a, b| m[a * n + j].abs().total_cmp(&m[b * n + j].abs()))
            else {
                return false;
            };
            let pivot = m[best * n + j];
            if pivot.abs() < 1e-9 {
                return false;
            }
            if best != j {
                for k in 0..n {
                    m.swap(best * n + k, j * n + k);
                    inv.swap(best * n + k, j * n + k);
                }
            }
            let scale = 1.0 / pivot;
            for k in 0..n {
                m[j * n + k] *= scale;
                inv[j * n + k] *= scale;
            }
            for i in 0..n {
                let f = m[i * n + j];
                if i == j || f == 0.0 {
                    continue;
                }
                for k in 0..n {
                    m[i * n + k] -= f * m[j * n + k];
                    inv[i * n + k] -= f * inv[j * n + k];
                }
            }
        }
        // Now inv = m⁻¹ (kernel columns × kernel rows): row j of m⁻¹ belongs to column j.
        self.stride = n.max(1);
        self.inv = inv;
        self.updates = 0;
        true
    }

    /// Basic values from the right-hand side (perturbed, or as given): the kernel's
    /// columns by its inverse, then each slack takes up its row's difference.
    fn values(&self, p: &Programme<'_>, perturbed: bool) -> (Vec<f64>, Vec<f64>) {
        let covers = p.requirement.len();
        let n = self.kernel_cols.len();
        let rhs = |r: usize| {
            let b = if r < covers { p.requirement[r] } else { 1.0 };
            if perturbed { b + self.shift[r] } else { b }
        };
        let b: Vec<f64> = self.kernel_rows.iter().map(|r| rhs(*r)).collect();
        let col_value: Vec<f64> = (0..n)
            .map(|k| {
                let row = &self.inv[k * self.stride..k * self.stride + n];
                row.iter().zip(&b).map(|(a, b)| a * b).sum()
            })
            .collect();
        let mut load = vec![0.0; covers];
        for (c, x) in self.kernel_cols.iter().zip(&col_value) {
            for r in &p.columns[*c].rows {
                load[*r as usize] += x;
            }
        }
        let slack_value = (0..covers)
            .map(|r| match self.slack[r] {
                Slack::None => 0.0,
                Slack::Under => rhs(r) - load[r],
                Slack::Over => load[r] - rhs(r),
            })
            .collect();
        (col_value, slack_value)
    }

    fn recompute_values(&mut self, p: &Programme<'_>) {
        (self.col_value, self.slack_value) = self.values(p, true);
    }

    /// A column's cost in `phase`.
    fn cost(p: &Programme<'_>, phase: Phase, c: usize) -> f64 {
        match phase {
            Phase::Clear => f64::from(u8::from(!p.allowed[c])),
            Phase::Optimise => p.columns[c].cost,
        }
    }

    /// The duals of every row: a basic slack fixes its row's; the kernel's rows follow from
    /// the basic columns' costs.
    fn duals(&self, p: &Programme<'_>, phase: Phase) -> Vec<f64> {
        let covers = p.requirement.len();
        let mut y = vec![0.0; covers + p.employees];
        if phase == Phase::Optimise {
            for (r, y) in y.iter_mut().take(covers).enumerate() {
                *y = match self.slack[r] {
                    Slack::Under => p.under[r],
                    Slack::Over => -p.over[r],
                    Slack::None => 0.0,
                };
            }
        }
        let n = self.kernel_cols.len();
        let mut g = Vec::with_capacity(n);
        for c in &self.kernel_cols {
            let col = &p.columns[*c];
            let covered: f64 = col
                .rows
                .iter()
                .filter(|r| self.slack[**r as usize] != Slack::None)
                .map(|r| y[*r as usize])
                .sum();
            g.push(Self::cost(p, phase, *c) - covered);
        }
        let mut kernel = vec![0.0; n];
        for (k, gk) in g.iter().enumerate() {
            if *gk == 0.0 {
                continue;
            }
            let row = &self.inv[k * self.stride..k * self.stride + n];
            for (y, a) in kernel.iter_mut().zip(row) {
                *y += gk * a;
            }
        }
        for (i, r) in self.kernel_rows.iter().enumerate() {
            y[*r] = kernel[i];
        }
        y
    }

    /// The entering variable's column in terms of the basis: `alpha_k` per kernel column,
    /// `alpha_s` per cover row with a basic slack (zero elsewhere).
    fn ftran(
        &self,
        p: &Programme<'_>,
        entering: Entering,
        alpha_k: &mut Vec<f64>,
        alpha_s: &mut [f64],
    ) {
        let covers = p.requirement.len();
        let n = self.kernel_cols.len();
        alpha_k.clear();
        alpha_k.resize(n, 0.0);
        alpha_s.fill(0.0);
        // The entering column's entries on kernel rows, and on rows with a basic slack.
        let mut add_kernel = |i: usize, v: f64| {
            for (k, a) in alpha_k.iter_mut().enumerate() {
                *a += v * self.inv[k * self.stride + i];
            }
        };
        match entering {
            Entering::Column(c) => {
                let col = &p.columns[c];
                for r in col
                    .rows
                    .iter()
                    .map(|r| *r as usize)
                    .chain([covers + col.employee])
                {
                    let i = self.row_pos[r];
                    if i != NONE {
                        add_kernel(i, 1.0);
                    } else if r < covers {
                        alpha_s[r] += 1.0;
                    }
                }
            }
            Entering::Slack(r, sign) => add_kernel(self.row_pos[r], sign),
        }
        // A basic slack takes up what the kernel's columns move on its row: its column is
        // ±(row), so its entry is ±(entering − Σ kernel columns · alpha_k) there.
        for (k, c) in self.kernel_cols.iter().enumerate() {
            let a = alpha_k[k];
            if a == 0.0 {
                continue;
            }
            for r in &p.columns[*c].rows {
                let r = *r as usize;
                if self.slack[r] != Slack::None {
                    alpha_s[r] -= a;
                }
            }
        }
        for (r, a) in alpha_s.iter_mut().enumerate() {
            match self.slack[r] {
                Slack::None => *a = 0.0,
                Slack::Under => {}
                Slack::Over => *a = -*a,
            }
        }
    }

    /// Harris' ratio test: the leaving variable and the step, or `None` if unbounded.
    fn ratio(
        &self,
        p: &Programme<'_>,
        phase: Phase,
        alpha_k: &[f64],
        alpha_s: &[f64],
    ) -> Option<(Leaving, f64)> {
        // Each candidate: (step to its bound, step with the tolerance, pivot size, who).
        let mut candidates: Vec<(f64, f64, f64, Leaving)> = Vec::new();
        for (k, (&a, &x)) in alpha_k.iter().zip(&self.col_value).enumerate() {
            let held = phase == Phase::Optimise && !p.allowed[self.kernel_cols[k]];
            // A value a rounding below its bound counts as at it.
            if a > PIVOT {
                let x = x.max(0.0);
                candidates.push((x / a, (x + FEASIBILITY) / a, a, Leaving::Column(k)));
            } else if held && a < -PIVOT {
                // Held at zero: it may not rise either.
                let x = (-x).max(0.0);
                candidates.push((x / -a, (x + FEASIBILITY) / -a, -a, Leaving::Column(k)));
            }
        }
        for (r, &a) in alpha_s.iter().enumerate() {
            if a > PIVOT && self.slack[r] != Slack::None {
                let x = self.slack_value[r].max(0.0);
                candidates.push((x / a, (x + FEASIBILITY) / a, a, Leaving::Slack(r)));
            }
        }
        let bound = candidates.iter().map(|c| c.1).min_by(f64::total_cmp)?;
        // Of those within the bound, the largest pivot.
        candidates
            .into_iter()
            .filter(|c| c.0 <= bound)
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .map(|c| (c.3, c.0))
    }

    /// Brings `entering` into the basis in place of `leaving`, updating the kernel's
    /// inverse; false when the pivot element is too small.
    fn pivot(
        &mut self,
        p: &Programme<'_>,
        entering: Entering,
        leaving: Leaving,
        theta: f64,
        alpha_k: &[f64],
        alpha_s: &[f64],
    ) -> bool {
        self.updates += 1;
        match (entering, leaving) {
            (Entering::Column(q), Leaving::Column(j)) => {
                // Column replaces column: the product-form update.
                let n = self.kernel_cols.len();
                let w = alpha_k;
                if w[j].abs() < PIVOT {
                    return false;
                }
                let s = self.stride;
                let pivot_row: Vec<f64> = self.inv[j * s..j * s + n]
                    .iter()
                    .map(|v| v / w[j])
                    .collect();
                for (k, wk) in w.iter().enumerate() {
                    if k == j || *wk == 0.0 {
                        continue;
                    }
                    for (a, b) in self.inv[k * s..k * s + n].iter_mut().zip(&pivot_row) {
                        *a -= wk * b;
                    }
                }
                self.inv[j * s..j * s + n].copy_from_slice(&pivot_row);
                self.col_pos[self.kernel_cols[j]] = NONE;
                self.kernel_cols[j] = q;
                self.col_pos[q] = j;
                self.col_value[j] = theta;
            }
            (Entering::Column(q), Leaving::Slack(r)) => {
                // The column takes the slack's row: the kernel grows by a row and a column.
                // With w = inv·a[R], v = A[r,K]·inv and s = a[r] − A[r,K]·w:
                // inv' = [[inv + w v / s, −w / s], [−v / s, 1 / s]].
                let n = self.kernel_cols.len();
                let w = alpha_k;
                let a_r = if p.columns[q].rows.binary_search(&(r as u32)).is_ok() {
                    1.0
                } else {
                    0.0
                };
                let s_old = self.stride;
                let mut v = vec![0.0; n];
                let mut a_rk_w = 0.0;
                for (k, c) in self.kernel_cols.iter().enumerate() {
                    if p.columns[*c].rows.binary_search(&(r as u32)).is_ok() {
                        for (vi, a) in v.iter_mut().zip(&self.inv[k * s_old..k * s_old + n]) {
                            *vi += a;
                        }
                        a_rk_w += w[k];
                    }
                }
                let s = a_r - a_rk_w;
                if s.abs() < PIVOT {
                    return false;
                }
                let m = n + 1;
                let stride = if m > s_old { (2 * m).max(16) } else { s_old };
                let mut inv = if stride == s_old {
                    std::mem::take(&mut self.inv)
                } else {
                    let mut grown = vec![0.0; stride * stride];
                    for k in 0..n {
                        grown[k * stride..k * stride + n]
                            .copy_from_slice(&self.inv[k * s_old..k * s_old + n]);
                    }
                    grown
                };
                if inv.len() < stride * stride {
                    inv.resize(stride * stride, 0.0);
                }
                for k in 0..n {
                    let wk = w[k] / s;
                    let row = &mut inv[k * stride..k * stride + n];
                    if wk != 0.0 {
                        for (a, vi) in row.iter_mut().zip(&v) {
                            *a += wk * vi;
                        }
                    }
                    inv[k * stride + n] = -wk;
                }
                for (i, vi) in v.iter().enumerate() {
                    inv[n * stride + i] = -vi / s;
                }
                inv[n * stride + n] = 1.0 / s;
                self.inv = inv;
                self.stride = stride;
                self.slack[r] = Slack::None;
                self.slack_value[r] = 0.0;
                self.kernel_rows.push(r);
                self.row_pos[r] = n;
                self.kernel_cols.push(q);
                self.col_pos[q] = n;
                self.col_value.push(theta);
            }
            (Entering::Slack(r, sign), Leaving::Column(j)) => {
                // The slack takes the column's place and covers its row: the kernel loses
                // row r (position i) and column j. inv' = inv₋ⱼ₋ᵢ − inv₋ⱼ,ᵢ · invⱼ,₋ᵢ / invⱼᵢ.
                let n = self.kernel_cols.len();
                let s = self.stride;
                let i = self.row_pos[r];
                let z = self.inv[j * s + i];
                if z.abs() < PIVOT {
                    return false;
                }
                let row_j: Vec<f64> = self.inv[j * s..j * s + n].to_vec();
                for k in 0..n {
                    if k == j {
                        continue;
                    }
                    let f = self.inv[k * s + i] / z;
                    if f != 0.0 {
                        for (a, b) in self.inv[k * s..k * s + n].iter_mut().zip(&row_j) {
                            *a -= f * b;
                        }
                    }
                }
                // Remove column position j and row position i by moving the last into them.
                let last = n - 1;
                if j != last {
                    let (head, tail) = self.inv.split_at_mut(last * s);
                    head[j * s..j * s + n].copy_from_slice(&tail[..n]);
                }
                if i != last {
                    for k in 0..last {
                        self.inv[k * s + i] = self.inv[k * s + last];
                    }
                }
                self.col_pos[self.kernel_cols[j]] = NONE;
                self.kernel_cols.swap_remove(j);
                self.col_value.swap_remove(j);
                if j < last {
                    self.col_pos[self.kernel_cols[j]] = j;
                }
                self.row_pos[r] = NONE;
                self.kernel_rows.swap_remove(i);
                if i < last {
                    self.row_pos[self.kernel_rows[i]] = i;
                }
                self.slack[r] = if sign > 0.0 {
                    Slack::Under
                } else {
                    Slack::Over
                };
                self.slack_value[r] = theta;
            }
            (Entering::Slack(r, sign), Leaving::Slack(r2)) => {
                // Row r leaves the kernel for row r2 at the same position: Sherman–Morrison
                // with the row's change δ = A[r2,K] − A[r,K]; inv' = inv − inv[:,i] (δ inv) /
                // (A[r2,K] inv[:,i]).
                let n = self.kernel_cols.len();
                let s = self.stride;
                let i = self.row_pos[r];
                let covers_r2: Vec<usize> = (0..n)
                    .filter(|k| {
                        p.columns[self.kernel_cols[*k]]
                            .rows
                            .binary_search(&(r2 as u32))
                            .is_ok()
                    })
                    .collect();
                let column_i: Vec<f64> = (0..n).map(|k| self.inv[k * s + i]).collect();
                let denominator: f64 = covers_r2.iter().map(|k| column_i[*k]).sum();
                if denominator.abs() < PIVOT || alpha_s[r2].abs() < PIVOT {
                    return false;
                }
                // δ·inv = A[r2,K]·inv − e_i (row r of M times inv is e_i).
                let mut delta = vec![0.0; n];
                for k in &covers_r2 {
                    for (d, a) in delta.iter_mut().zip(&self.inv[k * s..k * s + n]) {
                        *d += a;
                    }
                }
                delta[i] -= 1.0;
                for (k, ci) in column_i.iter().enumerate() {
                    let f = ci / denominator;
                    if f != 0.0 {
                        for (a, d) in self.inv[k * s..k * s + n].iter_mut().zip(&delta) {
                            *a -= f * d;
                        }
                    }
                }
                self.kernel_rows[i] = r2;
                self.row_pos[r2] = i;
                self.row_pos[r] = NONE;
                self.slack[r2] = Slack::None;
                self.slack_value[r2] = 0.0;
                self.slack[r] = if sign > 0.0 {
                    Slack::Under
                } else {
                    Slack::Over
                };
                self.slack_value[r] = theta;
            }
        }
        true
    }

    /// The optimum at the unshifted right-hand sides: the basis stays optimal (its duals do
    /// not depend on them), and the values move by no more than the shifts.
    fn optimum(&self, p: &Programme<'_>) -> Optimum {
        let mut value = vec![0.0; p.columns.len()];
        let mut objective = 0.0;
        let (col_value, slack_value) = self.values(p, false);
        for (c, x) in self.kernel_cols.iter().zip(&col_value) {
            let x = x.max(0.0);
            value[*c] = x;
            objective += x * p.columns[*c].cost;
        }
        for (r, x) in slack_value.iter().enumerate() {
            objective += x.max(0.0)
                * match self.slack[r] {
                    Slack::Under => p.under[r],
                    Slack::Over => p.over[r],
                    Slack::None => 0.0,
                };
        }
        Optimum {
            objective,
            value,
            dual: self.duals(p, Phase::Optimise),
        }
    }
}

/// `Σ values[i]` over `at`, in four independent sums: the pricing's inner loop, where one
/// running sum waits on each addition.
fn gather(values: &[f64], at: &[u32]) -> f64 {
    let mut sums = [0.0; 4];
    let mut chunks = at.chunks_exact(4);
    for c in &mut chunks {
        for (s, i) in sums.iter_mut().zip(c) {
            *s += values[*i as usize];
        }
    }
    let rest: f64 = chunks.remainder().iter().map(|i| values[*i as usize]).sum();
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + rest
}

/// Reduced costs and Devex reference weights of every non-basic candidate: columns by
/// index, slacks by cover row (under, over).
struct Pricing {
    column: Vec<(f64, f64)>,
    slack: Vec<[(f64, f64); 2]>,
}

impl Pricing {
    fn new(s: &Simplex, p: &Programme<'_>, phase: Phase) -> Self {
        let mut pricing = Self {
            column: vec![(0.0, 1.0); p.columns.len()],
            slack: vec![[(0.0, 1.0); 2]; p.requirement.len()],
        };
        pricing.refresh(s, p, phase);
        pricing
    }

    /// Reduced costs afresh from the duals; the weights stay.
    fn refresh(&mut self, s: &Simplex, p: &Programme<'_>, phase: Phase) {
        let covers = p.requirement.len();
        let y = s.duals(p, phase);
        for (c, col) in p.columns.iter().enumerate() {
            if p.allowed[c] && s.col_pos[c] == NONE {
                self.column[c].0 =
                    Simplex::cost(p, phase, c) - y[covers + col.employee] - gather(&y, &col.rows);
            }
        }
        for (r, (slack, y)) in self.slack.iter_mut().zip(&y).enumerate() {
            let (under, over) = match phase {
                Phase::Clear => (0.0, 0.0),
                Phase::Optimise => (p.under[r], p.over[r]),
            };
            slack[0].0 = under - y;
            slack[1].0 = over + y;
        }
    }

    /// The candidate with the largest d²/w among those with d below −[`OPTIMALITY`].
    fn select(&self, s: &Simplex, p: &Programme<'_>) -> Option<Entering> {
        let covers = p.requirement.len();
        let mut best: Option<(f64, Entering)> = None;
        let mut consider = |(d, w): (f64, f64), e: Entering| {
            if d < -OPTIMALITY {
                let score = d * d / w;
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, e));
                }
            }
        };
        for (c, dw) in self.column.iter().enumerate() {
            if p.allowed[c] && s.col_pos[c] == NONE {
                consider(*dw, Entering::Column(c));
            }
        }
        for &r in &s.kernel_rows {
            if r < covers {
                consider(self.slack[r][0], Entering::Slack(r, 1.0));
                consider(self.slack[r][1], Entering::Slack(r, -1.0));
            }
        }
        best.map(|b| b.1)
    }

    /// Reduced costs and weights after the pivot, from the pivot row `rho` (taken before
    /// the basis changes) and the pivot element.
    fn update(
        &mut self,
        s: &Simplex,
        p: &Programme<'_>,
        entering: Entering,
        leaving: Leaving,
        pivot: f64,
        rho: &[f64],
    ) {
        let covers = p.requirement.len();
        let (d_q, w_q) = match entering {
            Entering::Column(c) => self.column[c],
            Entering::Slack(r, sign) => self.slack[r][usize::from(sign < 0.0)],
        };
        let step = d_q / pivot;
        let ratio_weight = w_q / (pivot * pivot);
        let apply = |dw: &mut (f64, f64), alpha: f64| {
            if alpha != 0.0 {
                dw.0 -= step * alpha;
                dw.1 = dw.1.max(alpha * alpha * ratio_weight);
            }
        };
        for (c, col) in p.columns.iter().enumerate() {
            if !p.allowed[c] || s.col_pos[c] != NONE {
                continue;
            }
            let alpha = rho[covers + col.employee] + gather(rho, &col.rows);
            apply(&mut self.column[c], alpha);
        }
        for (slack, &a) in self.slack.iter_mut().zip(&rho[..covers]) {
            if a != 0.0 {
                apply(&mut slack[0], a);
                apply(&mut slack[1], -a);
            }
        }
        // The entering variable is basic now; the leaving one prices at −step.
        let leaving_dw = (-step, ratio_weight.max(1.0));
        match entering {
            Entering::Column(c) => self.column[c] = (0.0, w_q),
            Entering::Slack(r, sign) => self.slack[r][usize::from(sign < 0.0)] = (0.0, w_q),
        }
        match leaving {
            Leaving::Column(j) => self.column[s.kernel_cols[j]] = leaving_dw,
            Leaving::Slack(r) => {
                let which = usize::from(s.slack[r] == Slack::Over);
                self.slack[r][which] = leaving_dw;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Minimise the sum of the columns no longer allowed.
    Clear,
    Optimise,
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use clarabel::algebra::CscMatrix;
    use clarabel::solver::{DefaultSettingsBuilder, DefaultSolver, IPSolver, SupportedConeT};
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::{Col, NONE, Programme, Simplex, Slack};

    impl Simplex {
        /// How far the kernel's inverse and the basic values are from exact.
        fn error(&self, p: &Programme<'_>) -> f64 {
            let covers = p.requirement.len();
            let n = self.kernel_cols.len();
            let mut worst: f64 = 0.0;
            // M · inv = I.
            for (i, r) in self.kernel_rows.iter().enumerate() {
                for i2 in 0..n {
                    let mut sum = 0.0;
                    for (k, c) in self.kernel_cols.iter().enumerate() {
                        let col = &p.columns[*c];
                        let has = if *r < covers {
                            col.rows.contains(&(*r as u32))
                        } else {
                            col.employee == r - covers
                        };
                        if has {
                            sum += self.inv[k * self.stride + i2];
                        }
                    }
                    let want = if i == i2 { 1.0 } else { 0.0 };
                    worst = worst.max((sum - want).abs());
                }
            }
            // B x = b on every row.
            let mut load = vec![0.0; covers + p.employees];
            for (c, x) in self.kernel_cols.iter().zip(&self.col_value) {
                for r in &p.columns[*c].rows {
                    load[*r as usize] += x;
                }
                load[covers + p.columns[*c].employee] += x;
            }
            for (r, l) in load.iter_mut().take(covers).enumerate() {
                match self.slack[r] {
                    Slack::Under => *l += self.slack_value[r],
                    Slack::Over => *l -= self.slack_value[r],
                    Slack::None => {}
                }
                worst = worst.max((*l - p.requirement[r] - self.shift[r]).abs());
            }
            for e in 0..p.employees {
                worst = worst.max((load[covers + e] - 1.0 - self.shift[covers + e]).abs());
            }
            for (k, c) in self.kernel_cols.iter().enumerate() {
                assert_eq!(self.col_pos[*c], k);
            }
            for (i, r) in self.kernel_rows.iter().enumerate() {
                assert_eq!(self.row_pos[*r], i);
                if *r < covers {
                    assert_eq!(self.slack[*r], Slack::None);
                }
            }
            assert_eq!(self.kernel_rows.len(), n);
            assert!(self.col_pos.iter().filter(|p| **p != NONE).count() == n);
            worst
        }
    }

    /// The programme's optimum by Clarabel.
    fn interior(p: &Programme<'_>) -> f64 {
        let covers = p.requirement.len();
        let cols: Vec<usize> = (0..p.columns.len()).filter(|c| p.allowed[*c]).collect();
        let n_eq = covers + p.employees;
        let n_var = cols.len() + 2 * covers;
        let (mut colptr, mut rowval, mut nzval, mut q) = (vec![0], vec![], vec![], vec![]);
        for (k, c) in cols.iter().enumerate() {
            let col = &p.columns[*c];
            for r in &col.rows {
                rowval.push(*r as usize);
                nzval.push(1.0);
            }
            rowval.push(covers + col.employee);
            nzval.push(1.0);
            rowval.push(n_eq + k);
            nzval.push(-1.0);
            colptr.push(rowval.len());
            q.push(col.cost);
        }
        for r in 0..covers {
            for (sign, w) in [(1.0, p.under[r]), (-1.0, p.over[r])] {
                let k = colptr.len() - 1;
                rowval.push(r);
                nzval.push(sign);
                rowval.push(n_eq + k);
                nzval.push(-1.0);
                colptr.push(rowval.len());
                q.push(w);
            }
        }
        let mut b = vec![0.0; n_eq + n_var];
        b[..covers].copy_from_slice(p.requirement);
        for e in 0..p.employees {
            b[covers + e] = 1.0;
        }
        let a = CscMatrix::new(n_eq + n_var, n_var, colptr, rowval, nzval);
        let pm = CscMatrix::zeros((n_var, n_var));
        let cones = [
            SupportedConeT::ZeroConeT(n_eq),
            SupportedConeT::NonnegativeConeT(n_var),
        ];
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .build()
            .unwrap_or_default();
        let mut solver = DefaultSolver::new(&pm, &q, &a, &b, &cones, settings)
            .unwrap_or_else(|_| unreachable!());
        solver.solve();
        solver.solution.obj_val
    }

    fn random_columns(rng: &mut StdRng, covers: usize, employees: usize, n: usize) -> Vec<Col> {
        (0..n)
            .map(|i| {
                let employee = if i < employees {
                    i
                } else {
                    rng.random_range(0..employees)
                };
                let mut rows: Vec<u32> = (0..covers as u32)
                    .filter(|_| rng.random_bool(0.3))
                    .collect();
                rows.dedup();
                Col {
                    employee,
                    rows,
                    cost: f64::from(rng.random_range(0..20u32)),
                }
            })
            .collect()
    }

    #[test]
    fn warm_solves_match_the_interior_point_optimum_as_columns_come_and_go() {
        for seed in 0..60u64 {
            let big = seed >= 40;
            let mut rng = StdRng::seed_from_u64(seed);
            let covers = if big {
                rng.random_range(50..200)
            } else {
                rng.random_range(1..12)
            };
            let employees = if big {
                rng.random_range(10..40)
            } else {
                rng.random_range(1..8)
            };
            let requirement: Vec<f64> = (0..covers)
                .map(|_| f64::from(rng.random_range(0..4u32)))
                .collect();
            let under = vec![100.0; covers];
            let over = vec![1.0; covers];
            let mut columns = random_columns(&mut rng, covers, employees, employees + 5);
            let mut simplex = Simplex::default();
            let until = Instant::now() + Duration::from_secs(60);
            for round in 0..8 {
                let mut allowed: Vec<bool> = vec![true; columns.len()];
                if round % 3 == 2 {
                    // Some columns may no longer take part (each employee keeps one).
                    for (c, col) in columns.iter().enumerate() {
                        if c != col.employee && rng.random_bool(0.5) {
                            allowed[c] = false;
                        }
                    }
                }
                let p = Programme {
                    requirement: &requirement,
                    under: &under,
                    over: &over,
                    employees,
                    columns: &columns,
                    allowed: &allowed,
                };
                let Some(optimum) = simplex.solve(&p, until) else {
                    panic!("seed {seed} round {round}: the simplex gave up");
                };
                assert!(
                    simplex.error(&p) < 1e-6,
                    "seed {seed} round {round}: {}",
                    simplex.error(&p)
                );
                let want = interior(&p);
                assert!(
                    (optimum.objective - want).abs() < 1e-4 * want.abs().max(1.0),
                    "seed {seed} round {round}: {} against {want}",
                    optimum.objective
                );
                // The duals price every allowed column at zero or more.
                for (c, col) in columns.iter().enumerate().filter(|(c, _)| allowed[*c]) {
                    let d = col.cost
                        - optimum.dual[covers + col.employee]
                        - col
                            .rows
                            .iter()
                            .map(|r| optimum.dual[*r as usize])
                            .sum::<f64>();
                    assert!(d > -1e-6, "seed {seed} round {round} column {c}: {d}");
                }
                let more = random_columns(
                    &mut rng,
                    covers,
                    employees,
                    if big { 3 * employees } else { 6 },
                );
                columns.extend(more);
            }
        }
    }
}
