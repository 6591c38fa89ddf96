//! Bands around the Nash war (`walras trade uncertainty`): elasticities drawn from their
//! uncertainty, each draw's war re-solved from the first-order prediction p* + J dtheta
//! (predictor-corrector), beside the delta-method bands J Sigma J'.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use nalgebra::DMatrix;
use rayon::prelude::*;
use serde_json::{json, Value};
use walras_core::uncertainty::{delta_std, normal_draws, quantile, Z90};
use walras_core::{Equilibrium, SolverOptions};
use walras_data::{read_covariance, read_draws, DeficitTreatment, Table};
use walras_plot::{ScatterChart, Series};
use walras_trade::{nash_with, Baseline, NashMethod, ResponseDynamics, TradeModel, THETA_RANGE};

use super::economy::Economy;
use super::sensitivity::{sensitivity, SensitivityRequest};
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// Where the parameter draws come from.
#[derive(Clone, Debug)]
pub enum ParameterSource {
    /// Independent normal draws with standard error `x` times each parameter.
    RelativeStdErr(f64),
    /// Normal draws with this covariance file (`parameter,<name>,...`); parameters it does
    /// not name stay at their values.
    Covariance(PathBuf),
    /// The draws in this file (one column per parameter named, one row per draw).
    DrawsFile(PathBuf),
    /// The data's elasticity sets (the `elasticity_sets` table), one draw each.
    ElasticitySets,
}

/// `walras trade uncertainty`; the defaults are the command line's.
#[derive(Clone)]
pub struct UncertaintyRequest {
    /// The war and its settings (the exercise must be nash).
    pub sensitivity: SensitivityRequest,
    /// Number of normal draws (ignored for draws files and elasticity sets).
    pub draws: usize,
    /// Seed of the normal draws.
    pub seed: u64,
    /// The parameters' uncertainty.
    pub source: ParameterSource,
    /// Called with (finished, total) after each draw.
    pub on_draw: Arc<dyn Fn(usize, usize) + Send + Sync>,
}

/// One draw: its parameters, the prediction, and the re-solved war (or why it failed).
#[derive(Clone, Debug)]
pub struct Draw {
    /// A name (elasticity set), or the draw's number.
    pub name: String,
    /// The parameters.
    pub parameters: Vec<f64>,
    /// p* + J dtheta (within the bounds).
    pub predicted_policy: Vec<f64>,
    /// W* + dW/dtheta dtheta, percent.
    pub predicted_welfare_pct: Vec<f64>,
    /// The re-solved war's policy and welfare (percent), or the error.
    pub solved: std::result::Result<(Vec<f64>, Vec<f64>), String>,
    /// Wall time of the re-solve (re-basing included).
    pub seconds: f64,
}

/// The bands and every draw.
pub struct UncertaintyRun {
    /// The draws in order.
    pub draws: Vec<Draw>,
    /// JSON record (`uncertainty.json`), tables and a figure.
    pub output: Output,
    /// Inputs, parameters, timings and warnings.
    pub provenance: Provenance,
}

