//! Everything that defines a world: the map, the agents, the components' constants and the tax
//! model. Defaults are the AI Economist's phase-2 configuration with four fixed agents.

use crate::layout::Layout;
use crate::GtbError;

/// Who sets the marginal rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaxModel {
    /// No tax component (the free market).
    None,
    /// The US federal 2018 single-filer rates on cutoffs in thousands of coin.
    UsFederal,
    /// The reference's in-environment Saez estimator (random rates until its buffer holds
    /// 500 incomes).
    Saez,
    /// A planner picks one of 21 rates per bracket at each period's first step.
    Planner,
}

impl std::str::FromStr for TaxModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(TaxModel::None),
            "us-federal" => Ok(TaxModel::UsFederal),
            "saez" => Ok(TaxModel::Saez),
            "planner" => Ok(TaxModel::Planner),
            _ => Err(format!(
                "unknown tax model {s:?}; use none, us-federal, saez or planner"
            )),
        }
    }
}

impl TaxModel {
    /// The command line's name.
    pub fn name(self) -> &'static str {
        match self {
            TaxModel::None => "none",
            TaxModel::UsFederal => "us-federal",
            TaxModel::Saez => "saez",
            TaxModel::Planner => "planner",
        }
    }
}

/// A world's configuration.
#[derive(Clone, Debug)]
pub struct GtbConfig {
    /// The map.
    pub layout: Layout,
    /// Mobile agents.
    pub n_agents: usize,
    /// Steps per episode.
    pub episode_length: usize,
    /// Steps per tax period.
    pub period: usize,
    /// Coin each agent starts with.
    pub starting_coin: f64,
    /// Skills and start locations fixed by rank (the reference's `fixed_four_skill_and_loc`).
    pub fixed_skills_and_locations: bool,
    /// Coin per house at the lowest skill.
    pub payment: f64,
    /// Highest build skill multiplier.
    pub payment_max_skill_multiplier: f64,
    /// Labour of building a house.
    pub build_labor: f64,
    /// Highest bid or ask price.
    pub max_bid_ask: usize,
    /// Labour of placing an order.
    pub order_labor: f64,
    /// Steps an order stays in the book.
    pub order_duration: usize,
    /// Open orders per agent and commodity (bids and asks together).
    pub max_num_orders: usize,
    /// Labour of a move.
    pub move_labor: f64,
    /// Labour of a collection.
    pub collect_labor: f64,
    /// Probability that an empty source tile regrows its resource in a step.
    pub resource_regen_prob: f64,
    /// Curvature of the utility of coin.
    pub isoelastic_eta: f64,
    /// Disutility per unit of labour.
    pub energy_cost: f64,
    /// Who sets the tax rates.
    pub tax: TaxModel,
}

impl Default for GtbConfig {
    fn default() -> Self {
        GtbConfig {
            layout: Layout::quadrant(),
            n_agents: 4,
            episode_length: 1000,
            period: 100,
            starting_coin: 10.0,
            fixed_skills_and_locations: true,
            payment: 10.0,
            payment_max_skill_multiplier: 3.0,
            build_labor: 10.0,
            max_bid_ask: 10,
            order_labor: 0.25,
            order_duration: 50,
            max_num_orders: 5,
            move_labor: 1.0,
            collect_labor: 1.0,
            resource_regen_prob: 0.01,
            isoelastic_eta: 0.23,
            energy_cost: 0.21,
            tax: TaxModel::UsFederal,
        }
    }
}

/// Longest episode.
pub const MAX_EPISODE_LENGTH: usize = 1_000_000;

/// Average build payment by skill rank (lowest first) of the four fixed agents: the reference
/// computes it once from 100,000 sorted Pareto draws under `np.random.seed(1)`.
pub const FIXED_FOUR_PAYMENTS: [f64; 4] = [
    11.331640623590097,
    13.267112338979295,
    16.472372947006132,
    22.249614304395735,
];

