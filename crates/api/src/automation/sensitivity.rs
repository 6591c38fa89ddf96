//! How sure is the planner's policy? Derivatives of the decentralising subsidies and of
//! welfare in the scenario's parameters (`walras automation sensitivity`).
//!
//! The planner is a non-concave control problem solved by forward-backward sweeps, not a
//! stacked first-order system the implicit function theorem could use, so its derivatives are
//! differences of re-solved planners, Richardson-extrapolated
//! ([`walras_core::finite_difference`]), at a sweep tolerance tight enough for the
//! differences (1e-12 by default). The planner's welfare derivative is checked against the
//! envelope theorem where that has a closed form: the discount rate, capital and labour.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use nalgebra::DMatrix;
use rayon::prelude::*;
use serde_json::{json, Value};
use walras_automation::monte_carlo::{scalar_parameters, set_parameter};
use walras_automation::PlannerResult;
use walras_core::finite_difference::{richardson_column, Domain, Scheme};
use walras_core::NoObserver;
use walras_data::Table;

use super::planner::{
    mean_subsidy, planner, planner_problem, solve_problem, utility, PlannerProblem, PlannerRequest,
    PlannerRun,
};
use super::scenario::named;
use crate::statics_report::{heatmap, jacobian_table, rows};
use crate::{Figure, NamedTable, Output, Provenance};

/// The sweep tolerance of sensitivity and uncertainty runs: the differences of re-solves
/// need subsidies accurate to about 1e-6, and the sweep's allocation error is about the
/// square root of its tolerance.
pub const SENSITIVITY_TOLERANCE: f64 = 1e-12;

/// The planner's objectives, in the order of `welfare_jacobian`'s rows.
const OBJECTIVES: [&str; 3] = ["planner_welfare", "market_welfare", "welfare_gap_pct"];

/// `walras automation sensitivity`; the defaults are the command line's.
#[derive(Clone)]
pub struct SensitivityRequest {
    /// The planner problem (its `tolerance` defaults to [`SENSITIVITY_TOLERANCE`] here).
    pub planner: PlannerRequest,
    /// The parameters to differentiate in (default: every continuous scalar parameter of the
    /// scenario, `discount` and `eta`).
    pub parameters: Option<Vec<String>>,
    /// Difference step, relative: `h = step * max(|value|, 0.01)` (default 0.05). The planner
    /// lives on a time grid, so a re-solve is smooth in a parameter only down to the scale at
    /// which a task's switch to AI moves across a grid step; steps of a few percent average
    /// over that, and `difference_error` says how well.
    pub step: f64,
    /// Called with (finished, total) after each re-solve.
    pub on_solve: Arc<dyn Fn(usize, usize) + Send + Sync>,
}

impl Default for SensitivityRequest {
    fn default() -> Self {
        SensitivityRequest {
            planner: PlannerRequest {
                tolerance: SENSITIVITY_TOLERANCE,
                ..PlannerRequest::default()
            },
            parameters: None,
            step: 0.05,
            on_solve: Arc::new(|_, _| {}),
        }
    }
}

/// The planner's policies and welfare, differentiated.
#[derive(Debug, Clone)]
pub struct PlannerSensitivity {
    /// Parameter names (`sigma`, `network.weight`, `discount`, ...).
    pub parameters: Vec<String>,
    /// Their values.
    pub parameter_values: Vec<f64>,
    /// `initial_subsidy:<task>`, then `mean_subsidy:<task>`.
    pub policies: Vec<String>,
    /// Their values at the base.
    pub policy_values: Vec<f64>,
    /// d policy / d parameter, one row per policy.
    pub jacobian: DMatrix<f64>,
    /// `planner_welfare`, `market_welfare`, `welfare_gap_pct`.
    pub objectives: Vec<String>,
    /// Their values at the base.
    pub objective_values: Vec<f64>,
    /// d objective / d parameter, one row per objective (NaN where the parameter changes the
    /// objective's units: welfare in `eta`).
    pub welfare_jacobian: DMatrix<f64>,
    /// How each column was differenced.
    pub schemes: Vec<Scheme>,
    /// Each column's step h.
    pub steps: Vec<f64>,
    /// Each column's estimated error, relative to its largest policy derivative.
    pub difference_error: Vec<f64>,
}

