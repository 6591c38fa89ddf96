//! # walras-tax: optimal income-tax brackets
//!
//! The setting of "The AI Economist": agents with heterogeneous skills choose labour under a
//! piecewise-linear bracket tax whose revenue is rebated lump-sum; a planner chooses the rates
//! (and optionally the cutoffs) to maximise a social welfare function. Walras solves the
//! planner's problem directly as a nested fixed point: the transfer is the inner equilibrium
//! ([`TaxEconomy`] implements the core's `Equilibrium` and `Welfare`), agents' choices are
//! exact ([`choose`]), and gradients come from implicit differentiation.
//!
//! ```
//! use walras_tax::{BracketSchedule, SkillDistribution, Swf, TaxEconomy, Utility};
//! let pop = SkillDistribution::Pareto { alpha: 4.0, min: 1.0 }.population(200).unwrap();
//! let utility = Utility::QuasiLinear { elasticity: 1.0 };
//! let economy = TaxEconomy::new(pop, utility, Swf::Utilitarian, vec![0.0, 1.5, 3.0]).unwrap();
//! let flat = economy.evaluate("flat 20%", &[0.2, 0.2, 0.2], &Default::default()).unwrap();
//! assert!(flat.transfer > 0.0);
//! ```
#![deny(missing_docs)]

mod agent;
mod data_skills;
mod economy;
mod error;
mod mirrlees;
mod regimes;
mod saez;
mod schedule;
mod sensitivity;
mod skills;
mod swf;
mod utility;

pub use agent::{choose, choose_with, outcome, Choice, LaborSupply, Outcome, PowerChoices};
pub use data_skills::{aie_one_step_skills, quantile_cutoffs, skills_from_earnings};
pub use economy::{AgentRecord, Evaluation, TaxEconomy, TaxOptimum};
pub use error::{Result, TaxError};
pub use mirrlees::{solve_mirrlees, MirrleesOptions, MirrleesSchedule};
pub use saez::{
    aie_binned_saez, bracket_counts, check_saez_rates, check_saez_rates_counted, check_saez_sample,
    saez_top_rate, smooth_saez, BinnedSaez, CheckedSaezRates, SaezWeights, SmoothSaez, SAEZ_BINS,
};
pub use schedule::{
    bracket_of, bracket_tax, taxes_at_cutoffs, validate_brackets, BracketSchedule,
    AIE_US_FEDERAL_CUTOFFS, US_FEDERAL_2018_CUTOFFS, US_FEDERAL_RATES,
};
pub use sensitivity::{sensitivity, TaxSensitivity};
pub use skills::{
    normal_cdf, normal_quantile, parse_spec, take_params, Population, SkillDistribution,
};
pub use swf::{gini, Swf};
pub use utility::{check_elasticity, Utility, MAX_ELASTICITY, MIN_ELASTICITY};