/// Draw the parameters, re-solve the war for each, and summarise.
pub fn uncertainty(eco: &Economy, request: &UncertaintyRequest) -> Result<UncertaintyRun> {
    let r = request;
    if r.sensitivity.exercise != "nash" {
        return Err(ArgumentError::new(
            "exercise",
            format!(
                "uncertainty bands are computed for the Nash war only, got {:?}",
                r.sensitivity.exercise
            ),
        )
        .into());
    }
    let t0 = Instant::now();
    let base = sensitivity(eco, &r.sensitivity)?;
    let cold_s = t0.elapsed().as_secs_f64();
    let s = &base.sensitivity;
    let theta0 = s.parameter_values.clone();
    let q = theta0.len();
    let mut inputs = base.provenance.inputs.clone();
    // The parameters' covariance (for the delta method) and the draws.
    let (covariance, draws, names, label) = match &r.source {
        ParameterSource::RelativeStdErr(x) => {
            if !(x.is_finite() && *x > 0.0) {
                return Err(ArgumentError::new("se-rel", format!("must be > 0, got {x}")).into());
            }
            let cov = DMatrix::from_fn(
                q,
                q,
                |i, k| {
                    if i == k {
                        (x * theta0[i]).powi(2)
                    } else {
                        0.0
                    }
                },
            );
            let draws = normal_draws(&theta0, &cov, check_count(r.draws)?, r.seed)?;
            (
                Some(cov),
                draws,
                None,
                format!("independent normal, standard error {x} x each parameter"),
            )
        }
        ParameterSource::Covariance(path) => {
            inputs.push(path.clone());
            let file = read_covariance(path).context("--covariance")?;
            let index = positions(&file.names, &s.parameters, path)?;
            let n = file.names.len();
            let mut cov = DMatrix::zeros(q, q);
            for (a, &i) in index.iter().enumerate() {
                for (b, &k) in index.iter().enumerate() {
                    cov[(i, k)] = file.values[a * n + b];
                }
            }
            let draws = normal_draws(&theta0, &cov, check_count(r.draws)?, r.seed)
                .with_context(|| format!("--covariance {}", path.display()))?;
            (
                Some(cov),
                draws,
                None,
                format!("normal with the covariance of {}", path.display()),
            )
        }
        ParameterSource::DrawsFile(path) => {
            inputs.push(path.clone());
            let file = read_draws(path).context("--draws-file")?;
            let index = positions(&file.names, &s.parameters, path)?;
            let draws = file
                .rows
                .iter()
                .map(|row| {
                    let mut d = theta0.clone();
                    for (a, &i) in index.iter().enumerate() {
                        d[i] = row[a];
                    }
                    d
                })
                .collect();
            (
                None,
                draws,
                None,
                format!("the draws of {}", path.display()),
            )
        }
        ParameterSource::ElasticitySets => {
            let data = eco_dir(eco)?;
            let (path, sets) = walras_data::trade::read_elasticity_sets(
                &data,
                &eco.baseline
                    .sectors
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>(),
            )?;
            inputs.push(path.clone());
            let nj = eco.baseline.sectors.len();
            let draws = sets
                .iter()
                .map(|(_, thetas)| {
                    let mut d = theta0.clone();
                    d[..nj].copy_from_slice(thetas);
                    d
                })
                .collect();
            let names: Vec<String> = sets.into_iter().map(|(n, _)| n).collect();
            (
                None,
                draws,
                Some(names),
                format!("the elasticity sets of {}", path.display()),
            )
        }
    };
    let n_draws = draws.len();
    let done = AtomicUsize::new(0);
    let t1 = Instant::now();
    let results: Vec<Draw> = draws
        .into_par_iter()
        .enumerate()
        .map(|(d, theta)| {
            let dtheta: Vec<f64> = theta.iter().zip(&theta0).map(|(a, b)| a - b).collect();
            let dt = nalgebra::DVector::from_column_slice(&dtheta);
            let shift = &s.jacobian * &dt;
            let welfare_shift = &s.welfare_jacobian * &dt;
            // The prediction p* + J dtheta, projected onto the bounds.
            let mut full = base.run.result.policy.clone();
            for (k, &i) in s.policy_indices.iter().enumerate() {
                full[i] = s.policy_values[k] + shift[k];
            }
            let full = base.run.model.policy_space().project(&full);
            let predicted_policy = s.policy_indices.iter().map(|&i| full[i]).collect();
            let predicted_welfare_pct = s
                .welfare
                .iter()
                .zip(welfare_shift.iter())
                .map(|(w, dw)| 100.0 * (w + dw - 1.0))
                .collect();
            let t = Instant::now();
            let solved =
                re_solve(eco, &base.run.model, &theta, &full, r).map_err(|e| format!("{e:#}"));
            let seconds = t.elapsed().as_secs_f64();
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            (r.on_draw)(k, n_draws);
            Draw {
                name: names.as_ref().map_or(format!("{d}"), |n| n[d].clone()),
                parameters: theta,
                predicted_policy,
                predicted_welfare_pct,
                solved,
                seconds,
            }
        })
        .collect();
    let draws_s = t1.elapsed().as_secs_f64();
    summarise(base, results, covariance, label, inputs, cold_s, draws_s, r)
}

fn check_count(n: usize) -> Result<usize> {
    if n == 0 || n > 1_000_000 {
        return Err(
            ArgumentError::new("draws", format!("must lie in [1, 1000000], got {n}")).into(),
        );
    }
    Ok(n)
}

/// Where each of a file's parameter names sits among the sensitivity's; an unknown name is an
/// error naming the file and the names it may use.
fn positions(file_names: &[String], parameters: &[String], path: &Path) -> Result<Vec<usize>> {
    file_names
        .iter()
        .map(|name| {
            parameters.iter().position(|p| p == name).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: parameter `{name}` is not a parameter of this economy (its parameters: {})",
                    path.display(),
                    parameters.join(", ")
                )
            })
        })
        .collect()
}

/// The data directory of the economy (elasticity sets live there).
fn eco_dir(eco: &Economy) -> Result<PathBuf> {
    eco.data.clone().ok_or_else(|| {
        ArgumentError::new(
            "elasticity-sets",
            "needs --data (a directory with an elasticity_sets table)",
        )
        .into()
    })
}

