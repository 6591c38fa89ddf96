//! Economic identities of the world, on random episodes with both generators: coin is only
//! created by building (taxes come back as lump sums, trades move coin between agents), goods
//! are conserved between the map, inventories, escrow and houses, and the masks only allow
//! actions that do something.

use walras_gtb::market::Good;
use walras_gtb::policy::{agent_mask, RandomPolicy};
use walras_gtb::world::AGENT_ACTIONS;
use walras_gtb::{GtbConfig, RngKind, TaxModel, World};

fn episode(tax: TaxModel, rng: RngKind, seed: u64, mut check: impl FnMut(&World)) {
    let cfg = GtbConfig {
        tax,
        episode_length: 1000,
        ..GtbConfig::default()
    };
    let mut world = World::new(cfg, rng.seeded(seed).unwrap()).unwrap();
    let mut policy = RandomPolicy::new(seed + 100);
    world.reset().unwrap();
    let mut actions = Vec::new();
    loop {
        policy.agent_actions(&world, &mut actions);
        let planner = (tax == TaxModel::Planner).then(|| policy.planner_actions(&world));
        let done = world.step(&actions, planner.as_ref()).unwrap();
        check(&world);
        if done {
            break;
        }
    }
}

#[test]
fn coin_comes_only_from_houses_and_taxes_are_handed_back_whole() {
    for tax in [
        TaxModel::None,
        TaxModel::UsFederal,
        TaxModel::Planner,
        TaxModel::Saez,
    ] {
        for rng in [RngKind::NumpyLegacy, RngKind::Fast] {
            let mut collections = 0;
            episode(tax, rng, 5, |w| {
                let coin: f64 = w.agents.iter().map(|a| a.total_coin()).sum();
                let built: f64 = w
                    .agents
                    .iter()
                    .map(|a| a.houses as f64 * a.build_payment)
                    .sum();
                assert!(
                    (coin - (40.0 + built)).abs() < 1e-9,
                    "{tax:?} t {}: {coin} vs {}",
                    w.t,
                    40.0 + built
                );
                if let Some(c) = &w.collection {
                    collections += 1;
                    let paid: f64 = c.paid.iter().sum();
                    assert!((paid - 4.0 * c.lump_sum).abs() < 1e-9);
                    for (p, a) in c.paid.iter().zip(&w.agents) {
                        assert!(*p >= 0.0 && a.coin >= 0.0);
                    }
                }
                let g =
                    walras_gtb::gini(&w.agents.iter().map(|a| a.total_coin()).collect::<Vec<_>>());
                assert!((0.0..=1.0).contains(&g), "{g}");
            });
            let expected = if tax == TaxModel::None { 0 } else { 10 };
            assert_eq!(collections, expected, "{tax:?}");
        }
    }
}

#[test]
fn goods_are_conserved_and_masked_actions_are_feasible() {
    for rng in [RngKind::NumpyLegacy, RngKind::Fast] {
        let mut mask = [false; AGENT_ACTIONS];
        episode(TaxModel::UsFederal, rng, 9, |w| {
            for good in Good::ALL {
                let g = good.index();
                let held: f64 = w
                    .agents
                    .iter()
                    .map(|a| a.goods[g] + a.escrow_goods[g])
                    .sum();
                let used = w.totals.houses as f64;
                // Gathered units are held, in escrow, or in houses (one of each per house).
                assert_eq!(held + used, w.totals.gathered[g], "{good:?} t {}", w.t);
                let open: usize = w.market.asks[g].len();
                let escrow: f64 = w.agents.iter().map(|a| a.escrow_goods[g]).sum();
                assert_eq!(open as f64, escrow);
            }
            let bids: f64 = (0..2)
                .flat_map(|g| w.market.bids[g].iter().map(|b| b.price as f64))
                .sum();
            let escrow: f64 = w.agents.iter().map(|a| a.escrow_coin).sum();
            assert_eq!(bids, escrow, "t {}", w.t);
            for i in 0..w.agents.len() {
                agent_mask(w, i, &mut mask);
                assert!(mask[0]);
                assert_eq!(mask[1], w.can_build(i));
            }
        });
    }
}

#[test]
fn the_fast_generator_gives_the_same_economy_on_average() {
    // Totals over 60 episodes per generator agree within 4 standard errors.
    let stats = |rng: RngKind| {
        let runs: Vec<(f64, f64)> = (0..60)
            .map(|s| {
                let mut last = (0.0, 0.0);
                episode(TaxModel::UsFederal, rng, 1000 + s, |w| {
                    last = (
                        w.totals.gathered.iter().sum::<f64>(),
                        w.totals.houses as f64,
                    );
                });
                last
            })
            .collect();
        let n = runs.len() as f64;
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| runs.iter().map(f).sum::<f64>() / n;
        let se = |f: &dyn Fn(&(f64, f64)) -> f64, m: f64| {
            (runs.iter().map(|r| (f(r) - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
        };
        let (mg, mh) = (mean(&|r| r.0), mean(&|r| r.1));
        (mg, se(&|r| r.0, mg), mh, se(&|r| r.1, mh))
    };
    let (a, b) = (stats(RngKind::NumpyLegacy), stats(RngKind::Fast));
    let z = |ma: f64, sa: f64, mb: f64, sb: f64| (ma - mb).abs() / (sa * sa + sb * sb).sqrt();
    assert!(z(a.0, a.1, b.0, b.1) < 4.0, "gathered {a:?} vs {b:?}");
    assert!(z(a.2, a.3, b.2, b.3) < 4.0, "houses {a:?} vs {b:?}");
}
