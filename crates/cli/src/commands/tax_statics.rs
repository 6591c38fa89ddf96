//! `walras tax sensitivity` and `walras tax uncertainty`: how sure the optimal brackets are.

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::Value;
use walras_api::tax::{
    sensitivity as bracket_sensitivity, uncertainty as bracket_uncertainty, ParameterSource,
    SensitivityRequest, UncertaintyRequest,
};
use walras_data::RunManifest;

use super::tax::{finish, optimize_request};
use crate::args::{CommonArgs, OptimizeArgs, ParameterDrawArgs, TaxUncertaintyArgs};
use crate::output::{print, print_policy_bands, TextTable};
use crate::progress::{EngineWatch, Progress};

/// The parameter source the draw flags name (clap requires exactly one).
pub(super) fn draw_source(d: &ParameterDrawArgs) -> ParameterSource {
    match (&d.se_rel, &d.covariance, &d.draws_file) {
        (Some(x), _, _) => ParameterSource::RelativeStdErr(*x),
        (_, Some(f), _) => ParameterSource::Covariance(f.clone()),
        (_, _, Some(f)) => ParameterSource::DrawsFile(f.clone()),
        _ => unreachable!("clap requires one source"),
    }
}

/// A number with four decimals, or `-` for null.
pub(super) fn cell(v: &Value) -> String {
    v.as_f64().map_or("-".to_string(), |x| format!("{x:.4}"))
}

/// The optimal brackets and their derivatives in the economy's parameters.
pub(super) fn sensitivity(
    common: &CommonArgs,
    args: &OptimizeArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let spinner = Progress::spinner("optimal brackets and their derivatives", common.quiet);
    let request = optimize_request(args, Arc::new(EngineWatch::new(&spinner, false, true)));
    let run = request.and_then(|optimize| bracket_sensitivity(&SensitivityRequest { optimize }));
    spinner.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let j = &run.output.json;
    let params: Vec<String> = run.sensitivity.parameters.clone();
    let mut headers = vec!["policy".to_string(), "value".to_string()];
    headers.extend(params.iter().map(|p| format!("d/d {p}")));
    let rows = (0..run.sensitivity.policies.len())
        .map(|i| {
            let mut row = vec![
                run.sensitivity.policies[i].clone(),
                format!("{:.4}", run.sensitivity.policy_values[i]),
            ];
            row.extend((0..params.len()).map(|k| cell(&j["jacobian"][i][k])));
            row
        })
        .collect();
    let preface = format!(
        "Optimal brackets ({}): SWF {:.6}; dSWF*/d({}) = {}; condition number {:.2e}",
        args.swf,
        run.sensitivity.welfare,
        params.join(", "),
        j["welfare_jacobian"]
            .as_array()
            .map(|v| v.iter().map(cell).collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        run.sensitivity.condition_number,
    );
    print(common.format, &TextTable { headers, rows }, j, &preface).context("writing to stdout")
}

/// Bands around the optimal brackets from the parameters' uncertainty.
pub(super) fn uncertainty(
    common: &CommonArgs,
    args: &TaxUncertaintyArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let d = &args.source;
    let source = draw_source(d);
    let spinner = Progress::spinner("optimal brackets and their derivatives", common.quiet);
    let shown = spinner.clone();
    let request = optimize_request(
        &args.optimize,
        Arc::new(EngineWatch::new(&spinner, false, true)),
    );
    let run = request.and_then(|optimize| {
        bracket_uncertainty(&UncertaintyRequest {
            sensitivity: SensitivityRequest { optimize },
            draws: d.draws,
            seed: d.seed,
            source,
            on_draw: Arc::new(move |k, n| shown.message(format!("re-optimised draw {k} of {n}"))),
        })
    });
    spinner.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    print_policy_bands(
        common.format,
        &run.output.json,
        ("optimum", "re-optimised"),
        ("Optimal brackets", "largest rate gap"),
    )
    .context("writing to stdout")
}
