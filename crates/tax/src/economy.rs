//! The one-step economy as a nested fixed point: agents' best responses to a bracket schedule
//! and a lump-sum transfer G that rebates all revenue, G = sum_i w_i T(z_i) / sum_i w_i.

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use walras_core::{
    nelder_mead, simplex_in_box, solve, Criterion, Equilibrium, NelderMeadOptions, OptimumReport,
    PolicyOptimizer, PolicySpace, Scalar, SolveReport, SolverOptions, Welfare,
};

use crate::agent::{choose_with, outcome, Choice, LaborSupply, Outcome, PowerChoices};
use crate::error::{invalid, Result};
use crate::regimes::SortedAgents;
use crate::schedule::{taxes_at_cutoffs, validate_brackets, BracketSchedule};
use crate::skills::{Population, SkillDistribution};
use crate::swf::{gini, Swf, SwfSum};
use crate::utility::Utility;

/// Populations at least this large are processed in parallel.
const PARALLEL_AGENTS: usize = 4_096;

/// The economy: agents, their utility and labour choice set, the planner's SWF, and the bracket
/// structure whose rates (and optionally cutoffs) are the policy.
///
/// Policy layout: the B rates, then (with optimised cutoffs) the B - 1 gaps m_b - m_{b-1} > 0.
#[derive(Clone, Debug)]
pub struct TaxEconomy {
    pub(crate) population: Population,
    pub(crate) utility: Utility,
    pub(crate) labor: LaborSupply,
    pub(crate) swf: Swf,
    pub(crate) cutoffs: Vec<f64>,
    pub(crate) optimize_cutoffs: bool,
    space: PolicySpace,
    /// For utilities c - kappa l^p: per-agent constants of the fast choice.
    power: Option<PowerConstants>,
    /// The SWF's exogenous per-agent weights, if it has them.
    pub(crate) exogenous: Option<Vec<f64>>,
    /// For utilities c - kappa l^p: the agents sorted by skill, aggregated by regime.
    sorted: Option<Arc<SortedAgents>>,
    /// Use `sorted` (default); off, every pass visits every agent.
    aggregate: bool,
    /// The distribution the skills are quantiles of, if they are (its parameters are then
    /// parameters of comparative statics).
    pub(crate) skill_distribution: Option<SkillDistribution>,
}

/// kappa, p and each agent's (n^(p/(p-1)), n^-p) for utilities c - kappa l^p.
#[derive(Clone, Debug)]
struct PowerConstants {
    kappa: f64,
    p: f64,
    agents: Vec<(f64, f64)>,
}

/// One agent's outcome, for reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentRecord {
    /// Skill n.
    pub skill: f64,
    /// Population weight.
    pub weight: f64,
    /// Where on the budget set.
    pub choice: Choice,
    /// Labour l.
    pub labor: f64,
    /// Pre-tax income z.
    pub income: f64,
    /// Tax T(z).
    pub tax: f64,
    /// Consumption c.
    pub consumption: f64,
    /// Utility u.
    pub utility: f64,
}

/// A schedule evaluated in equilibrium.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// Schedule name.
    pub label: String,
    /// Cutoffs.
    pub cutoffs: Vec<f64>,
    /// Marginal rates.
    pub rates: Vec<f64>,
    /// Lump-sum transfer per agent (= revenue per agent).
    pub transfer: f64,
    /// The SWF's value.
    pub swf: f64,
    /// Weighted Gini of consumption.
    pub gini: f64,
    /// 1 - Gini.
    pub equality: f64,
    /// Weighted mean pre-tax income per agent.
    pub productivity: f64,
    /// equality x productivity.
    pub equality_times_productivity: f64,
    /// Share of weight bunched at a cutoff.
    pub bunched_share: f64,
    /// The inner solve.
    pub report: SolveReport,
    /// Per-agent outcomes.
    #[serde(skip)]
    pub agents: Vec<AgentRecord>,
}

