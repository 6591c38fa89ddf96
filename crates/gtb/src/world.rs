//! The world's state and its step: Build, then the double auction, then Gather (moves and
//! collection), then the periodic tax, then regrowth; rewards are changes in utility (agents)
//! and in equality x mean coin (planner).

use crate::config::{GtbConfig, TaxModel, FIXED_FOUR_PAYMENTS};
use crate::market::{Good, Market};
use crate::numpy_sum::pairwise_sum;
use crate::rng::{GtbRng, RngKind};
use crate::tax::{self, SaezState};
use crate::GtbError;

/// Flat agent actions: 0 no-op, 1 build, then bids and asks at prices 0..=10 for stone and
/// wood, then moves left, right, up, down.
pub const AGENT_ACTIONS: usize = 50;
/// Sub-actions per bracket of a planner: 0 keeps the rate, `k` sets level `k - 1`.
pub const PLANNER_ACTIONS: usize = tax::PLANNER_LEVELS + 1;
/// Brackets.
pub const BRACKETS: usize = 7;

/// What a flat agent action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentAction {
    /// Nothing (the agent still collects on its tile).
    Noop,
    /// Build a house on the agent's tile.
    Build,
    /// Bid for a good at a price.
    Bid(Good, usize),
    /// Ask for a good at a price.
    Ask(Good, usize),
    /// Move by (row, column) offsets.
    Move(isize, isize),
}

impl AgentAction {
    /// Decode a flat index (`None` if out of range).
    pub fn decode(a: usize) -> Option<AgentAction> {
        Some(match a {
            0 => AgentAction::Noop,
            1 => AgentAction::Build,
            2..=12 => AgentAction::Bid(Good::Stone, a - 2),
            13..=23 => AgentAction::Ask(Good::Stone, a - 13),
            24..=34 => AgentAction::Bid(Good::Wood, a - 24),
            35..=45 => AgentAction::Ask(Good::Wood, a - 35),
            46 => AgentAction::Move(0, -1),
            47 => AgentAction::Move(0, 1),
            48 => AgentAction::Move(-1, 0),
            49 => AgentAction::Move(1, 0),
            _ => return None,
        })
    }
}

/// A mobile agent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Agent {
    /// (row, column).
    pub loc: (usize, usize),
    /// Coin in the inventory.
    pub coin: f64,
    /// Stone and wood in the inventory (see [`Good::index`]).
    pub goods: [f64; 2],
    /// Coin held by open bids.
    pub escrow_coin: f64,
    /// Goods held by open asks.
    pub escrow_goods: [f64; 2],
    /// Labour so far this episode.
    pub labor: f64,
    /// Coin per house built.
    pub build_payment: f64,
    /// The Pareto draw behind the build payment (observed; with fixed skills it is unrelated
    /// to the payment, as in the reference).
    pub build_skill: f64,
    /// Probability that a collection yields two units.
    pub bonus_gather_prob: f64,
    /// Houses built this episode.
    pub houses: usize,
}

impl Agent {
    /// Coin in the inventory and in escrow.
    pub fn total_coin(&self) -> f64 {
        self.coin + self.escrow_coin
    }
}

/// Taxes of a collection step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collection {
    /// Income of each agent over the period.
    pub incomes: Vec<f64>,
    /// Tax paid by each agent.
    pub paid: Vec<f64>,
    /// Rebate to every agent.
    pub lump_sum: f64,
}

/// What happened in the current episode so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpisodeTotals {
    /// Units of stone and wood collected (see [`Good::index`]).
    pub gathered: [f64; 2],
    /// Houses built.
    pub houses: usize,
    /// Trades executed.
    pub trades: usize,
    /// Taxes collected.
    pub taxes: f64,
    /// The highest pre-tax income of an agent in a tax period.
    pub max_period_income: f64,
    /// Units of stone and wood each agent collected.
    pub gathered_by: Vec<[f64; 2]>,
    /// Units each agent sold in the market (both goods).
    pub sold: Vec<f64>,
    /// Units each agent bought in the market (both goods).
    pub bought: Vec<f64>,
}

