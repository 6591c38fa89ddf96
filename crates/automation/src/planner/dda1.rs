//! The DDA-1 planner's entry points: the optimal path and, at one instant, the allocation.
//!
//! [`solve_planner`] runs the forward-backward sweep; [`planner_allocation`] and
//! [`hamiltonian_gradient`] expose the static sub-problem and the Hamiltonian's gradient in the
//! data.

use super::options::{PlannerOptions, PlannerUtility};
use super::path::{forward_backward_sweep, Model};
use super::results::{PlannerAllocation, PlannerResult};
use crate::economy::{check_per_task, Economy, ModelError};
use crate::statics::{Allocation, FactorUse};
use walras_core::check;

/// Solves the DDA-1 planner from initial data `data0` (>= 0; a task with no data and no
/// spillover starts with `A ~ 0`) and compares it with the market path on the same grid.
/// Errors on invalid inputs, and with [`ModelError::NoConvergence`] (residual: the last
/// consumption-equivalent Hamiltonian gap) if the sweep misses the tolerance.
pub fn solve_planner(
    economy: &Economy,
    data0: &[f64],
    options: &PlannerOptions,
) -> Result<PlannerResult, ModelError> {
    solve_planner_observed(economy, data0, options, &walras_core::NoObserver)
}

/// [`solve_planner`], reporting each sweep iteration to `observer` (`Event::Progress`, `what =
/// "sweep iteration"`) and stopping with [`ModelError::Cancelled`] when it asks to.
pub fn solve_planner_observed(
    economy: &Economy,
    data0: &[f64],
    options: &PlannerOptions,
    observer: &dyn walras_core::Observer,
) -> Result<PlannerResult, ModelError> {
    economy.validate()?;
    check_per_task("initial_data", data0, economy.tasks(), true)?;
    forward_backward_sweep(
        &Model::dda1(economy, options.utility),
        data0,
        options,
        observer,
    )
}

fn check_static_inputs(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
) -> Result<(), ModelError> {
    economy.validate()?;
    let n = economy.tasks();
    check_per_task("data", data, n, true)?;
    check_per_task("costate", costate, n, true)?;
    check::non_negative("capital", capital)?;
    Ok(())
}

/// The planner's static allocation at data `data`, capital `capital` and costates `costate`
/// (>= 0): the maximiser of `u(Y) + sum_i lambda_i nu_i (A_i k_i + chi gamma_i l_i)` over the
/// resources. With zero costates it is the market equilibrium.
pub fn planner_allocation(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
    utility: PlannerUtility,
) -> Result<PlannerAllocation, ModelError> {
    check_static_inputs(economy, data, capital, costate)?;
    utility.validate()?;
    let model = Model::dda1(economy, utility);
    let mut solver = model.solver(capital);
    let (t, s) = model.solve_static(&mut solver, data, costate)?;
    let n = model.n;
    let big_q = s.ln_q.exp();
    let price: Vec<f64> = s.q.iter().map(|q| q / big_q).collect();
    let subsidy: Vec<f64> = solver.sk.iter().map(|v| v / big_q).collect();
    let labor_subsidy: Vec<f64> = solver.sl.iter().map(|v| v / big_q).collect();
    let wage = if economy.labor > 0.0 {
        s.m_l / big_q
    } else {
        (0..n)
            .map(|i| model.gamma[i] * (price[i] + labor_subsidy[i]))
            .fold(0.0, f64::max)
    };
    let rental = if capital > 0.0 {
        s.m_k / big_q
    } else {
        (0..n)
            .map(|i| t.ai[i] * (price[i] + subsidy[i]))
            .fold(0.0, f64::max)
    };
    let mut hamiltonian = utility.value(s.output);
    for i in 0..n {
        let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * model.gamma[i] * s.l[i];
        hamiltonian += costate[i] * (flow - model.delta * data[i]);
    }
    let allocation = Allocation::from_factor_use(FactorUse {
        mass: &model.mass,
        gamma: &model.gamma,
        ai: &t.ai,
        labor_endowment: economy.labor,
        output: s.output,
        wage,
        rental,
        price,
        task_output: s.y,
        labor: s.l,
        capital: s.k,
    });
    Ok(PlannerAllocation {
        allocation,
        subsidy,
        hamiltonian,
    })
}

/// `dH/dD_j` at the planner's static allocation (envelope theorem: the allocation held fixed):
/// `sum_i spill_ij A_i'(Dtilde_i) k_i (u'(Y) a_i p_i + lambda_i nu_i) - delta lambda_j`.
pub fn hamiltonian_gradient(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
    utility: PlannerUtility,
) -> Result<Vec<f64>, ModelError> {
    check_static_inputs(economy, data, capital, costate)?;
    utility.validate()?;
    let model = Model::dda1(economy, utility);
    let mut solver = model.solver(capital);
    let p = model.point(&mut solver, data, costate)?;
    let mut out = vec![0.0; model.n];
    model.hamiltonian_gradient(&p, costate, &mut out);
    Ok(out)
}
