//! The static market of DDA-1 as a core economy (spec s.2 and s.4): given AI productivities
//! and capital, the equilibrium when AI output earns a subsidy `s_i` and labour output
//! `chi s_i` (the planner's decentralising instruments, paid lump-sum), so task prices are
//! `p_i = min(R / A_i - s_i, w / gamma_i - chi s_i)`.
//!
//! The market implements the core's [`Equilibrium`] and [`Welfare`] traits, written once and
//! generic over the scalar, with the subsidies as its policy. The threshold rule has kinks that
//! Newton cannot cross, so the market solves itself ([`Equilibrium::structured_solve`]) with
//! the planner's static solver (the same one the planner's sweep uses: with zero subsidies it
//! is the market equilibrium of [`crate::equilibrium()`]), and the core verifies the residual
//! and supplies exact implicit derivatives at the solution by dual numbers.
//!
//! The residual is written for the regime (which tasks use AI, which one is split between
//! labour and AI) found at construction: it holds wherever that regime holds, which the
//! structured solve checks at every policy it is asked for; a policy that moves a task across
//! the frontier is an error that says so (build the market again there).
//!
//! Policy: the subsidies, then the log AI productivities `ln A_i` as parameters in no player's
//! block ([`Market::policy`]), so one adjoint pass gives derivatives in both: at the
//! decentralising subsidies, `dH/d ln A_i` is the envelope term of the planner's costate
//! equation.
//!
//! Unknowns: `ln Y`, `ln w`, `ln R` and, with a split task s, its share of the labour force
//! `a_s l_s / L`. Equations: the price index is 1; labour and capital clear; with a split task,
//! its two techniques cost the same.
//!
//! Objectives: 0 is `ln Y`; 1 (with [`Market::with_data_value`]) is the planner's static
//! Hamiltonian `ln Y + sum_i a_i v_i (A_i k_i + chi gamma_i l_i)`, the value of output plus the
//! data the allocation produces at utility-valued data values `v_i = lambda_i nu_i / a_i` (spec
//! s.4, log utility). At the decentralising subsidies `s_i = v_i Y` the market allocation
//! maximises it, so its gradient in the subsidies vanishes there.

use walras_core::{Equilibrium, PolicySpace, Scalar, Welfare};

use crate::economy::{Economy, ModelError};
use crate::statics::StaticSolver;

/// How a task is produced at the regime of a [`Market`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Technique {
    Labor,
    Ai,
    Split,
}

/// The static market with per-task subsidies (see the module documentation).
#[derive(Debug, Clone)]
pub struct Market {
    mass: Vec<f64>,
    gamma: Vec<f64>,
    ln_ai: Vec<f64>,
    sigma: f64,
    chi: f64,
    labor: f64,
    capital: f64,
    space: PolicySpace,
    regime: Vec<Technique>,
    split: Option<usize>,
    data_value: Option<Vec<f64>>,
    initial: Vec<f64>,
}

/// A market equilibrium found by the structured solver.
struct Solved {
    x: Vec<f64>,
    regime: Vec<Technique>,
    split: Option<usize>,
}

/// Relative change of the cost index at which the subsidy fixed point stops; it also stops
/// once the change no longer falls below this floor's thousandfold (rounding in the static
/// solver), and the core then verifies the residual.
const COST_INDEX_TOL: f64 = 1e-15;

impl Market {
    /// The market of `economy` at log AI productivities `ln_ai` and AI capital `capital`, and
    /// its equilibrium at `subsidies` (>= 0, per unit of AI output in units of the final good).
    /// Labour and capital must both be positive. Returns the market and the equilibrium
    /// unknowns `x`.
    pub fn new(
        economy: &Economy,
        ln_ai: &[f64],
        capital: f64,
        subsidies: &[f64],
    ) -> Result<(Self, Vec<f64>), ModelError> {
        let n = economy.tasks();
        if ln_ai.len() != n || subsidies.len() != n {
            return Err(ModelError::Shape {
                key: "market".into(),
                expected: format!("{n} AI productivities and subsidies"),
                found: format!("{} and {}", ln_ai.len(), subsidies.len()),
            });
        }
        walras_core::check::positive("labor", economy.labor)?;
        walras_core::check::positive("capital", capital)?;
        walras_core::check::each("subsidy", subsidies, walras_core::check::non_negative)?;
        let mut space = PolicySpace::new();
        let space_error = |e: walras_core::EngineError| {
            ModelError::invalid("subsidies", "(policy space)", e.to_string())
        };
        let ids = (0..n)
            .map(|i| space.push(format!("subsidy[{i}]"), 0.0, f64::INFINITY))
            .collect::<Result<Vec<_>, _>>()
            .map_err(space_error)?;
        for i in 0..n {
            space
                .push(format!("ln A[{i}]"), f64::NEG_INFINITY, f64::INFINITY)
                .map_err(space_error)?;
        }
        space.add_block("planner", ids).map_err(space_error)?;
        let mut market = Market {
            mass: economy.mass.clone(),
            gamma: economy.labor_productivity.clone(),
            ln_ai: ln_ai.to_vec(),
            sigma: economy.sigma,
            chi: economy.chi,
            labor: economy.labor,
            capital,
            space,
            regime: Vec::new(),
            split: None,
            data_value: None,
            initial: Vec::new(),
        };
        let solved = market.solve_structured(&market.policy(subsidies))?;
        market.regime = solved.regime;
        market.split = solved.split;
        market.initial = solved.x.clone();
        Ok((market, solved.x))
    }