/// A planner's optimum and how the optimiser stopped.
#[derive(Clone, Debug)]
pub struct TaxOptimum {
    /// The optimal schedule in equilibrium.
    pub evaluation: Evaluation,
    /// The optimiser's report.
    pub report: OptimumReport,
    /// Whether the optimiser met its tolerance (projected gradient at most the optimiser's
    /// tolerance; with integer hours, Nelder-Mead's simplex criterion). A stalled line search
    /// or an exhausted iteration budget is accepted as not converged.
    pub converged: bool,
    /// Why the optimiser stopped.
    pub stop_reason: String,
}

impl Evaluation {
    /// The statistics that are not finite (reported as null), each with the reason.
    pub fn undefined_statistics(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mean_c = self.productivity;
        for (key, v) in [
            ("transfer", self.transfer),
            ("swf", self.swf),
            ("gini", self.gini),
            ("equality", self.equality),
            ("productivity", self.productivity),
            (
                "equality_times_productivity",
                self.equality_times_productivity,
            ),
            ("bunched_share", self.bunched_share),
        ] {
            if !v.is_finite() {
                let why = match key {
                    "gini" | "equality" | "equality_times_productivity" if mean_c == 0.0 => {
                        "mean consumption is zero, so the Gini coefficient is undefined".into()
                    }
                    "swf" => format!("the social welfare function is undefined here ({v})"),
                    _ => format!("not a finite number ({v})"),
                };
                out.push((key, why));
            }
        }
        out
    }
}

impl TaxEconomy {
    /// An economy whose policy is the rates on the given `cutoffs` (each rate in [0, 0.99]).
    pub fn new(
        population: Population,
        utility: Utility,
        swf: Swf,
        cutoffs: Vec<f64>,
    ) -> Result<Self> {
        utility.validate()?;
        swf.validate()?;
        validate_brackets(&cutoffs, &vec![0.0; cutoffs.len()])?;
        let exogenous = swf.exogenous_weights(&population);
        let mut economy = Self {
            population,
            utility,
            labor: LaborSupply::Continuous,
            swf,
            cutoffs,
            optimize_cutoffs: false,
            space: PolicySpace::new(),
            power: None,
            exogenous,
            sorted: None,
            aggregate: true,
            skill_distribution: None,
        };
        economy.rebuild_power();
        economy.rebuild_space(0.0, 0.99)?;
        Ok(economy)
    }

    pub(crate) fn rebuild_power(&mut self) {
        self.power = match (self.utility.power_form(), self.labor) {
            (Some((kappa, p)), LaborSupply::Continuous) => {
                let agents = self
                    .population
                    .skills()
                    .iter()
                    .map(|n| (n.powf(p / (p - 1.0)), n.powf(-p)))
                    .collect();
                Some(PowerConstants { kappa, p, agents })
            }
            _ => None,
        };
        self.sorted = self.power.as_ref().map(|pc| {
            Arc::new(SortedAgents::new(
                pc.kappa,
                pc.p,
                &self.population,
                self.exogenous.as_deref(),
            ))
        });
    }

    /// Aggregate agents by regime where the utility allows it (on by default; the results are
    /// the same to rounding). Off, every evaluation visits every agent: for cross-checks.
    pub fn with_aggregation(mut self, on: bool) -> Self {
        self.aggregate = on;
        self
    }

    fn rebuild_space(&mut self, rate_min: f64, rate_max: f64) -> Result<()> {
        let mut space = PolicySpace::new();
        let b = self.cutoffs.len();
        let mut owned = Vec::new();
        for i in 0..b {
            owned.push(space.push(format!("rate_{}", i + 1), rate_min, rate_max)?);
        }
        if self.optimize_cutoffs {
            let top = self.cutoffs.last().copied().unwrap_or(1.0).max(1e-12);
            for i in 1..b {
                owned.push(space.push(format!("gap_{i}"), 1e-6 * top, 1e3 * top)?);
            }
        }
        space.add_block("planner", owned)?;
        self.space = space;
        Ok(())
    }

