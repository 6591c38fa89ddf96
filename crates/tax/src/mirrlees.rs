//! The optimal NONLINEAR income tax (Mirrlees 1971) for quasi-linear utility, by the
//! Diamond (1998) "ABC" fixed point.
//!
//! Agents with skill n have utility u = c - l^(1+1/e)/(1+1/e) and face a smooth schedule T(z)
//! whose revenue is rebated lump-sum (the schedule's net tax has mean zero). The planner
//! maximises a social welfare function of the form mean Psi(u); the optimal marginal rates
//! satisfy
//!
//! ```text
//! T'(n)/(1 - T'(n)) = (1 + 1/e) * ((1 - F(n)) / (n f(n))) * C(n),
//! C(n) = (1/(1 - F(n))) * integral_n^top (1 - g(m)) dF(m),   g = Psi'(u) / mean Psi'(u),
//! ```
//!
//! which is a fixed point because g depends on the allocation. [`solve_mirrlees`] iterates
//! T' -> labour l = ((1 - T') n)^e -> income z = n l -> consumption and utility (envelope
//! condition, budget balance) -> weights g -> ABC update until the marginal rates stop
//! changing, by the core's damped, Anderson-accelerated fixed-point iteration
//! ([`walras_core::try_fixed_point`]): on the default problem 12 evaluations of the map where
//! the plain damped iteration takes 28 (and 3 where the weights do not depend on the
//! allocation: power weights, Rawls). It lets users see how far any bracket schedule is from
//! the unrestricted optimum.
//!
//! Discretisation. The skill distribution is truncated to the quantiles [q_lo, q_hi] and
//! renormalised; the grid is evenly spaced in quantile space (skills n_i = F^-1(q_i)), so the
//! tails are resolved, and the quadrature is the trapezoid rule in quantile space (weights are
//! CDF differences: half a step at either end, a full step inside, summing to one). The tail
//! integral of C(n) is the same trapezoid rule restricted to [q_i, q_hi], so it vanishes at the
//! bottom (the weights have mean one) and at the top. The envelope condition
//! u'(n) = l^(1+1/e)/n is integrated in its equivalent form c'(n) = (1 - T'(n)) z'(n) (the two
//! agree given the agents' first-order condition) with the trapezoid rule in income: the
//! reported `tax` is then exactly the integral of the reported marginal rates (linearly
//! interpolated in income), so the allocation is implemented by the reported schedule. The
//! level of consumption is pinned by budget balance (mean consumption = mean income).
//!
//! Bunching is not ironed (the first-order approach): the schedule is implementable when
//! income rises with skill. That holds in the usual cases (e.g. log welfare, lognormal skills,
//! the default truncation), but with strong redistribution (e.g. Atkinson eps = 2, truncation
//! at q_lo = 0.01) the marginal rate climbs so steeply from 0 at the bottom of the truncated
//! support that income falls with skill over a short range there: the true optimum bunches
//! those types. The same happens where the skill density jumps (the lognormal-Pareto density is
//! discontinuous where the tail starts, so T' jumps up there).
//! [`MirrleesSchedule::non_monotone_income`] lists such grid points.

use serde::Serialize;
use walras_core::{check, try_fixed_point, EngineError, FixedPointOptions};

use crate::error::{invalid, Result, TaxError};
use crate::skills::SkillDistribution;
use crate::swf::Swf;

/// Default Anderson memory of the ABC iteration (see [`MirrleesOptions::anderson_memory`]).
const ANDERSON: usize = 5;

/// Options of [`solve_mirrlees`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MirrleesOptions {
    /// Number of skill grid points, >= 10 (default 400).
    pub grid: usize,
    /// Quantiles (q_lo, q_hi) at which the skill distribution is truncated (and renormalised),
    /// 0 <= q_lo < q_hi < 1 (default (0.001, 0.999)). q_lo = 0 is allowed only where the
    /// support has a positive lower bound (Pareto); q_hi must be < 1 because every
    /// [`SkillDistribution`] has unbounded support above.
    pub truncate: (f64, f64),
    /// Damping d in (0, 1] of the basic step T' <- (1 - d) T' + d T'_ABC (default 0.5).
    pub damping: f64,
    /// Convergence tolerance on max |T'_ABC - T'| over the grid, > 0 (default 1e-9).
    pub tol: f64,
    /// Maximum number of fixed-point iterations (evaluations of the ABC map), >= 1 (default
    /// 20,000).
    pub max_iter: usize,
    /// Past iterates that Anderson acceleration mixes into each step, at most 100 (0 = the
    /// plain damped iteration; default ANDERSON).
    pub anderson_memory: usize,
}

