//! `walras examples`: the core's canonical economies against their closed-form answers.

use anyhow::{ensure, Context, Result};
use serde::Serialize;
use serde_json::json;
use walras_core::fixtures::{symmetric_nash_tariff, ArmingtonTariffGame, Cournot, ExchangeEconomy};
use walras_core::{
    cooperate, players_from_blocks, solve, Aggregation, BestResponse, Criterion, Equilibrium,
    NashOutcome, PolicyOptimizer, SolverOptions,
};
use walras_data::{write_json, write_table, RunManifest, Table};
use walras_plot::{bar_chart, line_chart, BarChart, LineChart, Series, Theme};

use crate::args::{CommonArgs, ExamplesArgs};
use crate::output::{num, print, TextTable};
use crate::progress::{Progress, RoundSpinner};

/// Cournot demand P = 10 - Q.
const COURNOT_INTERCEPT: f64 = 10.0;
const COURNOT_SLOPE: f64 = 1.0;

/// One computed quantity next to its independent reference.
#[derive(Debug, Serialize)]
struct Row {
    economy: &'static str,
    quantity: String,
    unit: &'static str,
    walras: f64,
    reference: Option<f64>,
    abs_error: Option<f64>,
}

impl Row {
    fn new(
        economy: &'static str,
        quantity: impl Into<String>,
        unit: &'static str,
        walras: f64,
        reference: Option<f64>,
    ) -> Self {
        Row {
            economy,
            quantity: quantity.into(),
            unit,
            walras,
            reference,
            abs_error: reference.map(|r| (walras - r).abs()),
        }
    }
}

/// The Armington game's documented range: beyond it trade all but vanishes (tau^theta above
/// e^5), goods are near-perfect substitutes or welfare barely responds to tariffs (theta near
/// 0); the tariff game is flat and its solvers are not verified.
const MIN_THETA: f64 = 1e-6;
const MAX_THETA: f64 = 10.0;
const MAX_THETA_LN_TAU: f64 = 5.0;

fn validate(args: &ExamplesArgs) -> Result<()> {
    ensure!(
        (MIN_THETA..=MAX_THETA).contains(&args.theta),
        "--theta must lie in [{MIN_THETA:e}, {MAX_THETA}], got {}",
        args.theta
    );
    ensure!(
        args.tau.is_finite() && args.tau >= 1.0,
        "--tau must be a finite number >= 1, got {}",
        args.tau
    );
    ensure!(
        args.theta * args.tau.ln() <= MAX_THETA_LN_TAU,
        "--theta {} with --tau {}: theta ln(tau) = {:.3} must be at most {MAX_THETA_LN_TAU} \
         (tau^theta above e^5: trade all but vanishes and the tariff game is flat)",
        args.theta,
        args.tau,
        args.theta * args.tau.ln()
    );
    ensure!(
        !args.cournot_costs.is_empty(),
        "--cournot-costs needs at least one cost"
    );
    Ok(())
}

