//! The planner's optimal brackets for a skill population (`walras tax optimize`).

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{NoObserver, Observer};
use walras_data::tax::IncomeUnit;
use walras_data::{SkillSource, TaxPopulation};
use walras_plot::LineChart;
use walras_tax::{quantile_cutoffs, LaborSupply, Swf, TaxEconomy, TaxOptimum, Utility};

use super::figures::{rate_steps, unit_words};
use super::inputs::{check_income_scale, cutoffs, income_units, population};
use super::tables::{agents_table, bracket_csv};
use super::{finite, null_reasons, optimizer_status};
use crate::argument::ensure;
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// What `walras tax optimize` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct OptimizeRequest {
    /// Skills: a parametric distribution, `aie:...`, `cps` or an income file.
    pub skills: String,
    /// Labour elasticity e in [0.001, 10] (quasi-linear utility).
    pub elasticity: f64,
    /// Social welfare function.
    pub swf: String,
    /// Number of brackets with cutoffs at laissez-faire income quantiles (without `cutoffs`).
    pub brackets: usize,
    /// Explicit cutoffs: aie-us-federal, us-federal-2018 or a file.
    pub cutoffs: Option<String>,
    /// Agents drawn from a parametric distribution.
    pub agents: usize,
    /// Let the planner choose the cutoffs too.
    pub optimize_cutoffs: bool,
    /// Highest allowed marginal rate, in (0, 1].
    pub rate_max: f64,
    /// Agents' utility: ql, coin-minus-labor:.., isoelastic:...
    pub utility: String,
    /// Whole hours MIN, MAX instead of continuous labour.
    pub hours: Option<(u32, u32)>,
    /// Unit of the incomes in an income file.
    pub income_units: Option<String>,
    /// Sees the optimiser's iterations and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for OptimizeRequest {
    fn default() -> Self {
        OptimizeRequest {
            skills: "pareto:alpha=4,min=1".into(),
            elasticity: 1.0,
            swf: "inverse-income".into(),
            brackets: 7,
            cutoffs: None,
            agents: 10_000,
            optimize_cutoffs: false,
            rate_max: 0.99,
            utility: "ql".into(),
            hours: None,
            income_units: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// The optimal brackets in equilibrium.
pub struct OptimumRun {
    /// The optimum, its evaluation and the optimiser's report.
    pub optimum: TaxOptimum,
    /// The economy it is the optimum of.
    pub economy: TaxEconomy,
    /// The skills, in words.
    pub skills: String,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs, parameters, reports and warnings.
    pub provenance: Provenance,
}

/// The planner's optimal bracket rates (and cutoffs, if asked) for `request`.
pub fn optimize(request: &OptimizeRequest) -> Result<OptimumRun> {
    let r = request;
    let swf: Swf = r
        .swf
        .parse()
        .map_err(|e| ArgumentError::from_error("swf", &e))?;
    let utility = Utility::parse(&r.utility, r.elasticity).context("--utility / --elasticity")?;
    let data_skills = SkillSource::parse(&r.skills)
        .map(|s| s.is_earnings_data())
        .unwrap_or(false);
    ensure(
        !data_skills || matches!(utility, Utility::QuasiLinear { .. }),
        "skills",
        || {
            format!("{}: skills are inferred from earnings with the quasi-linear first-order condition; use --utility ql", r.skills)
        },
    )?;
    let labor = match r.hours {
        None => LaborSupply::Continuous,
        Some((min, max)) => LaborSupply::IntegerHours { min, max },
    };
    ensure(r.rate_max > 0.0 && r.rate_max <= 1.0, "rate-max", || {
        format!("must lie in (0, 1], got {}", r.rate_max)
    })?;
    let mut provenance = Provenance::default();
    let cutoff_set = match &r.cutoffs {
        Some(spec) => Some(cutoffs(spec, &mut provenance.inputs)?),
        None => None,
    };
    let units = income_units(
        r.income_units.as_deref(),
        matches!(SkillSource::parse(&r.skills), Ok(SkillSource::Cps)),
        cutoff_set.as_ref().and_then(|c| c.unit),
    )?;
    let loaded = population(
        &r.skills,
        r.agents,
        r.elasticity,
        units,
        &mut provenance.inputs,
    )?;
    if let (Some(set), Some(e)) = (&cutoff_set, &loaded.earnings) {
        check_income_scale(
            (&e.source, &e.incomes, e.weights.as_deref()),
            set,
            units,
            r.income_units.as_deref(),
            &mut provenance.warnings,
        )?;
    }
    let TaxPopulation {
        population: pop,
        description: skills,
        ..
    } = loaded;
    let cutoffs = match &cutoff_set {
        Some(set) => set.cutoffs.clone(),
        None => {
            ensure(r.brackets >= 1, "brackets", || "must be at least 1".into())?;
            quantile_cutoffs(&pop, &utility, r.brackets)?
        }
    };
    let economy = TaxEconomy::new(pop, utility, swf, cutoffs.clone())?
        .with_rate_bounds(0.0, r.rate_max)?
        .with_optimized_cutoffs(r.optimize_cutoffs)?
        .with_labor(labor)
        .context("--hours")?;
    // Skills on a distribution's quantile grid: its parameters can be varied (sensitivity).
    let economy = match SkillSource::parse(&r.skills) {
        Ok(SkillSource::Distribution(d)) => economy.with_skill_distribution(d)?,
        _ => economy,
    };
    let start = economy.policy_from_rates(&vec![0.2_f64.min(r.rate_max); cutoffs.len()]);
    provenance.parameters = json!({"skills": r.skills, "elasticity": r.elasticity, "utility": utility, "labor": labor, "swf": r.swf, "cutoffs": cutoffs, "optimize_cutoffs": r.optimize_cutoffs, "rate_max": r.rate_max, "agents": r.agents});
    let optimum = economy
        .optimize_checked(
            &start,
            &economy.optimizer().with_observer(r.observer.clone()),
        )
        .context("optimal brackets")?;
    let status = optimizer_status(&optimum, &mut provenance.warnings);
    let (best, report) = (&optimum.evaluation, &optimum.report);
    provenance
        .reports
        .push(("optimizer".into(), serde_json::to_value(report)?));
    provenance
        .reports
        .push(("equilibrium".into(), serde_json::to_value(&best.report)?));
    let model_units = cutoff_set
        .as_ref()
        .map_or(Some(units.model.name()), |c| c.unit.map(IncomeUnit::name));
    let json = json!({
        "cutoffs": best.cutoffs,
        "rates": best.rates,
        "transfer": finite(best.transfer),
        "swf": finite(best.swf),
        "swf_name": r.swf,
        "gini": finite(best.gini),
        "equality": finite(best.equality),
        "productivity": finite(best.productivity),
        "equality_times_productivity": finite(best.equality_times_productivity),
        "bunched_share": finite(best.bunched_share),
        "null_reasons": null_reasons(best),
        "skills": skills,
        "agents": economy.population().len(),
        "elasticity": r.elasticity,
        "income_units": units.data.name(),
        "model_units": model_units,
        "iterations": report.iterations,
        "projected_gradient_norm": finite(report.projected_gradient_norm),
        "inner_solves": report.inner_solves,
        "wall_time_s": report.wall_time.as_secs_f64(),
        "converged": status["converged"],
        "stop_reason": status["stop_reason"],
        "termination": status["termination"],
    });
    let top = 1.5 * best.cutoffs.last().copied().unwrap_or(1.0).max(1e-9);
    let chart = LineChart {
        title: format!("Optimal marginal rates ({})", r.swf),
        x_label: format!("income ({})", unit_words(model_units.unwrap_or(""))),
        y_label: "marginal tax rate".into(),
        series: vec![rate_steps("optimal", &best.cutoffs, &best.rates, top)],
        log_x: false,
        log_y: false,
    };
    let unit = unit_words(model_units.unwrap_or(""));
    let tables = vec![
        NamedTable::new(
            "optimal_rates.csv",
            bracket_csv(&best.cutoffs, &best.rates)?,
        )
        .caption(&format!("Optimal bracket rates ({}; {skills})", r.swf))
        .unit("lower", unit)
        .unit("upper", unit)
        .unit("rate", "fraction"),
        NamedTable::new("agents.csv", agents_table(best)?),
    ];
    Ok(OptimumRun {
        skills,
        output: Output {
            json_name: "optimal.json",
            json,
            tables,
            figures: vec![("optimal_rates".into(), Figure::Line(chart))],
        },
        optimum,
        economy,
        provenance,
    })
}
