//! # walras-core: the nested-fixed-point engine
//!
//! An economy is an equilibrium residual F(x, p) = 0 in unknowns x given a policy p, plus
//! objectives W(x, p) (welfare of players or a planner), written once and generic over the
//! scalar ([`Equilibrium`], [`Welfare`], [`Scalar`]). The engine provides
//!
//! * the inner loop, [`solve`]: Newton with backtracking, an Anderson-accelerated fixed-point
//!   fallback, warm starts, a [`SolveReport`];
//! * exact derivatives at the solution by the implicit function theorem: adjoint
//!   ([`adjoint_gradients`], [`criterion_gradient`]) and tangent ([`tangent`]) forms, with
//!   Jacobians from num-dual dual numbers; exact second derivatives along the equilibrium
//!   from hyper-dual numbers ([`exact_gradient_jacobian`]);
//! * comparative statics of Nash and optimal policies in a model's parameters by the implicit
//!   function theorem ([`comparative_statics`], [`Parametric`]);
//! * the outer loop, [`PolicyOptimizer`]: projected L-BFGS (an argmin solver) over a box of
//!   policies described by a [`PolicySpace`], optionally finished by Newton steps on the
//!   first-order conditions ([`PolishedOptimizer`]), and a derivative-free Nelder-Mead search
//!   ([`nelder_mead`]) for objectives that are not smooth;
//! * fixed points x = G(x) of any map by damped, Anderson-accelerated iteration
//!   ([`fixed_point`]);
//! * games: Nash equilibria by best-response dynamics ([`BestResponse`]) and cooperative
//!   optima ([`cooperate`]);
//! * progress, work counts and cancellation of every long run through one [`Observer`]
//!   ([`observe`]: [`WorkCounter`], [`Cancel`]);
//! * canonical economies with known answers in [`fixtures`].
//!
//! The crate does no I/O.
//!
//! ```
//! use walras_core::fixtures::{symmetric_nash_tariff, ArmingtonTariffGame};
//! use walras_core::{players_from_blocks, BestResponse, Equilibrium};
//!
//! let game = ArmingtonTariffGame::symmetric(4.0, 1.5);
//! let players = players_from_blocks(game.policy_space());
//! let nash = BestResponse::new().solve(&game, &players, &[0.0, 0.0], |_| {}).unwrap();
//! let t = symmetric_nash_tariff(4.0, 1.5);
//! assert!((nash.policy[0] - t).abs() < 1e-8 && (t - 0.265231).abs() < 1e-6);
//! ```
#![deny(missing_docs)]

pub mod autodiff;
pub mod check;
mod comparative_statics;
mod criterion_model;
mod error;
pub mod finite_difference;
mod fixed_point;
pub mod fixtures;
mod foc;
mod game;
mod implicit;
mod linalg;
mod model;
mod nelder_mead;
pub mod observe;
mod optimize;
mod policy;
mod polish;
mod second_order;
mod solve;
pub mod spec;
pub mod uncertainty;

pub use comparative_statics::{
    comparative_statics, objective_response, Bound, ComparativeStatics, ObjectiveResponse,
    Parametric, StaticsOptions, WithParameters,
};
pub use criterion_model::CriterionModel;
#[allow(deprecated)]
pub use error::NfxpError;
pub use error::{EngineError, Result};
pub use fixed_point::{fixed_point, try_fixed_point, FixedPoint, FixedPointOptions};
pub use foc::{differenced_gradient_jacobian, own_curvature, OwnCurvature, StackedFoc, CONVEX_TOL};
pub use game::{
    cooperate, players_from_blocks, Aggregation, BestResponse, NashOutcome, Player, RoundRecord,
    UpdateOrder,
};
pub use implicit::{adjoint_gradients, criterion_gradient, tangent, Criterion, ObjectiveGradients};
pub use model::{AdjointOperator, Equilibrium, Scalar, Welfare};
pub use nelder_mead::{nelder_mead, simplex_in_box, NelderMeadOptions, NelderMeadReport};
pub use observe::{Cancel, Event, NoObserver, Observer, SharedObserver, WorkCounter, WorkCounts};
pub use optimize::{Optimum, OptimumReport, PolicyOptimizer};
pub use policy::{PolicyBlock, PolicySpace};
pub use polish::{PolishedOptimizer, PolishedOptimum};
pub use second_order::{exact_gradient_jacobian, exact_gradient_jacobian_with};
pub use solve::{
    solve, solve_observed, Solution, SolveMethod, SolveReport, SolverOptions, Strategy, WarmStart,
    MAX_TOLERANCE, MIN_TOLERANCE,
};

/// Re-export of num-dual, so models can name dual types without a direct dependency.
pub use num_dual;