impl GtbConfig {
    /// Refuses configurations the world cannot run, naming the field and value.
    pub fn validate(&self) -> Result<(), GtbError> {
        let bad = |field: &'static str, message: String| Err(GtbError::Config { field, message });
        if self.n_agents == 0 {
            return bad("n_agents", "a world needs at least one agent".into());
        }
        if self.n_agents > self.layout.free_tiles() {
            return bad(
                "n_agents",
                format!(
                    "{} agents do not fit on the map's {} tiles without water",
                    self.n_agents,
                    self.layout.free_tiles()
                ),
            );
        }
        if self.fixed_skills_and_locations && self.n_agents != 4 {
            return bad(
                "n_agents",
                format!(
                    "fixed skills and locations are defined for 4 agents, got {}",
                    self.n_agents
                ),
            );
        }
        if self.fixed_skills_and_locations && (self.layout.height < 2 || self.layout.width < 2) {
            return bad(
                "layout",
                "fixed locations need a map of at least 2 x 2 tiles".into(),
            );
        }
        if !(1..=MAX_EPISODE_LENGTH).contains(&self.episode_length) {
            return bad(
                "episode_length",
                format!(
                    "must lie in 1..={MAX_EPISODE_LENGTH}, got {}",
                    self.episode_length
                ),
            );
        }
        if self.period == 0 {
            return bad("period", "must be positive, got 0".into());
        }
        for (field, v) in [
            ("starting_coin", self.starting_coin),
            ("payment", self.payment),
            ("build_labor", self.build_labor),
            ("order_labor", self.order_labor),
            ("move_labor", self.move_labor),
            ("collect_labor", self.collect_labor),
            ("energy_cost", self.energy_cost),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, format!("must be finite and non-negative, got {v}"));
            }
        }
        if !(self.payment_max_skill_multiplier.is_finite()
            && self.payment_max_skill_multiplier >= 1.0)
        {
            return bad(
                "payment_max_skill_multiplier",
                format!(
                    "must be at least 1, got {}",
                    self.payment_max_skill_multiplier
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.resource_regen_prob) {
            return bad(
                "resource_regen_prob",
                format!("must lie in [0, 1], got {}", self.resource_regen_prob),
            );
        }
        if !(self.isoelastic_eta.is_finite()
            && self.isoelastic_eta >= 0.0
            && self.isoelastic_eta < 1.0)
        {
            return bad(
                "isoelastic_eta",
                format!("must lie in [0, 1), got {}", self.isoelastic_eta),
            );
        }
        if self.max_num_orders == 0 || self.order_duration == 0 {
            return bad(
                "max_num_orders",
                "orders need a positive limit and duration".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_configurations_are_refused_naming_the_field() {
        assert!(GtbConfig::default().validate().is_ok());
        let cases: Vec<(GtbConfig, &str)> = vec![
            (
                GtbConfig {
                    n_agents: 0,
                    ..GtbConfig::default()
                },
                "n_agents",
            ),
            (
                GtbConfig {
                    n_agents: 3,
                    ..GtbConfig::default()
                },
                "n_agents",
            ),
            (
                GtbConfig {
                    n_agents: 700,
                    fixed_skills_and_locations: false,
                    ..GtbConfig::default()
                },
                "n_agents",
            ),
            (
                GtbConfig {
                    episode_length: 0,
                    ..GtbConfig::default()
                },
                "episode_length",
            ),
            (
                GtbConfig {
                    period: 0,
                    ..GtbConfig::default()
                },
                "period",
            ),
            (
                GtbConfig {
                    move_labor: -1.0,
                    ..GtbConfig::default()
                },
                "move_labor",
            ),
            (
                GtbConfig {
                    build_labor: f64::NAN,
                    ..GtbConfig::default()
                },
                "build_labor",
            ),
            (
                GtbConfig {
                    energy_cost: f64::INFINITY,
                    ..GtbConfig::default()
                },
                "energy_cost",
            ),
            (
                GtbConfig {
                    resource_regen_prob: 1.5,
                    ..GtbConfig::default()
                },
                "resource_regen_prob",
            ),
            (
                GtbConfig {
                    isoelastic_eta: 1.0,
                    ..GtbConfig::default()
                },
                "isoelastic_eta",
            ),
            (
                GtbConfig {
                    payment_max_skill_multiplier: 0.5,
                    ..GtbConfig::default()
                },
                "payment_max_skill_multiplier",
            ),
        ];
        for (cfg, field) in cases {
            match cfg.validate() {
                Err(GtbError::Config { field: f, message }) => {
                    assert_eq!(f, field, "{message}");
                    assert!(!message.is_empty());
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn random_skills_and_places_run_for_other_numbers_of_agents() {
        let cfg = GtbConfig {
            n_agents: 7,
            fixed_skills_and_locations: false,
            episode_length: 200,
            ..GtbConfig::default()
        };
        let rng = crate::RngKind::Fast.seeded(3).unwrap();
        let mut world = crate::World::new(cfg, rng).unwrap();
        world.reset().unwrap();
        // Pareto skills: payments between 10 and 30 coin per house, places all different.
        let mut places: Vec<_> = world.agents.iter().map(|a| a.loc).collect();
        places.sort_unstable();
        places.dedup();
        assert_eq!(places.len(), 7);
        for a in &world.agents {
            assert!(
                (10.0..=30.0).contains(&a.build_payment),
                "{}",
                a.build_payment
            );
        }
        let mut policy = crate::policy::RandomPolicy::new(1);
        let mut actions = Vec::new();
        loop {
            policy.agent_actions(&world, &mut actions);
            if world.step(&actions, None).unwrap() {
                break;
            }
        }
        assert_eq!(world.t, 200);
    }
}
