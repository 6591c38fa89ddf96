//! How Nash, optimal and cooperative policies, and welfare, respond to the elasticities:
//! the core's comparative statics ([`walras_core::comparative_statics`]) on a trade economy,
//! with names an economist reads.

use std::sync::Arc;

use nalgebra::DMatrix;
use serde::Serialize;
use walras_core::{
    adjoint_gradients, comparative_statics, objective_response, players_from_blocks, solve,
    Aggregation, Bound, CriterionModel, Equilibrium, Parametric, Player, SolverOptions,
    StaticsOptions, WithParameters,
};

use crate::baseline::Baseline;
use crate::error::Result;
use crate::instruments::{Instrument, InstrumentSet};
use crate::model::{Deficits, TradeModel};
use crate::problems::continued_equilibrium;

/// Whose first-order conditions define the policy.
#[derive(Clone, Debug)]
pub enum Exercise {
    /// Every government's own conditions (a Nash equilibrium).
    Nash,
    /// One government's (a unilateral optimum; the others' instruments held).
    Optimal {
        /// The government's country index.
        country: usize,
    },
    /// One planner's over all instruments, maximising world welfare (aggregated as in
    /// [`cooperate`](crate::cooperate)).
    Cooperate(Aggregation),
}

/// Where a re-based baseline came from: the calibrated data and the deficits the re-basing
/// imposed (the purge, or the data's). A re-based baseline depends on the elasticities (the
/// purged equilibrium moves with theta), so derivatives are taken through the data: policies
/// solve the same conditions there (exact hat algebra composes), and welfare relative to the
/// re-based baseline is the ratio of two equilibria of the data.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The calibrated data before re-basing.
    pub data: Arc<Baseline>,
    /// The counterfactual deficits of the re-basing.
    pub deficits: Deficits,
    /// The inner solver's options.
    pub inner: SolverOptions,
}