    /// Adds objective 1, the planner's static Hamiltonian at utility-valued data values
    /// `v_i = lambda_i nu_i / a_i` per unit of AI output (labour output: `chi v_i`).
    pub fn with_data_value(mut self, values: Vec<f64>) -> Result<Self, ModelError> {
        if values.len() != self.mass.len() {
            return Err(ModelError::Shape {
                key: "data values".into(),
                expected: format!("{} tasks", self.mass.len()),
                found: values.len().to_string(),
            });
        }
        self.data_value = Some(values);
        Ok(self)
    }

    /// The full policy vector at `subsidies`: the subsidies, then the log AI productivities
    /// the market was built with (parameters, in no player's block, so that derivatives in
    /// them come from the same adjoint pass).
    pub fn policy(&self, subsidies: &[f64]) -> Vec<f64> {
        subsidies
            .iter()
            .copied()
            .chain(self.ln_ai.iter().copied())
            .collect()
    }

    /// The planner's decentralising subsidies `s_i = v_i Y` (output units) for utility-valued
    /// data values `v_i >= 0` (per unit of AI output; labour output `chi v_i`), with `Y` the
    /// output of the allocation that maximises the static Hamiltonian (log utility).
    pub fn decentralising_subsidies(
        economy: &Economy,
        ln_ai: &[f64],
        capital: f64,
        data_value: &[f64],
    ) -> Result<Vec<f64>, ModelError> {
        let mut solver = log_utility_solver(
            &economy.mass,
            &economy.labor_productivity,
            economy.sigma,
            economy.labor,
            capital,
            ln_ai,
        );
        solver.sk = data_value.to_vec();
        solver.sl = data_value.iter().map(|v| economy.chi * v).collect();
        let solution = solver.solve()?;
        Ok(data_value.iter().map(|v| v * solution.output).collect())
    }

    /// The split task of the regime, if any.
    pub fn split_task(&self) -> Option<usize> {
        self.split
    }

    /// Whether task `i` uses AI (alone or split) at the regime.
    pub fn uses_ai(&self, i: usize) -> bool {
        self.regime[i] != Technique::Labor
    }

    /// The equilibrium at `subsidies` by the planner's static solver (log utility: the cost
    /// index is `1 / Y`), with the utility-valued subsidies `sk = s / Y` found by fixed point.
    fn solve_structured(&self, policy: &[f64]) -> Result<Solved, ModelError> {
        let n = self.mass.len();
        let (subsidies, ln_ai) = policy.split_at(n);
        let mut solver = log_utility_solver(
            &self.mass,
            &self.gamma,
            self.sigma,
            self.labor,
            self.capital,
            ln_ai,
        );
        let mut q = 0.0;
        let mut iterations = 0;
        let mut last_change = f64::INFINITY;
        let solution = loop {
            for i in 0..n {
                solver.sk[i] = subsidies[i] * q;
                solver.sl[i] = self.chi * subsidies[i] * q;
            }
            let sol = solver.solve()?;
            let q_new = sol.ln_q.exp();
            iterations += 1;
            let change = (q_new - q).abs() / q_new;
            q = q_new;
            let stalled = change <= 1e3 * COST_INDEX_TOL && change >= last_change;
            if change <= COST_INDEX_TOL || stalled || subsidies.iter().all(|s| *s == 0.0) {
                break sol;
            }
            last_change = change;
            if iterations >= 200 {
                return Err(ModelError::NoConvergence {
                    what: "subsidised market (fixed point of the cost index)".into(),
                    iterations,
                    residual: change,
                });
            }
        };
        if solution.splits.len() > 1 {
            return Err(ModelError::invalid(
                "subsidies",
                "(as given)",
                format!(
                    "tasks {:?} are all split between labour and AI; the market economy handles at most one split task",
                    solution.splits
                ),
            ));
        }
        let split = solution.splits.first().copied();
        let regime = (0..n)
            .map(|i| {
                if Some(i) == split {
                    Technique::Split
                } else if solution.k[i] > 0.0 {
                    Technique::Ai
                } else {
                    Technique::Labor
                }
            })
            .collect();
        let mut x = vec![
            solution.output.ln(),
            (solution.m_l / q).ln(),
            (solution.m_k / q).ln(),
        ];
        if let Some(s) = split {
            x.push(self.mass[s] * solution.l[s] / self.labor);
        }
        Ok(Solved { x, regime, split })
    }