impl EpisodeTotals {
    /// Nothing yet, for `n` agents.
    pub fn new(n: usize) -> Self {
        EpisodeTotals {
            gathered_by: vec![[0.0; 2]; n],
            sold: vec![0.0; n],
            bought: vec![0.0; n],
            ..EpisodeTotals::default()
        }
    }
}

/// A Gather-Trade-Build world.
pub struct World {
    /// Totals of the current episode.
    pub totals: EpisodeTotals,
    cfg: GtbConfig,
    rng: Box<dyn GtbRng + Send + Sync>,
    /// Steps taken in this episode.
    pub t: usize,
    /// Episodes finished.
    pub completed: usize,
    /// The agents.
    pub agents: Vec<Agent>,
    /// The market.
    pub market: Market,
    /// Stone and wood per tile (0 or 1).
    pub resources: [Vec<f64>; 2],
    /// The owner of the house on each tile, if any.
    pub house_owner: Vec<Option<usize>>,
    occupant: Vec<Option<usize>>,
    sources: [Vec<usize>; 2],
    is_source: Vec<bool>,
    /// Marginal rates in force.
    pub rates: [f64; BRACKETS],
    /// The rates the observations show (cached at each period's first step and at reset).
    pub rates_observed: [f64; BRACKETS],
    /// Each agent's income and marginal rate at the last collection (0 before the first).
    pub last_income: Vec<f64>,
    /// See [`World::last_income`].
    pub last_marginal_rate: Vec<f64>,
    rate_levels: [usize; BRACKETS],
    tax_cycle_pos: usize,
    last_coin: Vec<f64>,
    bracket_sizes: [f64; BRACKETS],
    /// The Saez estimator (persists across episodes).
    pub saez: SaezState,
    /// Taxes collected on the last step, if it was a collection step.
    pub collection: Option<Collection>,
    /// Rewards of the last step (agents).
    pub rewards: Vec<f64>,
    /// Reward of the last step (planner).
    pub planner_reward: f64,
    utility: Vec<f64>,
    welfare: f64,
    order: Vec<usize>,
    regrow: Vec<bool>,
}

impl World {
    /// A world with `rng` as its only source of randomness; call [`World::reset`] first.
    pub fn new(cfg: GtbConfig, rng: Box<dyn GtbRng + Send + Sync>) -> Result<World, GtbError> {
        cfg.validate()?;
        let n = cfg.n_agents;
        let cells = cfg.layout.cells();
        let sources = [
            cfg.layout.stone_sources.clone(),
            cfg.layout.wood_sources.clone(),
        ];
        let mut is_source = vec![false; cells];
        for &i in sources.iter().flatten() {
            is_source[i] = true;
        }
        let market = empty_market(&cfg);
        Ok(World {
            totals: EpisodeTotals::new(n),
            rng,
            t: 0,
            completed: 0,
            agents: vec![Agent::default(); n],
            market,
            resources: [vec![0.0; cells], vec![0.0; cells]],
            house_owner: vec![None; cells],
            occupant: vec![None; cells],
            sources,
            is_source,
            rates: [0.0; BRACKETS],
            rates_observed: [0.0; BRACKETS],
            last_income: vec![0.0; n],
            last_marginal_rate: vec![0.0; n],
            rate_levels: [0; BRACKETS],
            tax_cycle_pos: 1,
            last_coin: vec![0.0; n],
            bracket_sizes: tax::bracket_sizes(),
            saez: SaezState::default(),
            collection: None,
            rewards: vec![0.0; n],
            planner_reward: 0.0,
            utility: vec![0.0; n],
            welfare: 0.0,
            order: Vec::with_capacity(n),
            regrow: Vec::new(),
            cfg,
        })
    }

    /// A world whose generator of `kind` is seeded with `seed` (a seed numpy cannot take is a
    /// configuration error naming `seed`).
    pub fn seeded(cfg: GtbConfig, kind: RngKind, seed: u64) -> Result<World, GtbError> {
        let rng = kind.seeded(seed).map_err(|message| GtbError::Config {
            field: "seed",
            message,
        })?;
        World::new(cfg, rng)
    }

    /// The configuration.
    pub fn config(&self) -> &GtbConfig {
        &self.cfg
    }

