//! The spec's closed-form oracles (trade.md s.5), identities and gradient checks.

mod common;

use std::sync::Arc;

use common::{calibrate, io_economy, structural};
use walras_core::{
    adjoint_gradients, players_from_blocks, solve, BestResponse, Criterion, Equilibrium,
    PolicyOptimizer, SolverOptions, StackedFoc, Welfare,
};
use walras_trade::{Baseline, InstrumentSet, Kind, Numeraire, Structure, TradeModel};

fn tight() -> SolverOptions {
    SolverOptions {
        tol: 1e-12,
        ..SolverOptions::default()
    }
}

fn optimizer() -> PolicyOptimizer {
    PolicyOptimizer::new()
        .with_pg_tol(1e-10)
        .unwrap()
        .with_inner(tight())
        .unwrap()
}

/// Two countries (L = (1, 2), productivities (1, 1.3), iceberg 1.5) with sector elasticities.
fn two_country(thetas: &[f64]) -> Arc<Baseline> {
    let j = thetas.len();
    let sectors: Vec<(f64, f64)> = thetas.iter().map(|&t| (t, 0.0)).collect();
    calibrate(structural(
        &[1.0, 2.0],
        &[vec![1.0; j], vec![1.3; j]],
        1.5,
        &sectors,
        &vec![1.0 / j as f64; j],
    ))
}

fn three_country() -> Arc<Baseline> {
    calibrate(structural(
        &[1.0, 2.0, 3.0],
        &[vec![1.0, 2.0], vec![1.5, 1.0], vec![1.2, 1.1]],
        1.7,
        &[(4.0, 0.1), (6.0, 0.0)],
        &[0.6, 0.4],
    ))
}

#[test]
fn zero_policy_change_gives_unit_hats_and_identities_hold() {
    for base in [calibrate(io_economy()), three_country()] {
        let model = TradeModel::new(base.clone(), InstrumentSet::default()).unwrap();
        let p = model.baseline_policy();
        let sol = solve(&model, &p, None, &tight()).unwrap();
        let out = model.outcome(&sol.x, &p);
        for k in 0..model.n_unknowns() {
            let name = model.unknown_name(k);
            let expected = if name.starts_with("ln") {
                0.0
            } else {
                sol.x[k]
            };
            assert!((sol.x[k] - expected).abs() < 1e-10, "{name} = {}", sol.x[k]);
        }
        for n in 0..base.n_countries() {
            assert!((out.welfare[n] - 1.0).abs() < 1e-10, "{:?}", out.welfare);
            assert!((out.wage_change[n] - 1.0).abs() < 1e-10);
            assert!((out.income[n] / base.income[n] - 1.0).abs() < 1e-10);
            assert!(
                (out.tariff_revenue[n] / base.tariff_revenue[n].max(1e-300) - 1.0).abs() < 1e-9
                    || base.tariff_revenue[n] == 0.0
            );
        }
        assert!(out.walras_law_residual.abs() < 1e-10);
    }
}

/// Home's optimal tariff against a fixed foreign tariff.
fn home_optimal_tariff(
    base: &Arc<Baseline>,
    foreign: f64,
    structure: Structure,
) -> (Vec<f64>, TradeModel, Vec<f64>) {
    let set = InstrumentSet {
        tariffs: Some(structure),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base.clone(), set).unwrap();
    let mut start = model.baseline_policy();
    for &k in model.policy_map().block(1) {
        start[k] = foreign;
    }
    let best = optimizer()
        .maximize(
            &model,
            &Criterion::Single(0),
            &start,
            Some(model.policy_map().block(0)),
            None,
        )
        .unwrap();
    (best.policy, model, best.x)
}

