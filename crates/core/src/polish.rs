//! A two-stage outer optimiser for ill-conditioned policy problems: projected L-BFGS to the
//! neighbourhood of the optimum, then Newton-type steps on the first-order conditions (the
//! stacked-FOC solver of [`StackedFoc`] with one player, the criterion), which converge fast
//! where L-BFGS crawls.

use serde::Serialize;

use crate::check;
use crate::criterion_model::CriterionModel;
use crate::error::{check_option, invalid, EngineError, Result};
use crate::foc::StackedFoc;
use crate::game::Player;
use crate::implicit::Criterion;
use crate::model::Welfare;
use crate::observe::Observer;
use crate::optimize::PolicyOptimizer;

/// [`PolicyOptimizer`] with a Newton polish: L-BFGS until the projected gradient is below
/// `polish_from` (or, if L-BFGS stalls or runs out of iterations first, below `near_enough`),
/// then Newton-type steps on the first-order conditions (exact adjoint gradients, a
/// finite-difference Hessian built in parallel) to the optimiser's tolerance. If the polish
/// fails, or ends with a lower criterion, L-BFGS goes on from the first stage's point to the
/// tolerance. With a tolerance at or above `polish_from`, it is the plain optimiser.
///
/// ```
/// use walras_core::fixtures::Cournot;
/// use walras_core::{Criterion, PolicyOptimizer};
/// // A monopolist: q = (a - c) / (2b) = 8.
/// let mono = Cournot::new(10.0, 0.5, vec![2.0]).unwrap();
/// let best = PolicyOptimizer::new()
///     .polished()
///     .maximize(&mono, &Criterion::Single(0), &[1.0], None, None)
///     .unwrap();
/// assert!((best.policy[0] - 8.0).abs() < 1e-8);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolishedOptimizer {
    optimizer: PolicyOptimizer,
    polish_from: f64,
    near_enough: f64,
    polish_max_iter: usize,
}

/// An optimum found by [`PolishedOptimizer`].
#[derive(Clone, Debug)]
pub struct PolishedOptimum {
    /// The full policy vector (free entries optimised, the rest as given).
    pub policy: Vec<f64>,
    /// The equilibrium at that policy.
    pub x: Vec<f64>,
    /// The criterion's value there.
    pub value: f64,
    /// L-BFGS iterations plus Newton rounds, over all stages.
    pub iterations: usize,
    /// True if the Newton polish finished the job (false: the first stage already met the
    /// tolerance, or L-BFGS did after a failed polish).
    pub polished: bool,
}

impl PolicyOptimizer {
    /// This optimiser with a Newton polish ([`PolishedOptimizer`], default switch points).
    pub fn polished(self) -> PolishedOptimizer {
        PolishedOptimizer::new(self)
    }
}

impl PolishedOptimizer {
    /// Polish the runs of `optimizer` (whose tolerance is the goal): switch at a projected
    /// gradient of 1e-4, or 1e-2 after a stall, and polish with at most 50 Newton rounds.
    pub fn new(optimizer: PolicyOptimizer) -> Self {
        Self {
            optimizer,
            polish_from: 1e-4,
            near_enough: 1e-2,
            polish_max_iter: 50,
        }
    }

    /// Switch from L-BFGS to the polish at this projected gradient (> 0).
    pub fn with_polish_from(mut self, tol: f64) -> Result<Self> {
        self.polish_from = check_option("polish_from", tol, check::positive)?;
        Ok(self)
    }

    /// ...or at this one, if L-BFGS stalls or runs out of iterations before (> 0; values below
    /// `polish_from` act as `polish_from`).
    pub fn with_near_enough(mut self, tol: f64) -> Result<Self> {
        self.near_enough = check_option("near_enough", tol, check::positive)?;
        Ok(self)
    }

    /// Most Newton rounds of the polish (>= 1).
    pub fn with_polish_max_iter(mut self, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(invalid("polish_max_iter", n, "must be >= 1"));
        }
        self.polish_max_iter = n;
        Ok(self)
    }

    /// Report to `observer` (both stages: optimiser iterations, the polish's iterations as
    /// rounds, inner solves and gradients) and stop with [`EngineError::Cancelled`] when it
    /// asks to.
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn Observer>) -> Self {
        self.optimizer = self.optimizer.with_observer(observer);
        self
    }

    /// The underlying optimiser (tolerance and inner options).
    pub fn optimizer(&self) -> &PolicyOptimizer {
        &self.optimizer
    }

    /// Maximise `criterion` over the policy entries `free` (all if `None`), the others held at
    /// their values in `start`; `warm_x` warm-starts the first inner solve (an equilibrium at
    /// or near `start`, for starts the inner solver cannot reach from the model's guess).
    pub fn maximize<M: Welfare + ?Sized>(
        &self,
        model: &M,
        criterion: &Criterion,
        start: &[f64],
        free: Option<&[usize]>,
        warm_x: Option<&[f64]>,
    ) -> Result<PolishedOptimum> {
        let optimizer = &self.optimizer;
        let tol = optimizer.pg_tol();
        let near_tol = self.polish_from.max(tol);
        // The first stage only has to come near: a stalled line search or an exhausted budget
        // is accepted up to a projected gradient of `near_enough` (the polish, or the final
        // L-BFGS run, must still reach the tolerance).
        let near = optimizer
            .clone()
            .with_pg_tol(near_tol)?
            .with_stall_tol(self.near_enough.max(near_tol))?
            .maximize(model, criterion, start, free, warm_x)?;
        let mut iterations = near.report.iterations as usize;
        if near_tol <= tol {
            return Ok(PolishedOptimum {
                policy: near.policy,
                x: near.x,
                value: near.value,
                iterations,
                polished: false,
            });
        }
        let all: Vec<usize>;
        let free = match free {
            Some(f) => f,
            None => {
                all = (0..model.policy_space().len()).collect();
                &all
            }
        };
        let polished = (|| {
            let single = CriterionModel::new(model, criterion.clone())?;
            let player = Player {
                name: "criterion".into(),
                indices: free.to_vec(),
                objective: 0,
            };
            StackedFoc::new()
                .with_tol(tol)?
                .with_max_iter(self.polish_max_iter)?
                .with_inner(*optimizer.inner())?
                .with_shared_observer(optimizer.observer().clone())
                .solve_from(&single, &[player], &near.policy, Some(&near.x), |_| {})
        })();
        // A cancelled polish stops the run; any other failure hands over to L-BFGS.
        let polished = match polished {
            Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
            other => other.ok(),
        }
        .filter(|n| n.welfare[0] >= near.value - 1e-12 * near.value.abs().max(1.0));
        Ok(match polished {
            Some(n) => {
                iterations += n.rounds;
                PolishedOptimum {
                    value: n.welfare[0],
                    policy: n.policy,
                    x: n.x,
                    iterations,
                    polished: true,
                }
            }
            None => {
                let best = optimizer.maximize(
                    model,
                    criterion,
                    &near.policy,
                    Some(free),
                    Some(&near.x),
                )?;
                iterations += best.report.iterations as usize;
                PolishedOptimum {
                    policy: best.policy,
                    x: best.x,
                    value: best.value,
                    iterations,
                    polished: false,
                }
            }
        })
    }
}