    /// Bounds on every rate (0 <= min < max <= 1).
    pub fn with_rate_bounds(mut self, rate_min: f64, rate_max: f64) -> Result<Self> {
        if !((0.0..1.0).contains(&rate_min) && rate_max > rate_min && rate_max <= 1.0) {
            return Err(invalid(
                "rate bounds",
                format!("[{rate_min}, {rate_max}]"),
                "need 0 <= min < max <= 1",
            ));
        }
        self.rebuild_space(rate_min, rate_max)?;
        Ok(self)
    }

    /// Let the planner choose the cutoffs too (starting from the given ones).
    pub fn with_optimized_cutoffs(mut self, on: bool) -> Result<Self> {
        let (lo, hi) = (self.space.lower()[0], self.space.upper()[0]);
        self.optimize_cutoffs = on;
        self.rebuild_space(lo, hi)?;
        Ok(self)
    }

    /// Restrict labour to whole hours.
    pub fn with_labor(mut self, labor: LaborSupply) -> Result<Self> {
        if let LaborSupply::IntegerHours { min, max } = labor {
            if min > max || max == 0 {
                return Err(invalid(
                    "hours",
                    format!("{min},{max}"),
                    "need min <= max and max >= 1 (with no hours nobody earns or consumes)",
                ));
            }
        }
        self.labor = labor;
        self.rebuild_power();
        Ok(self)
    }

    /// Record that the skills are `distribution`'s quantile grid ([`SkillDistribution::population`]
    /// of as many agents), so that its parameters can be varied; an error if they are not.
    pub fn with_skill_distribution(mut self, distribution: SkillDistribution) -> Result<Self> {
        let grid = distribution.population(self.population.len())?;
        if grid.skills() != self.population.skills() {
            return Err(invalid(
                "skills",
                format!("{distribution:?}"),
                "the agents are not this distribution's quantile grid",
            ));
        }
        self.skill_distribution = Some(distribution);
        Ok(self)
    }

    /// The agents.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// Number of brackets.
    pub fn n_brackets(&self) -> usize {
        self.cutoffs.len()
    }

    /// The policy vector that represents `rates` on the economy's current cutoffs.
    pub fn policy_from_rates(&self, rates: &[f64]) -> Vec<f64> {
        let mut p = rates.to_vec();
        if self.optimize_cutoffs {
            p.extend(self.cutoffs.windows(2).map(|w| w[1] - w[0]));
        }
        p
    }

    /// Cutoffs and rates encoded by a policy vector.
    pub fn schedule_parts<D: Scalar>(&self, policy: &[D]) -> (Vec<D>, Vec<D>) {
        let b = self.cutoffs.len();
        let rates = policy[..b].to_vec();
        let cutoffs = if self.optimize_cutoffs {
            let mut m = vec![D::zero()];
            for g in &policy[b..] {
                let last = *m.last().expect("non-empty");
                m.push(last + *g);
            }
            m
        } else {
            self.cutoffs.iter().map(|&c| D::from(c)).collect()
        };
        (cutoffs, rates)
    }

    /// Every agent's choice at transfer G under the schedule (f64).
    pub fn choices(&self, transfer: f64, cutoffs: &[f64], rates: &[f64]) -> Vec<Choice> {
        let taxes = taxes_at_cutoffs(cutoffs, rates);
        let parallel = self.population.len() >= PARALLEL_AGENTS;
        if let Some(pc) = &self.power {
            let fast = PowerChoices::new(pc.kappa, pc.p, transfer, cutoffs, rates, &taxes);
            let pick = |&(zs, inv): &(f64, f64)| fast.choose(zs, inv);
            return if parallel {
                pc.agents.par_iter().map(pick).collect()
            } else {
                pc.agents.iter().map(pick).collect()
            };
        }
        let pick = |&n: &f64| {
            choose_with(
                &self.utility,
                self.labor,
                n,
                transfer,
                cutoffs,
                rates,
                &taxes,
            )
        };
        let skills = self.population.skills();
        if parallel {
            skills.par_iter().map(pick).collect()
        } else {
            skills.iter().map(pick).collect()
        }
    }

