//! Growth paths (spec s.3): data accumulates as a by-product of production,
//! `dD_i/dt = nu_i (A_i k_i + chi gamma_i l_i) - delta_D D_i`, with every instant a static
//! equilibrium (the market is myopic: data is unpriced). Optional Solow capital
//! `dK/dt = s Y - delta K`.
//!
//! The state is `ln D` (and `ln K`), so data stays positive; a task that starts with no data
//! starts at a floor ([`PathOptions::data_floor`] times the largest initial data). Integration is Dormand-Prince 5(4) with adaptive steps.
//! A step across an automation switch (a task entering or leaving the split regime) is cut
//! back to the switch, located on the step's cubic Hermite interpolant by the Illinois method,
//! so switch times are exact to the integration tolerance and no step straddles a kink.
//! Finite-time blow-up is a result: the path stops at a ceiling and reports an estimate of the
//! blow-up time T* by extrapolating the inverse growth rate `1 / g` of the fastest-growing
//! state to zero (exact for the spec's oracles, where `1 / g` is linear in time).

use crate::economy::{check_per_task, Economy, ModelError};
use std::cell::RefCell;

use crate::equilibrium::{Allocation, EquilibriumSolver};

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

/// The right-hand side in log states, with a sparse copy of the spillover matrix.
struct System<'a> {
    economy: &'a Economy,
    options: &'a PathOptions,
    /// Per receiver: (sender, weight) of the nonzero entries of the spill matrix.
    rows: Vec<Vec<(usize, f64)>>,
    /// Receivers whose effective data is their own (row i of the spill matrix is e_i).
    own_only: Vec<bool>,
    ln_abar: Vec<f64>,
    solver: RefCell<EquilibriumSolver<'a>>,
}

/// The state's derivative and the equilibrium behind it.
struct Evaluation {
    derivative: Vec<f64>,
    equilibrium: Allocation,
}