impl Default for MirrleesOptions {
    fn default() -> Self {
        Self {
            grid: 400,
            truncate: (0.001, 0.999),
            damping: 0.5,
            tol: 1e-9,
            max_iter: 20_000,
            anderson_memory: ANDERSON,
        }
    }
}

/// The most skill grid points a Mirrlees schedule may use.
pub const MAX_GRID: usize = 100_000;

impl MirrleesOptions {
    /// Check the options; errors name the bad field and its value.
    pub fn validate(&self) -> Result<()> {
        if self.grid < 10 {
            return Err(invalid("grid", self.grid, "need at least 10 grid points"));
        }
        if self.grid > MAX_GRID {
            return Err(invalid(
                "grid",
                self.grid,
                &format!("at most {MAX_GRID} grid points (the schedule converges long before)"),
            ));
        }
        let (lo, hi) = self.truncate;
        if !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo < hi && hi < 1.0) {
            return Err(invalid(
                "truncate",
                format!("({lo}, {hi})"),
                "need quantiles 0 <= q_lo < q_hi < 1 (q_hi = 1 would need a bounded support, \
                 and every skill distribution is unbounded above)",
            ));
        }
        check::step_fraction("damping", self.damping)?;
        check::positive("tol", self.tol)?;
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "need at least one iteration"));
        }
        check::at_most("anderson_memory", self.anderson_memory, 100)?;
        Ok(())
    }

    /// The options of the core's fixed-point iteration.
    fn fixed_point(&self) -> FixedPointOptions {
        FixedPointOptions {
            tol: self.tol,
            max_iter: self.max_iter,
            damping: self.damping,
            anderson_memory: self.anderson_memory,
        }
    }
}

/// The optimal nonlinear schedule on the skill grid (all vectors have one entry per grid point,
/// in increasing skill).
#[derive(Clone, Debug, Serialize)]
pub struct MirrleesSchedule {
    /// Skills n_i = F^-1(q_i) at quantiles evenly spaced in [q_lo, q_hi].
    pub skill: Vec<f64>,
    /// Pre-tax income z = n l.
    pub income: Vec<f64>,
    /// Marginal tax rate T'(z) at each agent's income.
    pub marginal_rate: Vec<f64>,
    /// Net tax z - c, including the lump-sum rebate (so its mean under `density` is zero).
    pub tax: Vec<f64>,
    /// Labour l = ((1 - T') n)^e.
    pub labor: Vec<f64>,
    /// Consumption c.
    pub consumption: Vec<f64>,
    /// Utility u = c - l^(1+1/e)/(1+1/e).
    pub utility: Vec<f64>,
    /// Quadrature weights of the grid points under the truncated distribution (trapezoid in
    /// quantile space), summing to one.
    pub density: Vec<f64>,
    /// The SWF's own aggregate under the quadrature: utilitarian mean u; Atkinson mean
    /// u^(1-eps)/(1-eps) (mean ln u at eps = 1); power weights mean g u with g prop. to n^-k of
    /// mean one; Rawls min u; inverse income the 1/max(z, 1)-weighted mean of u.
    pub swf: f64,
    /// The lump-sum transfer (demogrant) G = -T(0): the net schedule extended below the lowest
    /// grid income z_0 at the bottom marginal rate, i.e. G = T'(z_0) z_0 - tax_0. Equivalently
    /// the gross tax tax + G vanishes at zero income, and G is its mean (the revenue rebated),
    /// as for the bracket schedules' transfer.
    pub transfer: f64,
    /// Fixed-point iterations used (evaluations of the ABC map).
    pub iterations: usize,
    /// The final max |T'_ABC - T'| (the undamped change), below the tolerance, at the last
    /// iterate (the reported rates take one more damped step from there).
    pub max_change: f64,
}

impl MirrleesSchedule {
    /// Grid points i where income does not rise with skill (z_i <= z_{i-1}): there the
    /// first-order approach fails and the unrestricted optimum would bunch types (not ironed
    /// here). Empty when the schedule is implementable as reported.
    pub fn non_monotone_income(&self) -> Vec<usize> {
        (1..self.income.len())
            .filter(|&i| self.income[i] <= self.income[i - 1])
            .collect()
    }
}

/// The allocation implied by a marginal-rate schedule on the grid.
struct Allocation {
    labor: Vec<f64>,
    income: Vec<f64>,
    consumption: Vec<f64>,
    utility: Vec<f64>,
    tax: Vec<f64>,
}