/// The planner, its derivatives and the record.
pub struct SensitivityRun {
    /// The planner at the base parameters.
    pub run: PlannerRun,
    /// The derivatives.
    pub sensitivity: PlannerSensitivity,
    /// JSON record (`sensitivity.json`), tables and the heatmap.
    pub output: Output,
    /// Inputs, parameters and timings.
    pub provenance: Provenance,
}

/// A planner problem whose parameters can be set by name: what every re-solve starts from.
pub(crate) struct Parametrised {
    problem: PlannerProblem,
    /// The parameters' names.
    pub names: Vec<String>,
    /// Their values in the problem.
    pub values: Vec<f64>,
    domains: Vec<Domain>,
}

impl Parametrised {
    /// The request's problem, with the parameters `wanted` (default: all it has).
    pub(crate) fn new(request: &PlannerRequest, wanted: Option<&[String]>) -> Result<Self> {
        let problem = planner_problem(request)?;
        let o = &problem.options;
        let mut all: Vec<(String, f64, Domain)> = scalar_parameters(&problem.loaded.scenario)
            .into_iter()
            .map(|p| (p.key, p.value, p.domain))
            .collect();
        let (eta_low, eta_high) = walras_automation::planner::ETA_RANGE;
        all.push(("discount".into(), o.discount, Domain::POSITIVE));
        all.push((
            "eta".into(),
            o.utility.eta(),
            Domain {
                lower: eta_low,
                closed_lower: true,
                upper: eta_high,
            },
        ));
        let chosen: Vec<(String, f64, Domain)> = match wanted {
            None => all,
            Some(names) => {
                if names.is_empty() {
                    return Err(named("parameters", "name at least one parameter".into()));
                }
                let mut chosen = Vec::with_capacity(names.len());
                for (k, name) in names.iter().enumerate() {
                    if names[..k].contains(name) {
                        return Err(named("parameters", format!("{name} is named twice")));
                    }
                    let found = all.iter().find(|(n, _, _)| n == name).ok_or_else(|| {
                        let known: Vec<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
                        named(
                            "parameters",
                            format!(
                                "{name} is not a continuous scalar parameter of scenario {} (its parameters: {}; per-task lists are not offered)",
                                problem.loaded.scenario.name,
                                known.join(", ")
                            ),
                        )
                    })?;
                    chosen.push(found.clone());
                }
                chosen
            }
        };
        Ok(Parametrised {
            problem,
            names: chosen.iter().map(|c| c.0.clone()).collect(),
            values: chosen.iter().map(|c| c.1).collect(),
            domains: chosen.iter().map(|c| c.2).collect(),
        })
    }

    /// The planner at parameter values `values` (in the order of `names`).
    pub(crate) fn solve(&self, values: &[f64]) -> Result<PlannerResult> {
        let mut p = self.problem.clone();
        let mut scenario_changed = false;
        for (key, &v) in self.names.iter().zip(values) {
            match key.as_str() {
                "discount" => p.options.discount = v,
                "eta" => p.options.utility = utility(v),
                _ => {
                    set_parameter(&mut p.loaded.scenario, key, v)?;
                    scenario_changed = true;
                }
            }
        }
        if scenario_changed {
            p.model = p.loaded.model()?;
            p.options.capital = p.model.path.capital;
        }
        solve_problem(&p, &NoObserver)
    }

