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