    /// Evaluate `f` on a closure giving agent i's outcome at transfer G under `policy`.
    fn with_agents<D: Scalar, R>(
        &self,
        transfer: D,
        policy: &[D],
        f: impl FnOnce(&(dyn Fn(usize) -> Outcome<D> + Sync)) -> R,
    ) -> R {
        let (cutoffs, rates) = self.schedule_parts(policy);
        let taxes = taxes_at_cutoffs(&cutoffs, &rates);
        let re = |v: &[D]| v.iter().map(|d| d.re()).collect::<Vec<f64>>();
        let choices = self.choices(transfer.re(), &re(&cutoffs), &re(&rates));
        let skills = self.population.skills();
        match &self.power {
            Some(pc) => {
                let fast = PowerOutcomes::new(pc, transfer, &cutoffs, &rates, &taxes);
                f(&|i| fast.outcome(choices[i], skills[i], pc.agents[i]))
            }
            None => f(&|i| {
                outcome(
                    &self.utility,
                    choices[i],
                    skills[i],
                    transfer,
                    &cutoffs,
                    &rates,
                    &taxes,
                )
            }),
        }
    }

    /// Every agent's outcome at transfer G under `policy`, in any scalar.
    pub fn outcomes<D: Scalar>(&self, transfer: D, policy: &[D]) -> Vec<Outcome<D>> {
        let m = self.population.len();
        self.with_agents(transfer, policy, |agent| {
            if m >= PARALLEL_AGENTS {
                (0..m).into_par_iter().map(agent).collect()
            } else {
                (0..m).map(agent).collect()
            }
        })
    }

    /// Revenue per agent and, if asked, the SWF, in one pass that stores no per-agent outcome
    /// (except for SWFs that need every consumption level).
    fn revenue_and_swf<D: Scalar>(&self, transfer: D, policy: &[D], with_swf: bool) -> (D, D) {
        if let (Some(sorted), true) = (&self.sorted, self.aggregate) {
            let (cutoffs, rates) = self.schedule_parts(policy);
            let swf = with_swf.then_some(&self.swf);
            if let Some(both) = sorted.revenue_and_swf(swf, transfer, &cutoffs, &rates) {
                return both;
            }
        }
        let w = self.population.weights();
        let total = self.population.total_weight();
        if with_swf && self.swf.needs_all_agents() {
            let outcomes = self.outcomes(transfer, policy);
            let revenue = outcomes.iter().zip(w).map(|(o, wi)| o.tax * *wi).sum::<D>() / total;
            return (revenue, self.swf.value(&outcomes, &self.population));
        }
        let m = self.population.len();
        let exogenous = |i: usize| self.exogenous.as_ref().map_or(1.0, |g| g[i]);
        let (revenue, sums) = self.with_agents(transfer, policy, |agent| {
            let add = |(mut revenue, mut sums): (D, SwfSum<D>), i: usize| {
                let o = agent(i);
                revenue += o.tax * w[i];
                if with_swf {
                    self.swf
                        .add(&mut sums, o.income, o.utility, w[i], exogenous(i));
                }
                (revenue, sums)
            };
            let zero = || (D::zero(), SwfSum::new());
            if m >= PARALLEL_AGENTS {
                (0..m)
                    .into_par_iter()
                    .fold(zero, add)
                    .reduce(zero, |a, b| (a.0 + b.0, a.1.merge(b.1)))
            } else {
                (0..m).fold(zero(), add)
            }
        });
        (
            revenue / total,
            if with_swf {
                self.swf.finish(sums)
            } else {
                D::zero()
            },
        )
    }

    /// Solve for the transfer and report the schedule's outcomes.
    pub fn evaluate(
        &self,
        label: &str,
        policy: &[f64],
        options: &SolverOptions,
    ) -> Result<Evaluation> {
        let sol = solve(self, policy, None, options)?;
        Ok(self.report(label, policy, sol.x[0], sol.report))
    }

