//! How the planner's optimal brackets, and welfare, respond to the economy's parameters: the
//! labour elasticity, the SWF's own parameter and the skill distribution's, by the core's
//! comparative statics ([`walras_core::comparative_statics`]) at the optimum.
//!
//! Agents' choices (which bracket, kink or corner) are held at the solution's: derivatives
//! are those of the smooth branch the optimum lies on. The cutoffs are part of the policy
//! (held, or chosen by the planner), so quantile cutoffs are not recomputed.

use nalgebra::DMatrix;
use serde::Serialize;
use walras_core::{
    comparative_statics, objective_response, Bound, Parametric, Player, Scalar, StaticsOptions,
    WithParameters,
};

use crate::agent::{Choice, LaborSupply, Outcome};
use crate::economy::TaxEconomy;
use crate::error::{invalid, Result};
use crate::schedule::taxes_at_cutoffs;
use crate::utility::Utility;

/// A parameter of the tax economy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parameter {
    /// The labour elasticity e (utility c - kappa l^p with p = 1 + 1/e).
    Elasticity,
    /// The SWF's own parameter.
    Swf,
    /// Parameter `k` of the skill distribution.
    Skill(usize),
}

impl TaxEconomy {
    /// Why comparative statics cannot be taken here, if they cannot: they need continuous
    /// labour and a utility c - kappa l^p (quasi-linear or coin-minus-labour).
    pub fn check_parametric(&self) -> Result<()> {
        if matches!(self.labor, LaborSupply::IntegerHours { .. }) {
            return Err(invalid(
                "hours",
                "integer hours",
                "comparative statics need continuous labour (with whole hours welfare jumps, so the optimum has no derivatives)",
            ));
        }
        if self.utility.power_form().is_none() {
            return Err(invalid(
                "utility",
                format!("{:?}", self.utility),
                "comparative statics need a utility c - kappa l^p (ql or coin-minus-labor)",
            ));
        }
        Ok(())
    }

    fn parameter_list(&self) -> Vec<Parameter> {
        let mut list = Vec::new();
        if self.utility.power_form().is_some() {
            list.push(Parameter::Elasticity);
        }
        if self.swf.parameter().is_some() {
            list.push(Parameter::Swf);
        }
        if let Some(d) = &self.skill_distribution {
            list.extend((0..d.parameters().len()).map(Parameter::Skill));
        }
        list
    }

    /// The economy with its parameters ([`Parametric::parameter_values`], in that order) set
    /// to `values`: the utility, SWF and skills rebuilt and checked; the policy space kept.
    pub fn with_parameter_values(&self, values: &[f64]) -> Result<TaxEconomy> {
        let list = self.parameter_list();
        if values.len() != list.len() {
            return Err(invalid(
                "parameters",
                format!("{values:?}"),
                &format!("need {} values", list.len()),
            ));
        }
        let mut e = self.clone();
        let mut skill_values = Vec::new();
        for (which, &v) in list.iter().zip(values) {
            match which {
                Parameter::Elasticity => {
                    crate::utility::check_elasticity("elasticity", v)?;
                    e.utility = match e.utility {
                        Utility::QuasiLinear { .. } => Utility::QuasiLinear { elasticity: v },
                        Utility::CoinMinusLabor { kappa, .. } => Utility::CoinMinusLabor {
                            kappa,
                            power: 1.0 + 1.0 / v,
                        },
                        other => other,
                    };
                }
                Parameter::Swf => {
                    e.swf = match e.swf {
                        crate::Swf::Atkinson { .. } => crate::Swf::Atkinson { epsilon: v },
                        crate::Swf::PowerWeights { .. } => crate::Swf::PowerWeights { k: v },
                        other => other,
                    };
                    e.swf.validate()?;
                }
                Parameter::Skill(_) => skill_values.push(v),
            }
        }
        if let Some(d) = &self.skill_distribution {
            let d = d.with_parameters(&skill_values)?;
            e.population = d.population(self.population.len())?;
            e.skill_distribution = Some(d);
        }
        e.utility.validate()?;
        e.exogenous = e.swf.exogenous_weights(&e.population);
        e.rebuild_power();
        Ok(e)
    }