#[test]
fn two_country_optimal_tariff_matches_the_formula() {
    // Spec oracle 1: t* = (1 + t_F lambda_FF) / (theta lambda_FF (1 + t_F)).
    let base = two_country(&[4.0]);
    for (foreign, published) in [(0.0, 0.268386), (0.3, 0.259128)] {
        let (policy, model, x) = home_optimal_tariff(&base, foreign, Structure::PartnerSector);
        let t = policy[model.policy_map().block(0)[0]];
        let out = model.outcome(&x, &policy);
        let f = base.flow(1, 1, 0);
        let spending_ff: f64 = (0..2).map(|i| out.flows[base.flow(i, 1, 0)]).sum();
        let lambda_ff = out.flows[f] / spending_ff;
        let formula = (1.0 + foreign * lambda_ff) / (4.0 * lambda_ff * (1.0 + foreign));
        assert!((t - formula).abs() < 1e-7, "t* = {t}, formula {formula}");
        assert!((t - published).abs() < 5e-7, "t* = {t}, spec {published}");
    }
}

#[test]
fn multi_sector_optimal_tariff_is_uniform() {
    // Spec oracle 2: theta = (2, 5, 8): t* = 1 / sum_k chi_k theta_k lambda_FF,k, uniform.
    let base = two_country(&[2.0, 5.0, 8.0]);
    let (policy, model, x) = home_optimal_tariff(&base, 0.0, Structure::PartnerSector);
    let out = model.outcome(&x, &policy);
    let exports: Vec<f64> = (0..3).map(|j| out.flows[base.flow(0, 1, j)]).collect();
    let total: f64 = exports.iter().sum();
    let denom: f64 = (0..3)
        .map(|j| {
            let lff = out.flows[base.flow(1, 1, j)]
                / (out.flows[base.flow(1, 1, j)] + out.flows[base.flow(0, 1, j)]);
            exports[j] / total * [2.0, 5.0, 8.0][j] * lff
        })
        .sum();
    for &k in model.policy_map().block(0) {
        // Uniform, equal to the formula at the optimum, and to an independent implementation
        // (tests/data/multi_sector_tariff_oracle.py: 0.49310778513, equal final shares).
        // The spec lists 0.401806 for this case without stating the final shares; equal
        // shares give 0.493108 in both implementations.
        assert!(
            (policy[k] - 1.0 / denom).abs() < 1e-7,
            "{policy:?} vs {}",
            1.0 / denom
        );
        assert!((policy[k] - 0.493_107_785_13).abs() < 1e-7, "{policy:?}");
    }
}

#[test]
fn symmetric_nash_tariff_is_0_265231() {
    // Spec oracle 3: equal L and productivity, iceberg 1.5, theta = 4.
    let base = calibrate(structural(
        &[1.0, 1.0],
        &[vec![1.0], vec![1.0]],
        1.5,
        &[(4.0, 0.0)],
        &[1.0],
    ));
    let model = TradeModel::new(base, InstrumentSet::default()).unwrap();
    let players = players_from_blocks(model.policy_space());
    let nash = BestResponse::new()
        .with_optimizer(optimizer())
        .solve(&model, &players, &model.baseline_policy(), |_| {})
        .unwrap();
    for t in &nash.policy {
        assert!((t - 0.265231).abs() < 1e-6, "{:?}", nash.policy);
    }
    // The same equilibrium as the root of the stacked first-order conditions, with a
    // finite-difference Jacobian from the start, or on a diagonal secant model until the
    // residual is below 1e-2 (as `walras trade nash` does from the baseline).
    for secant_above in [f64::INFINITY, 1e-2] {
        let stacked = StackedFoc::new()
            .with_tol(1e-10)
            .unwrap()
            .with_secant_start_above(secant_above)
            .unwrap()
            .with_inner(tight())
            .unwrap()
            .solve(&model, &players, &model.baseline_policy(), |_| {})
            .unwrap();
        for t in &stacked.policy {
            assert!(
                (t - 0.265231).abs() < 1e-6,
                "{secant_above}: {:?}",
                stacked.policy
            );
        }
    }
    assert!(StackedFoc::new().with_secant_start_above(0.0).is_err());
    assert!(StackedFoc::new().with_secant_start_above(f64::NAN).is_err());
}

