//! Games among governments: Nash equilibria by best-response dynamics (Jacobi with players in
//! parallel, or Gauss-Seidel) and cooperative optima.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::check;
use crate::error::{check_option, invalid, EngineError, Result};
use crate::implicit::{adjoint_gradients_factored, Criterion};
use crate::model::Welfare;
use crate::observe::{self, Event, Observer, SharedObserver};
use crate::optimize::{Optimum, PolicyOptimizer};
use crate::policy::PolicySpace;
use crate::solve::solve_observed;

/// A player: a name, the policy entries it controls and the objective it maximises.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Player {
    /// Name (a country, a government).
    pub name: String,
    /// Policy indices the player sets.
    pub indices: Vec<usize>,
    /// Index of the model objective the player maximises.
    pub objective: usize,
}

/// One player per block of the policy space; the player owning block `b` maximises objective `b`.
pub fn players_from_blocks(space: &PolicySpace) -> Vec<Player> {
    space
        .blocks()
        .iter()
        .enumerate()
        .map(|(b, block)| Player {
            name: block.owner.clone(),
            indices: block.indices.clone(),
            objective: b,
        })
        .collect()
}

/// Order of best-response updates within a round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// Every player responds to last round's policies, in parallel (default).
    #[default]
    Jacobi,
    /// Players respond in turn to the latest policies.
    GaussSeidel,
}

/// What happened in one round of best-response dynamics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundRecord {
    /// Round number, from 1.
    pub round: usize,
    /// Largest absolute change of any policy entry in this round.
    pub max_policy_change: f64,
    /// Each player's projected-gradient infinity norm (own block) after the round.
    pub projected_gradients: Vec<f64>,
    /// Each player's objective after the round.
    pub welfare: Vec<f64>,
    /// The policy vector after the round.
    pub policy: Vec<f64>,
}

impl RoundRecord {
    /// The largest projected-gradient norm over players.
    pub fn max_projected_gradient(&self) -> f64 {
        self.projected_gradients.iter().fold(0.0, |m, g| m.max(*g))
    }
}

/// A Nash equilibrium in policies and the economy it induces.
#[derive(Clone, Debug, Serialize)]
pub struct NashOutcome {
    /// Player names.
    pub players: Vec<String>,
    /// Equilibrium policies (the full vector).
    pub policy: Vec<f64>,
    /// The economy's equilibrium at those policies.
    pub x: Vec<f64>,
    /// Each player's objective at the Nash equilibrium.
    pub welfare: Vec<f64>,
    /// Rounds played.
    pub rounds: usize,
    /// Always true in a returned outcome (non-convergence is an error).
    pub converged: bool,
    /// Per-round record, for convergence plots.
    pub history: Vec<RoundRecord>,
    /// Inner equilibrium solves, best responses included.
    pub inner_solves: usize,
    /// Wall time in seconds.
    #[serde(
        rename = "wall_time_s",
        serialize_with = "crate::error::serialize_secs"
    )]
    pub wall_time: Duration,
}

impl NashOutcome {
    /// This run followed by `next`, which started where this one stopped: `next`'s
    /// equilibrium, the rounds, histories (renumbered), solves and times added up.
    pub fn then(self, next: NashOutcome) -> NashOutcome {
        let offset = self.rounds;
        let mut history = self.history;
        history.extend(next.history.into_iter().map(|mut r| {
            r.round += offset;
            r
        }));
        NashOutcome {
            rounds: self.rounds + next.rounds,
            history,
            inner_solves: self.inner_solves + next.inner_solves,
            wall_time: self.wall_time + next.wall_time,
            ..next
        }
    }
}

/// Best-response dynamics, configured argmin-style with validated setters.
///
/// Stops when, in one round, the largest policy change is below `policy_tol` (default: `tol`)
/// AND every player's projected gradient (own block) is below `tol`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BestResponse {
    schedule: UpdateOrder,
    damping: f64,
    max_rounds: usize,
    tol: f64,
    policy_tol: Option<f64>,
    parallel: bool,
    optimizer: PolicyOptimizer,
    #[serde(skip)]
    observer: SharedObserver,
}