fn allocate(skill: &[f64], rate: &[f64], weight: &[f64], e: f64) -> Allocation {
    let p = 1.0 + 1.0 / e;
    let labor: Vec<f64> = skill
        .iter()
        .zip(rate)
        .map(|(n, t)| ((1.0 - t) * n).powf(e))
        .collect();
    let income: Vec<f64> = skill.iter().zip(&labor).map(|(n, l)| n * l).collect();
    // c'(n) = (1 - T') z'(n), trapezoid in z; the level from mean c = mean z.
    let mut cum = vec![0.0; skill.len()];
    for i in 1..skill.len() {
        let slope = 1.0 - 0.5 * (rate[i - 1] + rate[i]);
        cum[i] = cum[i - 1] + slope * (income[i] - income[i - 1]);
    }
    let c0: f64 = weight
        .iter()
        .zip(income.iter().zip(&cum))
        .map(|(w, (z, k))| w * (z - k))
        .sum();
    let consumption: Vec<f64> = cum.iter().map(|k| c0 + k).collect();
    let utility: Vec<f64> = consumption
        .iter()
        .zip(&labor)
        .map(|(c, l)| c - l.powf(p) / p)
        .collect();
    let tax: Vec<f64> = income
        .iter()
        .zip(&consumption)
        .map(|(z, c)| z - c)
        .collect();
    Allocation {
        labor,
        income,
        consumption,
        utility,
        tax,
    }
}

fn not_psi_form() -> crate::error::TaxError {
    invalid(
        "swf",
        "eq-times-prod",
        "equality x productivity is not of the form mean Psi(u), so it has no marginal welfare \
         weights Psi'(u) for the ABC formula; use utilitarian, log, atkinson, power, rawls or \
         inverse-income",
    )
}

fn require_positive_utility(skill: &[f64], utility: &[f64]) -> Result<()> {
    match skill
        .iter()
        .zip(utility)
        .find(|(_, u)| u.is_nan() || **u <= 0.0)
    {
        Some((n, u)) => Err(invalid(
            &format!("utility at skill {n:.6}"),
            format!("{u:.6e}"),
            "Atkinson/log welfare needs u > 0 for every skill (u <= 0 arose in the Mirrlees \
             iteration; use a smaller inequality aversion or another SWF)",
        )),
        None => Ok(()),
    }
}

/// Normalised social marginal welfare weights g (mean one under `weight`), or None for Rawls
/// (handled by the caller).
fn welfare_weights(
    swf: &Swf,
    skill: &[f64],
    alloc: &Allocation,
    weight: &[f64],
) -> Result<Option<Vec<f64>>> {
    let normalise = |psi: Vec<f64>| -> Vec<f64> {
        let mean: f64 = psi.iter().zip(weight).map(|(p, w)| p * w).sum();
        psi.iter().map(|p| p / mean).collect()
    };
    Ok(match *swf {
        Swf::Utilitarian => Some(vec![1.0; skill.len()]),
        Swf::Atkinson { epsilon: 0.0 } => Some(vec![1.0; skill.len()]),
        Swf::Atkinson { epsilon } => {
            require_positive_utility(skill, &alloc.utility)?;
            // u^-eps in log space, scaled by its maximum to avoid overflow.
            let logs: Vec<f64> = alloc.utility.iter().map(|u| -epsilon * u.ln()).collect();
            let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            Some(normalise(logs.iter().map(|x| (x - top).exp()).collect()))
        }
        Swf::PowerWeights { k } => Some(normalise(skill.iter().map(|n| n.powf(-k)).collect())),
        Swf::InverseIncome => Some(normalise(
            alloc.income.iter().map(|z| 1.0 / z.max(1.0)).collect(),
        )),
        Swf::Rawls => None,
        Swf::EqualityTimesProductivity { .. } => return Err(not_psi_form()),
    })
}

fn swf_value(swf: &Swf, skill: &[f64], alloc: &Allocation, weight: &[f64]) -> Result<f64> {
    let mean =
        |f: &dyn Fn(usize) -> f64| -> f64 { (0..skill.len()).map(|i| weight[i] * f(i)).sum() };
    let u = &alloc.utility;
    Ok(match *swf {
        Swf::Utilitarian => mean(&|i| u[i]),
        Swf::Atkinson { epsilon: 0.0 } => mean(&|i| u[i]),
        Swf::Atkinson { epsilon } => {
            require_positive_utility(skill, u)?;
            if (epsilon - 1.0).abs() < 1e-12 {
                mean(&|i| u[i].ln())
            } else {
                mean(&|i| u[i].powf(1.0 - epsilon) / (1.0 - epsilon))
            }
        }
        Swf::PowerWeights { k } => {
            let norm = mean(&|i| skill[i].powf(-k));
            mean(&|i| skill[i].powf(-k) / norm * u[i])
        }
        Swf::InverseIncome => {
            let omega = |i: usize| 1.0 / alloc.income[i].max(1.0);
            mean(&|i| omega(i) * u[i]) / mean(&omega)
        }
        Swf::Rawls => u.iter().cloned().fold(f64::INFINITY, f64::min),
        Swf::EqualityTimesProductivity { .. } => return Err(not_psi_form()),
    })
}

