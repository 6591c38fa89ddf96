//! Adaptive Dormand-Prince 5(4) for autonomous ODEs `x' = f(x)`, with steps cut back to the roots of event functions located on the step's cubic Hermite interpolant.
//!
//! The interface is generic: a right-hand side ([`Rhs`]) evaluates the state into an evaluation
//! of its own type that carries the derivative (and whatever else the model computed on the
//! way), and an event detector ([`Events`]) decides after each accepted trial step whether a
//! switch happened inside it and, if so, which scalar event function to locate.
//!
//! [`Integrator::step`] takes one accepted step at a time, so the caller records its path and
//! decides when to stop. Step control: the error norm is the largest component of the
//! embedded error estimate scaled by `tol (1 + min(max(|x0_i|, |x1_i|), 100))`; a rejected step
//! shrinks by `0.9 err^(-1/5)` clamped to [0.1, 0.9], an accepted one grows by the same factor
//! clamped to [0.2, 2] (5 when the error is zero, so at most 2). A trial whose evaluation fails
//! (the model left its finite range) is retried at a quarter of the step. Event location: the
//! Illinois method on [0, 1] (fraction of the step), safeguarded by bisection once a step did
//! not halve the bracket, to 1e-5 of the step; the step is then redone up to just past the
//! root (a root in the first millionth or the last thousandth of the step is taken as is).

/// The right-hand side of an autonomous ODE `x' = f(x)`.
pub trait Rhs {
    /// The evaluation at one state: at least the derivative.
    type Eval;
    /// Why an evaluation failed.
    type Error;
    /// Evaluates the right-hand side at `x`.
    fn evaluate(&self, x: &[f64]) -> Result<Self::Eval, Self::Error>;
    /// The derivative `f(x)` inside an evaluation.
    fn derivative<'e>(&self, eval: &'e Self::Eval) -> &'e [f64];
}

/// Switches to locate inside a step.
pub trait Events<R: Rhs> {
    /// What identifies one event function (e.g. a component and the level it crosses).
    type Event;
    /// The event to locate in a step from `start` to `end`, if any: its function should change
    /// sign between the two (if it does not, the step is taken as is).
    fn detect(&self, start: &R::Eval, end: &R::Eval) -> Option<Self::Event>;
    /// The event function at an evaluation; its root is the switch.
    fn value(&self, event: &Self::Event, eval: &R::Eval) -> f64;
}

/// No events: every step is taken as is.
impl<R: Rhs> Events<R> for () {
    type Event = std::convert::Infallible;
    fn detect(&self, _: &R::Eval, _: &R::Eval) -> Option<Self::Event> {
        None
    }
    fn value(&self, event: &Self::Event, _: &R::Eval) -> f64 {
        match *event {}
    }
}

/// Settings of an integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Integrate from t = 0 to this time.
    pub horizon: f64,
    /// Error tolerance of each step (see the module documentation for the norm).
    pub tolerance: f64,
    /// Maximum accepted + rejected steps.
    pub max_steps: usize,
}

/// Why the integration failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure<E> {
    /// The right-hand side failed (at a step already as short as allowed).
    Rhs(E),
    /// Accepted + rejected steps reached [`Settings::max_steps`].
    MaxSteps {
        /// The time reached.
        t: f64,
        /// Steps used.
        steps: usize,
        /// The step size.
        h: f64,
    },
    /// The step size fell below 1e-15 of the time (or of 1).
    Underflow {
        /// The time reached.
        t: f64,
        /// Steps used.
        steps: usize,
        /// The step size.
        h: f64,
    },
}

/// An accepted step (the new state is in the [`Integrator`]).
#[derive(Debug)]
pub struct Step<V> {
    /// The evaluation at the start of the step.
    pub previous: V,
}

/// Dormand-Prince 5(4) state: time, state, its evaluation and the step size.
pub struct Integrator<R: Rhs> {
    settings: Settings,
    t: f64,
    x: Vec<f64>,
    eval: R::Eval,
    h: f64,
    steps: usize,
    rejected: usize,
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
struct Trial<V> {
    x: Vec<f64>,
    eval: V,
    error: f64,
}

impl<R: Rhs> Integrator<R> {
    /// Starts at t = 0 from `x0` (evaluated here). The first step is 1e-3 of the horizon, or
    /// shorter so that no component moves by more than 0.01 at the initial rate.
    pub fn new(rhs: &R, x0: Vec<f64>, settings: Settings) -> Result<Self, R::Error> {
        let eval = rhs.evaluate(&x0)?;
        let fmax = rhs
            .derivative(&eval)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let h = (settings.horizon * 1e-3).min(if fmax > 0.0 {
            0.01 / fmax
        } else {
            f64::INFINITY
        });
        Ok(Integrator {
            settings,
            t: 0.0,
            x: x0,
            eval,
            h,
            steps: 0,
            rejected: 0,
        })
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.t
    }

    /// The current state.
    pub fn state(&self) -> &[f64] {
        &self.x
    }

    /// The evaluation at the current state.
    pub fn evaluation(&self) -> &R::Eval {
        &self.eval
    }

