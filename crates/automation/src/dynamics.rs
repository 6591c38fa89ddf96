//! Growth paths (spec s.3): data accumulates as a by-product of production,
//! `dD_i/dt = nu_i (A_i k_i + chi gamma_i l_i) - delta_D D_i`, with every instant a static
//! equilibrium (the market is myopic: data is unpriced). Optional Solow capital
//! `dK/dt = s Y - delta K`.
//!
//! The state is `ln D` (and `ln K`), so data stays positive; a task that starts with no data
//! starts at a floor ([`PathOptions::data_floor`] times the largest initial data). Integration is
//! adaptive Dormand-Prince 5(4) ([`crate::integrate`]). A step across an automation switch (a
//! task entering or leaving the split regime) is cut back to the switch, located on the step's
//! cubic Hermite interpolant, so switch times are exact to the integration tolerance and no
//! step straddles a kink.
//! Finite-time blow-up is a result: the path stops at a ceiling and reports an estimate of the
//! blow-up time T* by extrapolating the inverse growth rate `1 / g` of the fastest-growing
//! state to zero (exact for the spec's oracles, where `1 / g` is linear in time).

use crate::economy::{check_per_task, Economy, ModelError};
use crate::integrate::{Events, Failure, Integrator, Rhs, Settings};
use std::cell::RefCell;
use walras_core::check;

use crate::statics::{Allocation, StaticSolver};

/// Solow accumulation of AI capital: `dK/dt = saving Y - depreciation K`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapitalAccumulation {
    /// Saving rate s in (0, 1].
    pub saving: f64,
    /// Depreciation rate delta >= 0.
    #[serde(default)]
    pub depreciation: f64,
}

/// Settings of one growth path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOptions {
    /// Stop at this time.
    pub horizon: f64,
    /// AI capital at t = 0 (fixed unless accumulated).
    pub capital: f64,
    /// Solow accumulation of capital, if any.
    pub accumulation: Option<CapitalAccumulation>,
    /// Stop once the labour task share falls below this (e.g. 0.01).
    pub stop_labor_share: Option<f64>,
    /// Blow-up: once any state (capital or data) exceeds this many times its level at t = 0
    /// while its growth rate is rising, the path stops and reports T*.
    pub blowup_factor: f64,
    /// Zero initial data starts at this fraction of the largest initial data (or of 1).
    pub data_floor: f64,
    /// Relative tolerance of each step (on log states).
    pub tolerance: f64,
    /// Maximum accepted + rejected steps.
    pub max_steps: usize,
    /// Steps are cut back to the switches of tasks with at least this mass; lighter tasks'
    /// switches are recorded at the end of the step that crosses them.
    pub locate_mass: f64,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            horizon: 100.0,
            capital: 1.0,
            accumulation: None,
            stop_labor_share: None,
            blowup_factor: 1e12,
            data_floor: 1e-12,
            tolerance: 1e-7,
            max_steps: 2_000_000,
            locate_mass: 0.002,
        }
    }
}

/// Aggregates at one time on a path.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PathPoint {
    /// Time.
    pub t: f64,
    /// Output Y.
    pub output: f64,
    /// AI capital K.
    pub capital: f64,
    /// Wage w.
    pub wage: f64,
    /// Rental rate R.
    pub rental: f64,
    /// Labour task share m.
    pub labor_task_share: f64,
    /// Labour income share wL / Y.
    pub labor_income_share: f64,
    /// Mass of tasks using AI (automated or split).
    pub automated_share: f64,
    /// Growth rate of output d ln Y / dt (central difference along the path).
    pub output_growth: f64,
    /// Growth rate of the fastest-growing state (capital or data).
    pub max_state_growth: f64,
}

/// Why a path stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Reached the horizon.
    Horizon,
    /// The labour task share fell below the requested level.
    LaborShare,
    /// Finite-time blow-up (see [`SimulationResult::blowup_time`]).
    Blowup,
    /// Levels reached e^600 without accelerating growth (no finite-time blow-up detected).
    StateLimit,
}

/// Largest log level of data, capital or output a path may reach.
const STATE_LIMIT: f64 = 600.0;