/// The optimal nonlinear income tax for quasi-linear utility with labour elasticity
/// `elasticity`, skills from `dist` truncated to `options.truncate`, and the planner's `swf`,
/// by the Diamond (1998) ABC fixed point, damped and Anderson-accelerated (see the module
/// documentation for the discretisation).
///
/// SWFs enter through their marginal welfare weights g = Psi'(u)/mean Psi'(u):
/// - utilitarian: g = 1, so T' = 0 everywhere and nobody pays tax;
/// - Atkinson(eps): Psi'(u) = u^-eps (log at eps = 1); needs u > 0 (an error names the skill
///   otherwise);
/// - power weights: exogenous g prop. to n^-k, mean one over the truncated distribution;
/// - inverse income: g prop. to 1/max(z, 1) on pre-tax income (the AI Economist's weights);
/// - Rawls: g = 0 for everyone above the lowest skill, all weight a point mass at the bottom
///   of the support. The point mass lies at the bottom edge, not inside (n, top], so C(n) = 1 at
///   every grid point, the bottom one included (the limit from above); T' then follows from the
///   distribution alone (for Pareto skills it is the flat (1+e)/(1+e+e alpha), up to the
///   truncation near the top).
///
/// Equality x productivity is not of the form mean Psi(u) and is rejected.
///
/// Errors: invalid elasticity or options (naming the field), a truncation that puts a skill at
/// 0 or infinity, and non-convergence (carrying the iteration count and the last change).
///
/// ```
/// use walras_tax::{solve_mirrlees, MirrleesOptions, SkillDistribution, Swf};
/// let dist = SkillDistribution::Lognormal { mu: 0.0, sigma: 0.5 };
/// let opt = solve_mirrlees(&dist, 0.5, &Swf::Atkinson { epsilon: 1.0 }, &MirrleesOptions::default())
///     .unwrap();
/// let top = opt.marginal_rate.iter().cloned().fold(0.0, f64::max);
/// assert!(top > 0.1 && top < 0.9);
/// ```
pub fn solve_mirrlees(
    dist: &SkillDistribution,
    elasticity: f64,
    swf: &Swf,
    options: &MirrleesOptions,
) -> Result<MirrleesSchedule> {
    dist.validate()?;
    swf.validate()?;
    options.validate()?;
    let e = elasticity;
    crate::utility::check_elasticity("elasticity", e)?;
    if let Swf::EqualityTimesProductivity { .. } = swf {
        return Err(not_psi_form());
    }

    // Grid evenly spaced in quantile space, trapezoid weights from CDF differences.
    let m = options.grid;
    let (q_lo, q_hi) = options.truncate;
    let step = 1.0 / (m - 1) as f64;
    let skill: Vec<f64> = (0..m)
        .map(|i| {
            let q = if i == m - 1 {
                q_hi
            } else {
                q_lo + (q_hi - q_lo) * i as f64 * step
            };
            dist.quantile(q)
        })
        .collect();
    if let Some((i, n)) = skill
        .iter()
        .enumerate()
        .find(|(_, n)| !(n.is_finite() && **n > 0.0))
    {
        return Err(invalid(
            "truncate",
            format!("({q_lo}, {q_hi})"),
            &format!(
                "grid point {i} has skill {n}; the truncated support must have finite, positive \
                 skills (q_lo = 0 only for distributions bounded away from 0, such as Pareto)"
            ),
        ));
    }
    if let Some(i) = (1..m).find(|&i| skill[i] <= skill[i - 1]) {
        return Err(invalid(
            "grid",
            m,
            &format!(
                "skills at grid points {} and {i} coincide ({}); use a coarser grid or a wider \
                 truncation",
                i - 1,
                skill[i]
            ),
        ));
    }
    // Each grid point owns the cell of quantiles nearer to it than to its neighbours: half a
    // step on either side inside, half a step at the ends. Trapezoid weights = cell masses.
    let half = |i: usize, up: bool| -> f64 {
        if (up && i == m - 1) || (!up && i == 0) {
            0.0
        } else {
            0.5 * step
        }
    };
    let total: f64 = (0..m).map(|i| half(i, false) + half(i, true)).sum();
    let upper: Vec<f64> = (0..m).map(|i| half(i, true) / total).collect();
    let lower: Vec<f64> = (0..m).map(|i| half(i, false) / total).collect();
    let weight: Vec<f64> = (0..m).map(|i| upper[i] + lower[i]).collect();
    let mass = dist.cdf(skill[m - 1]) - dist.cdf(skill[0]);
    if mass.is_nan() || mass <= 0.0 {
        return Err(invalid(
            "truncate",
            format!("({q_lo}, {q_hi})"),
            "the truncated distribution has no mass",
        ));
    }
    // A(n) = (1 + 1/e) / (n f_t(n)), f_t the renormalised density.
    let mut abc_a = Vec::with_capacity(m);
    for &n in &skill {
        let nf = n * dist.pdf(n) / mass;
        if !(nf.is_finite() && nf > 0.0) {
            return Err(invalid(
                "truncate",
                format!("({q_lo}, {q_hi})"),
                &format!("the density at skill {n} is {nf}; need a positive density on the grid"),
            ));
        }
        abc_a.push((1.0 + 1.0 / e) / nf);
    }
    // Rawls: B(n) = integral over (n, top] of dF_t = 1 - F_t(n), the mass of the cells above
    // n_i (the upper half of n_i's own cell and all cells above it).
    let mut rawls_tail = vec![0.0; m];
    for i in (0..m - 1).rev() {
        rawls_tail[i] = rawls_tail[i + 1] + lower[i + 1] + upper[i];
    }

    // The ABC map T' -> T'_ABC, iterated to its fixed point by the core (damped, Anderson-
    // accelerated), from T' = 0.
    let mut tail = vec![0.0; m];
    let abc = |rate: &[f64], target: &mut [f64]| -> Result<()> {
        let alloc = allocate(&skill, rate, &weight, e);
        match welfare_weights(swf, &skill, &alloc, &weight)? {
            None => tail.copy_from_slice(&rawls_tail),
            Some(g) => {
                // B_i = trapezoid of (1 - g) dF_t over [q_i, q_hi] (the cells above n_i);
                // B vanishes at the top and, as g has mean one, at the bottom (set exactly).
                tail[m - 1] = 0.0;
                for i in (1..m - 1).rev() {
                    tail[i] =
                        tail[i + 1] + lower[i + 1] * (1.0 - g[i + 1]) + upper[i] * (1.0 - g[i]);
                }
                tail[0] = 0.0;
            }
        }
        for i in 0..m {
            let r = abc_a[i] * tail[i];
            if r.is_nan() || r <= -1.0 {
                return Err(invalid(
                    &format!("ABC ratio T'/(1 - T') at skill {:.6}", skill[i]),
                    format!("{r:.6e}"),
                    "the welfare weights imply a marginal rate of -infinity (weights rising \
                     steeply with skill); the first-order approach does not apply",
                ));
            }
            target[i] = r / (1.0 + r);
        }
        Ok(())
    };
    let fixed = match try_fixed_point(abc, &vec![0.0; m], &options.fixed_point()) {
        Ok(fixed) => fixed,
        Err(TaxError::Engine(EngineError::NotConverged(report))) => {
            return Err(invalid(
                "mirrlees",
                format!(
                    "change {:.3e} after {} iterations",
                    report.residual_inf_norm, report.iterations
                ),
                "did not converge; raise max_iter or lower damping",
            ))
        }
        Err(e) => return Err(e),
    };
    // The reported rates take the last damped step from the converged iterate (as the plain
    // damped loop did): nearer the fixed point, and `max_change` is the change that step saw.
    let rate: Vec<f64> = fixed
        .x
        .iter()
        .zip(&fixed.image)
        .map(|(t, target)| t + options.damping * (target - t))
        .collect();
    let (iterations, change) = (fixed.iterations, fixed.residual);

    let alloc = allocate(&skill, &rate, &weight, e);
    if let Swf::Atkinson { epsilon } = *swf {
        if epsilon > 0.0 {
            require_positive_utility(&skill, &alloc.utility)?;
        }
    }
    let swf_val = swf_value(swf, &skill, &alloc, &weight)?;
    let transfer = rate[0] * alloc.income[0] - alloc.tax[0];
    Ok(MirrleesSchedule {
        skill,
        income: alloc.income,
        marginal_rate: rate,
        tax: alloc.tax,
        labor: alloc.labor,
        consumption: alloc.consumption,
        utility: alloc.utility,
        density: weight,
        swf: swf_val,
        transfer,
        iterations,
        max_change: change,
    })
}