    /// Accepted steps so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Rejected steps so far.
    pub fn rejected_steps(&self) -> usize {
        self.rejected
    }

    /// The final time, state and evaluation.
    pub fn into_parts(self) -> (f64, Vec<f64>, R::Eval) {
        (self.t, self.x, self.eval)
    }

    /// Takes one accepted step (cut back to the first located event), or returns `None` at the
    /// horizon.
    pub fn step<V: Events<R>>(
        &mut self,
        rhs: &R,
        events: &V,
    ) -> Result<Option<Step<R::Eval>>, Failure<R::Error>> {
        let horizon = self.settings.horizon;
        let tol = self.settings.tolerance;
        while self.t < horizon {
            let (t, h) = (self.t, self.h);
            if self.steps + self.rejected >= self.settings.max_steps {
                return Err(Failure::MaxSteps {
                    t,
                    steps: self.steps + self.rejected,
                    h,
                });
            }
            if h < 1e-15 * t.max(1.0) {
                return Err(Failure::Underflow {
                    t,
                    steps: self.steps + self.rejected,
                    h,
                });
            }
            let h_try = h.min(horizon - t);
            let f0 = rhs.derivative(&self.eval);
            let trial = match dopri_step(rhs, &self.x, f0, h_try, tol) {
                Ok(trial) if trial.error <= 1.0 => trial,
                Ok(trial) => {
                    self.rejected += 1;
                    self.h = h_try * (0.9 * trial.error.powf(-0.2)).clamp(0.1, 0.9);
                    continue;
                }
                Err(_) if h_try > 1e-14 * t.max(1.0) => {
                    // The trial left the range where the right-hand side is finite: shorten.
                    self.rejected += 1;
                    self.h = h_try * 0.25;
                    continue;
                }
                Err(e) => return Err(Failure::Rhs(e)),
            };
            // An event inside the step: cut it back to just past the first one (an event in
            // the first millionth of the step is taken as is, so steps never shrink to
            // nothing).
            let (mut trial, mut h_taken) = (trial, h_try);
            let mut next_h = None;
            if let Some(event) = events.detect(&self.eval, &trial.eval) {
                let located = locate(rhs, events, &event, &self.x, &self.eval, &trial, h_try)
                    .map_err(Failure::Rhs)?;
                if let Some(s) = located {
                    if s > 1e-6 && s < 0.999 {
                        let cut = (s * (1.0 + 1e-7)).min(1.0) * h_try;
                        if let Ok(short) = dopri_step(rhs, &self.x, f0, cut, tol) {
                            trial = short;
                            h_taken = cut;
                            next_h = Some(h_try);
                        }
                    }
                }
            }
            self.steps += 1;
            // Next step size from this step's error.
            let factor = if trial.error > 0.0 {
                0.9 * trial.error.powf(-0.2)
            } else {
                5.0
            };
            self.h = next_h.unwrap_or(h_taken * factor.clamp(0.2, 2.0));
            self.x = trial.x;
            self.t = t + h_taken;
            let previous = std::mem::replace(&mut self.eval, trial.eval);
            return Ok(Some(Step { previous }));
        }
        Ok(None)
    }
}

fn dopri_step<R: Rhs>(
    rhs: &R,
    x: &[f64],
    f0: &[f64],
    h: f64,
    tol: f64,
) -> Result<Trial<R::Eval>, R::Error> {
    let m = x.len();
    let mut k: Vec<Vec<f64>> = vec![f0.to_vec()];
    for s in 1..6 {
        let xs: Vec<f64> = (0..m)
            .map(|i| x[i] + h * (0..s).map(|j| A[s][j] * k[j][i]).sum::<f64>())
            .collect();
        debug_assert!(C[s] > 0.0);
        let eval = rhs.evaluate(&xs)?;
        k.push(rhs.derivative(&eval).to_vec());
    }
    let x_new: Vec<f64> = (0..m)
        .map(|i| x[i] + h * (0..6).map(|j| A[6][j] * k[j][i]).sum::<f64>())
        .collect();
    let eval = rhs.evaluate(&x_new)?;
    k.push(rhs.derivative(&eval).to_vec());
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

/// Fraction of the step at which `event` has its root, if its function changes sign.
fn locate<R: Rhs, V: Events<R>>(
    rhs: &R,
    events: &V,
    event: &V::Event,
    x0: &[f64],
    start: &R::Eval,
    end: &Trial<R::Eval>,
    h: f64,
) -> Result<Option<f64>, R::Error> {
    let (f0, f1) = (rhs.derivative(start), rhs.derivative(&end.eval));
    let g = |s: f64| -> Result<f64, R::Error> {
        let xs = hermite(x0, f0, &end.x, f1, h, s);
        Ok(events.value(event, &rhs.evaluate(&xs)?))
    };
    // Illinois on [0, 1], safeguarded by bisection once a step did not halve the bracket
    // (the event function may be a hinge near a tie); the root is located to 1e-5 of the
    // step.
    let (mut a, mut b) = (0.0, 1.0);
    let (mut ga, mut gb) = (events.value(event, start), events.value(event, &end.eval));
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
        if gs == 0.0 {
            return Ok(Some(s));
        }
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
        if (b - a) < 1e-5 {
            break;
        }
    }
    Ok(Some(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x' = c x.
    struct Decay(f64);

    impl Rhs for Decay {
        type Eval = Vec<f64>;
        type Error = ();
        fn evaluate(&self, x: &[f64]) -> Result<Vec<f64>, ()> {
            Ok(x.iter().map(|v| self.0 * v).collect())
        }
        fn derivative<'e>(&self, eval: &'e Vec<f64>) -> &'e [f64] {
            eval
        }
    }

    /// x' = 1 + x (x = e^t - 1 from 0); the evaluation carries x.
    struct Drift;
    impl Rhs for Drift {
        type Eval = (f64, Vec<f64>);
        type Error = ();
        fn evaluate(&self, x: &[f64]) -> Result<(f64, Vec<f64>), ()> {
            Ok((x[0], vec![1.0 + x[0]]))
        }
        fn derivative<'e>(&self, eval: &'e (f64, Vec<f64>)) -> &'e [f64] {
            &eval.1
        }
    }

    /// x' = 1 (x = t from 0): the event function is linear along a step, so the first secant
    /// guess is its root exactly.
    struct Constant;
    impl Rhs for Constant {
        type Eval = (f64, Vec<f64>);
        type Error = ();
        fn evaluate(&self, x: &[f64]) -> Result<(f64, Vec<f64>), ()> {
            Ok((x[0], vec![1.0]))
        }
        fn derivative<'e>(&self, eval: &'e (f64, Vec<f64>)) -> &'e [f64] {
            &eval.1
        }
    }

    impl Events<Constant> for Crossing {
        type Event = ();
        fn detect(&self, start: &(f64, Vec<f64>), end: &(f64, Vec<f64>)) -> Option<()> {
            ((start.0 < self.0) != (end.0 < self.0)).then_some(())
        }
        fn value(&self, _: &(), eval: &(f64, Vec<f64>)) -> f64 {
            eval.0 - self.0
        }
    }

    /// x crosses a level.
    struct Crossing(f64);
    impl Events<Drift> for Crossing {
        type Event = ();
        fn detect(&self, start: &(f64, Vec<f64>), end: &(f64, Vec<f64>)) -> Option<()> {
            ((start.0 < self.0) != (end.0 < self.0)).then_some(())
        }
        fn value(&self, _: &(), eval: &(f64, Vec<f64>)) -> f64 {
            eval.0 - self.0
        }
    }

    #[test]
    fn exponential_decay_is_accurate() {
        let settings = Settings {
            horizon: 3.0,
            tolerance: 1e-9,
            max_steps: 100_000,
        };
        let mut integ = Integrator::new(&Decay(-1.0), vec![1.0], settings).unwrap();
        while integ.step(&Decay(-1.0), &()).unwrap().is_some() {}
        assert!((integ.time() - 3.0).abs() < 1e-12);
        assert!((integ.state()[0] - (-3.0f64).exp()).abs() < 1e-8);
    }

    #[test]
    fn steps_are_cut_back_to_events() {
        let settings = Settings {
            horizon: 3.0,
            tolerance: 1e-9,
            max_steps: 100_000,
        };
        let mut integ = Integrator::new(&Drift, vec![0.0], settings).unwrap();
        let level = 3.0;
        let events = Crossing(level);
        let mut crossing_time = None;
        while let Some(step) = integ.step(&Drift, &events).unwrap() {
            if crossing_time.is_none() && step.previous.0 < level && integ.state()[0] >= level {
                crossing_time = Some(integ.time());
            }
        }
        let t = crossing_time.unwrap();
        assert!((t - 4.0f64.ln()).abs() < 1e-6, "{t}");
    }

    #[test]
    fn an_event_root_hit_exactly_cuts_the_step_there() {
        let settings = Settings {
            horizon: 3.0,
            tolerance: 1e-9,
            max_steps: 100_000,
        };
        for level in [0.5, 1.0, 1.25, 2.0] {
            let mut integ = Integrator::new(&Constant, vec![0.0], settings).unwrap();
            let events = Crossing(level);
            let mut crossing_time = None;
            while let Some(step) = integ.step(&Constant, &events).unwrap() {
                if crossing_time.is_none() && step.previous.0 < level && integ.state()[0] >= level {
                    crossing_time = Some(integ.time());
                }
            }
            let t = crossing_time.unwrap();
            assert!((t - level).abs() < 1e-6, "level {level}: crossed at {t}");
        }
    }

    #[test]
    fn step_budget_is_a_failure() {
        let settings = Settings {
            horizon: 1e6,
            tolerance: 1e-7,
            max_steps: 3,
        };
        let mut integ = Integrator::new(&Decay(1e-3), vec![1.0], settings).unwrap();
        let mut result = Ok(None);
        for _ in 0..10 {
            result = integ.step(&Decay(1e-3), &());
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(Failure::MaxSteps { steps: 3, .. })));
    }
}