/// A simulated growth path.
#[derive(Debug, Clone)]
pub struct SimulationResult {
    /// One point per accepted step (and at every automation switch).
    pub points: Vec<PathPoint>,
    /// First time each task used AI (0 if at t = 0; `None` if never).
    pub automation_time: Vec<Option<f64>>,
    /// First time each task was fully automated.
    pub full_automation_time: Vec<Option<f64>>,
    /// Data per task at the end.
    pub final_data: Vec<f64>,
    /// The equilibrium at the end.
    pub final_equilibrium: Allocation,
    /// Why the path stopped.
    pub stop: StopReason,
    /// Estimated blow-up time T* when the path blew up.
    pub blowup_time: Option<f64>,
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps.
    pub rejected_steps: usize,
    /// Automation switches located.
    pub switches: usize,
}

impl SimulationResult {
    /// The last time on the path.
    pub fn final_time(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.t)
    }
}

/// The right-hand side in log states, with a compressed copy of the spillover matrix: per
/// receiver a constant `base_i` taken by every sender plus sparse nonnegative corrections, so
/// that dense uniform rows (complete, core-periphery) cost O(1 + corrections), not O(N), per
/// evaluation, and no term can cancel another.
struct System<'a> {
    economy: &'a Economy,
    options: &'a PathOptions,
    /// Per receiver: (sender, weight above `base`) of the spill matrix's entries.
    rows: Vec<Vec<(usize, f64)>>,
    /// Per receiver: the weight every sender contributes (the row's minimum when it is positive
    /// and taken by at least half of the row, else 0).
    base: Vec<f64>,
    /// Whether some receiver has a positive base.
    any_base: bool,
    /// Receivers whose effective data is their own (row i of the spill matrix is e_i).
    own_only: Vec<bool>,
    ln_abar: Vec<f64>,
    solver: RefCell<StaticSolver>,
}

/// The state's derivative and the equilibrium behind it.
struct Evaluation {
    derivative: Vec<f64>,
    equilibrium: Allocation,
}

impl<'a> System<'a> {
    fn new(economy: &'a Economy, options: &'a PathOptions) -> Self {
        let n = economy.tasks();
        let (rows, base): (Vec<Vec<(usize, f64)>>, Vec<f64>) = (0..n)
            .map(|i| {
                let row = economy.spill.row(i);
                let low = row.iter().copied().fold(f64::INFINITY, f64::min);
                let at_low = row.iter().filter(|&&w| w == low).count();
                let base = if low > 0.0 && 2 * at_low >= n {
                    low
                } else {
                    0.0
                };
                let entries = (0..n)
                    .filter_map(|j| {
                        let w = row[j] - base;
                        (w != 0.0).then_some((j, w))
                    })
                    .collect();
                (entries, base)
            })
            .unzip();
        let own_only = rows
            .iter()
            .zip(&base)
            .enumerate()
            .map(|(i, (r, &b))| b == 0.0 && r.len() == 1 && r[0] == (i, 1.0))
            .collect();
        System {
            economy,
            options,
            rows,
            any_base: base.iter().any(|&b| b > 0.0),
            base,
            own_only,
            ln_abar: economy.ai_productivity.iter().map(|a| a.ln()).collect(),
            solver: RefCell::new(StaticSolver::market(economy)),
        }
    }

    fn tasks(&self) -> usize {
        self.economy.tasks()
    }

    fn capital(&self, x: &[f64]) -> f64 {
        match self.options.accumulation {
            Some(_) => x[self.tasks()].exp(),
            None => self.options.capital,
        }
    }

