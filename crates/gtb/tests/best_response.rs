//! Agents that best-respond and the tax planners: the game's mechanics against identities,
//! common random numbers, searches that must find known improvements, and the outer search's
//! bookkeeping.

use walras_gtb::best_response::{
    best_response, best_response_dynamics, exploitability, DynamicsSettings, SearchSettings,
};
use walras_gtb::game::{seeds, Game, Schedule};
use walras_gtb::planner::{optimize_rates, PlannerSettings};
use walras_gtb::strategy::{Strategy, STRATEGY_PARAMS};
use walras_gtb::{GtbConfig, RngKind};

fn no_tick() -> Result<(), walras_gtb::GtbError> {
    Ok(())
}

fn cfg() -> GtbConfig {
    GtbConfig::default()
}

/// A strategy that never posts an order (so no coin sits in escrow at a collection).
fn no_orders() -> Strategy {
    let mut s = Strategy::default();
    s.0[7] = -40.0;
    s
}

#[test]
fn confiscatory_rates_leave_every_agent_the_same_coin() {
    // With every bracket at 100%, each agent pays its whole period income and receives a
    // quarter of the total: all end with the same coin (Gini 0), whatever they produced.
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::Levels([20; 7])).unwrap();
    let profile = vec![no_orders(); 4];
    for e in game.play_all(&profile, &seeds(3, 1, 8)).unwrap() {
        assert!(e.houses > 0, "somebody builds");
        assert!(e.gini.abs() < 1e-12, "gini {}", e.gini);
        let first = e.coin[0];
        assert!(
            e.coin.iter().all(|c| (c - first).abs() < 1e-9),
            "{:?}",
            e.coin
        );
        // Everything earned was taxed and handed back.
        let built: f64 = (0..4)
            .map(|i| e.houses_by[i] as f64 * e.build_payment[i])
            .sum();
        assert!((e.taxes - built).abs() < 1e-9, "{} vs {built}", e.taxes);
    }
    // At zero rates nothing is collected and coin stays with whoever built.
    let free = Game::new(&cfg(), RngKind::Fast, Schedule::Levels([0; 7])).unwrap();
    for e in free.play_all(&profile, &seeds(3, 1, 4)).unwrap() {
        assert_eq!(e.taxes, 0.0);
        for i in 0..4 {
            let own = 10.0 + e.houses_by[i] as f64 * e.build_payment[i];
            assert!((e.coin[i] - own).abs() < 1e-9);
        }
    }
}

#[test]
fn agents_are_numbered_by_building_skill() {
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::UsFederal).unwrap();
    let profile = vec![Strategy::default(); 4];
    for e in game.play_all(&profile, &seeds(5, 2, 6)).unwrap() {
        assert_eq!(
            e.build_payment,
            walras_gtb::config::FIXED_FOUR_PAYMENTS.to_vec()
        );
    }
}

#[test]
fn a_resting_agent_only_gathers_what_grows_under_it_and_keeps_its_coin() {
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::FreeMarket).unwrap();
    let mut rest = Strategy::default();
    rest.0[8] = -40.0;
    let mut profile = vec![Strategy::default(); 4];
    profile[1] = rest;
    for e in game.play_all(&profile, &seeds(9, 3, 4)).unwrap() {
        // It never moves, builds or trades; a unit growing on its tile is still collected
        // (one or, with the bonus, two units per unit of labour).
        assert_eq!(
            (e.coin[1], e.houses_by[1], e.sold[1], e.bought[1]),
            (10.0, 0, 0.0, 0.0)
        );
        let gathered = e.gathered_by[1][0] + e.gathered_by[1][1];
        assert!(e.labor[1] <= gathered && 2.0 * e.labor[1] >= gathered);
        let eta = cfg().isoelastic_eta;
        let u = (10f64.powf(1.0 - eta) - 1.0) / (1.0 - eta) - cfg().energy_cost * e.labor[1];
        assert!((e.utility[1] - u).abs() < 1e-12);
    }
}

#[test]
fn episodes_depend_only_on_the_seed_and_profile() {
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::UsFederal).unwrap();
    let profile = vec![Strategy::default(); 4];
    let s = seeds(1, 1, 6);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| game.play_all(&profile, &s).unwrap());
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| game.play_all(&profile, &s).unwrap());
    assert_eq!(one, two);
    // Another agent's strategy changes the episode (common random numbers, not identical
    // outcomes).
    let mut other = profile.clone();
    other[2].0[0] = -3.0;
    assert_ne!(game.play(&other, s[0]).unwrap(), one[0]);
    // Seeds of different streams differ.
    assert!(seeds(1, 2, 6).iter().all(|x| !s.contains(x)));
}

#[test]
fn the_search_finds_an_improvement_over_a_wasteful_strategy() {
    // Gathering without ever building or selling only costs labour: a best response must do
    // better on fresh episodes, with a confidence interval above zero.
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::UsFederal).unwrap();
    let mut wasteful = Strategy::default();
    wasteful.0[1] = -40.0; // never build
    wasteful.0[7] = -40.0; // never trade
    wasteful.0[0] = 6.0; // walk far for resources
    let mut profile = vec![Strategy::default(); 4];
    profile[0] = wasteful;
    let search = SearchSettings::default();
    let br = best_response(&game, &profile, 0, &search, 4, &no_tick).unwrap();
    assert!(br.utility_after > br.utility_before);
    assert!(br.strategy.0.iter().all(|x| x.abs() <= 40.0));
    let dev = exploitability(&game, &profile, &search, 40, 8, &no_tick).unwrap();
    assert!(dev[0].gain.ci95_low > 0.0, "{:?}", dev[0].gain);
    assert_eq!(dev.len(), 4);
}

