//! `walras automation sensitivity` and `walras automation uncertainty`: how sure the planner's
//! subsidies are.

use std::sync::Arc;

use anyhow::{Context, Result};
use walras_api::automation::{
    sensitivity as planner_sensitivity, uncertainty as planner_uncertainty, PlannerRequest,
    SensitivityRequest, UncertaintyRequest, SENSITIVITY_TOLERANCE,
};
use walras_data::RunManifest;

use super::automation::{finish, source};
use super::tax_statics::{cell, draw_source};
use crate::args::{AutomationSensitivityArgs, AutomationUncertaintyArgs, CommonArgs};
use crate::output::{print, print_policy_bands, TextTable};
use crate::progress::Progress;

/// The request the flags describe, reporting each re-solve to `on_solve`.
fn request(
    args: &AutomationSensitivityArgs,
    on_solve: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> SensitivityRequest {
    let p = &args.planner;
    SensitivityRequest {
        planner: PlannerRequest {
            source: source(&p.scenario),
            discount: p.discount,
            eta: p.eta,
            horizon: p.horizon,
            grid: p.grid,
            tolerance: p.tolerance.unwrap_or(SENSITIVITY_TOLERANCE),
            ..PlannerRequest::default()
        },
        parameters: (!args.parameters.is_empty()).then(|| args.parameters.clone()),
        step: args.step,
        on_solve,
    }
}

/// The planner's subsidies and welfare, differentiated in the scenario's parameters.
pub(super) fn sensitivity(
    common: &CommonArgs,
    args: &AutomationSensitivityArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let spinner = Progress::spinner("planner and its re-solves", common.quiet);
    let shown = spinner.clone();
    let run = planner_sensitivity(&request(
        args,
        Arc::new(move |k, n| shown.message(format!("re-solved planner {k} of {n}"))),
    ));
    spinner.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let j = &run.output.json;
    let s = &run.sensitivity;
    let mut headers = vec!["outcome".to_string(), "value".to_string()];
    headers.extend(s.parameters.iter().map(|p| format!("d/d {p}")));
    let mut rows: Vec<Vec<String>> = (0..s.objectives.len())
        .map(|o| {
            let mut row = vec![
                s.objectives[o].clone(),
                format!("{:.4}", s.objective_values[o]),
            ];
            row.extend((0..s.parameters.len()).map(|k| cell(&j["welfare_jacobian"][o][k])));
            row
        })
        .collect();
    rows.extend((0..s.policies.len()).map(|i| {
        let mut row = vec![s.policies[i].clone(), format!("{:.4}", s.policy_values[i])];
        row.extend((0..s.parameters.len()).map(|k| cell(&j["jacobian"][i][k])));
        row
    }));
    let envelope: Vec<String> = j["envelope"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{} {:.2e}",
                e["parameter"].as_str().unwrap_or(""),
                e["relative_gap"].as_f64().unwrap_or(f64::NAN)
            )
        })
        .collect();
    let preface = format!(
        "Planner for {}: {} re-solves; subsidies per unit of AI output (final good), welfare in utility, gap in %; envelope-theorem check of d(planner welfare): {}",
        run.run.scenario,
        j["re_solves"],
        if envelope.is_empty() {
            "no closed-form parameter chosen".to_string()
        } else {
            envelope.join(", ")
        }
    );
    print(common.format, &TextTable { headers, rows }, j, &preface).context("writing to stdout")
}

/// Bands around the planner's subsidies and welfare from the parameters' uncertainty.
pub(super) fn uncertainty(
    common: &CommonArgs,
    args: &AutomationUncertaintyArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let d = &args.source;
    let spinner = Progress::spinner("planner and its re-solves", common.quiet);
    let (shown, drawn) = (spinner.clone(), spinner.clone());
    let run = planner_uncertainty(&UncertaintyRequest {
        sensitivity: request(
            &args.sensitivity,
            Arc::new(move |k, n| shown.message(format!("re-solved planner {k} of {n}"))),
        ),
        draws: d.draws,
        seed: d.seed,
        source: draw_source(d),
        on_draw: Arc::new(move |k, n| drawn.message(format!("re-solved draw {k} of {n}"))),
    });
    spinner.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    print_policy_bands(
        common.format,
        &run.output.json,
        ("planner", "re-solved"),
        ("Planner's subsidies", "largest subsidy gap"),
    )
    .context("writing to stdout")
}