    fn report(
        &self,
        label: &str,
        policy: &[f64],
        transfer: f64,
        report: SolveReport,
    ) -> Evaluation {
        let (cutoffs, rates) = self.schedule_parts(policy);
        let outcomes = self.outcomes(transfer, policy);
        let w = self.population.weights();
        let total = self.population.total_weight();
        let consumption: Vec<f64> = outcomes.iter().map(|o| o.consumption).collect();
        let g = gini(&consumption, w);
        let productivity = outcomes
            .iter()
            .zip(w)
            .map(|(o, wi)| o.income * wi)
            .sum::<f64>()
            / total;
        let choices = self.choices(transfer, &cutoffs, &rates);
        let bunched = choices
            .iter()
            .zip(w)
            .filter(|(c, _)| matches!(c, Choice::Kink(_)))
            .fold(0.0, |acc, (_, wi)| acc + wi)
            / total;
        let agents = outcomes
            .iter()
            .zip(&choices)
            .zip(self.population.skills().iter().zip(w))
            .map(|((o, c), (&skill, &weight))| AgentRecord {
                skill,
                weight,
                choice: *c,
                labor: o.labor,
                income: o.income,
                tax: o.tax,
                consumption: o.consumption,
                utility: o.utility,
            })
            .collect();
        Evaluation {
            label: label.into(),
            cutoffs,
            rates,
            transfer,
            swf: self.swf.value(&outcomes, &self.population),
            gini: g,
            equality: 1.0 - g,
            productivity,
            equality_times_productivity: (1.0 - g) * productivity,
            bunched_share: bunched,
            report,
            agents,
        }
    }

    /// Evaluate a fixed schedule on this population (its own cutoffs, rates as policy).
    pub fn evaluate_schedule(
        &self,
        schedule: &BracketSchedule,
        options: &SolverOptions,
    ) -> Result<Evaluation> {
        let fixed = TaxEconomy {
            cutoffs: schedule.cutoffs().to_vec(),
            optimize_cutoffs: false,
            ..self.clone()
        }
        .with_rate_bounds(0.0, 1.0)?;
        fixed.evaluate(&schedule.label, schedule.rates(), options)
    }

    /// Optimiser settings in this economy's units: welfare is measured in consumption, so
    /// gradients scale with laissez-faire mean income s. Stops at a projected gradient of
    /// 1e-6 s (rates then agree with tighter runs to about 1e-6), or at a line-search stall below 1e-3 s: with finitely many agents the objective
    /// is only piecewise smooth (agents switch between brackets and kinks), which puts a floor
    /// under the attainable gradient; at 1e-3 s the rates are within about 1e-3 of a stationary
    /// point.
    pub fn optimizer(&self) -> PolicyOptimizer {
        let laissez_faire = self.policy_from_rates(&vec![0.0; self.cutoffs.len()]);
        let scale = self
            .outcomes(0.0, &laissez_faire)
            .iter()
            .zip(self.population.weights())
            .map(|(o, w)| o.income * w)
            .sum::<f64>()
            / self.population.total_weight();
        let scale = scale.max(1.0);
        PolicyOptimizer::new()
            .with_pg_tol(1e-6 * scale)
            .and_then(|o| o.with_stall_tol(1e-3 * scale))
            .expect("valid settings")
    }

