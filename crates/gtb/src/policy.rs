//! Action masks as the reference defines them, and the random policy that respects them.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::config::TaxModel;
use crate::market::Good;
use crate::tax::PLANNER_LEVELS;
use crate::world::{World, AGENT_ACTIONS, BRACKETS, PLANNER_ACTIONS};

/// Agent `i`'s mask over the 50 flat actions (1 allowed): no-op; build; bids at 0..=10 for
/// stone (only prices the inventory's coin covers, and only with room for another order); asks
/// for stone (with room and a unit to sell); the same for wood; moves left, right, up, down
/// (onto the map, free of water, other agents and their houses).
pub fn agent_mask(world: &World, i: usize, mask: &mut [bool; AGENT_ACTIONS]) {
    let a = &world.agents[i];
    let market = &world.market;
    mask[0] = true;
    mask[1] = world.can_build(i);
    let mut k = 2;
    for good in Good::ALL {
        let room = market.has_room(good, i);
        for price in 0..=market.max_price() {
            mask[k + price] = room && price as f64 <= a.coin;
        }
        k += market.max_price() + 1;
        let can_sell = room && a.goods[good.index()] > 0.0;
        for price in 0..=market.max_price() {
            mask[k + price] = can_sell;
        }
        k += market.max_price() + 1;
    }
    let (r, c) = (a.loc.0 as isize, a.loc.1 as isize);
    for (d, (dr, dc)) in [(0, -1), (0, 1), (-1, 0), (1, 0)].into_iter().enumerate() {
        mask[k + d] = world.can_enter(i, r + dr, c + dc);
    }
}

/// The planner's mask: per bracket, the no-op and, at a period's first step only, the 21 rate
/// levels (154 entries); without planner-set rates a single placeholder action.
pub fn planner_mask(world: &World) -> Vec<bool> {
    if world.config().tax != TaxModel::Planner {
        return vec![true];
    }
    let open = world.is_first_day();
    let mut mask = Vec::with_capacity(BRACKETS * PLANNER_ACTIONS);
    for _ in 0..BRACKETS {
        mask.push(true);
        mask.extend(std::iter::repeat_n(open, PLANNER_LEVELS));
    }
    mask
}

/// Agents (and, with planner-set rates, a planner) acting uniformly at random among the
/// actions their masks allow, from their own generator (the world's draws are untouched).
pub struct RandomPolicy {
    rng: Xoshiro256PlusPlus,
    mask: [bool; AGENT_ACTIONS],
    allowed: Vec<usize>,
}

impl RandomPolicy {
    /// A policy seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RandomPolicy {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            mask: [false; AGENT_ACTIONS],
            allowed: Vec::with_capacity(AGENT_ACTIONS),
        }
    }

    /// Every agent's action for the next step, into `actions`.
    pub fn agent_actions(&mut self, world: &World, actions: &mut Vec<usize>) {
        actions.clear();
        for i in 0..world.agents.len() {
            agent_mask(world, i, &mut self.mask);
            self.allowed.clear();
            self.allowed
                .extend((0..AGENT_ACTIONS).filter(|&a| self.mask[a]));
            let pick = self.rng.random_range(0..self.allowed.len());
            actions.push(self.allowed[pick]);
        }
    }

    /// A planner's sub-actions: a random rate level per bracket at a period's first step,
    /// else no-ops.
    pub fn planner_actions(&mut self, world: &World) -> [usize; BRACKETS] {
        if world.is_first_day() {
            std::array::from_fn(|_| self.rng.random_range(0..PLANNER_ACTIONS))
        } else {
            [0; BRACKETS]
        }
    }
}

/// A rule of thumb for every agent: build when it can; otherwise walk towards the nearest
/// source of the good it holds less of (or anywhere, to leave a source tile it cannot build
/// on); now and then offer a surplus good or bid for a missing one. Ties and the offers are
/// random, from the policy's own generator.
pub struct ScriptedPolicy {
    rng: Xoshiro256PlusPlus,
    mask: [bool; AGENT_ACTIONS],
}

impl ScriptedPolicy {
    /// A policy seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        ScriptedPolicy {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            mask: [false; AGENT_ACTIONS],
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
        const MOVES: [(isize, isize); 4] = [(0, -1), (0, 1), (-1, 0), (1, 0)];
        const FIRST_MOVE: usize = AGENT_ACTIONS - 4;
        if self.mask[1] {
            return 1;
        }
        let a = &world.agents[i];
        let (stone, wood) = (a.goods[Good::Stone.index()], a.goods[Good::Wood.index()]);
        let prices = world.market.max_price() + 1;
        // Offer a surplus good (ask) or bid for a missing one, now and then.
        if self.rng.random_bool(0.05) {
            let (surplus, missing) = if stone > wood + 1.0 {
                (Some(Good::Stone), Good::Wood)
            } else if wood > stone + 1.0 {
                (Some(Good::Wood), Good::Stone)
            } else {
                (
                    None,
                    if stone < wood {
                        Good::Stone
                    } else {
                        Good::Wood
                    },
                )
            };
            let base = |good: Good| 2 + good.index() * 2 * prices;
            return match surplus {
                Some(g) => base(g) + prices + self.rng.random_range(2..=6),
                None => base(missing) + self.rng.random_range(2..=6),
            };
        }
        let moves: Vec<usize> = (0..4).filter(|&d| self.mask[FIRST_MOVE + d]).collect();
        if moves.is_empty() {
            return 0;
        }
        if stone >= 1.0 && wood >= 1.0 {
            // Holding both but unable to build here: step somewhere else.
            return FIRST_MOVE + moves[self.rng.random_range(0..moves.len())];
        }
        let want = if stone < wood {
            Good::Stone
        } else {
            Good::Wood
        };
        let width = world.config().layout.width as isize;
        let (r, c) = (a.loc.0 as isize, a.loc.1 as isize);
        let target = world.resources[want.index()]
            .iter()
            .enumerate()
            .filter(|(_, &units)| units >= 1.0)
            .map(|(cell, _)| (cell as isize / width, cell as isize % width))
            .min_by_key(|&(tr, tc)| (tr - r).abs() + (tc - c).abs());
        let Some((tr, tc)) = target else {
            return FIRST_MOVE + moves[self.rng.random_range(0..moves.len())];
        };
        if (tr, tc) == (r, c) {
            return 0;
        }
        let closer: Vec<usize> = moves
            .iter()
            .copied()
            .filter(|&d| {
                let (dr, dc) = MOVES[d];
                (tr - r - dr).abs() + (tc - c - dc).abs() < (tr - r).abs() + (tc - c).abs()
            })
            .collect();
        let pool = if closer.is_empty() { &moves } else { &closer };
        FIRST_MOVE + pool[self.rng.random_range(0..pool.len())]
    }
}