    fn ln_ai(&self, x: &[f64]) -> Vec<f64> {
        let e = self.economy;
        let data: Vec<f64> = if self.own_only.iter().all(|&o| o) {
            Vec::new()
        } else {
            x[..self.tasks()].iter().map(|v| v.exp()).collect()
        };
        let total: f64 = if self.any_base {
            data.iter().sum()
        } else {
            0.0
        };
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                if self.own_only[i] {
                    if let crate::economy::DataTechnology::Power { theta } = e.technology {
                        return self.ln_abar[i] + theta * x[i];
                    }
                    return self.ln_abar[i] + e.technology.ln_g(x[i].exp());
                }
                let dt: f64 =
                    self.base[i] * total + row.iter().map(|&(j, w)| w * data[j]).sum::<f64>();
                self.ln_abar[i] + e.technology.ln_g(dt.max(f64::MIN_POSITIVE))
            })
            .collect()
    }

    fn evaluate(&self, x: &[f64]) -> Result<Evaluation, ModelError> {
        let e = self.economy;
        let n = self.tasks();
        let ln_ai = self.ln_ai(x);
        let capital = self.capital(x);
        let eq = self.solver.borrow_mut().equilibrium(&ln_ai, capital)?;
        let mut derivative = Vec::with_capacity(x.len());
        for i in 0..n {
            // AI output A_i k_i plus chi times labour output gamma_i l_i.
            let labor_part = eq.labor_fraction[i];
            let flow = eq.task_output[i] * ((1.0 - labor_part) + e.chi * labor_part);
            derivative.push(e.verifiability[i] * flow * (-x[i]).exp() - e.delta_data);
        }
        if let Some(acc) = self.options.accumulation {
            derivative.push(acc.saving * eq.output / capital - acc.depreciation);
        }
        if let Some((i, v)) = derivative.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ModelError::invalid(
                format!("growth rate of state {i}"),
                v,
                "the data law overflowed",
            ));
        }
        Ok(Evaluation {
            derivative,
            equilibrium: eq,
        })
    }
}

impl Rhs for System<'_> {
    type Eval = Evaluation;
    type Error = ModelError;

    fn evaluate(&self, x: &[f64]) -> Result<Evaluation, ModelError> {
        System::evaluate(self, x)
    }

    fn derivative<'e>(&self, eval: &'e Evaluation) -> &'e [f64] {
        &eval.derivative
    }
}

/// Automation switches as integration events: a task of at least
/// [`PathOptions::locate_mass`] crossing a switch level of its position.
struct Switches<'s, 'a> {
    sys: &'s System<'a>,
    locate_mass: f64,
}

/// The switch to locate: a task and the level of its position it crosses (0 = starts using
/// AI, 1 = fully automated).
struct Switch {
    task: usize,
    level: f64,
}

impl<'a> Events<System<'a>> for Switches<'_, 'a> {
    type Event = Switch;

    /// The first task (by a linear guess) whose status changed over the step, unless it is
    /// lighter than `locate_mass`.
    fn detect(&self, start: &Evaluation, end: &Evaluation) -> Option<Switch> {
        let (e0, e1) = (&start.equilibrium, &end.equilibrium);
        if e0.status == e1.status {
            return None;
        }
        // Per changed task: the level crossed and a linear first guess.
        let mut best: Option<(f64, usize, f64)> = None;
        for i in 0..e0.status.len() {
            if e0.status[i] == e1.status[i] {
                continue;
            }
            let (z0, z1) = (e0.position(i), e1.position(i));
            let level = if z1 > z0 {
                if z0 < 0.0 && z1 >= 0.0 {
                    0.0
                } else {
                    1.0
                }
            } else if z0 > 1.0 && z1 <= 1.0 {
                1.0
            } else {
                0.0
            };
            let guess = if z1 != z0 {
                ((level - z0) / (z1 - z0)).clamp(0.0, 1.0)
            } else {
                1.0
            };
            if best.is_none_or(|(g, _, _)| guess < g) {
                best = Some((guess, i, level));
            }
        }
        let (_, task, level) = best?;
        // A light task's switch is a kink of its size in the aggregate: step error control
        // handles it, and its time is recorded at the end of the step.
        (self.sys.economy.mass[task] >= self.locate_mass).then_some(Switch { task, level })
    }

    fn value(&self, switch: &Switch, eval: &Evaluation) -> f64 {
        eval.equilibrium.position(switch.task) - switch.level
    }
}

/// Simulates a growth path from initial data `data0` (zeros allowed: they start at the floor).
pub fn simulate(
    economy: &Economy,
    data0: &[f64],
    options: &PathOptions,
) -> Result<SimulationResult, ModelError> {
    simulate_observed(economy, data0, options, &walras_core::NoObserver)
}

