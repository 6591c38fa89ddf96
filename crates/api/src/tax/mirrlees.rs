//! The optimal nonlinear (Mirrlees) schedule (`walras tax mirrlees`).

use anyhow::{Context, Result};
use serde_json::json;
use walras_data::Table;
use walras_plot::{LineChart, Series};
use walras_tax::{solve_mirrlees, MirrleesOptions, MirrleesSchedule, SkillDistribution, Swf};

use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// What `walras tax mirrlees` computes; the defaults are the command line's.
#[derive(Clone, Debug)]
pub struct MirrleesRequest {
    /// Skill distribution (parametric).
    pub skills: String,
    /// Quantiles at which the skill distribution is truncated: (low, high).
    pub truncate: (f64, f64),
    /// Labour elasticity e in [0.001, 10].
    pub elasticity: f64,
    /// Social welfare function.
    pub swf: String,
    /// Number of skill grid points.
    pub grid: usize,
}

impl Default for MirrleesRequest {
    fn default() -> Self {
        MirrleesRequest {
            skills: "lognormal:mu=0,sigma=0.5".into(),
            truncate: (0.001, 0.999),
            elasticity: 0.5,
            swf: "log".into(),
            grid: 400,
        }
    }
}

/// The optimal schedule on a skill grid.
pub struct MirrleesRun {
    /// The schedule.
    pub schedule: MirrleesSchedule,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Parameters.
    pub provenance: Provenance,
}

/// The optimal nonlinear income tax for `request`.
pub fn mirrlees(request: &MirrleesRequest) -> Result<MirrleesRun> {
    let r = request;
    let dist: SkillDistribution = r
        .skills
        .parse()
        .map_err(|e| ArgumentError::from_error("skills", &e))?;
    let swf: Swf = r
        .swf
        .parse()
        .map_err(|e| ArgumentError::from_error("swf", &e))?;
    let options = MirrleesOptions {
        grid: r.grid,
        truncate: r.truncate,
        ..MirrleesOptions::default()
    };
    let provenance = Provenance {
        parameters: json!({"skills": r.skills, "truncate": [r.truncate.0, r.truncate.1], "elasticity": r.elasticity, "swf": r.swf, "grid": r.grid}),
        ..Provenance::default()
    };
    let s = solve_mirrlees(&dist, r.elasticity, &swf, &options).context("Mirrlees schedule")?;
    let json = serde_json::to_value(&s)?;
    let full = Table::new()
        .with_f64("skill", s.skill.clone())?
        .with_f64("income", s.income.clone())?
        .with_f64("marginal_rate", s.marginal_rate.clone())?
        .with_f64("tax", s.tax.clone())?
        .with_f64("consumption", s.consumption.clone())?
        .with_f64("utility", s.utility.clone())?;
    let chart = LineChart {
        title: format!("Optimal nonlinear marginal rates ({}, {})", r.swf, r.skills),
        x_label: "skill (model units)".into(),
        y_label: "marginal tax rate".into(),
        series: vec![Series::new(
            "Mirrlees optimum",
            s.skill.clone(),
            s.marginal_rate.clone(),
        )],
        log_x: false,
        log_y: false,
    };
    Ok(MirrleesRun {
        output: Output {
            json_name: "mirrlees.json",
            json,
            tables: vec![NamedTable::new("mirrlees.csv", full)],
            figures: vec![("mirrlees_rates".into(), Figure::Line(chart))],
        },
        schedule: s,
        provenance,
    })
}