pub fn run(common: &CommonArgs, args: &ExamplesArgs, command_line: Vec<String>) -> Result<()> {
    validate(args)?;
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    manifest.set_parameters(&json!({
        "armington": {"theta": args.theta, "tau": args.tau},
        "cournot": {"intercept": COURNOT_INTERCEPT, "slope": COURNOT_SLOPE, "costs": args.cournot_costs},
        "exchange": {"alpha": ExchangeEconomy::default().alpha, "endowment": ExchangeEconomy::default().endowment},
    }))?;
    let inner = SolverOptions::default();
    let optimizer = PolicyOptimizer::new();
    let mut rows = Vec::new();

    // Two-good Cobb-Douglas exchange economy.
    let exchange = ExchangeEconomy::default();
    let sol = solve(&exchange, &[0.0], None, &inner).context("exchange economy: equilibrium")?;
    manifest.add_report("exchange equilibrium", &sol.report)?;
    rows.push(Row::new(
        "exchange",
        "price of good 2",
        "good 1 per unit",
        sol.x[0].exp(),
        Some(exchange.closed_form_price(0.0)),
    ));
    let planner = optimizer
        .maximize(&exchange, &Criterion::utilitarian(2), &[0.0], None, None)
        .context("exchange economy: utilitarian planner")?;
    manifest.add_report("exchange planner", &planner.report)?;
    rows.push(Row::new(
        "exchange",
        "utilitarian transfer of good 1",
        "units",
        planner.policy[0],
        Some(exchange.closed_form_planner_transfer()),
    ));

    // Cournot oligopoly.
    let cournot = Cournot::new(COURNOT_INTERCEPT, COURNOT_SLOPE, args.cournot_costs.clone()).with_context(|| format!("--cournot-costs: the example market has demand P = {COURNOT_INTERCEPT} - {COURNOT_SLOPE} Q"))?;
    let want = cournot.nash_quantities();
    if let Some((i, q)) = want.iter().enumerate().find(|(_, q)| **q <= 0.0) {
        anyhow::bail!(
            "--cournot-costs: firm {} (cost {}) would produce {q:.3} in the closed-form Nash equilibrium; choose costs so that every firm produces",
            i + 1,
            args.cournot_costs[i]
        );
    }
    let firms = players_from_blocks(cournot.policy_space());
    let progress = Progress::spinner("Cournot best responses", common.quiet);
    let nash_c = BestResponse::new()
        .with_update_order(walras_core::UpdateOrder::GaussSeidel)
        .with_observer(std::sync::Arc::new(RoundSpinner(progress.clone())))
        .solve(&cournot, &firms, &vec![0.0; firms.len()], |_| {})
        .context("Cournot Nash equilibrium")?;
    progress.finish();
    for (i, (q, w)) in nash_c.policy.iter().zip(&want).enumerate() {
        rows.push(Row::new(
            "cournot",
            format!("Nash quantity, firm {}", i + 1),
            "units",
            *q,
            Some(*w),
        ));
    }

    // Symmetric two-country Armington tariff game.
    let game = ArmingtonTariffGame::symmetric(args.theta, args.tau);
    let countries = players_from_blocks(game.policy_space());
    let progress = Progress::spinner("tariff war", common.quiet);
    let nash = BestResponse::new()
        .with_observer(std::sync::Arc::new(RoundSpinner(progress.clone())))
        .solve(&game, &countries, &[0.0, 0.0], |_| {})
        .context("Armington Nash tariffs")?;
    progress.finish();
    let formula = symmetric_nash_tariff(args.theta, args.tau);
    for (c, t) in countries.iter().zip(&nash.policy) {
        rows.push(Row::new(
            "armington",
            format!("Nash tariff, {}", c.name),
            "fraction",
            *t,
            Some(formula),
        ));
    }
    let coop = cooperate(
        &game,
        &countries,
        &[1.0, 1.0],
        Aggregation::WeightedSum,
        &nash.policy,
        &optimizer,
    )
    .context("Armington cooperative optimum")?;
    manifest.add_report("armington cooperation", &coop.report)?;
    rows.push(Row::new(
        "armington",
        "cooperative tariff, Home",
        "fraction",
        coop.policy[0],
        Some(0.0),
    ));
    let free_trade = solve(&game, &[0.0, 0.0], None, &inner)?;
    let welfare_free: Vec<f64> = (0..2)
        .map(|k| {
            walras_core::autodiff::objective_values(&game, &[k], &free_trade.x, &[0.0, 0.0])[0]
        })
        .collect();
    let welfare_change_pct: Vec<f64> = nash
        .welfare
        .iter()
        .zip(&welfare_free)
        .map(|(n, f)| 100.0 * ((n - f).exp() - 1.0))
        .collect();
    for (c, w) in countries.iter().zip(&welfare_change_pct) {
        rows.push(Row::new(
            "armington",
            format!("real income change, war vs free trade, {}", c.name),
            "percent",
            *w,
            None,
        ));
    }

    let max_abs_error = rows.iter().filter_map(|r| r.abs_error).fold(0.0, f64::max);
    let json = json!({
        "rows": rows,
        "max_abs_error": max_abs_error,
        "armington": {
            "theta": args.theta, "tau": args.tau,
            "nash_tariff": nash.policy, "nash_tariff_formula": formula,
            "rounds": nash.rounds, "converged": nash.converged, "inner_solves": nash.inner_solves,
            "welfare_change_pct": welfare_change_pct,
        },
        "cournot": {"nash_quantity": nash_c.policy, "rounds": nash_c.rounds},
    });
    let table = TextTable {
        headers: [
            "economy",
            "quantity",
            "unit",
            "walras",
            "reference",
            "abs_error",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.economy.into(),
                    r.quantity.clone(),
                    r.unit.into(),
                    num(Some(r.walras)),
                    num(r.reference),
                    num(r.abs_error),
                ]
            })
            .collect(),
    };
    if common.verbose > 0 {
        eprintln!("exchange equilibrium: {:?}", sol.report);
        eprintln!(
            "Armington Nash: {} rounds, {} inner solves, {:.3} ms",
            nash.rounds,
            nash.inner_solves,
            nash.wall_time.as_secs_f64() * 1e3
        );
    }
    if let Some(dir) = &common.out {
        write_outputs(dir, &rows, &json, &nash, &welfare_change_pct, &mut manifest)?;
    }
    let preface = format!(
        "Canonical economies: Walras vs closed-form references (max abs error {max_abs_error:.1e}); Armington Nash in {} rounds.",
        nash.rounds
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}