impl Default for BestResponse {
    fn default() -> Self {
        Self {
            schedule: UpdateOrder::Jacobi,
            damping: 1.0,
            max_rounds: 200,
            tol: 1e-8,
            policy_tol: None,
            parallel: true,
            optimizer: PolicyOptimizer::default()
                .with_pg_tol(1e-10)
                .expect("valid default"),
            observer: SharedObserver::default(),
        }
    }
}

impl BestResponse {
    /// Jacobi, no damping, tolerance 1e-8, at most 200 rounds, players in parallel.
    pub fn new() -> Self {
        Self::default()
    }

    /// Update order.
    pub fn with_update_order(mut self, order: UpdateOrder) -> Self {
        self.schedule = order;
        self
    }

    /// The former name of [`BestResponse::with_update_order`].
    #[deprecated(note = "renamed to with_update_order")]
    pub fn with_schedule(self, order: UpdateOrder) -> Self {
        self.with_update_order(order)
    }

    /// Move this fraction of the way to each best response, in (0, 1].
    pub fn with_damping(mut self, damping: f64) -> Result<Self> {
        if !(damping > 0.0 && damping <= 1.0) {
            return Err(invalid("damping", damping, "must lie in (0, 1]"));
        }
        self.damping = damping;
        Ok(self)
    }

    /// Maximum rounds (>= 1).
    pub fn with_max_rounds(mut self, rounds: usize) -> Result<Self> {
        if rounds == 0 {
            return Err(invalid("max_rounds", rounds, "must be >= 1"));
        }
        self.max_rounds = rounds;
        Ok(self)
    }

    /// Tolerance on the policy change and on every projected gradient (> 0).
    pub fn with_tol(mut self, tol: f64) -> Result<Self> {
        check_option("tol", tol, check::positive)?;
        self.tol = tol;
        Ok(self)
    }

    /// Tolerance on the largest policy change of a round (> 0, may be infinite: then only the
    /// projected gradients decide, e.g. to hand over to another method once they are small).
    pub fn with_policy_tol(mut self, tol: f64) -> Result<Self> {
        if tol.is_nan() || tol <= 0.0 {
            return Err(invalid("policy_tol", tol, "must be > 0"));
        }
        self.policy_tol = Some(tol);
        Ok(self)
    }