    /// With integer hours the planner's objective jumps whenever an agent changes hours, so
    /// gradients say nothing about optimality; this searches with the core's derivative-free
    /// Nelder-Mead ([`walras_core::nelder_mead`]) over the (clamped) policy box instead, from a
    /// simplex of steps of 5% of the box. The report's projected-gradient norm is NaN (not
    /// applicable).
    fn optimize_derivative_free(
        &self,
        start: &[f64],
        inner: &SolverOptions,
    ) -> Result<(Evaluation, OptimumReport)> {
        let t0 = std::time::Instant::now();
        let start = self.space.project(start);
        let simplex = simplex_in_box(&start, self.space.lower(), self.space.upper(), 0.05);
        // Infeasible points (no equilibrium) cost +infinity.
        let planner = |p: &[f64]| {
            let p = self.space.project(p);
            match solve(self, &p, None, inner) {
                Ok(sol) => -self.objective(0, &sol.x, &p),
                Err(_) => f64::INFINITY,
            }
        };
        let options = NelderMeadOptions {
            sd_tol: 1e-12,
            max_iter: 5_000,
        };
        let search = nelder_mead(planner, simplex, &options)?;
        let best = self.space.project(&search.x);
        let sol = solve(self, &best, None, inner)?;
        let report = OptimumReport {
            iterations: search.iterations,
            projected_gradient_norm: f64::NAN,
            inner_solves: search.evaluations + 1,
            inner_iterations: 0,
            gradient_evals: 0,
            termination: format!("Nelder-Mead: {}", search.termination),
            wall_time: t0.elapsed(),
        };
        Ok((self.report("optimal", &best, sol.x[0], sol.report), report))
    }

    /// [`TaxEconomy::optimize`], and whether it converged (projected gradient within the
    /// optimiser's tolerance). A search that stalls or runs out of iterations at a valid
    /// schedule is returned with `converged: false` and the reason, whatever the optimiser's
    /// stall tolerance; an end point whose schedule, transfer or welfare is not finite is an
    /// error naming them.
    pub fn optimize_checked(
        &self,
        start: &[f64],
        optimizer: &PolicyOptimizer,
    ) -> Result<TaxOptimum> {
        let accept_stalls = optimizer.clone().with_stall_tol(f64::MAX)?;
        let (evaluation, report) = self.optimize(start, &accept_stalls)?;
        let valid_rates = evaluation
            .rates
            .iter()
            .all(|r| r.is_finite() && (0.0..=1.0).contains(r))
            && evaluation.cutoffs.iter().all(|m| m.is_finite());
        if !(valid_rates && evaluation.transfer.is_finite() && evaluation.swf.is_finite()) {
            return Err(invalid(
                "optimum",
                format!(
                    "rates {:?}, transfer {}, SWF {}",
                    evaluation.rates, evaluation.transfer, evaluation.swf
                ),
                &format!(
                    "the optimiser ended ({}, {} iterations) without a valid schedule: \
                     check the skills, elasticity and SWF",
                    report.termination, report.iterations
                ),
            ));
        }
        let derivative_free = matches!(self.labor, LaborSupply::IntegerHours { .. });
        let converged = if derivative_free {
            report.termination == "Nelder-Mead: Solver converged"
        } else {
            report.termination == "Solver converged"
                || report.projected_gradient_norm <= optimizer.pg_tol()
        };
        let stop_reason = if converged {
            report.termination.clone()
        } else if derivative_free {
            format!(
                "{} after {} iterations",
                report.termination, report.iterations
            )
        } else {
            format!(
                "{}: projected-gradient norm {:.3e} above the tolerance {:.3e} after {} iterations",
                report.termination,
                report.projected_gradient_norm,
                optimizer.pg_tol(),
                report.iterations
            )
        };
        Ok(TaxOptimum {
            evaluation,
            report,
            converged,
            stop_reason,
        })
    }

    /// The planner's optimum from `start` (a policy vector), with the optimiser's report.
    /// Continuous labour: projected L-BFGS with implicit gradients; integer hours: Nelder-Mead.
    pub fn optimize(
        &self,
        start: &[f64],
        optimizer: &PolicyOptimizer,
    ) -> Result<(Evaluation, OptimumReport)> {
        if matches!(self.labor, LaborSupply::IntegerHours { .. }) {
            return self.optimize_derivative_free(start, optimizer.inner());
        }
        let best = optimizer.maximize(self, &Criterion::Single(0), start, None, None)?;
        let report = solve(self, &best.policy, Some(&best.x), optimizer.inner())?.report;
        Ok((
            self.report("optimal", &best.policy, best.x[0], report),
            best.report,
        ))
    }
}