    /// The re-solve at `values`, as (policies, objectives), its error in words.
    pub(crate) fn outcomes(
        &self,
        values: &[f64],
    ) -> std::result::Result<(Vec<f64>, Vec<f64>), String> {
        let shown = || {
            self.names
                .iter()
                .zip(values)
                .map(|(n, v)| format!("{n} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.solve(values) {
            Ok(r) => Ok(outcomes(&r)),
            Err(e) => Err(format!("{} (at {})", e.root_cause(), shown())),
        }
    }
}

/// The policies (initial subsidies, then mean subsidies) and objectives of a planner result.
pub(crate) fn outcomes(r: &PlannerResult) -> (Vec<f64>, Vec<f64>) {
    let mut policies = r.subsidy.first().cloned().unwrap_or_default();
    policies.extend(mean_subsidy(r));
    (
        policies,
        vec![r.planner_welfare, r.market_welfare, r.welfare_gap_pct],
    )
}

/// Solve the planner and difference it in the request's parameters.
pub fn sensitivity(request: &SensitivityRequest) -> Result<SensitivityRun> {
    let t0 = Instant::now();
    if !(request.step.is_finite() && request.step > 0.0 && request.step < 0.5) {
        return Err(named(
            "step",
            format!("must be in (0, 0.5), got {}", request.step),
        ));
    }
    let problem = Parametrised::new(&request.planner, request.parameters.as_deref())?;
    let run = planner(&request.planner)?;
    let solve_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let r = &run.result;
    let n = r.subsidy.first().map_or(0, |row| row.len());
    let (policy_values, objective_values) = outcomes(r);
    let base: Vec<f64> = policy_values
        .iter()
        .chain(&objective_values)
        .copied()
        .collect();
    let steps: Vec<f64> = problem
        .values
        .iter()
        .map(|v| request.step * v.abs().max(0.01))
        .collect();
    let total: usize = (0..problem.names.len())
        .map(|k| {
            let (x, h, d) = (problem.values[k], steps[k], problem.domains[k]);
            if d.contains(x + h) && d.contains(x - h) {
                4
            } else {
                2
            }
        })
        .sum();
    let done = AtomicUsize::new(0);
    let columns = (0..problem.names.len())
        .into_par_iter()
        .map(|k| {
            let solve = |x: f64| -> std::result::Result<Vec<f64>, String> {
                let mut values = problem.values.clone();
                values[k] = x;
                let out = problem.outcomes(&values);
                (request.on_solve)(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                out.map(|(p, o)| p.into_iter().chain(o).collect())
            };
            richardson_column(
                solve,
                &base,
                problem.values[k],
                steps[k],
                problem.domains[k],
            )
            .map_err(|e| {
                named(
                    "parameters",
                    format!("{}: {e}; leave it out with --parameters", problem.names[k]),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let m = policy_values.len();
    let q = problem.names.len();
    let mut jacobian = DMatrix::zeros(m, q);
    let mut welfare_jacobian = DMatrix::zeros(OBJECTIVES.len(), q);
    let mut difference_error = Vec::with_capacity(q);
    for (k, c) in columns.iter().enumerate() {
        for i in 0..m {
            jacobian[(i, k)] = c.derivative[i];
        }
        for o in 0..OBJECTIVES.len() {
            welfare_jacobian[(o, k)] = c.derivative[m + o];
        }
        if problem.names[k] == "eta" {
            // u(Y) = Y^(1-eta)/(1-eta) changes its units with eta; the gap does not.
            welfare_jacobian[(0, k)] = f64::NAN;
            welfare_jacobian[(1, k)] = f64::NAN;
        }
        let largest = c.derivative[..m]
            .iter()
            .fold(0.0, |a: f64, v| a.max(v.abs()));
        let error = c.error[..m].iter().fold(0.0, |a: f64, v| a.max(*v));
        difference_error.push(if largest > 0.0 {
            error / largest
        } else {
            error
        });
    }
    let statics_s = t1.elapsed().as_secs_f64();
    let policies: Vec<String> = (0..n)
        .map(|i| format!("initial_subsidy:{i}"))
        .chain((0..n).map(|i| format!("mean_subsidy:{i}")))
        .collect();
    let s = PlannerSensitivity {
        parameters: problem.names.clone(),
        parameter_values: problem.values.clone(),
        policies,
        policy_values,
        jacobian,
        objectives: OBJECTIVES.iter().map(|o| o.to_string()).collect(),
        objective_values,
        welfare_jacobian,
        schemes: columns.iter().map(|c| c.scheme).collect(),
        steps,
        difference_error,
    };
    let envelope = envelope_checks(&s, r);
    let mut warnings = Vec::new();
    for (k, e) in s.difference_error.iter().enumerate() {
        if *e > 0.05 {
            warnings.push(format!(
                "{}: the differences at steps h and h/2 disagree by {:.0}% of the column's largest entry: the planner is not smooth in it here (the sweep may move between stationary paths, or a task switch regime); treat its column as a rough guide",
                s.parameters[k],
                100.0 * e
            ));
        }
    }
    for check in &envelope {
        if check["relative_gap"].as_f64().is_some_and(|g| g > 1e-3) {
            warnings.push(format!(
                "{}: the re-solved welfare derivative differs from the envelope theorem's by {:.2e} (relative): the planner's path may not be optimal",
                check["parameter"].as_str().unwrap_or(""),
                check["relative_gap"].as_f64().unwrap_or(f64::NAN)
            ));
        }
    }
    let mut provenance = run.provenance.clone();
    provenance.parameters["parameters"] = json!(s.parameters);
    provenance.parameters["step"] = json!(request.step);
    provenance.reports.push((
        "sensitivity".into(),
        json!({"solve_s": solve_s, "statics_s": statics_s, "re_solves": total}),
    ));
    provenance.warnings.extend(warnings.iter().cloned());
    let json = json!({
        "exercise": "planner",
        "parameters": s.parameters,
        "parameter_values": s.parameter_values,
        "policies": s.policies,
        "policy_values": s.policy_values,
        "jacobian": rows(&s.jacobian, 1.0),
        "objectives": s.objectives,
        "objective_values": s.objective_values,
        "welfare_jacobian": rows(&s.welfare_jacobian, 1.0),
        "method": "differences of re-solved planners, Richardson-extrapolated over steps h and h/2 (central; one-sided at the edge of a parameter's domain)",
        "schemes": s.schemes,
        "steps": s.steps,
        "difference_error": s.difference_error,
        "envelope": envelope,
        "tolerance": request.planner.tolerance,
        "re_solves": total,
        "held_fixed": [
            "the horizon and the time grid",
            "the initial data",
            "per-task lists of the scenario (only scalar keys are parameters)",
        ],
        "units": {
            "policies": "initial_subsidy: subsidy at t = 0, mean_subsidy: mean over the grid's nodes; both per unit of AI output, in units of the final good",
            "jacobian": "policy units per unit of the parameter",
            "welfare_jacobian": "per unit of the parameter: welfare in utility (integral of e^{-rho t} u(Y)), the gap in consumption-equivalent % (null: welfare in eta, which changes u's units)",
        },
        "converged": true,
        "solution": run.output.json,
        "wall_time_s": {"solve": solve_s, "sensitivity": statics_s},
        "warnings": warnings,
    });
    let output = Output {
        json_name: "sensitivity.json",
        json,
        tables: tables(&s)?,
        figures: vec![(
            "sensitivity_heatmap".into(),
            Figure::Heatmap(heatmap(
                "parameters",
                &s.parameters,
                &s.policies,
                &s.jacobian,
            )),
        )],
    };
    Ok(SensitivityRun {
        run,
        sensitivity: s,
        output,
        provenance,
    })
}

/// The planner-welfare column against the envelope theorem, for the parameters that have a
/// closed form (`discount`, `capital`, `labor`).
fn envelope_checks(s: &PlannerSensitivity, r: &PlannerResult) -> Vec<Value> {
    s.parameters
        .iter()
        .enumerate()
        .filter_map(|(k, name)| {
            let envelope = match name.as_str() {
                "discount" => r.envelope.discount,
                "capital" => r.envelope.capital,
                "labor" => r.envelope.labor,
                _ => return None,
            };
            let re_solved = s.welfare_jacobian[(0, k)];
            let gap = (re_solved - envelope).abs() / envelope.abs().max(1e-12);
            Some(json!({"parameter": name, "re_solved": re_solved,
                        "envelope": envelope.is_finite().then_some(envelope),
                        "relative_gap": gap.is_finite().then_some(gap)}))
        })
        .collect()
}

/// `jacobian.csv` (one row per policy) and `welfare_jacobian.csv` (one row per objective).
fn tables(s: &PlannerSensitivity) -> Result<Vec<NamedTable>> {
    let jac = jacobian_table(
        &s.policies,
        &s.policy_values,
        &vec![None; s.policies.len()],
        &s.parameters,
        &s.jacobian,
    )?;
    let mut welfare = Table::new()
        .with_str("objective", s.objectives.clone())?
        .with_f64("value", s.objective_values.clone())?;
    for (k, name) in s.parameters.iter().enumerate() {
        welfare = welfare.with_f64(name, s.welfare_jacobian.column(k).iter().copied().collect())?;
    }
    Ok(vec![
        NamedTable::new("jacobian.csv", jac)
            .caption("Derivative of each subsidy in each parameter (re-solved planners)"),
        NamedTable::new("welfare_jacobian.csv", welfare)
            .caption("Derivative of welfare and of the welfare gap in each parameter"),
    ])
}