    /// Solve Jacobi best responses in parallel (rayon) or one after another.
    pub fn with_parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// The optimiser used for each best response.
    pub fn with_optimizer(mut self, optimizer: PolicyOptimizer) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// Report to `observer` (every round as [`Event::Round`], and the best responses' and
    /// inner solves' events, from every thread) and stop with
    /// [`EngineError::Cancelled`] when it asks to. It overrides the optimiser's own observer.
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver::new(observer);
        self
    }

    /// Report to this shared observer (none: the optimiser's, if it has one).
    pub fn with_shared_observer(mut self, observer: SharedObserver) -> Self {
        self.observer = observer;
        self
    }

    /// Find a Nash equilibrium among `players` from the policy `start`, calling `on_round`
    /// after each round (for progress display).
    pub fn solve<M: Welfare + ?Sized>(
        &self,
        model: &M,
        players: &[Player],
        start: &[f64],
        on_round: impl FnMut(&RoundRecord),
    ) -> Result<NashOutcome> {
        self.solve_from(model, players, start, None, on_round)
    }

    /// [`solve`](Self::solve) with `warm_x`, an equilibrium at or near `start`, as the first
    /// inner solve's starting point.
    pub fn solve_from<M: Welfare + ?Sized>(
        &self,
        model: &M,
        players: &[Player],
        start: &[f64],
        warm_x: Option<&[f64]>,
        mut on_round: impl FnMut(&RoundRecord),
    ) -> Result<NashOutcome> {
        let t0 = Instant::now();
        let shared = self.observer.or(self.optimizer.observer());
        let observer = shared.get();
        observe::check(observer)?;
        let optimizer = self.optimizer.clone().with_shared_observer(shared.clone());
        let space = model.policy_space();
        validate_players(model, players)?;
        let mut policy = space.project(start);
        space.check(&policy)?;
        let inner = self.optimizer.inner();
        let mut x = solve_observed(model, &policy, warm_x, inner, observer)?.x;
        let mut inner_solves = 1;
        let objectives: Vec<usize> = players.iter().map(|p| p.objective).collect();
        let all_indices: Vec<usize> = players
            .iter()
            .flat_map(|p| p.indices.iter().copied())
            .collect();
        let mut history = Vec::new();
        let respond = |policy: &[f64], x: &[f64], player: &Player| {
            optimizer.maximize(
                model,
                &Criterion::Single(player.objective),
                policy,
                Some(&player.indices),
                Some(x),
            )
        };
        for round in 1..=self.max_rounds {
            observe::check(observer)?;
            let old = policy.clone();
            match self.schedule {
                UpdateOrder::Jacobi => {
                    let responses: Vec<Result<Optimum>> = if self.parallel {
                        players.par_iter().map(|pl| respond(&old, &x, pl)).collect()
                    } else {
                        players.iter().map(|pl| respond(&old, &x, pl)).collect()
                    };
                    for (pl, br) in players.iter().zip(responses) {
                        let br = br?;
                        inner_solves += br.report.inner_solves;
                        for &i in &pl.indices {
                            policy[i] = old[i] + self.damping * (br.policy[i] - old[i]);
                        }
                    }
                }
                UpdateOrder::GaussSeidel => {
                    for pl in players {
                        let br = respond(&policy, &x, pl)?;
                        inner_solves += br.report.inner_solves;
                        for &i in &pl.indices {
                            policy[i] += self.damping * (br.policy[i] - policy[i]);
                        }
                        // The next player starts from the equilibrium at the damped policies:
                        // solved from the response's equilibrium, or from the one before it.
                        x = if self.damping < 1.0 {
                            inner_solves += 1;
                            match solve_observed(model, &policy, Some(&br.x), inner, observer) {
                                Ok(sol) => sol.x,
                                Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                                Err(_) => {
                                    solve_observed(model, &policy, Some(&x), inner, observer)?.x
                                }
                            }
                        } else {
                            br.x
                        };
                    }
                }
            }
            x = solve_observed(model, &policy, Some(&x), inner, observer)?.x;
            inner_solves += 1;
            let (grads, _) = adjoint_gradients_factored(
                model,
                &x,
                &policy,
                &objectives,
                &all_indices,
                None,
                observer,
            )?;
            let mut offset = 0;
            let projected_gradients = players
                .iter()
                .enumerate()
                .map(|(r, pl)| {
                    let own: Vec<f64> = (0..pl.indices.len())
                        .map(|j| grads.gradients[(r, offset + j)])
                        .collect();
                    offset += pl.indices.len();
                    space.projected_gradient_norm(&policy, &own, &pl.indices)
                })
                .collect();
            let max_policy_change = policy
                .iter()
                .zip(&old)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            let record = RoundRecord {
                round,
                max_policy_change,
                projected_gradients,
                welfare: grads.values,
                policy: policy.clone(),
            };
            on_round(&record);
            observer.on_event(&Event::Round(&record));
            let done = record.max_policy_change <= self.policy_tol.unwrap_or(self.tol)
                && record.max_projected_gradient() <= self.tol;
            history.push(record);
            // Responses that no longer move anything will not move them next round either:
            // the dynamics are stuck short of the tolerance (e.g. at the responses' own
            // accuracy), and further rounds would only repeat this one.
            let frozen = history.len() >= FROZEN_ROUNDS
                && history[history.len() - FROZEN_ROUNDS..]
                    .iter()
                    .all(|r| r.max_policy_change == 0.0);
            if !done && frozen {
                return Err(not_converged(history, round));
            }
            if done {
                let welfare = history
                    .last()
                    .map(|r| r.welfare.clone())
                    .unwrap_or_default();
                return Ok(NashOutcome {
                    players: players.iter().map(|p| p.name.clone()).collect(),
                    policy,
                    x,
                    welfare,
                    rounds: round,
                    converged: true,
                    history,
                    inner_solves,
                    wall_time: t0.elapsed(),
                });
            }
        }
        Err(not_converged(history, self.max_rounds))
    }
}

/// Best responses stop as stuck after this many rounds in a row that changed no policy.
const FROZEN_ROUNDS: usize = 3;