#[test]
fn prohibitive_tariffs_give_the_autarky_formula() {
    // Spec oracle 6: What = lambda_ii^(1/theta) with one sector.
    let base = three_country();
    let one_sector = calibrate(structural(
        &[1.0, 2.0, 3.0],
        &[vec![1.0], vec![1.5], vec![1.2]],
        1.7,
        &[(5.0, 0.0)],
        &[1.0],
    ));
    let _ = base;
    let set = InstrumentSet {
        tariff_bounds: (0.0, 1e9),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(one_sector.clone(), set).unwrap();
    let p = vec![1e7; model.policy_space().len()];
    let sol = solve(&model, &p, None, &tight()).unwrap();
    let out = model.outcome(&sol.x, &p);
    for i in 0..3 {
        let expected = one_sector.lambda[one_sector.flow(i, i, 0)].powf(1.0 / 5.0);
        assert!(
            (out.welfare[i] - expected).abs() < 1e-6,
            "{i}: {} vs {expected}",
            out.welfare[i]
        );
    }
}

#[test]
fn lerner_symmetry_scaling_tariffs_and_export_taxes_is_neutral() {
    // Spec oracle 7 with IO links and scale economies, balanced trade (purged baseline).
    // Under this crate's price convention c (1 + x)(1 + t)/(1 + s) the neutral change is an
    // import tariff factor f with an export-tax factor 1/f (an import tariff equals an export
    // tax: Lerner), i.e. country 1's domestic prices all rise by f.
    // Every traded sector must be covered, so the service sector is made tariffable here.
    let mut data = io_economy();
    data.sectors[2].tariffable = true;
    let balanced = Arc::new(calibrate(data).purge(&tight()).unwrap());
    let set = InstrumentSet {
        export_taxes: Some(Structure::PartnerSector),
        export_tax_bounds: (-0.5, 2.0),
        // Every export tax is scaled, so none is pinned as the normalisation.
        pin_export_tax: false,
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(balanced.clone(), set).unwrap();
    let p0 = model.baseline_policy();
    let s0 = solve(&model, &p0, None, &tight()).unwrap();
    let w0 = model.outcome(&s0.x, &p0).welfare;
    let factor = 1.25;
    let mut p = p0.clone();
    for (k, inst) in model.policy_map().instruments.iter().enumerate() {
        if inst.country == 1 {
            p[k] = match inst.kind {
                Kind::Tariff => factor * (1.0 + p0[k]) - 1.0,
                _ => (1.0 + p0[k]) / factor - 1.0,
            };
        }
    }
    let s = solve(&model, &p, None, &tight()).unwrap();
    let w = model.outcome(&s.x, &p).welfare;
    for n in 0..3 {
        assert!((w[n] - w0[n]).abs() < 1e-9, "{w:?} vs {w0:?}");
    }
}

#[test]
fn a_tariff_and_export_tax_war_pinned_by_lerner_symmetry_is_a_nash_equilibrium_of_the_free_game() {
    // With both instruments, each country's last export-tax group stays at the baseline (the
    // Lerner normalisation). Scaling all of a country's (1 + t) and (1 + x) is neutral (every
    // sector tariffable, balanced trade), so the pinned export tax's first-order condition
    // holds at the pinned game's equilibrium as well: it is an equilibrium of the free game.
    let mut data = io_economy();
    data.sectors[2].tariffable = true;
    let balanced = Arc::new(calibrate(data).purge(&tight()).unwrap());
    let pinned_set = InstrumentSet {
        tariffs: Some(Structure::Sector),
        export_taxes: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    assert!(pinned_set.pins_export_tax());
    let pinned = TradeModel::new(balanced.clone(), pinned_set).unwrap();
    let free_set = InstrumentSet {
        pin_export_tax: false,
        ..pinned_set
    };
    let free = TradeModel::new(balanced.clone(), free_set).unwrap();
    let nj = balanced.n_sectors();
    for c in 0..balanced.n_countries() {
        let kinds = |m: &TradeModel, kind: Kind| {
            m.policy_map()
                .instruments
                .iter()
                .filter(|i| i.country == c && i.kind == kind)
                .map(|i| i.sector.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&pinned, Kind::Tariff), (0..nj).collect::<Vec<_>>());
        assert_eq!(
            kinds(&pinned, Kind::ExportTax),
            (0..nj - 1).collect::<Vec<_>>()
        );
        assert_eq!(kinds(&free, Kind::ExportTax), (0..nj).collect::<Vec<_>>());
    }
    // Export taxes alone have no such symmetry: nothing is pinned.
    let alone = InstrumentSet {
        tariffs: None,
        export_taxes: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    assert!(!alone.pins_export_tax());

    let players = players_from_blocks(pinned.policy_space());
    let nash = StackedFoc::new()
        .with_tol(1e-10)
        .unwrap()
        .with_inner(tight())
        .unwrap()
        .solve(&pinned, &players, &pinned.baseline_policy(), |_| {})
        .unwrap();
    // The same policies in the free game (the pinned export taxes at the baseline, zero).
    let key = |i: &walras_trade::Instrument| (i.country, i.kind, i.partner, i.sector);
    let mut policy = free.baseline_policy();
    for (k, inst) in free.policy_map().instruments.iter().enumerate() {
        if let Some(j) = pinned
            .policy_map()
            .instruments
            .iter()
            .position(|p| key(p) == key(inst))
        {
            policy[k] = nash.policy[j];
        }
    }
    let x = solve(&free, &policy, None, &tight()).unwrap().x;
    let free_players = players_from_blocks(free.policy_space());
    for (c, player) in free_players.iter().enumerate() {
        let g =
            adjoint_gradients(&free, &x, &policy, &[player.objective], &player.indices).unwrap();
        let own: Vec<f64> = (0..player.indices.len())
            .map(|k| g.gradients[(0, k)])
            .collect();
        let pg = free
            .policy_space()
            .projected_gradient_norm(&policy, &own, &player.indices);
        assert!(
            pg < 1e-7,
            "country {c}: projected gradient {pg} in the free game"
        );
    }
    // Nash tariffs are positive: the normalisation did not push them to a bound.
    for (k, inst) in pinned.policy_map().instruments.iter().enumerate() {
        if inst.kind == Kind::Tariff {
            assert!(
                nash.policy[k] > 1e-3,
                "{}: {}",
                pinned.policy_space().names()[k],
                nash.policy[k]
            );
        }
    }
}

#[test]
fn numeraire_choice_does_not_change_real_outcomes() {
    let base = calibrate(io_economy());
    let set = InstrumentSet {
        subsidies: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    let a = TradeModel::new(base.clone(), set).unwrap();
    let b = a.clone().with_numeraire(Numeraire::Wage(1)).unwrap();
    let mut p = a.baseline_policy();
    for (k, v) in p.iter_mut().enumerate() {
        *v += 0.01 * (1 + k % 5) as f64;
    }
    let (sa, sb) = (
        solve(&a, &p, None, &tight()).unwrap(),
        solve(&b, &p, None, &tight()).unwrap(),
    );
    let (oa, ob) = (a.outcome(&sa.x, &p), b.outcome(&sb.x, &p));
    for n in 0..3 {
        assert!((oa.welfare[n] - ob.welfare[n]).abs() < 1e-10);
        // Nominal changes differ by one common factor.
        let ratio = oa.wage_change[n] / ob.wage_change[n];
        assert!((ratio - oa.wage_change[0] / ob.wage_change[0]).abs() < 1e-10);
    }
    assert!((ob.wage_change[1] - 1.0).abs() < 1e-12);
    assert!(oa.walras_law_residual.abs() < 1e-9 && ob.walras_law_residual.abs() < 1e-9);
    assert!(oa.world_income_minus_final_spending.abs() < 1e-8 * oa.income.iter().sum::<f64>());
}

#[test]
fn implicit_gradients_match_finite_differences_for_every_instrument_class() {
    let base = calibrate(io_economy());
    let set = InstrumentSet {
        subsidies: Some(Structure::Sector),
        export_taxes: Some(Structure::PartnerSector),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base, set).unwrap();
    let mut p = model.baseline_policy();
    for (k, v) in p.iter_mut().enumerate() {
        *v += 0.02 * (k % 4) as f64;
    }
    let sol = solve(&model, &p, None, &tight()).unwrap();
    let all: Vec<usize> = (0..p.len()).collect();
    let grads = adjoint_gradients(&model, &sol.x, &p, &[0, 1, 2], &all).unwrap();
    let h = 1e-6;
    for j in 0..p.len() {
        let welfare_at = |v: f64| {
            let mut q = p.clone();
            q[j] = v;
            let s = solve(&model, &q, Some(&sol.x), &tight()).unwrap();
            (0..3)
                .map(|k| model.objective(k, &s.x, &q))
                .collect::<Vec<f64>>()
        };
        let (up, down) = (welfare_at(p[j] + h), welfare_at(p[j] - h));
        for k in 0..3 {
            let fd = (up[k] - down[k]) / (2.0 * h);
            let ad = grads.gradients[(k, j)];
            assert!(
                (ad - fd).abs() <= 1e-6 * fd.abs().max(1e-3),
                "dW{k}/d{}: {ad} vs {fd}",
                model.policy_space().names()[j]
            );
        }
    }
}

/// A small economy (`size` of world labour) with scale economies facing one large one; its
/// instruments are export taxes and production subsidies (tariffs held at zero, its last
/// sector's subsidy the normalisation, psi = 0 there). Also the policy the spec's formula gives
/// it: x_j = 1/theta_j and s_j = psi_j.
fn small_open_economy(size: f64) -> (TradeModel, Vec<f64>) {
    let sectors = [(4.0, 0.1), (3.0, 0.2), (6.0, 0.0)];
    let base = calibrate(structural(
        &[size, 1.0],
        &[vec![1.0, 1.2, 0.9], vec![1.0, 1.0, 1.0]],
        1.3,
        &sectors,
        &[0.4, 0.3, 0.3],
    ));
    let set = InstrumentSet {
        tariffs: None,
        subsidies: Some(Structure::Sector),
        export_taxes: Some(Structure::PartnerSector),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base, set).unwrap();
    let mut formula = model.baseline_policy();
    for (k, inst) in model.policy_map().instruments.iter().enumerate() {
        let (theta, psi) = sectors[inst.sector.unwrap()];
        if inst.country == 0 {
            formula[k] = match inst.kind {
                Kind::ExportTax => 1.0 / theta,
                Kind::Subsidy => psi,
                Kind::Tariff => unreachable!("tariffs are not instruments here"),
            };
        }
    }
    (model, formula)
}

#[test]
fn small_open_economy_sets_export_taxes_1_over_theta_and_pigouvian_subsidies() {
    // Spec oracle 4 (and 5 for one country): x_j = 1/theta_j, 1 + s_j = 1 + psi_j, t = 0. The
    // formula is exact in the limit of a small economy: at it, the small country's welfare
    // gradient in its own instruments vanishes in proportion to its size.
    let own_gradient = |model: &TradeModel, policy: &[f64]| -> f64 {
        let x = solve(model, policy, None, &tight()).unwrap().x;
        let own = model.policy_map().block(0).to_vec();
        adjoint_gradients(model, &x, policy, &[0], &own)
            .unwrap()
            .gradients
            .amax()
    };
    for size in [1e-6, 1e-9] {
        let (model, formula) = small_open_economy(size);
        let at_formula = own_gradient(&model, &formula);
        assert!(
            at_formula < 5.0 * size,
            "size {size}: gradient {at_formula:e} at the formula"
        );
        // Not trivially flat: with a sector's export tax 0.02 off the formula the gradient is
        // 2e-3 and 4e-4 at the two sizes, nowhere near proportional to them.
        let mut off = formula.clone();
        off[0] += 0.02;
        let away = own_gradient(&model, &off);
        assert!(
            away > 1e-4,
            "size {size}: gradient {away:e} off the formula"
        );
    }
    // The optimiser lands on the formula. Welfare is nearly flat along one direction (the
    // free subsidies up by a common factor and the normalisation sector's export tax down by
    // it: flat to 1e-12 at size 1e-9), so this needs a projected gradient of 1e-11.
    let (model, formula) = small_open_economy(1e-6);
    let best = PolicyOptimizer::new()
        .with_pg_tol(1e-11)
        .unwrap()
        .with_inner(tight())
        .unwrap()
        .maximize(
            &model,
            &Criterion::Single(0),
            &model.baseline_policy(),
            Some(model.policy_map().block(0)),
            None,
        )
        .unwrap();
    for &k in model.policy_map().block(0) {
        assert!(
            (best.policy[k] - formula[k]).abs() < 1e-4,
            "{:?}: optimum {} vs formula {}",
            model.policy_map().instruments[k],
            best.policy[k],
            formula[k]
        );
    }
}

#[test]
fn first_best_relative_subsidies_are_one_plus_psi_for_several_countries() {
    // Spec oracle 5 (any N): with scale economies, the first best subsidises sector j by
    // 1 + s_j proportional to 1 + psi_j. Three identical countries and a world planner over
    // production subsidies (tariffs at zero): by symmetry there is no motive to shift income
    // between countries, so the cooperative optimum is the first best. Each country's last
    // sector's subsidy is the normalisation (held at 0), so 1 + s_j = (1 + psi_j)/(1 + psi_2).
    let sectors = [(4.0, 0.1), (3.0, 0.2), (6.0, 0.05)];
    let base = calibrate(structural(
        &[1.0; 3],
        &[vec![1.0; 3], vec![1.0; 3], vec![1.0; 3]],
        1.5,
        &sectors,
        &[0.4, 0.3, 0.3],
    ));
    let set = InstrumentSet {
        tariffs: None,
        subsidies: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base, set).unwrap();
    let world = Criterion::Weighted((0..3).map(|n| (n, 1.0)).collect());
    let best = optimizer()
        .maximize(&model, &world, &model.baseline_policy(), None, None)
        .unwrap();
    let instruments = &model.policy_map().instruments;
    assert_eq!(instruments.len(), 3 * 2, "two free subsidies per country");
    for (k, inst) in instruments.iter().enumerate() {
        assert_eq!(inst.kind, Kind::Subsidy);
        let j = inst.sector.unwrap();
        let expected = (1.0 + sectors[j].1) / (1.0 + sectors[2].1) - 1.0;
        assert!(
            (best.policy[k] - expected).abs() < 1e-6,
            "country {} sector {j}: s = {}, (1 + psi_j)/(1 + psi_2) - 1 = {expected}",
            inst.country,
            best.policy[k]
        );
    }
    // Not a corner of the box, and not the baseline: the subsidies moved to the formula.
    assert!(best.policy.iter().all(|s| *s > 0.04), "{:?}", best.policy);
}

#[test]
fn caliendo_parro_decomposition_is_the_first_order_welfare_change() {
    // Three countries, two sectors, no scale economies, re-based at applied tariffs of 10-30%
    // (so that the volume-of-trade term is not zero). For a tariff change of size d, terms of
    // trade + volume of trade must equal the exact welfare change up to O(d^2).
    let base = calibrate(structural(
        &[1.0, 2.0, 3.0],
        &[vec![1.0, 2.0], vec![1.5, 1.0], vec![1.2, 1.1]],
        1.7,
        &[(4.0, 0.0), (6.0, 0.0)],
        &[0.6, 0.4],
    ));
    let model = TradeModel::new(base, InstrumentSet::default()).unwrap();
    let applied: Vec<f64> = (0..model.policy_space().len())
        .map(|k| 0.1 + 0.2 * ((k * 7) % 5) as f64 / 4.0)
        .collect();
    let x = solve(&model, &applied, None, &tight()).unwrap().x;
    let rebased = Arc::new(model.rebase(&x, &applied, "applied tariffs"));
    let model = TradeModel::new(rebased, InstrumentSet::default()).unwrap();
    let p0 = model.baseline_policy();
    assert_eq!(p0, applied);
    let gap = |d: f64| -> (f64, f64) {
        // Country 0 cuts its tariffs, country 1 raises its own.
        let p: Vec<f64> = p0
            .iter()
            .enumerate()
            .map(|(k, &t)| match model.policy_map().instruments[k].country {
                0 => t - d,
                1 => t + 0.5 * d,
                _ => t,
            })
            .collect();
        let x = solve(&model, &p, None, &tight()).unwrap().x;
        let out = model.outcome(&x, &p);
        let cp = out
            .welfare_decomposition
            .expect("the Caliendo-Parro setting");
        let worst = (0..3)
            .map(|n| (cp.total_pct[n] - out.welfare_change_pct[n]).abs())
            .fold(0.0, f64::max);
        let size = out
            .welfare_change_pct
            .iter()
            .fold(0.0, |a: f64, v| a.max(v.abs()));
        (worst, size)
    };
    let (coarse, size) = gap(1e-2);
    let (fine, _) = gap(1e-3);
    assert!(
        coarse < 0.1 * size,
        "gap {coarse:e} against changes of {size:e}"
    );
    assert!(
        coarse / fine > 50.0,
        "second order in the change: {coarse:e} at 1e-2, {fine:e} at 1e-3"
    );
    // With scale economies it is not defined.
    let out = {
        let model = TradeModel::new(three_country(), InstrumentSet::default()).unwrap();
        let p = model.baseline_policy();
        let x = solve(&model, &p, None, &tight()).unwrap().x;
        model.outcome(&x, &p)
    };
    assert!(out.welfare_decomposition.is_none());
}

#[test]
fn settling_a_consistent_baseline_changes_nothing() {
    // The IO economy with its deficit is an exact equilibrium already: re-solving it (what
    // `--keep-deficits` does first) returns the same flows and income.
    let base = calibrate(io_economy());
    let settled = base.settle(&tight()).unwrap();
    for (a, b) in base.lambda.iter().zip(&settled.lambda) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
    for (a, b) in base.income.iter().zip(&settled.income) {
        assert!((a - b).abs() < 1e-9 * a.abs(), "{a} vs {b}");
    }
    assert!(!settled.purged);
}

#[test]
fn a_collapsed_sector_is_not_an_equilibrium() {
    // With external scale economies a sector's sales vanish like Lhat^(theta psi) as its
    // labour goes to zero, so in levels (sales x va share = w L VA) Lhat = 0 would clear the
    // labour market: a spurious "collapse" root Newton can wander into. In logs the residual
    // is (theta psi - 1) ln Lhat + O(1), far from zero there.
    let model = TradeModel::new(calibrate(io_economy()), InstrumentSet::default()).unwrap();
    let p = model.baseline_policy();
    let sol = solve(&model, &p, None, &tight()).unwrap();
    let k = (0..model.n_unknowns())
        .find(|&k| model.unknown_name(k) == "ln Lhat[A,goods1]")
        .unwrap();
    let mut x = sol.x.clone();
    x[k] = -200.0;
    let r = walras_core::autodiff::residual(&model, &x, &p);
    // theta psi = 4 x 0.15 = 0.6: r = 0.4 x 200 + O(1).
    assert!(
        r[k] > 70.0 && r[k] < 90.0,
        "residual at the collapse {}",
        r[k]
    );
    let again = solve(&model, &p, Some(&x), &SolverOptions::default()).unwrap();
    assert!(
        (again.x[k] - sol.x[k]).abs() < 1e-8,
        "from the collapse, the solve returns to ln Lhat = {} (found {})",
        sol.x[k],
        again.x[k]
    );
}