/// The war on the data with parameters `theta`, re-based as the economy was, started from
/// `start`: (policy, welfare change in percent).
fn re_solve(
    eco: &Economy,
    model: &TradeModel,
    theta: &[f64],
    start: &[f64],
    r: &UncertaintyRequest,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut data: Baseline = (*eco.calibrated).clone();
    let nj = data.sectors.len();
    for (k, &v) in theta.iter().enumerate() {
        let (kind, sector) = if k < nj {
            ("theta", k)
        } else {
            ("psi", k - nj)
        };
        let ok = if kind == "theta" {
            (THETA_RANGE.0..=THETA_RANGE.1).contains(&v)
        } else {
            v.is_finite() && v >= 0.0
        };
        if !ok {
            anyhow::bail!(
                "{kind}:{} = {v} is outside the model's range",
                data.sectors[sector].name
            );
        }
        if kind == "theta" {
            data.sectors[sector].theta = v;
        } else {
            data.sectors[sector].psi = v;
        }
    }
    let inner: SolverOptions = eco.inner;
    let rebased = match eco.deficits {
        DeficitTreatment::Purge => data.purge(&inner)?,
        DeficitTreatment::Keep => data.settle(&inner)?,
    };
    let m = TradeModel::new(Arc::new(rebased), model.policy_map().set)?;
    let (res, ..) = nash_with(
        &m,
        NashMethod::Auto,
        r.sensitivity.nash.tol,
        start,
        inner,
        ResponseDynamics::default(),
        |_| {},
    )?;
    Ok((res.policy, res.outcome.welfare_change_pct))
}