/// The error of best-response dynamics that stopped after `rounds` rounds short of the
/// tolerance, with the residual history and the best round.
fn not_converged(mut history: Vec<RoundRecord>, rounds: usize) -> EngineError {
    let residual_history = history
        .iter()
        .map(RoundRecord::max_projected_gradient)
        .collect();
    let best = best_round(history.iter());
    EngineError::GameNotConverged {
        method: "best-response dynamics",
        rounds,
        last: Box::new(history.pop().expect("at least one round")),
        best,
        residual_history,
    }
}

/// The round with the smallest residual (of at least one).
pub(crate) fn best_round<'a>(rounds: impl Iterator<Item = &'a RoundRecord>) -> Box<RoundRecord> {
    let best = rounds
        .min_by(|a, b| {
            a.max_projected_gradient()
                .total_cmp(&b.max_projected_gradient())
        })
        .expect("at least one round");
    Box::new(best.clone())
}

/// The players' instruments in the stacked order of Nash first-order conditions: each player's
/// objective, every instrument (player by player), and the player owning each instrument.
pub(crate) fn stacked_layout(players: &[Player]) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let objectives = players.iter().map(|p| p.objective).collect();
    let indices = players
        .iter()
        .flat_map(|p| p.indices.iter().copied())
        .collect();
    let owner = players
        .iter()
        .enumerate()
        .flat_map(|(r, p)| std::iter::repeat_n(r, p.indices.len()))
        .collect();
    (objectives, indices, owner)
}

pub(crate) fn validate_players<M: Welfare + ?Sized>(model: &M, players: &[Player]) -> Result<()> {
    if players.is_empty() {
        return Err(invalid("players", "[]", "a game needs at least one player"));
    }
    let n = model.policy_space().len();
    let mut owner = vec![None; n];
    for pl in players {
        if pl.objective >= model.n_objectives() {
            return Err(EngineError::UnknownObjective {
                index: pl.objective,
                count: model.n_objectives(),
            });
        }
        if pl.indices.is_empty() {
            return Err(invalid(
                "players",
                &pl.name,
                "a player must control at least one policy entry",
            ));
        }
        for &i in &pl.indices {
            if i >= n {
                return Err(EngineError::DimensionMismatch {
                    what: format!("policy index of player `{}`", pl.name),
                    expected: n,
                    found: i + 1,
                });
            }
            if let Some(other) = owner[i].replace(&pl.name) {
                return Err(EngineError::InvalidPolicySpace(format!(
                    "policy `{}` is controlled by both `{other}` and `{}`",
                    model.policy_space().names()[i],
                    pl.name
                )));
            }
        }
    }
    Ok(())
}

/// How a cooperative planner aggregates players' objectives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    /// Sum of weight x objective (default).
    #[default]
    WeightedSum,
    /// Sum of weight x ln(objective).
    SumOfLogs,
}

impl Aggregation {
    /// The criterion that aggregates the `players`' objectives with `weights` (one each).
    pub fn criterion(self, players: &[Player], weights: &[f64]) -> Criterion {
        let terms: Vec<(usize, f64)> = players
            .iter()
            .zip(weights)
            .map(|(p, &w)| (p.objective, w))
            .collect();
        match self {
            Aggregation::WeightedSum => Criterion::Weighted(terms),
            Aggregation::SumOfLogs => Criterion::SumOfLogs(terms),
        }
    }
}

/// The cooperative optimum: all players' policies chosen jointly to maximise an aggregate of
/// their objectives with the given `weights` (one per player).
pub fn cooperate<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    weights: &[f64],
    aggregation: Aggregation,
    start: &[f64],
    optimizer: &PolicyOptimizer,
) -> Result<Optimum> {
    validate_players(model, players)?;
    if weights.len() != players.len() {
        return Err(EngineError::DimensionMismatch {
            what: "cooperative weights".into(),
            expected: players.len(),
            found: weights.len(),
        });
    }
    let criterion = aggregation.criterion(players, weights);
    let free: Vec<usize> = players
        .iter()
        .flat_map(|p| p.indices.iter().copied())
        .collect();
    optimizer.maximize(model, &criterion, start, Some(&free), None)
}