    /// Task prices and factor use per unit mass at `x` and `policy`, for the regime.
    fn allocation<D: Scalar>(&self, x: &[D], policy: &[D]) -> (Vec<D>, Vec<D>, Vec<D>) {
        let n = self.mass.len();
        let (s, ln_ai) = policy.split_at(n);
        let ai: Vec<D> = ln_ai.iter().map(|v| v.exp()).collect();
        let (ln_y, w, r) = (x[0], x[1].exp(), x[2].exp());
        let (mut p, mut l, mut k) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let price = match self.regime[i] {
                Technique::Labor => w / self.gamma[i] - s[i] * self.chi,
                Technique::Ai | Technique::Split => r / ai[i] - s[i],
            };
            let output = (ln_y - price.ln() * self.sigma).exp();
            let (labor, capital) = match self.regime[i] {
                Technique::Labor => (output / self.gamma[i], D::zero()),
                Technique::Ai => (D::zero(), output / ai[i]),
                Technique::Split => {
                    let labor = x[3] * (self.labor / self.mass[i]);
                    (labor, (output - labor * self.gamma[i]) / ai[i])
                }
            };
            p.push(price);
            l.push(labor);
            k.push(capital);
        }
        (p, l, k)
    }
}

/// The planner's static solver with log utility (cost index `1 / Y`) at log AI productivities
/// `ln_ai`.
fn log_utility_solver(
    mass: &[f64],
    gamma: &[f64],
    sigma: f64,
    labor: f64,
    capital: f64,
    ln_ai: &[f64],
) -> StaticSolver {
    let mut solver = StaticSolver::new(mass, gamma, sigma, 1.0, labor, capital);
    solver.ai = ln_ai.iter().map(|v| v.exp()).collect();
    solver
}

impl Equilibrium for Market {
    fn n_unknowns(&self) -> usize {
        3 + usize::from(self.split.is_some())
    }

    fn policy_space(&self) -> &PolicySpace {
        &self.space
    }

    fn initial_guess(&self, _policy: &[f64]) -> Vec<f64> {
        self.initial.clone()
    }

    fn residual<D: Scalar>(&self, x: &[D], s: &[D], out: &mut [D]) {
        let (p, l, k) = self.allocation(x, s);
        let cd = (self.sigma - 1.0).abs() < 1e-9;
        out[0] = if cd {
            p.iter()
                .zip(&self.mass)
                .fold(D::zero(), |acc, (pi, a)| acc + pi.ln() * *a)
        } else {
            p.iter()
                .zip(&self.mass)
                .fold(D::zero(), |acc, (pi, a)| {
                    acc + pi.powf(1.0 - self.sigma) * *a
                })
                .ln()
                / (1.0 - self.sigma)
        };
        let labor = l
            .iter()
            .zip(&self.mass)
            .fold(D::zero(), |acc, (li, a)| acc + *li * *a);
        let capital = k
            .iter()
            .zip(&self.mass)
            .fold(D::zero(), |acc, (ki, a)| acc + *ki * *a);
        out[1] = labor / self.labor - 1.0;
        out[2] = capital / self.capital - 1.0;
        if let Some(j) = self.split {
            // The split task's price is its AI cost; labour must cost the same.
            let labor_cost = x[1].exp() / self.gamma[j] - s[j] * self.chi;
            out[3] = p[j] / labor_cost - 1.0;
        }
    }

    fn unknown_name(&self, i: usize) -> String {
        match i {
            0 => "ln Y".into(),
            1 => "ln w".into(),
            2 => "ln R".into(),
            _ => "split task's labour share".into(),
        }
    }

    fn structured_solve(
        &self,
        policy: &[f64],
        _warm_start: Option<&[f64]>,
    ) -> Option<Result<Vec<f64>, String>> {
        Some(
            self.solve_structured(policy)
                .map_err(|e| e.to_string())
                .and_then(|solved| {
                    match (0..solved.regime.len()).find(|&i| solved.regime[i] != self.regime[i]) {
                        Some(i) => Err(format!(
                            "task {i} changes technique at this policy ({:?} -> {:?}): the market's residual holds for the regime it was built at; build it again here",
                            self.regime[i], solved.regime[i]
                        )),
                        None => Ok(solved.x),
                    }
                }),
        )
    }
}

impl Welfare for Market {
    fn n_objectives(&self) -> usize {
        1 + usize::from(self.data_value.is_some())
    }

    fn objective<D: Scalar>(&self, k: usize, x: &[D], s: &[D]) -> D {
        if k == 0 {
            return x[0];
        }
        let values = self
            .data_value
            .as_ref()
            .expect("objective 1 needs data values");
        let n = self.mass.len();
        let (_, l, kap) = self.allocation(x, s);
        (0..n).fold(x[0], |acc, i| {
            acc + (kap[i] * s[n + i].exp() + l[i] * (self.gamma[i] * self.chi))
                * (self.mass[i] * values[i])
        })
    }

    fn objective_name(&self, k: usize) -> String {
        ["ln Y", "static Hamiltonian"][k].into()
    }
}