    /// Position in the tax period: 1 on its first step, `period` on its last.
    pub fn tax_cycle_pos(&self) -> usize {
        self.tax_cycle_pos
    }

    /// Each agent's total coin at the last collection (after the rebate), or at reset.
    pub fn last_coin(&self) -> &[f64] {
        &self.last_coin
    }

    /// The agent on each tile, if any.
    pub fn occupant(&self) -> &[Option<usize>] {
        &self.occupant
    }

    /// Whether a tile is a source of either good.
    pub fn is_source(&self, cell: usize) -> bool {
        self.is_source[cell]
    }

    /// The cells where `good` grows (see [`Good::index`]).
    pub fn sources(&self, good: Good) -> &[usize] {
        &self.sources[good.index()]
    }

    /// Each agent's rank by building skill (coin per house), lowest first; ties by index.
    pub fn skill_ranks(&self) -> Vec<usize> {
        let mut by_skill: Vec<usize> = (0..self.agents.len()).collect();
        by_skill.sort_by(|&a, &b| {
            self.agents[a]
                .build_payment
                .total_cmp(&self.agents[b].build_payment)
        });
        let mut rank = vec![0; by_skill.len()];
        for (r, &i) in by_skill.iter().enumerate() {
            rank[i] = r;
        }
        rank
    }

    /// Whether the next step is a tax period's first (when a planner may set rates).
    pub fn is_first_day(&self) -> bool {
        self.cfg.tax != TaxModel::None && self.tax_cycle_pos == 1
    }

    /// Each agent's utility now: isoelastic utility of total coin minus the cost of labour.
    pub fn utilities(&self) -> &[f64] {
        &self.utility
    }

    fn cell(&self, (r, c): (usize, usize)) -> usize {
        r * self.cfg.layout.width + c
    }

    /// Whether agent `i` may enter tile `(r, c)` now: on the map, no water, no other agent's
    /// house, unoccupied.
    pub fn can_enter(&self, i: usize, r: isize, c: isize) -> bool {
        let (h, w) = (
            self.cfg.layout.height as isize,
            self.cfg.layout.width as isize,
        );
        if r < 0 || c < 0 || r >= h || c >= w {
            return false;
        }
        let cell = self.cell((r as usize, c as usize));
        !self.cfg.layout.water[cell]
            && self.house_owner[cell].is_none_or(|o| o == i)
            && self.occupant[cell].is_none()
    }

    /// Whether agent `i` can build where it stands: a unit of wood and of stone, and a tile
    /// without resources, sources, water or a house.
    pub fn can_build(&self, i: usize) -> bool {
        let a = &self.agents[i];
        let cell = self.cell(a.loc);
        a.goods[Good::Wood.index()] >= 1.0
            && a.goods[Good::Stone.index()] >= 1.0
            && self.buildable(cell)
    }

    /// Whether a house may stand on `cell`: no resources, source, water or house there.
    pub fn buildable(&self, cell: usize) -> bool {
        self.resources.iter().all(|m| m[cell] <= 0.0)
            && self.house_owner[cell].is_none()
            && !self.cfg.layout.water[cell]
            && !self.is_source[cell]
    }

    fn place(&mut self, i: usize, loc: (usize, usize)) {
        let old = self.cell(self.agents[i].loc);
        if self.occupant[old] == Some(i) {
            self.occupant[old] = None;
        }
        self.agents[i].loc = loc;
        let new = self.cell(loc);
        self.occupant[new] = Some(i);
    }