#[test]
fn best_response_keeps_the_start_when_nothing_beats_it() {
    // With no iterations the only candidates are the start and resting; the result is one of
    // them and never worse than the start on the check episodes.
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::FreeMarket).unwrap();
    let profile = vec![Strategy::default(); 4];
    let search = SearchSettings {
        iterations: 0,
        ..SearchSettings::default()
    };
    let br = best_response(&game, &profile, 3, &search, 1, &no_tick).unwrap();
    assert!(br.utility_after >= br.utility_before);
    let mut rest = profile[3];
    rest.0[8] = -6.0;
    assert!(br.strategy == profile[3] || br.strategy == rest);
}

#[test]
fn dynamics_record_every_round_and_are_reproducible() {
    let settings = DynamicsSettings {
        rounds: 2,
        tolerance: 0.0,
        search: SearchSettings {
            iterations: 3,
            pairs: 4,
            check_episodes: 8,
            ..SearchSettings::default()
        },
    };
    let start = vec![Strategy::default(); 4];
    let run = || {
        let mut game = Game::new(&cfg(), RngKind::Fast, Schedule::UsFederal).unwrap();
        best_response_dynamics(&mut game, &start, &settings, 7, &no_tick).unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.profile, b.profile);
    assert_eq!(a.gains, b.gains);
    assert!(!a.gains.is_empty() && a.gains.len() <= 2);
    assert!(a.gains.iter().flatten().all(|g| *g >= 0.0));
    assert!(a.profile.iter().all(Strategy::is_finite));
}

#[test]
fn the_saez_planner_sets_formula_rates_after_adapting() {
    // Until its buffer holds 500 samples the estimator draws random rates; after adapting,
    // every episode's first period gets the same formula rates from the same buffer.
    let profile = vec![Strategy::default(); 4];
    let mut game = Game::new(&cfg(), RngKind::Fast, Schedule::Saez).unwrap();
    let first = |g: &Game, seed| g.trace(&profile, seed).unwrap().rates[0];
    assert_ne!(
        first(&game, 1),
        first(&game, 2),
        "random rates before adapting"
    );
    game.adapt_planner(&profile, 5).unwrap();
    let (a, b) = (first(&game, 1), first(&game, 2));
    assert_eq!(a, b);
    assert!(a.iter().all(|r| (0.0..=1.0).contains(r)));
}

#[test]
fn the_outer_search_only_accepts_improvements_and_reports_its_best() {
    let settings = PlannerSettings {
        dynamics: DynamicsSettings {
            rounds: 1,
            search: SearchSettings {
                iterations: 2,
                pairs: 4,
                check_episodes: 8,
                ..SearchSettings::default()
            },
            ..DynamicsSettings::default()
        },
        objective_episodes: 8,
        level_steps: vec![8],
        ..PlannerSettings::default()
    };
    let start = vec![Strategy::default(); 4];
    let o = optimize_rates(
        &cfg(),
        RngKind::Fast,
        &[
            (Schedule::us_federal_levels(), start.clone()),
            ([0; 7], start),
        ],
        &settings,
        2,
        &no_tick,
    )
    .unwrap();
    let accepted: Vec<f64> = o
        .candidates
        .iter()
        .filter(|c| c.accepted)
        .map(|c| c.objective)
        .collect();
    assert!(accepted.windows(2).all(|w| w[1] > w[0]), "{accepted:?}");
    let best = o
        .candidates
        .iter()
        .map(|c| c.objective)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(o.objective, best);
    assert!(o
        .candidates
        .iter()
        .any(|c| c.levels == o.levels && c.objective == best));
    assert_eq!(o.rates, o.levels.map(|l| l as f64 * 0.05));
    // No bracket that incomes never reach was moved.
    for &b in &o.unreached_brackets {
        assert!(o
            .candidates
            .iter()
            .all(|c| c.levels[b] == o.candidates[0].levels[b] || c.levels[b] == 0));
    }
}

#[test]
fn impossible_settings_and_schedules_are_refused() {
    assert!(Game::new(
        &cfg(),
        RngKind::Fast,
        Schedule::Levels([21, 0, 0, 0, 0, 0, 0])
    )
    .is_err());
    let game = Game::new(&cfg(), RngKind::Fast, Schedule::FreeMarket).unwrap();
    let profile = vec![Strategy::default(); 3];
    let err = game.play(&profile, 1).unwrap_err().to_string();
    assert!(err.contains("3 strategies for 4 agents"), "{err}");
    let bad = vec![Strategy([f64::NAN; STRATEGY_PARAMS]); 4];
    assert!(game
        .play(&bad, 1)
        .unwrap_err()
        .to_string()
        .contains("non-finite"));
    let search = SearchSettings {
        sigma: 0.0,
        ..SearchSettings::default()
    };
    let ok = vec![Strategy::default(); 4];
    assert!(best_response(&game, &ok, 0, &search, 1, &no_tick)
        .unwrap_err()
        .to_string()
        .contains("sigma"));
    assert!(exploitability(&game, &ok, &SearchSettings::default(), 1, 1, &no_tick).is_err());
}