fn write_outputs(
    dir: &std::path::Path,
    rows: &[Row],
    json: &serde_json::Value,
    nash: &NashOutcome,
    welfare_change_pct: &[f64],
    manifest: &mut RunManifest,
) -> Result<()> {
    let table = Table::new()
        .with_str(
            "economy",
            rows.iter().map(|r| r.economy.to_string()).collect(),
        )?
        .with_str(
            "quantity",
            rows.iter().map(|r| r.quantity.clone()).collect(),
        )?
        .with_str("unit", rows.iter().map(|r| r.unit.to_string()).collect())?
        .with_f64("walras", rows.iter().map(|r| r.walras).collect())?
        .with_f64(
            "reference",
            rows.iter()
                .map(|r| r.reference.unwrap_or(f64::NAN))
                .collect(),
        )?
        .with_f64(
            "abs_error",
            rows.iter()
                .map(|r| r.abs_error.unwrap_or(f64::NAN))
                .collect(),
        )?;
    let mut written = vec![dir.join("examples.csv"), dir.join("examples.json")];
    write_table(&written[0], &table)?;
    write_json(&written[1], json)?;
    let theme = Theme::paper();
    let rounds: Vec<f64> = nash.history.iter().map(|r| r.round as f64).collect();
    let floor = |v: f64| v.max(1e-16);
    let convergence = LineChart {
        title: "Armington tariff war: best-response convergence".into(),
        x_label: "round".into(),
        y_label: "norm (log scale)".into(),
        series: vec![
            Series {
                label: "max tariff change".into(),
                x: rounds.clone(),
                y: nash
                    .history
                    .iter()
                    .map(|r| floor(r.max_policy_change))
                    .collect(),
            },
            Series {
                label: "max projected gradient".into(),
                x: rounds,
                y: nash
                    .history
                    .iter()
                    .map(|r| floor(r.max_projected_gradient()))
                    .collect(),
            },
        ],
        log_x: false,
        log_y: true,
    };
    let welfare = BarChart {
        title: "Armington tariff war: real income vs free trade".into(),
        x_label: "country".into(),
        y_label: "real income change (%)".into(),
        categories: nash.players.clone(),
        groups: vec![("Nash tariffs".into(), welfare_change_pct.to_vec())],
    };
    for ext in ["svg", "png"] {
        let path = dir.join(format!("armington_convergence.{ext}"));
        line_chart(&path, &convergence, &theme)?;
        written.push(path);
        let path = dir.join(format!("armington_welfare.{ext}"));
        bar_chart(&path, &welfare, &theme)?;
        written.push(path);
    }
    for path in &written {
        manifest.add_output(path);
    }
    manifest.finish_and_write(dir)?;
    Ok(())
}
