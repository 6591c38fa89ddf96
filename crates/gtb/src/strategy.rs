//! Parametrised agent policies: nine numbers per agent decide how often it works, how far it
//! walks for a resource, whether it builds, which good it gathers, and what it sells or bids for at which price. Richer than a
//! script, far smaller than a network, and smooth enough in its parameters for a
//! derivative-free search (every probability is a logistic of a parameter).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use std::sync::Arc;

use crate::distances::{Distances, UNREACHABLE};
use crate::market::Good;
use crate::policy::agent_mask;
use crate::world::{World, AGENT_ACTIONS};

/// Number of parameters of a [`Strategy`].
pub const STRATEGY_PARAMS: usize = 9;

/// Names of the parameters, in order (each is a logit or a scaled logit, see [`Strategy`]).
pub const PARAM_NAMES: [&str; STRATEGY_PARAMS] = [
    "reach",
    "build",
    "stone_share",
    "keep",
    "ask_price",
    "bid",
    "bid_price",
    "trade",
    "work",
];

/// One agent's policy in unconstrained coordinates; [`Strategy::behaviour`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Strategy(pub [f64; STRATEGY_PARAMS]);

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// What a [`Strategy`] means, in the economy's units.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Behaviour {
    /// Farthest walk (tiles) to a resource it wants; with none that close it waits on a
    /// source of that good (no labour) for something to grow there.
    pub reach: f64,
    /// Probability of building when it can.
    pub build: f64,
    /// Share of stone in what it gathers (0.5: as much of each).
    pub stone_share: f64,
    /// Units of a good kept back from sale (0..5).
    pub keep: f64,
    /// Ask price in coin (0..=10).
    pub ask_price: usize,
    /// Probability of bidding for the good it lacks when it holds the other.
    pub bid: f64,
    /// Bid price in coin (0..=10).
    pub bid_price: usize,
    /// Probability of posting an order in a step where one is wanted.
    pub trade: f64,
    /// Probability of working at all in a step (building, trading or gathering); otherwise
    /// the agent rests.
    pub work: f64,
}

impl Default for Strategy {
    /// A builder who works nine steps in ten, walks up to 6 tiles for a resource, gathers both goods, sells what it holds beyond one unit at
    /// 5 coin and sometimes bids 5 coin for a missing good.
    fn default() -> Self {
        Strategy([
            0.0,
            logit(0.9),
            0.0,
            logit(0.2),
            0.0,
            0.0,
            0.0,
            logit(0.05),
            logit(0.9),
        ])
    }
}

impl Strategy {
    /// The behaviour these parameters describe (`max_price` is the market's highest price).
    pub fn behaviour(&self, max_price: usize) -> Behaviour {
        let p = &self.0;
        let price = |x: f64| (logistic(x) * max_price as f64).round() as usize;
        Behaviour {
            reach: MAX_REACH * logistic(p[0]),
            build: logistic(p[1]),
            stone_share: logistic(p[2]),
            keep: 5.0 * logistic(p[3]),
            ask_price: price(p[4]),
            bid: logistic(p[5]),
            bid_price: price(p[6]),
            trade: logistic(p[7]),
            work: logistic(p[8]),
        }
    }

    /// Whether every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.0.iter().all(|x| x.is_finite())
    }
}

/// Longest walk a strategy considers for a resource, in tiles.
pub const MAX_REACH: f64 = 12.0;

const MOVES: [(isize, isize); 4] = [(0, -1), (0, 1), (-1, 0), (1, 0)];
const FIRST_MOVE: usize = AGENT_ACTIONS - 4;

/// Agents following [`Strategy`]s; ties and coin flips come from the policy's own generator
/// (the world's draws are untouched), so that two candidate strategies can be compared on
/// the same random numbers.
pub struct StrategyPolicy {
    rng: Xoshiro256PlusPlus,
    mask: [bool; AGENT_ACTIONS],
    behaviours: Vec<Behaviour>,
    distances: Arc<Distances>,
}

impl StrategyPolicy {
    /// Agent `i` follows `strategies[i]`; coin flips from `seed`; walks on `distances` (of the
    /// world's map).
    pub fn new(
        strategies: &[Strategy],
        max_price: usize,
        distances: Arc<Distances>,
        seed: u64,
    ) -> Self {
        StrategyPolicy {
            distances,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            mask: [false; AGENT_ACTIONS],
            behaviours: strategies.iter().map(|s| s.behaviour(max_price)).collect(),
        }
    }

    /// Every agent's action for the next step, into `actions`.
    pub fn agent_actions(&mut self, world: &World, actions: &mut Vec<usize>) {
        actions.clear();
        for i in 0..world.agents.len() {
            agent_mask(world, i, &mut self.mask);
            let action = self.act(world, i);
            actions.push(if self.mask[action] { action } else { 0 });
        }
    }