/// Outcomes for utilities c - kappa l^p without transcendental functions per agent: with
/// beta_b = ((1 - tau_b)/(kappa p))^(1/(p-1)), an interior income is n^(p/(p-1)) beta_b and,
/// by the first-order condition, kappa l^p = (1 - tau_b) z / p; at a kink kappa l^p =
/// kappa m_b^p n^-p. Both identities hold for every rate, so derivatives are exact too.
struct PowerOutcomes<'a, D> {
    p: f64,
    transfer: D,
    cutoffs: &'a [D],
    rates: &'a [D],
    taxes: &'a [D],
    beta: Vec<D>,
    kink_cost: Vec<D>,
}

impl<'a, D: Scalar> PowerOutcomes<'a, D> {
    fn new(
        pc: &PowerConstants,
        transfer: D,
        cutoffs: &'a [D],
        rates: &'a [D],
        taxes: &'a [D],
    ) -> Self {
        let (kappa, p) = (pc.kappa, pc.p);
        let beta = rates
            .iter()
            .map(|t| {
                if t.re() < 1.0 {
                    ((-*t + 1.0) / (kappa * p)).powf(1.0 / (p - 1.0))
                } else {
                    D::zero()
                }
            })
            .collect();
        let kink_cost = cutoffs
            .iter()
            .enumerate()
            .map(|(b, m)| if b == 0 { D::zero() } else { m.powf(p) * kappa })
            .collect();
        Self {
            p,
            transfer,
            cutoffs,
            rates,
            taxes,
            beta,
            kink_cost,
        }
    }

    fn outcome(&self, choice: Choice, skill: f64, (z_scale, inv_np): (f64, f64)) -> Outcome<D> {
        let (income, tax, disutility) = match choice {
            Choice::Zero | Choice::Hours(_) => (D::zero(), D::zero(), D::zero()),
            Choice::Interior(b) => {
                let z = self.beta[b] * z_scale;
                let tax = self.taxes[b] + self.rates[b] * (z - self.cutoffs[b]);
                (z, tax, (-self.rates[b] + 1.0) * z / self.p)
            }
            Choice::Kink(b) => (self.cutoffs[b], self.taxes[b], self.kink_cost[b] * inv_np),
        };
        let consumption = income - tax + self.transfer;
        Outcome {
            labor: income / skill,
            income,
            tax,
            consumption,
            utility: consumption - disutility,
        }
    }
}

impl Equilibrium for TaxEconomy {
    fn n_unknowns(&self) -> usize {
        1
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.space
    }
    fn initial_guess(&self, _policy: &[f64]) -> Vec<f64> {
        vec![0.0]
    }
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]) {
        out[0] = x[0] - self.revenue_and_swf(x[0], policy, false).0;
    }
    fn unknown_name(&self, _i: usize) -> String {
        "transfer".into()
    }
    fn jacobian_x(&self, _x: &[f64], _policy: &[f64]) -> Option<nalgebra::DMatrix<f64>> {
        // Without income effects choices do not depend on G, so F = G - R(p) has slope 1.
        (!self.utility.has_income_effects()).then(|| nalgebra::DMatrix::from_element(1, 1, 1.0))
    }
    fn fixed_point_map(&self, x: &[f64], policy: &[f64], out: &mut [f64]) {
        // G <- revenue at G: the natural budget iteration.
        self.residual(x, policy, out);
        out[0] = x[0] - out[0];
    }
}

impl Welfare for TaxEconomy {
    fn n_objectives(&self) -> usize {
        1
    }
    fn objective<D: Scalar>(&self, _k: usize, x: &[D], policy: &[D]) -> D {
        self.revenue_and_swf(x[0], policy, true).1
    }
    fn residual_and_objectives<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        let (revenue, swf) = self.revenue_and_swf(x[0], policy, true);
        residual[0] = x[0] - revenue;
        values
            .iter_mut()
            .zip(objectives)
            .for_each(|(v, _)| *v = swf);
    }
    fn objective_name(&self, _k: usize) -> String {
        "social welfare".into()
    }
}