    /// Revenue per agent and the SWF with the parameters `theta` in any scalar, agent by
    /// agent, each on the branch (bracket, kink, corner) it chooses at the model's values.
    fn revenue_and_swf_with<D: Scalar>(&self, transfer: D, policy: &[D], theta: &[D]) -> (D, D) {
        let Some((kappa0, p0)) = self.utility.power_form() else {
            let nan = D::from(f64::NAN);
            return (nan, nan);
        };
        let list = self.parameter_list();
        let value = |which: Parameter| list.iter().position(|&p| p == which).map(|k| theta[k]);
        let (kappa, p) = match value(Parameter::Elasticity) {
            Some(e) => {
                let p = e.recip() + 1.0;
                let kappa = match self.utility {
                    Utility::QuasiLinear { .. } => p.recip(),
                    _ => D::from(kappa0),
                };
                (kappa, p)
            }
            None => (D::from(kappa0), D::from(p0)),
        };
        let m = self.population.len();
        let skills: Vec<D> = match &self.skill_distribution {
            Some(d) => {
                let values: Vec<D> = (0..d.parameters().len())
                    .map(|k| value(Parameter::Skill(k)).expect("listed"))
                    .collect();
                (0..m)
                    .map(|i| d.quantile_with(&values, (i as f64 + 0.5) / m as f64))
                    .collect()
            }
            None => self
                .population
                .skills()
                .iter()
                .map(|&n| D::from(n))
                .collect(),
        };
        let (cutoffs, rates) = self.schedule_parts(policy);
        let taxes = taxes_at_cutoffs(&cutoffs, &rates);
        let re = |v: &[D]| v.iter().map(|d| d.re()).collect::<Vec<f64>>();
        let choices = self.choices(transfer.re(), &re(&cutoffs), &re(&rates));
        let beta: Vec<D> = rates
            .iter()
            .map(|t| {
                if t.re() < 1.0 {
                    ((-*t + 1.0) / (kappa * p)).powd((p - 1.0).recip())
                } else {
                    D::zero()
                }
            })
            .collect();
        let exponent = p / (p - 1.0);
        let outcomes: Vec<Outcome<D>> = (0..m)
            .map(|i| {
                let n = skills[i];
                let (income, tax, disutility) = match choices[i] {
                    Choice::Zero | Choice::Hours(_) => (D::zero(), D::zero(), D::zero()),
                    Choice::Interior(b) => {
                        let z = beta[b] * n.powd(exponent);
                        let tax = taxes[b] + rates[b] * (z - cutoffs[b]);
                        (z, tax, (-rates[b] + 1.0) * z / p)
                    }
                    Choice::Kink(b) => {
                        let cost = if b == 0 {
                            D::zero()
                        } else {
                            kappa * (cutoffs[b] / n).powd(p)
                        };
                        (cutoffs[b], taxes[b], cost)
                    }
                };
                let consumption = income - tax + transfer;
                Outcome {
                    labor: income / n,
                    income,
                    tax,
                    consumption,
                    utility: consumption - disutility,
                }
            })
            .collect();
        let w = self.population.weights();
        let revenue = outcomes.iter().zip(w).map(|(o, wi)| o.tax * *wi).sum::<D>()
            / self.population.total_weight();
        let swf = self
            .swf
            .value_with(value(Parameter::Swf), &outcomes, &skills, w);
        (revenue, swf)
    }
}

impl Parametric for TaxEconomy {
    fn n_parameters(&self) -> usize {
        self.parameter_list().len()
    }

    fn parameter_name(&self, k: usize) -> String {
        match self.parameter_list()[k] {
            Parameter::Elasticity => "elasticity".into(),
            Parameter::Swf => format!("swf:{}", self.swf.parameter().expect("listed").0),
            Parameter::Skill(j) => {
                let d = self.skill_distribution.as_ref().expect("listed");
                format!("skills:{}", d.parameters()[j].0)
            }
        }
    }

    fn parameter_values(&self) -> Vec<f64> {
        self.parameter_list()
            .into_iter()
            .map(|which| match which {
                Parameter::Elasticity => self.utility.elasticity().expect("power form"),
                Parameter::Swf => self.swf.parameter().expect("listed").1,
                Parameter::Skill(j) => {
                    self.skill_distribution
                        .as_ref()
                        .expect("listed")
                        .parameters()[j]
                        .1
                }
            })
            .collect()
    }

    fn residual_with<D: Scalar>(&self, x: &[D], policy: &[D], theta: &[D], out: &mut [D]) {
        out[0] = x[0] - self.revenue_and_swf_with(x[0], policy, theta).0;
    }

