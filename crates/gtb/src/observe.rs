//! Observations as the reference builds them (flattened, float32): what a learning agent or
//! planner sees after each step.

use crate::config::TaxModel;
use crate::market::Good;
use crate::tax;
use crate::world::World;

/// Half-width of an agent's view of the map.
pub const VIEW: usize = 5;
/// Side of an agent's view.
pub const VIEW_SIDE: usize = 2 * VIEW + 1;
/// Map channels: stone, wood, house, water, stone source, wood source.
pub const MAP_CHANNELS: usize = 6;
/// Scale of inventories and price histories in observations.
const INV_SCALE: f64 = 0.01;

/// An agent's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentObservation {
    /// The non-spatial entries in the reference's order (136 with taxes, 121 without).
    pub flat: Vec<f32>,
    /// The map around the agent: 7 channels (the six map channels and 1 inside the world) of
    /// 11 x 11 tiles, row-major; zero outside the world.
    pub map: Vec<f32>,
    /// Who owns each house and who stands on each tile around the agent (2 x 11 x 11): 0 none,
    /// 1 the agent itself, `j + 2` agent `j`.
    pub idx_map: Vec<f32>,
}

/// The planner's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannerObservation {
    /// The non-spatial entries (86 with taxes).
    pub flat: Vec<f32>,
    /// The whole map: 6 channels of H x W tiles.
    pub map: Vec<f32>,
    /// House owners and agents on the whole map (2 x H x W; `j + 2` for agent `j`).
    pub idx_map: Vec<f32>,
    /// Per agent: its current, last and last marginal rate entries, inventory and place (8).
    pub agents: Vec<Vec<f32>>,
}

/// Per good: sum over agents of each price's entry.
fn totals(hists: &[Vec<f64>]) -> Vec<f64> {
    let mut total = vec![0.0; hists[0].len()];
    for h in hists {
        for (t, v) in total.iter_mut().zip(h) {
            *t += v;
        }
    }
    total
}

/// Market rate and scaled price history of a good.
fn market(world: &World, good: Good) -> (f64, Vec<f64>) {
    let net = totals(&world.market.price_history[good.index()]);
    let weighted: f64 = net.iter().enumerate().map(|(p, h)| p as f64 * h).sum();
    let count: f64 = net.iter().sum();
    (
        weighted / count.max(0.001),
        net.iter().map(|h| h * INV_SCALE).collect(),
    )
}

/// The tax entries shared by agents and planner, sorted by name: current rates, first day,
/// tax day, last incomes (sorted, per step), then the agent's marginal rate if `marginal`,
/// then the tax phase.
fn tax_entries(world: &World, marginal: Option<f64>, out: &mut Vec<f64>) {
    let period = world.config().period as f64;
    let pos = world.tax_cycle_pos() as f64;
    out.extend(world.rates_observed);
    out.push(f64::from(u8::from(world.tax_cycle_pos() == 1)));
    out.push(f64::from(u8::from(pos >= period)));
    let mut incomes: Vec<f64> = world.last_income.iter().map(|i| i / period).collect();
    incomes.sort_by(f64::total_cmp);
    out.extend(incomes);
    if let Some(m) = marginal {
        out.push(m);
    }
    out.push(pos / period);
}

/// The marginal rate agent `i` would pay on its next unit of income.
fn current_marginal_rate(world: &World, i: usize) -> f64 {
    tax::marginal_rate(
        world.agents[i].total_coin() - world.last_coin()[i],
        &world.rates,
    )
}

/// The map channels at a tile.
fn channels(world: &World, cell: usize) -> [f64; MAP_CHANNELS] {
    let layout = &world.config().layout;
    let (stone, wood) = (Good::Stone.index(), Good::Wood.index());
    [
        world.resources[stone][cell],
        world.resources[wood][cell],
        f64::from(u8::from(world.house_owner[cell].is_some())),
        f64::from(u8::from(layout.water[cell])),
        f64::from(u8::from(layout.stone_sources.binary_search(&cell).is_ok())),
        f64::from(u8::from(layout.wood_sources.binary_search(&cell).is_ok())),
    ]
}