    /// Start an episode: the map, the agents' skills and places, the tax cycle.
    pub fn reset(&mut self) -> Result<(), GtbError> {
        let cfg = &self.cfg;
        let (n, h, w) = (cfg.n_agents, cfg.layout.height, cfg.layout.width);
        self.t = 0;
        self.totals = EpisodeTotals::new(n);
        for (m, sources) in self.resources.iter_mut().zip(&self.sources) {
            m.fill(0.0);
            for &s in sources {
                m[s] = 1.0;
            }
        }
        self.house_owner.fill(None);
        self.occupant.fill(None);
        let start = Agent {
            coin: cfg.starting_coin,
            build_payment: cfg.payment,
            build_skill: 1.0,
            ..Agent::default()
        };
        self.agents.fill(start);
        // Random places (drawn even when fixed places replace them).
        for i in 0..n {
            let mut tries = 0;
            loop {
                let r = self.rng.randint(0, h) as isize;
                let c = self.rng.randint(0, w) as isize;
                if self.can_enter(i, r, c) {
                    self.place(i, (r as usize, c as usize));
                    break;
                }
                tries += 1;
                if tries > 200 {
                    return Err(GtbError::Config {
                        field: "n_agents",
                        message: format!("no free tile found for agent {i} after 200 draws"),
                    });
                }
            }
        }
        let (pmsm, payment) = (self.cfg.payment_max_skill_multiplier, self.cfg.payment);
        for a in &mut self.agents {
            let s = self.rng.pareto(4.0);
            a.build_payment = pmsm.min((pmsm - 1.0) * s + 1.0) * payment;
            a.build_skill = s;
        }
        for a in &mut self.agents {
            a.bonus_gather_prob = 2f64.min(self.rng.pareto(3.0)) / 2.0;
        }
        self.market = empty_market(&self.cfg);
        self.rate_levels = [0; BRACKETS];
        self.tax_cycle_pos = 1;
        // The reference caches the observed rates before a Saez schedule falls back to its
        // running average.
        self.rates_observed = match self.cfg.tax {
            TaxModel::Saez => self.rates,
            _ => self.current_rates(),
        };
        self.rates = self.current_rates();
        self.last_income.fill(0.0);
        self.last_marginal_rate.fill(0.0);
        self.last_coin = self.agents.iter().map(Agent::total_coin).collect();
        self.collection = None;
        if self.cfg.fixed_skills_and_locations {
            self.occupant.fill(None);
            let mut perm = Vec::new();
            self.rng.permutation(n, &mut perm);
            let corners = [(0, w - 1), (h - 1, 0), (0, 0), (h - 1, w - 1)];
            for (k, &i) in perm.iter().enumerate() {
                self.agents[i].loc = corners[k];
                let cell = self.cell(corners[k]);
                self.occupant[cell] = Some(i);
                self.agents[i].build_payment = FIXED_FOUR_PAYMENTS[k];
            }
        }
        self.utility = self.agents.iter().map(|a| self.utility_of(a)).collect();
        self.welfare = self.welfare_now();
        self.rewards.fill(0.0);
        self.planner_reward = 0.0;
        Ok(())
    }

    /// The rates a tax model has in force (before any planner or Saez update).
    fn current_rates(&self) -> [f64; BRACKETS] {
        match self.cfg.tax {
            TaxModel::None => [0.0; BRACKETS],
            TaxModel::UsFederal => tax::US_FEDERAL_RATES,
            TaxModel::Planner => self.rate_levels.map(tax::planner_rate),
            TaxModel::Saez => self.saez.running_avg,
        }
    }

    /// One step with a flat action per agent and, with a planner, one sub-action per bracket
    /// (ignored except at a period's first step).
    pub fn step(
        &mut self,
        actions: &[usize],
        planner: Option<&[usize; BRACKETS]>,
    ) -> Result<bool, GtbError> {
        let n = self.cfg.n_agents;
        if actions.len() != n {
            return Err(GtbError::Action {
                step: self.t + 1,
                message: format!("{} agent actions for {n} agents", actions.len()),
            });
        }
        let mut decoded = Vec::with_capacity(n);
        for (i, &a) in actions.iter().enumerate() {
            decoded.push(AgentAction::decode(a).ok_or_else(|| GtbError::Action {
                step: self.t + 1,
                message: format!("agent {i}: action {a} is not in 0..{AGENT_ACTIONS}"),
            })?);
        }
        if let Some(p) = planner {
            if let Some((b, a)) = p.iter().enumerate().find(|(_, &a)| a >= PLANNER_ACTIONS) {
                return Err(GtbError::Action {
                    step: self.t + 1,
                    message: format!(
                        "planner bracket {b}: action {a} is not in 0..{PLANNER_ACTIONS}"
                    ),
                });
            }
        }
        self.t += 1;
        self.build(&decoded);
        self.trade(&decoded);
        self.gather(&decoded);
        self.collection = None;
        if self.cfg.tax != TaxModel::None {
            self.tax_step(planner);
        }
        self.regrow();
        self.reward();
        let done = self.t >= self.cfg.episode_length;
        if done {
            self.completed += 1;
        }
        Ok(done)
    }