/// [`simulate`], reporting each accepted integration step to `observer` (`Event::Progress`,
/// `what = "integration step"`) and stopping with [`ModelError::Cancelled`] when it asks to.
pub fn simulate_observed(
    economy: &Economy,
    data0: &[f64],
    options: &PathOptions,
    observer: &dyn walras_core::Observer,
) -> Result<SimulationResult, ModelError> {
    economy.validate()?;
    let n = economy.tasks();
    check_per_task("initial_data", data0, n, true)?;
    check_options(options)?;
    let sys = System::new(economy, options);
    let floor = options.data_floor * data0.iter().fold(0.0f64, |m, &d| m.max(d)).max(1.0);
    let mut x: Vec<f64> = data0.iter().map(|&d| d.max(floor).ln()).collect();
    if options.accumulation.is_some() {
        if options.capital <= 0.0 {
            return Err(ModelError::invalid(
                "capital",
                options.capital,
                "capital accumulation needs K(0) > 0",
            ));
        }
        x.push(options.capital.ln());
    }
    let ceiling: Vec<f64> = x
        .iter()
        .map(|v| v.max(0.0) + options.blowup_factor.ln())
        .collect();
    let settings = Settings {
        horizon: options.horizon,
        tolerance: options.tolerance,
        max_steps: options.max_steps,
    };
    let mut integ = Integrator::new(&sys, x, settings)?;
    let events = Switches {
        sys: &sys,
        locate_mass: options.locate_mass,
    };
    let mut automation_time = vec![None; n];
    let mut full_automation_time = vec![None; n];
    let current = integ.evaluation();
    record_switches(
        &current.equilibrium,
        &current.equilibrium,
        0.0,
        &mut automation_time,
        &mut full_automation_time,
        true,
    );
    let mut points = vec![point(0.0, &sys, integ.state(), current)];
    let mut switches = 0usize;
    let mut stop = StopReason::Horizon;
    let mut blowup_time = None;
    while let Some(step) = integ
        .step(&sys, &events)
        .map_err(|f| path_failure(f, options))?
    {
        observer.on_event(&walras_core::Event::Progress {
            what: "integration step",
            done: integ.steps() as u64,
            total: None,
        });
        if observer.cancelled() {
            return Err(ModelError::Cancelled {
                what: format!(
                    "growth path at t = {:.4} of {}: integration steps (budget)",
                    integ.time(),
                    options.horizon
                ),
                done: integ.steps(),
                total: options.max_steps,
            });
        }
        let (t, x, current) = (integ.time(), integ.state(), integ.evaluation());
        if current.equilibrium.status != step.previous.equilibrium.status {
            switches += 1;
            record_switches(
                &step.previous.equilibrium,
                &current.equilibrium,
                t,
                &mut automation_time,
                &mut full_automation_time,
                false,
            );
        }
        points.push(point(t, &sys, x, current));
        if let Some(m_stop) = options.stop_labor_share {
            if current.equilibrium.labor_task_share < m_stop {
                stop = StopReason::LaborShare;
                break;
            }
        }
        // Blow-up: a state past the ceiling with accelerating growth (fast but decelerating
        // growth runs on, up to the floating-point limit of the model's levels).
        if x.iter().zip(&ceiling).any(|(v, c)| v > c) {
            if let Some(t_star) = estimate_blowup(&points) {
                stop = StopReason::Blowup;
                blowup_time = Some(t_star);
                break;
            }
        }
        if x.iter().any(|v| *v > STATE_LIMIT) || current.equilibrium.output.ln() > STATE_LIMIT {
            stop = StopReason::StateLimit;
            break;
        }
    }
    let (steps, rejected) = (integ.steps(), integ.rejected_steps());
    let (_, x, current) = integ.into_parts();
    finish_growth(&mut points);
    Ok(SimulationResult {
        points,
        automation_time,
        full_automation_time,
        final_data: x[..n].iter().map(|v| v.exp()).collect(),
        final_equilibrium: current.equilibrium,
        stop,
        blowup_time,
        steps,
        rejected_steps: rejected,
        switches,
    })
}

fn check_options(o: &PathOptions) -> Result<(), ModelError> {
    check::positive("horizon", o.horizon)?;
    check::non_negative("capital", o.capital)?;
    if let Some(acc) = o.accumulation {
        check::step_fraction("capital_accumulation.saving", acc.saving)?;
        check::non_negative("capital_accumulation.depreciation", acc.depreciation)?;
    }
    if !(o.tolerance > 0.0 && o.tolerance < 1e-2) {
        return Err(ModelError::invalid(
            "tolerance",
            o.tolerance,
            "must be in (0, 0.01)",
        ));
    }
    if !(o.data_floor > 0.0 && o.blowup_factor > 1.0) {
        return Err(ModelError::invalid(
            "data_floor",
            o.data_floor,
            "must be > 0 (and the blow-up factor > 1)",
        ));
    }
    Ok(())
}

