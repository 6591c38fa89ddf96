//! Trade and industrial policy: load an economy, then counterfactuals, unilateral optima,
//! Nash wars, cooperation and their comparison (the command line's `walras trade ...`).

mod compare;
mod continuation;
mod economy;
mod estimate;
mod figures;
mod policies;
mod record;
mod sensitivity;
mod uncertainty;

pub use crate::bands::{Draw, ParameterSource, UncertaintyRun};
pub use compare::{compare, CompareRequest, ScenarioComparison};
pub use economy::{load, Economy, EconomyRequest};
pub use estimate::{
    estimate_elasticities, EstimateRequest, Estimates, SectorEstimate, COVARIANCE_FILE,
};
pub use policies::{
    cooperate, counterfactual, nash, optimal, CooperateRequest, Instruments, NashRequest,
    OptimalRequest, PolicyRun, MAX_OPTIMUM_TOLERANCE,
};
pub use sensitivity::{sensitivity, SensitivityRequest, SensitivityRun};
pub use uncertainty::{uncertainty, UncertaintyRequest};