    fn build(&mut self, actions: &[AgentAction]) {
        let mut order = std::mem::take(&mut self.order);
        self.rng.permutation(self.cfg.n_agents, &mut order);
        for &i in &order {
            if actions[i] == AgentAction::Build && self.can_build(i) {
                let cell = self.cell(self.agents[i].loc);
                let a = &mut self.agents[i];
                a.goods[Good::Wood.index()] -= 1.0;
                a.goods[Good::Stone.index()] -= 1.0;
                a.coin += a.build_payment;
                a.labor += self.cfg.build_labor;
                a.houses += 1;
                self.house_owner[cell] = Some(i);
                self.totals.houses += 1;
            }
        }
        self.order = order;
    }

    fn trade(&mut self, actions: &[AgentAction]) {
        for good in Good::ALL {
            for (i, action) in actions.iter().enumerate() {
                self.market.decay(good, i);
                match *action {
                    AgentAction::Bid(g, price) if g == good => {
                        self.market.bid(good, i, price, &mut self.agents[i])
                    }
                    AgentAction::Ask(g, price) if g == good => {
                        self.market.ask(good, i, price, &mut self.agents[i])
                    }
                    _ => {}
                }
            }
        }
        self.market.clear(&mut self.agents);
        self.totals.trades += self.market.trades.len();
        for t in &self.market.trades {
            self.totals.sold[t.seller] += 1.0;
            self.totals.bought[t.buyer] += 1.0;
        }
    }

    fn gather(&mut self, actions: &[AgentAction]) {
        let mut order = std::mem::take(&mut self.order);
        self.rng.permutation(self.cfg.n_agents, &mut order);
        for &i in &order {
            let (r, c) = self.agents[i].loc;
            if let AgentAction::Move(dr, dc) = actions[i] {
                let (nr, nc) = (r as isize + dr, c as isize + dc);
                if self.can_enter(i, nr, nc) {
                    self.place(i, (nr as usize, nc as usize));
                    self.agents[i].labor += self.cfg.move_labor;
                }
            }
            let cell = self.cell(self.agents[i].loc);
            for good in Good::ALL {
                let g = good.index();
                if self.resources[g][cell] >= 1.0 {
                    let bonus = self.rng.rand() < self.agents[i].bonus_gather_prob;
                    let a = &mut self.agents[i];
                    let units = 1.0 + f64::from(u8::from(bonus));
                    a.goods[g] += units;
                    self.totals.gathered[g] += units;
                    self.totals.gathered_by[i][g] += units;
                    a.labor += self.cfg.collect_labor;
                    self.resources[g][cell] -= 1.0;
                }
            }
        }
        self.order = order;
    }

    fn tax_step(&mut self, planner: Option<&[usize; BRACKETS]>) {
        if self.tax_cycle_pos == 1 {
            match self.cfg.tax {
                TaxModel::Planner => {
                    if let Some(p) = planner {
                        for (level, &a) in self.rate_levels.iter_mut().zip(p) {
                            if a > 0 {
                                *level = a - 1;
                            }
                        }
                    }
                    self.rates = self.rate_levels.map(tax::planner_rate);
                }
                TaxModel::Saez => {
                    self.rates = if self.saez.ready() {
                        self.saez.rates(1.0)
                    } else {
                        let drawn = self.rng.uniform(0.0, 1.0, BRACKETS);
                        std::array::from_fn(|b| drawn[b])
                    };
                }
                TaxModel::UsFederal | TaxModel::None => {}
            }
            self.rates_observed = self.rates;
        }
        if self.tax_cycle_pos >= self.cfg.period {
            self.collect();
            self.tax_cycle_pos = 0;
        }
        self.tax_cycle_pos += 1;
    }