/// A failed integration as a [`ModelError`].
fn path_failure(failure: Failure<ModelError>, options: &PathOptions) -> ModelError {
    match failure {
        Failure::Rhs(e) => e,
        Failure::MaxSteps { t, steps, h } => ModelError::NoConvergence {
            what: format!("growth path (reached t = {t:.6} of {})", options.horizon),
            iterations: steps,
            residual: h,
        },
        Failure::Underflow { t, steps, h } => ModelError::NoConvergence {
            what: format!("growth path (step size underflow at t = {t:.9})"),
            iterations: steps,
            residual: h,
        },
    }
}

/// Records first automation (a task starts using AI) and full automation times.
fn record_switches(
    before: &Allocation,
    after: &Allocation,
    t: f64,
    automation_time: &mut [Option<f64>],
    full_automation_time: &mut [Option<f64>],
    initial: bool,
) {
    use crate::statics::TaskStatus::*;
    for i in 0..after.status.len() {
        if initial || before.status[i] != after.status[i] {
            if after.status[i] != Labor && automation_time[i].is_none() {
                automation_time[i] = Some(t);
            }
            if after.status[i] == Automated && full_automation_time[i].is_none() {
                full_automation_time[i] = Some(t);
            }
        }
    }
}

fn point(t: f64, sys: &System, x: &[f64], eval: &Evaluation) -> PathPoint {
    let eq = &eval.equilibrium;
    PathPoint {
        t,
        output: eq.output,
        capital: sys.capital(x),
        wage: eq.wage,
        rental: eq.rental,
        labor_task_share: eq.labor_task_share,
        labor_income_share: eq.labor_income_share,
        automated_share: eq.automated_mass(sys.economy),
        output_growth: 0.0,
        max_state_growth: eval
            .derivative
            .iter()
            .fold(f64::NEG_INFINITY, |m, &v| m.max(v)),
    }
}

/// Output growth by central differences of ln Y (one-sided at the ends).
fn finish_growth(points: &mut [PathPoint]) {
    let n = points.len();
    if n < 2 {
        return;
    }
    let ln_y: Vec<f64> = points.iter().map(|p| p.output.ln()).collect();
    for i in 0..n {
        let (a, b) = (i.saturating_sub(1), (i + 1).min(n - 1));
        let dt = points[b].t - points[a].t;
        points[i].output_growth = if dt > 0.0 {
            (ln_y[b] - ln_y[a]) / dt
        } else {
            0.0
        };
    }
}

/// Blow-up time from the last points: `1 / g` of the fastest state, extrapolated linearly
/// to zero.
fn estimate_blowup(points: &[PathPoint]) -> Option<f64> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let (p1, p2) = (&points[n - 2], &points[n - 1]);
    let (g1, g2) = (p1.max_state_growth, p2.max_state_growth);
    if !(g1 > 0.0 && g2 > g1) {
        return None;
    }
    let slope = (1.0 / g2 - 1.0 / g1) / (p2.t - p1.t);
    Some(p2.t - (1.0 / g2) / slope)
}