    fn act(&mut self, world: &World, i: usize) -> usize {
        let b = self.behaviours[i];
        let a = &world.agents[i];
        let (stone, wood) = (a.goods[Good::Stone.index()], a.goods[Good::Wood.index()]);
        if !self.rng.random_bool(b.work) {
            return 0;
        }
        if self.mask[1] && self.rng.random_bool(b.build) {
            return 1;
        }
        let prices = world.market.max_price() + 1;
        let base = |good: Good| 2 + good.index() * 2 * prices;
        if self.rng.random_bool(b.trade) {
            // Sell the good held most beyond what is kept back; else bid for a missing one.
            let surplus = [(Good::Stone, stone), (Good::Wood, wood)]
                .into_iter()
                .filter(|&(_, held)| held >= 1.0 && held > b.keep)
                .max_by(|x, y| x.1.total_cmp(&y.1));
            if let Some((good, _)) = surplus {
                let ask = base(good) + prices + b.ask_price;
                if self.mask[ask] {
                    return ask;
                }
            }
            let missing = match (stone >= 1.0, wood >= 1.0) {
                (true, false) => Some(Good::Wood),
                (false, true) => Some(Good::Stone),
                _ => None,
            };
            if let Some(good) = missing {
                let bid = base(good) + b.bid_price;
                if self.mask[bid] && self.rng.random_bool(b.bid) {
                    return bid;
                }
            }
        }
        let mut moves = [0; 4];
        let mut n_moves = 0;
        for d in 0..4 {
            if self.mask[FIRST_MOVE + d] {
                moves[n_moves] = d;
                n_moves += 1;
            }
        }
        let moves = &moves[..n_moves];
        let width = world.config().layout.width as isize;
        let (r, c) = (a.loc.0 as isize, a.loc.1 as isize);
        let cell_of = |(r, c): (isize, isize)| (r * width + c) as usize;
        let want = match (stone >= 1.0, wood >= 1.0) {
            (true, false) => Good::Wood,
            (false, true) => Good::Stone,
            (true, true) if b.build > 0.5 => {
                // Holding both but unable to build here: step onto a tile that takes a house.
                let step = |d: usize| (r + MOVES[d].0, c + MOVES[d].1);
                let free = moves.iter().find(|&&d| world.buildable(cell_of(step(d))));
                return match free {
                    Some(&d) => FIRST_MOVE + d,
                    None if moves.is_empty() => 0,
                    None => FIRST_MOVE + moves[self.rng.random_range(0..moves.len())],
                };
            }
            _ => {
                let share = if stone + wood > 0.0 {
                    stone / (stone + wood)
                } else {
                    0.5
                };
                if share < b.stone_share {
                    Good::Stone
                } else {
                    Good::Wood
                }
            }
        };
        let here = cell_of((r, c));
        let dist = &self.distances;
        let distance_to = |&cell: &usize| dist.between(here, cell);
        let stock = &world.resources[want.index()];
        let sources = world.sources(want);
        let stocked = sources
            .iter()
            .copied()
            .filter(|&cell| stock[cell] >= 1.0)
            .min_by_key(distance_to);
        let target = match stocked {
            Some(t) if f64::from(distance_to(&t)) <= b.reach => t,
            _ => {
                // Nothing worth the walk: wait on a source of the good, or go to the nearest.
                if sources.contains(&here) {
                    return 0;
                }
                match sources
                    .iter()
                    .copied()
                    .filter(|&cell| world.occupant()[cell].is_none())
                    .min_by_key(distance_to)
                {
                    Some(t) => t,
                    None => return 0,
                }
            }
        };
        let distance = distance_to(&target);
        if distance == 0 || distance == UNREACHABLE || moves.is_empty() {
            return 0;
        }
        // A step along a shortest walk if one is free, else any step not away from the target.
        let mut best = [0; 4];
        let (mut n_best, mut best_d) = (0, UNREACHABLE);
        for &d in moves {
            let next = dist.between(cell_of((r + MOVES[d].0, c + MOVES[d].1)), target);
            if next < best_d {
                (best_d, n_best) = (next, 0);
            }
            if next == best_d {
                best[n_best] = d;
                n_best += 1;
            }
        }
        if best_d > distance {
            return 0;
        }
        FIRST_MOVE + best[self.rng.random_range(0..n_best)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_maps_parameters_into_their_ranges() {
        for x in [-50.0, -1.0, 0.0, 1.0, 50.0] {
            let b = Strategy([x; STRATEGY_PARAMS]).behaviour(10);
            assert!((0.0..=MAX_REACH).contains(&b.reach));
            for p in [b.build, b.stone_share, b.bid, b.trade, b.work] {
                assert!((0.0..=1.0).contains(&p), "{p}");
            }
            assert!((0.0..=5.0).contains(&b.keep));
            assert!(b.ask_price <= 10 && b.bid_price <= 10);
        }
        let d = Strategy::default().behaviour(10);
        assert!((d.reach - 6.0).abs() < 1e-12 && (d.keep - 1.0).abs() < 1e-12);
        assert_eq!((d.ask_price, d.bid_price), (5, 5));
    }
}