/// Bands (delta method and Monte Carlo), distances between prediction and re-solve, tables.
#[allow(clippy::too_many_arguments)]
fn summarise(
    base: super::sensitivity::SensitivityRun,
    draws: Vec<Draw>,
    covariance: Option<DMatrix<f64>>,
    label: String,
    inputs: Vec<PathBuf>,
    cold_s: f64,
    draws_s: f64,
    r: &UncertaintyRequest,
) -> Result<UncertaintyRun> {
    let s = &base.sensitivity;
    let rows = &s.policy_indices;
    let ok: Vec<&Draw> = draws.iter().filter(|d| d.solved.is_ok()).collect();
    let failed = draws.len() - ok.len();
    fn solved(d: &Draw) -> &(Vec<f64>, Vec<f64>) {
        d.solved.as_ref().expect("only converged draws")
    }
    let delta_p = covariance.as_ref().map(|c| delta_std(&s.jacobian, c));
    let delta_w = covariance
        .as_ref()
        .map(|c| delta_std(&(&s.welfare_jacobian * 100.0), c));
    let band = |values: Vec<f64>| {
        json!({"p05": quantile(&values, 0.05), "median": quantile(&values, 0.5), "p95": quantile(&values, 0.95),
               "mean": values.iter().sum::<f64>() / values.len().max(1) as f64})
    };
    let policies: Vec<Value> = s
        .policies
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values: Vec<f64> = ok.iter().map(|d| solved(d).0[rows[i]]).collect();
            let sd = delta_p.as_ref().map(|v| v[i]);
            json!({"policy": name, "value": s.policy_values[i],
                   "delta_std": sd, "delta_p05": sd.map(|sd| s.policy_values[i] - Z90 * sd),
                   "delta_p95": sd.map(|sd| s.policy_values[i] + Z90 * sd),
                   "monte_carlo": band(values)})
        })
        .collect();
    let welfare: Vec<Value> = s
        .countries
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let w = 100.0 * (s.welfare[n] - 1.0);
            let values: Vec<f64> = ok.iter().map(|d| solved(d).1[n]).collect();
            let sd = delta_w.as_ref().map(|v| v[n]);
            json!({"country": c, "welfare_change_pct": w,
                   "delta_std": sd, "delta_p05": sd.map(|sd| w - Z90 * sd),
                   "delta_p95": sd.map(|sd| w + Z90 * sd),
                   "monte_carlo": band(values)})
        })
        .collect();
    // Prediction against re-solve, per draw.
    let distance = |d: &Draw| -> (f64, f64) {
        let (p, w) = solved(d);
        let dp = rows
            .iter()
            .zip(&d.predicted_policy)
            .map(|(&i, q)| (p[i] - q).abs())
            .fold(0.0, f64::max);
        let dw = w
            .iter()
            .zip(&d.predicted_welfare_pct)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        (dp, dw)
    };
    let records: Vec<Value> = draws
        .iter()
        .map(|d| match &d.solved {
            Ok((_, w)) => {
                let (dp, dw) = distance(d);
                json!({"draw": d.name, "converged": true, "prediction_distance": dp,
                       "welfare_prediction_distance_pp": dw, "wall_time_s": d.seconds,
                       "welfare_change_pct": w, "predicted_welfare_change_pct": d.predicted_welfare_pct})
            }
            Err(e) => json!({"draw": d.name, "converged": false, "error": e, "wall_time_s": d.seconds}),
        })
        .collect();
    let distances: Vec<f64> = ok.iter().map(|d| distance(d).0).collect();
    let mean_draw_s = draws.iter().map(|d| d.seconds).sum::<f64>() / draws.len().max(1) as f64;
    let mut warnings = base.provenance.warnings.clone();
    if failed > 0 {
        warnings.push(format!(
            "{failed} of {} draws did not give an equilibrium (see `draw_records`); the Monte Carlo bands use the {} that did",
            draws.len(),
            ok.len()
        ));
    }
    let json = json!({
        "exercise": "nash",
        "source": label,
        "seed": r.seed,
        "draws": draws.len(),
        "converged_draws": ok.len(),
        "failed_draws": failed,
        "parameters": s.parameters,
        "parameter_values": s.parameter_values,
        "policies": policies,
        "welfare": welfare,
        "units": {"policies": "fractions (0.1 is 10%)", "welfare": "percent change from the baseline", "bands": "90%: 5th and 95th percentiles (Monte Carlo), +-1.645 standard deviations (delta method)"},
        "prediction_distance": {"median": quantile(&distances, 0.5), "max": quantile(&distances, 1.0),
            "what": "largest absolute difference between p* + J dtheta and the re-solved policy (fraction)"},
        "draw_records": records,
        "timing": {"cold_solve_and_statics_s": cold_s, "draws_s": draws_s, "mean_draw_s": mean_draw_s},
        "sensitivity": base.output.json,
        "warnings": warnings,
    });
    let mut tables = Vec::new();
    let col = |v: &[Value], key: &str, sub: Option<&str>| -> Vec<f64> {
        v.iter()
            .map(|x| {
                let y = sub.map_or(&x[key], |s| &x[key][s]);
                y.as_f64().unwrap_or(f64::NAN)
            })
            .collect()
    };
    for (name, v, key, value) in [
        ("policy_bands.csv", &policies, "policy", "value"),
        (
            "welfare_bands.csv",
            &welfare,
            "country",
            "welfare_change_pct",
        ),
    ] {
        let t = Table::new()
            .with_str(
                key,
                v.iter()
                    .map(|x| x[key].as_str().unwrap_or("").to_string())
                    .collect(),
            )?
            .with_f64(value, col(v, value, None))?
            .with_f64("delta_p05", col(v, "delta_p05", None))?
            .with_f64("delta_p95", col(v, "delta_p95", None))?
            .with_f64("mc_p05", col(v, "monte_carlo", Some("p05")))?
            .with_f64("mc_median", col(v, "monte_carlo", Some("median")))?
            .with_f64("mc_p95", col(v, "monte_carlo", Some("p95")))?;
        tables.push(NamedTable::new(name, t).caption(if key == "policy" {
            "Policies (fractions) with 90% bands: delta method and Monte Carlo re-solves"
        } else {
            "Welfare changes (percent) with 90% bands: delta method and Monte Carlo re-solves"
        }));
    }
    let (x, y): (Vec<f64>, Vec<f64>) = ok
        .iter()
        .flat_map(|d| {
            d.predicted_welfare_pct
                .iter()
                .copied()
                .zip(solved(d).1.iter().copied())
        })
        .unzip();
    let figure = Figure::Scatter(ScatterChart {
        title: "Welfare changes: first-order prediction against the re-solved war".into(),
        x_label: "predicted welfare change (%)".into(),
        y_label: "re-solved welfare change (%)".into(),
        series: vec![Series::new("draws x countries", x, y)],
        diagonal: true,
        ..ScatterChart::default()
    });
    let mut provenance = base.provenance.clone();
    provenance.inputs = inputs;
    provenance.parameters["draws"] = json!(draws.len());
    provenance.parameters["seed"] = json!(r.seed);
    provenance.parameters["source"] = json!(label);
    provenance.warnings = warnings;
    Ok(UncertaintyRun {
        draws,
        output: Output {
            json_name: "uncertainty.json",
            json,
            tables,
            figures: vec![("prediction_vs_resolve".into(), figure)],
        },
        provenance,
    })
}
