//! The data-driven automation model: growth paths, the planner, Monte Carlo and phase
//! diagrams, spillover networks and the shipped presets (the command line's
//! `walras automation ...`).

mod figures;
mod network;
mod planner;
mod scenario;
mod sensitivity;
mod simulate;
mod sweep;
mod uncertainty;

pub use crate::bands::{ParameterSource, UncertaintyRun};
pub use figures::{
    blowup_chart, fan_chart, monte_carlo_figures, num, pct, phase_diagram_figures, planner_figures,
    simulation_figures, time_paths_chart,
};
pub use network::{network, NetworkRequest, NetworkRun};
pub use planner::{planner, PlannerRequest, PlannerRun};
pub use scenario::{build, load, presets, presets_json, ScenarioSource};
pub use sensitivity::{
    sensitivity, PlannerSensitivity, SensitivityRequest, SensitivityRun, SENSITIVITY_TOLERANCE,
};
pub use simulate::{simulate, SimulateRequest, SimulationRun};
pub use sweep::{
    monte_carlo, phase_diagram, sweep, MonteCarloRequest, MonteCarloRun, PhaseDiagramRequest,
    PhaseDiagramRun, SweepRequest, SweepRun,
};
pub use uncertainty::{uncertainty, UncertaintyRequest};