    fn collect(&mut self) {
        let n = self.cfg.n_agents;
        let mut c = Collection {
            incomes: Vec::with_capacity(n),
            paid: Vec::with_capacity(n),
            lump_sum: 0.0,
        };
        let mut revenue = 0.0;
        let mut samples = Vec::with_capacity(n);
        for (a, last) in self.agents.iter_mut().zip(&self.last_coin) {
            let income = a.total_coin() - last;
            let due = tax::tax_due(income, &self.rates, &self.bracket_sizes);
            let paid = a.coin.min(due);
            let marginal = tax::marginal_rate(income, &self.rates);
            samples.push((income, marginal));
            self.totals.max_period_income = self.totals.max_period_income.max(income);
            a.coin -= paid;
            revenue += paid;
            c.incomes.push(income);
            c.paid.push(paid);
        }
        for (i, &(income, marginal)) in samples.iter().enumerate() {
            self.last_income[i] = income;
            self.last_marginal_rate[i] = marginal;
        }
        c.lump_sum = revenue / n as f64;
        self.totals.taxes += revenue;
        for (a, last) in self.agents.iter_mut().zip(&mut self.last_coin) {
            a.coin += c.lump_sum;
            *last = a.total_coin();
        }
        if self.cfg.tax == TaxModel::Saez {
            self.saez.record(samples);
        }
        self.collection = Some(c);
    }

    fn regrow(&mut self) {
        let cells = self.cfg.layout.cells();
        let p = self.cfg.resource_regen_prob;
        // Wood first, then stone, as the reference draws them.
        for good in [Good::Wood, Good::Stone] {
            let g = good.index();
            self.rng
                .regrow(cells, &self.sources[g], p, &mut self.regrow);
            for (&cell, &grow) in self.sources[g].iter().zip(&self.regrow) {
                if grow {
                    self.resources[g][cell] = (self.resources[g][cell] + 1.0).min(1.0);
                }
            }
        }
    }

    fn utility_of(&self, a: &Agent) -> f64 {
        let eta = self.cfg.isoelastic_eta;
        let coin = a.total_coin();
        (coin.powf(1.0 - eta) - 1.0) / (1.0 - eta) - a.labor * (1.0 * self.cfg.energy_cost)
    }

    /// Equality (1 - Gini of total coin) times mean total coin: the planner's objective.
    pub fn welfare_now(&self) -> f64 {
        let coins: Vec<f64> = self.agents.iter().map(Agent::total_coin).collect();
        let n = coins.len() as f64;
        let mut total = 0.0;
        for c in &coins {
            total += c;
        }
        (1.0 - gini(&coins)) * (total / n)
    }

    fn reward(&mut self) {
        for i in 0..self.agents.len() {
            let u = self.utility_of(&self.agents[i]);
            self.rewards[i] = u - self.utility[i];
            self.utility[i] = u;
        }
        let w = self.welfare_now();
        self.planner_reward = w - self.welfare;
        self.welfare = w;
    }
}

/// Empty order books for the configuration's agents and market rules.
fn empty_market(cfg: &GtbConfig) -> Market {
    Market::new(
        cfg.n_agents,
        cfg.max_bid_ask,
        cfg.max_num_orders,
        cfg.order_duration,
        cfg.order_labor,
    )
}

/// The reference's normalised Gini of `x` (numpy's summation order for fewer than 30 values,
/// the sorted cumulative formula from 30 on).
pub fn gini(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 30 {
        let diffs: Vec<f64> = x
            .iter()
            .flat_map(|a| x.iter().map(move |b| (a - b).abs()))
            .collect();
        let diff = pairwise_sum(&diffs);
        let norm = (2 * n) as f64 * pairwise_sum(x);
        diff / (norm + 1e-10) / ((n as f64 - 1.0) / n as f64)
    } else {
        let mut s = x.to_vec();
        s.sort_by(f64::total_cmp);
        let total = pairwise_sum(&s) + 1e-10;
        let mut acc = 0.0;
        let shares: Vec<f64> = s
            .iter()
            .map(|v| {
                acc += v;
                acc / total
            })
            .collect();
        1.0 - (2.0 / (n as f64 + 1.0)) * pairwise_sum(&shares)
    }
}