/// The spec's P4 oracle: under full automation with Cobb-Douglas tasks, chi = 1, no
/// spillovers, data starting at zero and verifiability `nu_i = ((i - 1/2)/N)^{1/kappa}` (large
/// N), the labour task share reaches `m` at
/// `t(m) = m^{1-q} (1-m)^{1/theta} + int_m^1 s^{-q} (1-s)^{1/theta} ds`, `q = 1/theta + 1/kappa`
/// (Simpson's rule on a log grid), so `m(t) ~ t^{-1/(q-1)}`.
pub fn power_law_oracle_time(m: f64, theta: f64, kappa: f64) -> f64 {
    let q = 1.0 / theta + 1.0 / kappa;
    let f = |s: f64| s.powf(-q) * (1.0 - s).powf(1.0 / theta);
    let n = 20_000;
    let (a, b) = (m.ln(), 0.0f64);
    let h = (b - a) / n as f64;
    let g = |u: f64| f(u.exp()) * u.exp();
    let mut sum = g(a) + g(b);
    for i in 1..n {
        sum += g(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    m.powf(1.0 - q) * (1.0 - m).powf(1.0 / theta) + sum * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::economy::DataTechnology;
    use nalgebra::DMatrix;

    /// Counts integration-step events and cancels after `stop_after` of them.
    struct Steps {
        seen: std::sync::atomic::AtomicU64,
        last: std::sync::atomic::AtomicU64,
        stop_after: u64,
    }

    impl walras_core::Observer for Steps {
        fn on_event(&self, event: &walras_core::Event<'_>) {
            if let walras_core::Event::Progress {
                what: "integration step",
                done,
                total: None,
            } = event
            {
                self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.last.store(*done, std::sync::atomic::Ordering::Relaxed);
            }
        }
        fn cancelled(&self) -> bool {
            self.seen.load(std::sync::atomic::Ordering::Relaxed) >= self.stop_after
        }
    }

    #[test]
    fn growth_path_reports_each_step_and_stops_when_cancelled() {
        let no_files = |_: &std::path::Path, _: usize| Err("no network files".to_string());
        let m = crate::scenario::Scenario::preset("core-periphery")
            .unwrap()
            .resolve(None, &no_files)
            .unwrap();
        let watch = |stop_after| Steps {
            seen: 0.into(),
            last: 0.into(),
            stop_after,
        };
        let all = watch(u64::MAX);
        let path = simulate_observed(&m.economy, &m.initial_data, &m.path, &all).unwrap();
        let plain = simulate(&m.economy, &m.initial_data, &m.path).unwrap();
        assert_eq!(path.final_data, plain.final_data);
        assert_eq!(path.steps, plain.steps);
        assert!(path.steps > 10);
        assert_eq!(all.last.into_inner(), path.steps as u64);
        let stop = watch(5);
        let err = simulate_observed(&m.economy, &m.initial_data, &m.path, &stop).unwrap_err();
        assert!(
            matches!(err, ModelError::Cancelled { done: 5, .. }),
            "{err}"
        );
        assert_eq!(stop.seen.into_inner(), 5);
    }

    /// The compressed spill rows (row constant plus corrections) give the dense product's
    /// effective data, also when data spans hundreds of orders of magnitude.
    #[test]
    fn compressed_spill_rows_match_the_dense_product() {
        let n = 9;
        let omegas = [
            DMatrix::from_fn(n, n, |i, j| if i == j { 1.0 } else { 0.3 }),
            DMatrix::from_fn(n, n, |i, j| match (i == j, i < 3, j < 3) {
                (true, ..) => 1.0,
                (_, true, true) => 0.5,
                (_, false, true) => 0.1,
                (_, true, false) => 0.05,
                _ => 0.01,
            }),
            DMatrix::from_fn(n, n, |i, j| {
                if i == j {
                    1.0
                } else {
                    0.1 + ((i * 7 + j * 3) % 5) as f64 * 0.02
                }
            }),
            DMatrix::from_fn(n, n, |i, j| if i == j || j + 1 == i { 1.0 } else { 0.0 }),
        ];
        let options = PathOptions::default();
        for (k, omega) in omegas.into_iter().enumerate() {
            let mut e = Economy::symmetric(n, 0.8);
            e.spill = omega;
            let sys = System::new(&e, &options);
            if k < 2 {
                assert!(sys.any_base, "case {k} uses row constants");
            }
            for spread in [1.0, 100.0] {
                let x: Vec<f64> = (0..n)
                    .map(|i| spread * ((i * 5 % n) as f64 - 4.0))
                    .collect();
                let data: Vec<f64> = x.iter().map(|v| v.exp()).collect();
                let dense = e.ln_ai_productivity(&data);
                for (i, (a, b)) in sys.ln_ai(&x).iter().zip(&dense).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                        "case {k}, task {i}: {a} vs {b}"
                    );
                }
            }
        }
    }

    /// P2: N = 1, chi = 0: closed-form data path and labour income share.
    #[test]
    fn single_task_data_path_matches_closed_form() {
        let mut e = Economy::symmetric(1, 0.8);
        e.verifiability = vec![0.7];
        let (d0, theta, nu, k) = (0.5f64, 0.5, 0.7, 1.3);
        let options = PathOptions {
            horizon: 40.0,
            capital: k,
            tolerance: 1e-9,
            ..Default::default()
        };
        let path = simulate(&e, &[d0], &options).unwrap();
        let t = path.final_time();
        let exact = (d0.powf(1.0 - theta) + (1.0 - theta) * nu * k * t).powf(1.0 / (1.0 - theta));
        assert!(
            (path.final_data[0] / exact - 1.0).abs() < 1e-7,
            "{} vs {exact}",
            path.final_data[0]
        );
        let s_l = 1.0 / (1.0 + k * exact.powf(theta));
        assert!((path.final_equilibrium.labor_income_share - s_l).abs() < 1e-8);
    }

    /// P2, theta > 1: blow-up at T = D0^{1-theta} / ((theta - 1) nu Abar K).
    #[test]
    fn single_task_blows_up_for_theta_above_one() {
        let mut e = Economy::symmetric(1, 0.8);
        e.technology = DataTechnology::Power { theta: 1.5 };
        let options = PathOptions {
            horizon: 100.0,
            capital: 1.0,
            ..Default::default()
        };
        let path = simulate(&e, &[1.0], &options).unwrap();
        assert_eq!(path.stop, StopReason::Blowup);
        let exact = 1.0 / (0.5 * 1.0 * 1.0);
        let t_star = path.blowup_time.unwrap();
        assert!(
            (t_star / exact - 1.0).abs() < 1e-4,
            "T* = {t_star} vs {exact}"
        );
    }

    /// P5: contagion timing on two tasks.
    #[test]
    fn contagion_time_matches_closed_form() {
        for &sigma in &[0.5, 1.0, 2.0] {
            let omega = 0.01;
            let mut e = Economy::symmetric(2, sigma);
            e.mass = vec![0.4, 0.6];
            e.spill = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, omega, 1.0]);
            let (a1, a2, theta, nu1, k) = (0.4f64, 0.6f64, 0.5f64, 1.0, 1.0);
            let c = a1 * 1.0 / (a2 * k);
            let d10 = 1.0f64; // Abar D^theta = 1 >= c
            let x_star = (c * omega.powf(-theta * sigma)).powf(1.0 / theta);
            let t2 =
                a1 * (x_star.powf(1.0 - theta) - d10.powf(1.0 - theta)) / ((1.0 - theta) * nu1 * k);
            let options = PathOptions {
                horizon: 2.0 * t2,
                capital: k,
                ..Default::default()
            };
            let path = simulate(&e, &[d10, 0.0], &options).unwrap();
            assert_eq!(path.automation_time[0], Some(0.0));
            let t = path.automation_time[1].expect("task 2 automates");
            assert!(
                (t / t2 - 1.0).abs() < 1e-6,
                "sigma {sigma}: T2 = {t} vs {t2}"
            );
        }
    }

    /// P7: blow-up with capital accumulation (N = 1, L = 0, D0 = nu K0 / s).
    #[test]
    fn capital_accumulation_blows_up_at_t_star() {
        let (theta, nu, s, k0) = (0.5f64, 0.8f64, 0.3f64, 2.0f64);
        let mut e = Economy::symmetric(1, 1.0);
        e.labor = 0.0;
        e.verifiability = vec![nu];
        let options = PathOptions {
            horizon: 1e3,
            capital: k0,
            accumulation: Some(CapitalAccumulation {
                saving: s,
                depreciation: 0.0,
            }),
            tolerance: 1e-9,
            ..Default::default()
        };
        let path = simulate(&e, &[nu * k0 / s], &options).unwrap();
        let c = s.powf(1.0 - theta) * nu.powf(theta);
        let t_star = 1.0 / (theta * c * k0.powf(theta));
        assert_eq!(path.stop, StopReason::Blowup);
        let est = path.blowup_time.unwrap();
        assert!((est / t_star - 1.0).abs() < 1e-4, "T* {est} vs {t_star}");
        // K(t) on the path matches the closed form
        for p in path.points.iter().filter(|p| p.t < 0.95 * t_star) {
            let exact = k0 * (1.0 - theta * c * k0.powf(theta) * p.t).powf(-1.0 / theta);
            assert!(
                (p.capital / exact - 1.0).abs() < 1e-6,
                "K({}) = {} vs {exact}",
                p.t,
                p.capital
            );
        }
    }
}