    fn objective_with<D: Scalar>(&self, _k: usize, x: &[D], policy: &[D], theta: &[D]) -> D {
        self.revenue_and_swf_with(x[0], policy, theta).1
    }

    fn residual_and_objectives_with<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        theta: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        let (revenue, swf) = self.revenue_and_swf_with(x[0], policy, theta);
        residual[0] = x[0] - revenue;
        values
            .iter_mut()
            .zip(objectives)
            .for_each(|(v, _)| *v = swf);
    }
}

/// dp*/dtheta and dW*/dtheta at the planner's optimum.
#[derive(Clone, Debug, Serialize)]
pub struct TaxSensitivity {
    /// `elasticity`, `swf:eps` or `swf:k`, `skills:<parameter>`.
    pub parameters: Vec<String>,
    /// Their values.
    pub parameter_values: Vec<f64>,
    /// The instruments: `rate:<bracket>` (1 = the lowest), then `gap:<b>` (the width of
    /// bracket b + 1) when the planner chooses the cutoffs.
    pub policies: Vec<String>,
    /// Their values at the optimum.
    pub policy_values: Vec<f64>,
    /// d policy / d parameter: one row per policy.
    #[serde(skip)]
    pub jacobian: DMatrix<f64>,
    /// The SWF at the optimum.
    pub welfare: f64,
    /// dW*/d parameter, the policy following (NaN for an Atkinson SWF's eps, which changes
    /// the units welfare is measured in).
    pub welfare_jacobian: Vec<f64>,
    /// dW/d parameter with the policy held: by the envelope theorem equal to
    /// `welfare_jacobian` at an interior optimum.
    pub welfare_direct: Vec<f64>,
    /// The largest gap between the two.
    pub envelope_gap: f64,
    /// The bound each policy is held at (its derivative is then 0).
    pub bound: Vec<Option<Bound>>,
    /// Bounds that would switch for a parameter change in one direction.
    pub switching: Vec<bool>,
    /// Condition number of the first-order conditions' Jacobian over free policies.
    pub condition_number: f64,
    /// Directions over `policies` along which the policy is not identified.
    pub flat_directions: Vec<Vec<f64>>,
}

/// The comparative statics of the planner's optimum `policy` (transfer `transfer`).
pub fn sensitivity(
    economy: &TaxEconomy,
    policy: &[f64],
    transfer: f64,
    options: &StaticsOptions,
) -> Result<TaxSensitivity> {
    economy.check_parametric()?;
    let aug = WithParameters::new(economy)?;
    let p = aug.extend(policy);
    let parameters = aug.parameter_indices();
    let planner = Player {
        name: "planner".into(),
        indices: (0..policy.len()).collect(),
        objective: 0,
    };
    let x = [transfer];
    let statics = comparative_statics(&aug, &[planner], &p, &x, &parameters, options)?;
    let response = objective_response(&aug, &p, &x, &[0], &statics)?;
    let mut direct: Vec<f64> = response.envelope(&statics, 0, &vec![true; policy.len()]);
    let mut total: Vec<f64> = response.total.row(0).iter().copied().collect();
    // Atkinson welfare is measured in units that change with eps (u^(1-eps)/(1-eps), ln u
    // at 1), so its derivative in eps compares different units: not reported.
    let list = economy.parameter_list();
    if let (Some(k), crate::Swf::Atkinson { .. }) =
        (list.iter().position(|&p| p == Parameter::Swf), economy.swf)
    {
        direct[k] = f64::NAN;
        total[k] = f64::NAN;
    }
    let envelope_gap = direct
        .iter()
        .zip(&total)
        .filter(|(a, _)| a.is_finite())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let b = economy.n_brackets();
    Ok(TaxSensitivity {
        parameters: (0..economy.n_parameters())
            .map(|k| economy.parameter_name(k))
            .collect(),
        parameter_values: economy.parameter_values(),
        policies: statics
            .instruments
            .iter()
            .map(|&i| {
                if i < b {
                    format!("rate:{}", i + 1)
                } else {
                    format!("gap:{}", i - b + 1)
                }
            })
            .collect(),
        policy_values: statics.instruments.iter().map(|&i| policy[i]).collect(),
        jacobian: statics.jacobian,
        welfare: response.values[0],
        welfare_jacobian: total,
        welfare_direct: direct,
        envelope_gap,
        bound: statics.bound,
        switching: statics.switching,
        condition_number: statics.condition_number,
        flat_directions: statics.flat_directions,
    })
}