impl<'a> System<'a> {
    fn new(economy: &'a Economy, options: &'a PathOptions) -> Self {
        let n = economy.tasks();
        let rows: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|i| {
                (0..n)
                    .filter_map(|j| {
                        let w = economy.spill[(i, j)];
                        (w != 0.0).then_some((j, w))
                    })
                    .collect()
            })
            .collect();
        let own_only = rows
            .iter()
            .enumerate()
            .map(|(i, r)| r.len() == 1 && r[0] == (i, 1.0))
            .collect();
        System {
            economy,
            options,
            rows,
            own_only,
            ln_abar: economy.ai_productivity.iter().map(|a| a.ln()).collect(),
            solver: RefCell::new(EquilibriumSolver::new(economy)),
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
                let dt: f64 = row.iter().map(|&(j, w)| w * data[j]).sum();
                self.ln_abar[i] + e.technology.ln_g(dt.max(f64::MIN_POSITIVE))
            })
            .collect()
    }

    fn evaluate(&self, x: &[f64]) -> Result<Evaluation, ModelError> {
        let e = self.economy;
        let n = self.tasks();
        let ln_ai = self.ln_ai(x);
        let capital = self.capital(x);
        let eq = self.solver.borrow_mut().solve(&ln_ai, capital)?;
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

// Dormand-Prince 5(4) tableau.
const C: [f64; 7] = [0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0];
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [0.2, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// Fifth-order weights minus the embedded fourth-order ones (the error estimate).
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// One trial step: the new state, its evaluation and the scaled error norm.
struct Trial {
    x: Vec<f64>,
    eval: Evaluation,
    error: f64,
}

fn dopri_step(sys: &System, x: &[f64], f0: &[f64], h: f64, tol: f64) -> Result<Trial, ModelError> {
    let m = x.len();
    let mut k: Vec<Vec<f64>> = vec![f0.to_vec()];
    for s in 1..6 {
        let xs: Vec<f64> = (0..m)
            .map(|i| x[i] + h * (0..s).map(|j| A[s][j] * k[j][i]).sum::<f64>())
            .collect();
        debug_assert!(C[s] > 0.0);
        k.push(sys.evaluate(&xs)?.derivative);
    }
    let x_new: Vec<f64> = (0..m)
        .map(|i| x[i] + h * (0..6).map(|j| A[6][j] * k[j][i]).sum::<f64>())
        .collect();
    let eval = sys.evaluate(&x_new)?;
    k.push(eval.derivative.clone());
    let mut error: f64 = 0.0;
    for i in 0..m {
        let err = h * (0..7).map(|j| E[j] * k[j][i]).sum::<f64>();
        let scale = tol * (1.0 + x[i].abs().max(x_new[i].abs()).min(100.0));
        error = error.max((err / scale).abs());
    }
    Ok(Trial {
        x: x_new,
        eval,
        error,
    })
}

/// Cubic Hermite interpolation on a step at fraction `s` in [0, 1].
fn hermite(x0: &[f64], f0: &[f64], x1: &[f64], f1: &[f64], h: f64, s: f64) -> Vec<f64> {
    let (h00, h10, h01, h11) = (
        (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s),
        s * (1.0 - s) * (1.0 - s),
        s * s * (3.0 - 2.0 * s),
        s * s * (s - 1.0),
    );
    (0..x0.len())
        .map(|i| h00 * x0[i] + h10 * h * f0[i] + h01 * x1[i] + h11 * h * f1[i])
        .collect()
}

/// Simulates a growth path from initial data `data0` (zeros allowed: they start at the floor).
pub fn simulate(
    economy: &Economy,
    data0: &[f64],
    options: &PathOptions,
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
    let mut t = 0.0;
    let mut current = sys.evaluate(&x)?;
    let mut automation_time = vec![None; n];
    let mut full_automation_time = vec![None; n];
    record_switches(
        &current.equilibrium,
        &current.equilibrium,
        0.0,
        &mut automation_time,
        &mut full_automation_time,
        true,
    );
    let mut points = vec![point(t, &sys, &x, &current)];
    let fmax = current
        .derivative
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let mut h = (options.horizon * 1e-3).min(if fmax > 0.0 {
        0.01 / fmax
    } else {
        f64::INFINITY
    });
    let (mut steps, mut rejected, mut switches) = (0usize, 0usize, 0usize);
    let mut stop = StopReason::Horizon;
    let mut blowup_time = None;
    let tol = options.tolerance;
    while t < options.horizon {
        if steps + rejected >= options.max_steps {
            return Err(ModelError::NoConvergence {
                what: format!("growth path (reached t = {t:.6} of {})", options.horizon),
                iterations: steps + rejected,
                residual: h,
            });
        }
        if h < 1e-15 * t.max(1.0) {
            return Err(ModelError::NoConvergence {
                what: format!("growth path (step size underflow at t = {t:.9})"),
                iterations: steps + rejected,
                residual: h,
            });
        }
        let h_try = h.min(options.horizon - t);
        let trial = match dopri_step(&sys, &x, &current.derivative, h_try, tol) {
            Ok(trial) if trial.error <= 1.0 => trial,
            Ok(trial) => {
                rejected += 1;
                h = h_try * (0.9 * trial.error.powf(-0.2)).clamp(0.1, 0.9);
                continue;
            }
            Err(_) if h_try > 1e-14 * t.max(1.0) => {
                // The trial left the range where the model is finite: shorten.
                rejected += 1;
                h = h_try * 0.25;
                continue;
            }
            Err(e) => return Err(e),
        };
        // Automation switch inside the step: cut it back to just past the first one (a switch
        // in the first millionth of the step is taken as is, so steps never shrink to nothing).
        let (mut trial, mut h_taken) = (trial, h_try);
        let mut next_h = None;
        if trial.eval.equilibrium.status != current.equilibrium.status {
            if let Some(s) = locate_switch(&sys, &x, &current, &trial, h_try, options.locate_mass)?
            {
                if s > 1e-6 && s < 0.999 {
                    let cut = (s * (1.0 + 1e-7)).min(1.0) * h_try;
                    if let Ok(short) = dopri_step(&sys, &x, &current.derivative, cut, tol) {
                        trial = short;
                        h_taken = cut;
                        next_h = Some(h_try);
                    }
                }
            }
        }
        steps += 1;
        let t_new = t + h_taken;
        if trial.eval.equilibrium.status != current.equilibrium.status {
            switches += 1;
            record_switches(
                &current.equilibrium,
                &trial.eval.equilibrium,
                t_new,
                &mut automation_time,
                &mut full_automation_time,
                false,
            );
        }
        // Next step size from this step's error.
        let factor = if trial.error > 0.0 {
            0.9 * trial.error.powf(-0.2)
        } else {
            5.0
        };
        h = next_h.unwrap_or(h_taken * factor.clamp(0.2, 2.0));
        x = trial.x;
        current = trial.eval;
        t = t_new;
        points.push(point(t, &sys, &x, &current));
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
    if !(o.horizon.is_finite() && o.horizon > 0.0) {
        return Err(ModelError::invalid(
            "horizon",
            o.horizon,
            "must be finite and > 0",
        ));
    }
    if !(o.capital.is_finite() && o.capital >= 0.0) {
        return Err(ModelError::invalid(
            "capital",
            o.capital,
            "must be finite and >= 0",
        ));
    }
    if let Some(acc) = o.accumulation {
        if !(acc.saving.is_finite() && acc.saving > 0.0 && acc.saving <= 1.0) {
            return Err(ModelError::invalid(
                "capital_accumulation.saving",
                acc.saving,
                "must be in (0, 1]",
            ));
        }
        if !(acc.depreciation.is_finite() && acc.depreciation >= 0.0) {
            return Err(ModelError::invalid(
                "capital_accumulation.depreciation",
                acc.depreciation,
                "must be >= 0",
            ));
        }
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

/// Fraction of the step at which the first task crosses a switch level, if it can be located.
fn locate_switch(
    sys: &System,
    x0: &[f64],
    start: &Evaluation,
    end: &Trial,
    h: f64,
    locate_mass: f64,
) -> Result<Option<f64>, ModelError> {
    let (e0, e1) = (&start.equilibrium, &end.eval.equilibrium);
    // Per changed task: the level crossed (0 = starts using AI, 1 = fully automated) and a
    // linear first guess.
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
    let Some((_, task, level)) = best else {
        return Ok(None);
    };
    if sys.economy.mass[task] < locate_mass {
        // A light task's switch is a kink of its size in the aggregate: step error control
        // handles it, and its time is recorded at the end of the step.
        return Ok(None);
    }
    let g = |s: f64| -> Result<f64, ModelError> {
        let xs = hermite(x0, &start.derivative, &end.x, &end.eval.derivative, h, s);
        let eq = sys.evaluate(&xs)?.equilibrium;
        Ok(eq.position(task) - level)
    };
    // Illinois on [0, 1], safeguarded by bisection once a step did not halve the bracket
    // (the position is a hinge near a tie at the threshold); the switch time is
    // located to 1e-5 of the step.
    let (mut a, mut b) = (0.0, 1.0);
    let (mut ga, mut gb) = (e0.position(task) - level, e1.position(task) - level);
    if ga * gb > 0.0 {
        return Ok(None);
    }
    let mut side = 0i8;
    let mut bisect = false;
    let mut last_width = f64::INFINITY;
    for _ in 0..80 {
        // Once an Illinois step fails to halve the bracket (a hinge), bisect to the end.
        bisect = bisect || (b - a) > 0.5 * last_width;
        last_width = b - a;
        let s = if !bisect && gb != ga {
            (a * gb - b * ga) / (gb - ga)
        } else {
            0.5 * (a + b)
        };
        let gs = g(s)?;
        if gs * gb > 0.0 {
            b = s;
            gb = gs;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        } else {
            a = s;
            ga = gs;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        }
        if (b - a) < 1e-5 || gs == 0.0 {
            break;
        }
    }
    Ok(Some(b))
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
    use crate::equilibrium::TaskStatus::*;
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