/// dp*/dtheta and dW*/dtheta at a solved policy.
#[derive(Clone, Debug, Serialize)]
pub struct Sensitivity {
    /// `theta:<sector>`, then `psi:<sector>` with scale economies.
    pub parameters: Vec<String>,
    /// Their values.
    pub parameter_values: Vec<f64>,
    /// The instruments: `tariff:<country>` (uniform), `tariff:<country>:<sector>`,
    /// `tariff:<country>:<partner>`, `tariff:<country>:<partner>:<sector>`,
    /// `subsidy:<country>:<sector>`, `export_tax:...`.
    pub policies: Vec<String>,
    /// Their values at the solution (fractions).
    pub policy_values: Vec<f64>,
    /// Their indices in the policy vector.
    #[serde(skip)]
    pub policy_indices: Vec<usize>,
    /// d policy / d parameter (fraction per unit of the parameter): one row per policy.
    #[serde(skip)]
    pub jacobian: DMatrix<f64>,
    /// The first-order conditions' Jacobian dG/dp over `policy_indices` (rows and columns)
    /// at the solution, for a nearby solve to start from ([`crate::nash_near`]).
    #[serde(skip)]
    pub foc_jacobian: DMatrix<f64>,
    /// Countries, the rows of `welfare_jacobian`.
    pub countries: Vec<String>,
    /// Welfare changes What at the solution (1 = no change from the baseline).
    pub welfare: Vec<f64>,
    /// d What_n* / d parameter, the policy following (ratio per unit of the parameter).
    #[serde(skip)]
    pub welfare_jacobian: DMatrix<f64>,
    /// The same by the envelope theorem (the deciding governments' own instruments left out):
    /// the largest gap to `welfare_jacobian`, a check of the solution.
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

/// The name of an instrument in sensitivity tables: `kind:country[:partner][:sector]`.
pub fn instrument_label(model: &TradeModel, inst: &Instrument) -> String {
    let b = model.baseline();
    let mut name = format!("{}:{}", inst.kind.name(), b.countries[inst.country]);
    if let Some(p) = inst.partner {
        name.push(':');
        name.push_str(&b.countries[p]);
    }
    if let Some(j) = inst.sector {
        name.push(':');
        name.push_str(&b.sectors[j].name);
    }
    name
}

/// The comparative statics of `exercise` at its solution (`policy`, equilibrium `x`), through
/// the data the baseline was re-based from if `origin` says (see [`Origin`]).
pub fn sensitivity(
    model: &TradeModel,
    exercise: &Exercise,
    policy: &[f64],
    x: &[f64],
    origin: Option<&Origin>,
    options: &StaticsOptions,
) -> Result<Sensitivity> {
    let Some(o) = origin else {
        return statics_of(model, exercise, policy, x, options);
    };
    let from_data = TradeModel::new(o.data.clone(), model.policy_map().set)?
        .with_deficits(o.deficits)
        .with_numeraire(model.numeraire())?;
    let x_data = continued_equilibrium(&from_data, policy, &o.inner)?;
    let mut s = statics_of(&from_data, exercise, policy, &x_data, options)?;
    // Welfare relative to the re-based baseline: W / W0, with W0 the re-basing equilibrium's.
    let rebasing = TradeModel::new(o.data.clone(), InstrumentSet::none())?
        .with_deficits(o.deficits)
        .with_numeraire(model.numeraire())?;
    let x0 = solve(&rebasing, &[], None, &o.inner)?.x;
    let aug = WithParameters::new(&rebasing)?;
    let countries: Vec<usize> = (0..s.countries.len()).collect();
    let base = adjoint_gradients(
        &aug,
        &x0,
        &aug.extend(&[]),
        &countries,
        &aug.parameter_indices(),
    )?;
    for (n, w0) in base.values.iter().enumerate() {
        let w = s.welfare[n];
        for k in 0..s.parameters.len() {
            s.welfare_jacobian[(n, k)] =
                s.welfare_jacobian[(n, k)] / w0 - w * base.gradients[(n, k)] / (w0 * w0);
        }
        s.welfare[n] = w / w0;
    }
    s.envelope_gap /= base.values.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(s)
}

fn statics_of(
    model: &TradeModel,
    exercise: &Exercise,
    policy: &[f64],
    x: &[f64],
    options: &StaticsOptions,
) -> Result<Sensitivity> {
    let aug = WithParameters::new(model)?;
    let p = aug.extend(policy);
    let parameters = aug.parameter_indices();
    let nc = model.baseline().n_countries();
    let block = |c: usize| model.policy_map().block(c).to_vec();
    // The players, and for each country the instruments whose owner maximises its welfare
    // (what the envelope theorem leaves out).
    let (statics, deciders) = match exercise {
        Exercise::Nash => {
            let players: Vec<Player> = (0..nc)
                .filter(|&c| !block(c).is_empty())
                .map(|c| Player {
                    name: model.baseline().countries[c].clone(),
                    indices: block(c),
                    objective: c,
                })
                .collect();
            let s = comparative_statics(&aug, &players, &p, x, &parameters, options)?;
            let deciders: Vec<Option<usize>> = (0..nc).map(Some).collect();
            (s, deciders)
        }
        Exercise::Optimal { country } => {
            let players = vec![Player {
                name: model.baseline().countries[*country].clone(),
                indices: block(*country),
                objective: *country,
            }];
            let s = comparative_statics(&aug, &players, &p, x, &parameters, options)?;
            let deciders = (0..nc).map(|c| (c == *country).then_some(c)).collect();
            (s, deciders)
        }
        Exercise::Cooperate(aggregation) => {
            let governments = players_from_blocks(model.policy_space());
            let criterion = aggregation.criterion(&governments, &vec![1.0; governments.len()]);
            let planner = CriterionModel::new(&aug, criterion)?;
            let players = vec![Player {
                name: "planner".into(),
                indices: governments.iter().flat_map(|g| g.indices.clone()).collect(),
                objective: 0,
            }];
            let s = comparative_statics(&planner, &players, &p, x, &parameters, options)?;
            (s, vec![None; nc])
        }
    };
    let countries: Vec<usize> = (0..nc).collect();
    let response = objective_response(&aug, &p, x, &countries, &statics)?;
    let owner: Vec<usize> = statics
        .instruments
        .iter()
        .map(|&i| model.policy_map().instruments[i].country)
        .collect();
    let mut envelope_gap: f64 = 0.0;
    for (r, decider) in deciders.iter().enumerate() {
        let Some(c) = decider else { continue };
        let own: Vec<bool> = owner.iter().map(|o| o == c).collect();
        let envelope = response.envelope(&statics, r, &own);
        for (k, e) in envelope.iter().enumerate() {
            envelope_gap = envelope_gap.max((e - response.total[(r, k)]).abs());
        }
    }
    let instruments = &model.policy_map().instruments;
    Ok(Sensitivity {
        parameters: (0..model.n_parameters())
            .map(|k| model.parameter_name(k))
            .collect(),
        parameter_values: model.parameter_values(),
        policies: statics
            .instruments
            .iter()
            .map(|&i| instrument_label(model, &instruments[i]))
            .collect(),
        policy_values: statics.instruments.iter().map(|&i| policy[i]).collect(),
        policy_indices: statics.instruments,
        jacobian: statics.jacobian,
        foc_jacobian: statics.foc_jacobian,
        countries: model.baseline().countries.clone(),
        welfare: response.values,
        welfare_jacobian: response.total,
        envelope_gap,
        bound: statics.bound,
        switching: statics.switching,
        condition_number: statics.condition_number,
        flat_directions: statics.flat_directions,
    })
}