/// Agent `i`'s observation.
pub fn agent_observation(world: &World, i: usize) -> AgentObservation {
    let cfg = world.config();
    let a = &world.agents[i];
    let m = &world.market;
    let mut flat: Vec<f64> = Vec::with_capacity(136);
    flat.push(a.build_payment / cfg.payment);
    flat.push(a.build_skill);
    let goods = Good::ALL;
    for g in goods {
        let full = totals(&m.ask_hists[g.index()]);
        flat.extend(
            full.iter()
                .zip(&m.ask_hists[g.index()][i])
                .map(|(f, o)| f - o),
        );
    }
    for g in goods {
        let full = totals(&m.bid_hists[g.index()]);
        flat.extend(
            full.iter()
                .zip(&m.bid_hists[g.index()][i])
                .map(|(f, o)| f - o),
        );
    }
    let markets: Vec<(f64, Vec<f64>)> = goods.iter().map(|&g| market(world, g)).collect();
    flat.extend(markets.iter().map(|m| m.0));
    for g in goods {
        flat.extend(&m.ask_hists[g.index()][i]);
    }
    for g in goods {
        flat.extend(&m.bid_hists[g.index()][i]);
    }
    for (_, history) in &markets {
        flat.extend(history);
    }
    flat.push(a.bonus_gather_prob);
    if cfg.tax != TaxModel::None {
        tax_entries(world, Some(current_marginal_rate(world, i)), &mut flat);
    }
    flat.push(world.t as f64 / cfg.episode_length as f64);
    flat.push(a.coin * INV_SCALE);
    flat.push(a.goods[Good::Stone.index()] * INV_SCALE);
    flat.push(a.goods[Good::Wood.index()] * INV_SCALE);
    flat.push(a.loc.1 as f64 / cfg.layout.width as f64);
    flat.push(a.loc.0 as f64 / cfg.layout.height as f64);

    let (h, w) = (cfg.layout.height as isize, cfg.layout.width as isize);
    let side = VIEW_SIDE * VIEW_SIDE;
    let mut map = vec![0f32; (MAP_CHANNELS + 1) * side];
    let mut idx_map = vec![0f32; 2 * side];
    for dr in 0..VIEW_SIDE {
        for dc in 0..VIEW_SIDE {
            let (r, c) = (
                a.loc.0 as isize + dr as isize - VIEW as isize,
                a.loc.1 as isize + dc as isize - VIEW as isize,
            );
            if r < 0 || c < 0 || r >= h || c >= w {
                continue;
            }
            let cell = (r * w + c) as usize;
            let k = dr * VIEW_SIDE + dc;
            for (ch, v) in channels(world, cell).into_iter().enumerate() {
                map[ch * side + k] = v as f32;
            }
            map[MAP_CHANNELS * side + k] = 1.0;
            let code = |j: Option<usize>| match j {
                None => 0.0,
                Some(j) if j == i => 1.0,
                Some(j) => j as f32 + 2.0,
            };
            idx_map[k] = code(world.house_owner[cell]);
            idx_map[side + k] = code(world.occupant()[cell]);
        }
    }
    AgentObservation {
        flat: flat.into_iter().map(|v| v as f32).collect(),
        map,
        idx_map,
    }
}

/// The planner's observation.
pub fn planner_observation(world: &World) -> PlannerObservation {
    let cfg = world.config();
    let m = &world.market;
    let mut flat: Vec<f64> = Vec::with_capacity(86);
    for g in Good::ALL {
        flat.extend(totals(&m.ask_hists[g.index()]));
    }
    for g in Good::ALL {
        flat.extend(totals(&m.bid_hists[g.index()]));
    }
    let markets: Vec<(f64, Vec<f64>)> = Good::ALL.iter().map(|&g| market(world, g)).collect();
    flat.extend(markets.iter().map(|m| m.0));
    for (_, history) in &markets {
        flat.extend(history);
    }
    if cfg.tax != TaxModel::None {
        tax_entries(world, None, &mut flat);
    }
    flat.push(world.t as f64 / cfg.episode_length as f64);
    // The planner's own inventory: always empty.
    flat.extend([0.0; 3]);

    let cells = cfg.layout.cells();
    let mut map = vec![0f32; MAP_CHANNELS * cells];
    let mut idx_map = vec![0f32; 2 * cells];
    for cell in 0..cells {
        for (ch, v) in channels(world, cell).into_iter().enumerate() {
            map[ch * cells + cell] = v as f32;
        }
        idx_map[cell] = world.house_owner[cell].map_or(0.0, |j| j as f32 + 2.0);
        idx_map[cells + cell] = world.occupant()[cell].map_or(0.0, |j| j as f32 + 2.0);
    }
    let agents = world
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut v = Vec::with_capacity(8);
            if cfg.tax != TaxModel::None {
                v.push(current_marginal_rate(world, i));
                v.push(world.last_income[i] / cfg.period as f64);
                v.push(world.last_marginal_rate[i]);
            }
            v.extend([
                a.coin * INV_SCALE,
                a.goods[Good::Stone.index()] * INV_SCALE,
                a.goods[Good::Wood.index()] * INV_SCALE,
                a.loc.1 as f64 / cfg.layout.width as f64,
                a.loc.0 as f64 / cfg.layout.height as f64,
            ]);
            v.into_iter().map(|x| x as f32).collect()
        })
        .collect();
    PlannerObservation {
        flat: flat.into_iter().map(|v| v as f32).collect(),
        map,
        idx_map,
        agents,
    }
}
