//! Uncertainty bands shared by every economy: parameter draws from a standard error, a
//! covariance file or a draws file; the first-order prediction p* + J dtheta; delta-method
//! bands J Sigma J'; Monte Carlo quantiles of re-solved draws; prediction-vs-re-solve
//! distances, tables and a figure.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde_json::{json, Value};
use walras_core::uncertainty::{delta_std, normal_draws, quantile, Z90};
use walras_data::{read_covariance, read_draws, Table};
use walras_plot::{ScatterChart, Series};

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
    /// The trade data's elasticity sets (the `elasticity_sets` table), one draw each.
    ElasticitySets,
}

/// Parameter draws and what the delta method needs.
pub(crate) struct ParameterDraws {
    /// The parameters' covariance, if the source has one.
    pub covariance: Option<DMatrix<f64>>,
    /// Full parameter vectors, one per draw.
    pub draws: Vec<Vec<f64>>,
    /// The draws' names, if the source names them.
    pub names: Option<Vec<String>>,
    /// The source in words.
    pub label: String,
}

/// Draws of the parameters `names` (values `theta0`) from `source`; files read go into
/// `inputs`. Elasticity sets are the trade data's, so they are an error here.
pub(crate) fn parameter_draws(
    source: &ParameterSource,
    names: &[String],
    theta0: &[f64],
    count: usize,
    seed: u64,
    inputs: &mut Vec<PathBuf>,
) -> Result<ParameterDraws> {
    let q = theta0.len();
    Ok(match source {
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
            let draws = normal_draws(theta0, &cov, check_count(count)?, seed)?;
            ParameterDraws {
                covariance: Some(cov),
                draws,
                names: None,
                label: format!("independent normal, standard error {x} x each parameter"),
            }
        }
        ParameterSource::Covariance(path) => {
            inputs.push(path.clone());
            let file = read_covariance(path).context("--covariance")?;
            let index = positions(&file.names, names, path)?;
            let n = file.names.len();
            let mut cov = DMatrix::zeros(q, q);
            for (a, &i) in index.iter().enumerate() {
                for (b, &k) in index.iter().enumerate() {
                    cov[(i, k)] = file.values[a * n + b];
                }
            }
            let draws = normal_draws(theta0, &cov, check_count(count)?, seed)
                .with_context(|| format!("--covariance {}", path.display()))?;
            ParameterDraws {
                covariance: Some(cov),
                draws,
                names: None,
                label: format!("normal with the covariance of {}", path.display()),
            }
        }
        ParameterSource::DrawsFile(path) => {
            inputs.push(path.clone());
            let file = read_draws(path).context("--draws-file")?;
            let index = positions(&file.names, names, path)?;
            let draws = file
                .rows
                .iter()
                .map(|row| {
                    let mut d = theta0.to_vec();
                    for (a, &i) in index.iter().enumerate() {
                        d[i] = row[a];
                    }
                    d
                })
                .collect();
            ParameterDraws {
                covariance: None,
                draws,
                names: None,
                label: format!("the draws of {}", path.display()),
            }
        }
        ParameterSource::ElasticitySets => {
            return Err(ArgumentError::new(
                "elasticity-sets",
                "only trade data has elasticity sets; use --se-rel, --covariance or --draws-file",
            )
            .into())
        }
    })
}

fn check_count(n: usize) -> Result<usize> {
    if n == 0 || n > 1_000_000 {
        return Err(
            ArgumentError::new("draws", format!("must lie in [1, 1000000], got {n}")).into(),
        );
    }
    Ok(n)
}

/// Where each of a file's parameter names sits among the economy's; an unknown name is an
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

/// The solution's first-order expansion in the parameters, with the names reports use.
pub(crate) struct Linearisation {
    /// The parameters' names and values.
    pub parameters: Vec<String>,
    /// Their values at the solution.
    pub parameter_values: Vec<f64>,
    /// The policies' names, values and d policy / d parameter.
    pub policies: Vec<String>,
    /// Their values.
    pub policy_values: Vec<f64>,
    /// One row per policy.
    pub jacobian: DMatrix<f64>,
    /// What an objective row is (`country`, `objective`) and what its value is
    /// (`welfare_change_pct`, `swf`).
    pub objective_keys: (&'static str, &'static str),
    /// The objectives' names, values and derivatives, in the units reported.
    pub objectives: Vec<String>,
    /// Their values.
    pub objective_values: Vec<f64>,
    /// One row per objective.
    pub objective_jacobian: DMatrix<f64>,
}

impl Linearisation {
    /// The first-order predictions of the policies and objectives at parameters `theta`.
    pub fn predict(&self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let dt = DVector::from_iterator(
            theta.len(),
            theta.iter().zip(&self.parameter_values).map(|(a, b)| a - b),
        );
        let shift = |values: &[f64], j: &DMatrix<f64>| -> Vec<f64> {
            let d = j * &dt;
            values.iter().zip(d.iter()).map(|(v, d)| v + d).collect()
        };
        (
            shift(&self.policy_values, &self.jacobian),
            shift(&self.objective_values, &self.objective_jacobian),
        )
    }
}

/// One draw: its parameters, the prediction, and the re-solved policies and objectives (or
/// why they failed).
#[derive(Clone, Debug)]
pub struct Draw {
    /// A name (elasticity set), or the draw's number.
    pub name: String,
    /// The parameters.
    pub parameters: Vec<f64>,
    /// p* + J dtheta (within the bounds), over the reported policies.
    pub predicted_policy: Vec<f64>,
    /// W* + dW/dtheta dtheta, in the units reported.
    pub predicted_welfare: Vec<f64>,
    /// The re-solved policies and objectives, or the error.
    pub solved: std::result::Result<(Vec<f64>, Vec<f64>), String>,
    /// Wall time of the re-solve.
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

/// A draw's re-solve: the prediction (over the reported policies) projected onto the
/// model's bounds, and the re-solved policies and objectives, or why there are none.
pub(crate) type Resolved = (Vec<f64>, std::result::Result<(Vec<f64>, Vec<f64>), String>);

/// Re-solve every draw (in parallel) from its first-order prediction with `solve(theta,
/// prediction)`, calling `on_draw(finished, total)` after each: the draws and the wall time.
pub(crate) fn re_solve_draws(
    lin: &Linearisation,
    sampled: ParameterDraws,
    on_draw: &(dyn Fn(usize, usize) + Send + Sync),
    solve: impl Fn(&[f64], &[f64]) -> Resolved + Sync,
) -> (Vec<Draw>, f64) {
    let total = sampled.draws.len();
    let names = sampled.names;
    let done = AtomicUsize::new(0);
    let t0 = Instant::now();
    let draws = sampled
        .draws
        .into_par_iter()
        .enumerate()
        .map(|(d, theta)| {
            let (prediction, predicted_welfare) = lin.predict(&theta);
            let t = Instant::now();
            let (predicted_policy, solved) = solve(&theta, &prediction);
            let seconds = t.elapsed().as_secs_f64();
            on_draw(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Draw {
                name: names.as_ref().map_or(format!("{d}"), |n| n[d].clone()),
                parameters: theta,
                predicted_policy,
                predicted_welfare,
                solved,
                seconds,
            }
        })
        .collect();
    (draws, t0.elapsed().as_secs_f64())
}

/// What an uncertainty record says beside the bands.
pub(crate) struct RecordContext {
    /// The exercise the bands are around.
    pub exercise: String,
    /// Units of the policies and of welfare, in words.
    pub units: (&'static str, &'static str),
    /// Seed of the normal draws.
    pub seed: u64,
    /// The parameters' source, in words.
    pub label: String,
    /// Wall time of the base solve and its derivatives (s).
    pub cold_s: f64,
    /// Wall time of all draws (s).
    pub draws_s: f64,
    /// The sensitivity record the bands linearise.
    pub sensitivity: Value,
    /// The base run's provenance, with every input read.
    pub provenance: Provenance,
}

/// The uncertainty record (`uncertainty.json`), its tables and figure, and its provenance.
pub(crate) fn uncertainty_run(
    lin: &Linearisation,
    draws: Vec<Draw>,
    covariance: Option<&DMatrix<f64>>,
    context: RecordContext,
) -> Result<UncertaintyRun> {
    let c = context;
    let (policy_unit, welfare_unit) = c.units;
    let bands = summarise(lin, &draws, covariance, welfare_unit)?;
    let mean_draw_s = draws.iter().map(|d| d.seconds).sum::<f64>() / draws.len().max(1) as f64;
    let mut provenance = c.provenance;
    provenance.warnings.extend(bands.warning.clone());
    let mut json = json!({
        "exercise": c.exercise,
        "source": c.label,
        "seed": c.seed,
        "units": {"policies": policy_unit, "welfare": welfare_unit, "bands": "90%: 5th and 95th percentiles (Monte Carlo), +-1.645 standard deviations (delta method)"},
        "timing": {"cold_solve_and_statics_s": c.cold_s, "draws_s": c.draws_s, "mean_draw_s": mean_draw_s},
        "sensitivity": c.sensitivity,
        "warnings": provenance.warnings,
    });
    json.as_object_mut().expect("an object").extend(bands.json);
    provenance.parameters["draws"] = json!(draws.len());
    provenance.parameters["seed"] = json!(c.seed);
    provenance.parameters["source"] = json!(c.label);
    Ok(UncertaintyRun {
        draws,
        output: Output {
            json_name: "uncertainty.json",
            json,
            tables: bands.tables,
            figures: vec![("prediction_vs_resolve".into(), bands.figure)],
        },
        provenance,
    })
}

/// What [`summarise`] gives: the JSON keys every uncertainty record shares, two band tables
/// and the prediction-vs-re-solve figure.
pub(crate) struct Bands {
    /// `policies`, `welfare`, `prediction_distance`, `draw_records`, `draws`,
    /// `converged_draws`, `failed_draws`, `parameters`, `parameter_values`.
    pub json: serde_json::Map<String, Value>,
    /// `policy_bands.csv`, `welfare_bands.csv`, `parameter_draws.csv`.
    pub tables: Vec<NamedTable>,
    /// Predicted against re-solved objectives.
    pub figure: Figure,
    /// A warning if some draws failed.
    pub warning: Option<String>,
}

/// Delta-method and Monte Carlo bands of `draws` around `lin`.
pub(crate) fn summarise(
    lin: &Linearisation,
    draws: &[Draw],
    covariance: Option<&DMatrix<f64>>,
    welfare_unit: &str,
) -> Result<Bands> {
    let ok: Vec<&Draw> = draws.iter().filter(|d| d.solved.is_ok()).collect();
    let failed = draws.len() - ok.len();
    fn solved(d: &Draw) -> &(Vec<f64>, Vec<f64>) {
        d.solved.as_ref().expect("only converged draws")
    }
    let band = |values: Vec<f64>| {
        json!({"p05": quantile(&values, 0.05), "median": quantile(&values, 0.5), "p95": quantile(&values, 0.95),
               "mean": values.iter().sum::<f64>() / values.len().max(1) as f64})
    };
    let rows = |names: &[String],
                values: &[f64],
                jacobian: &DMatrix<f64>,
                (key, value_key): (&str, &str),
                pick: &dyn Fn(&Draw, usize) -> f64| {
        let sd = covariance.map(|c| delta_std(jacobian, c));
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mc: Vec<f64> = ok.iter().map(|d| pick(d, i)).collect();
                let s = sd.as_ref().map(|v| v[i]);
                let v = values[i];
                json!({key: name, value_key: v,
                       "delta_std": s, "delta_p05": s.map(|s| v - Z90 * s),
                       "delta_p95": s.map(|s| v + Z90 * s),
                       "monte_carlo": band(mc)})
            })
            .collect::<Vec<Value>>()
    };
    let policies = rows(
        &lin.policies,
        &lin.policy_values,
        &lin.jacobian,
        ("policy", "value"),
        &|d, i| solved(d).0[i],
    );
    let welfare = rows(
        &lin.objectives,
        &lin.objective_values,
        &lin.objective_jacobian,
        lin.objective_keys,
        &|d, i| solved(d).1[i],
    );
    let gap = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    let distance = |d: &Draw| -> (f64, f64) {
        let (p, w) = solved(d);
        (gap(p, &d.predicted_policy), gap(w, &d.predicted_welfare))
    };
    let (_, value_key) = lin.objective_keys;
    let records: Vec<Value> = draws
        .iter()
        .map(|d| match &d.solved {
            Ok((_, w)) => {
                let (dp, dw) = distance(d);
                let mut r = json!({"draw": d.name, "converged": true, "prediction_distance": dp,
                       "welfare_prediction_distance": dw, "wall_time_s": d.seconds,
                       value_key: w, format!("predicted_{value_key}"): d.predicted_welfare});
                if value_key == "welfare_change_pct" {
                    r["welfare_prediction_distance_pp"] = json!(dw);
                }
                r
            }
            Err(e) => {
                json!({"draw": d.name, "converged": false, "error": e, "wall_time_s": d.seconds})
            }
        })
        .collect();
    let distances: Vec<f64> = ok.iter().map(|d| distance(d).0).collect();
    let warning = (failed > 0).then(|| {
        format!(
            "{failed} of {} draws did not give a solution (see `draw_records`); the Monte Carlo bands use the {} that did",
            draws.len(),
            ok.len()
        )
    });
    let mut json = serde_json::Map::new();
    json.insert("draws".into(), json!(draws.len()));
    json.insert("converged_draws".into(), json!(ok.len()));
    json.insert("failed_draws".into(), json!(failed));
    json.insert("parameters".into(), json!(lin.parameters));
    json.insert("parameter_values".into(), json!(lin.parameter_values));
    json.insert(
        "prediction_distance".into(),
        json!({"median": quantile(&distances, 0.5), "max": quantile(&distances, 1.0),
            "what": "largest absolute difference between p* + J dtheta and the re-solved policy"}),
    );
    json.insert("draw_records".into(), json!(records));
    let tables = vec![
        band_table("policy_bands.csv", &policies, ("policy", "value"))?
            .caption("Policies with 90% bands: delta method and Monte Carlo re-solves"),
        band_table("welfare_bands.csv", &welfare, lin.objective_keys)?.caption(&format!(
            "Welfare ({welfare_unit}) with 90% bands: delta method and Monte Carlo re-solves"
        )),
        draws_table(&lin.parameters, draws)?,
    ];
    json.insert("policies".into(), json!(policies));
    json.insert("welfare".into(), json!(welfare));
    let (x, y): (Vec<f64>, Vec<f64>) = ok
        .iter()
        .flat_map(|d| {
            d.predicted_welfare
                .iter()
                .copied()
                .zip(solved(d).1.iter().copied())
        })
        .unzip();
    let figure = Figure::Scatter(ScatterChart {
        title: "Welfare: first-order prediction against the re-solve".into(),
        x_label: format!("predicted welfare ({welfare_unit})"),
        y_label: format!("re-solved welfare ({welfare_unit})"),
        series: vec![Series::new("draws", x, y)],
        diagonal: true,
        ..ScatterChart::default()
    });
    Ok(Bands {
        json,
        tables,
        figure,
        warning,
    })
}

/// A band table: name, value, delta-method and Monte Carlo bands.
/// `parameter_draws.csv`: every draw's parameters, a row per draw in the order of
/// `draw_records`; `--draws-file` reads it back (e.g. to re-run the draws that failed).
fn draws_table(parameters: &[String], draws: &[Draw]) -> Result<NamedTable> {
    let mut table = Table::new();
    for (k, name) in parameters.iter().enumerate() {
        table = table.with_f64(name, draws.iter().map(|d| d.parameters[k]).collect())?;
    }
    Ok(NamedTable::new("parameter_draws.csv", table)
        .caption("The parameters of each draw, in the order of the draw records"))
}

fn band_table(name: &str, rows: &[Value], (key, value): (&str, &str)) -> Result<NamedTable> {
    let col = |k: &str, sub: Option<&str>| -> Vec<f64> {
        rows.iter()
            .map(|x| {
                let y = sub.map_or(&x[k], |s| &x[k][s]);
                y.as_f64().unwrap_or(f64::NAN)
            })
            .collect()
    };
    let t = Table::new()
        .with_str(
            key,
            rows.iter()
                .map(|x| x[key].as_str().unwrap_or("").to_string())
                .collect(),
        )?
        .with_f64(value, col(value, None))?
        .with_f64("delta_p05", col("delta_p05", None))?
        .with_f64("delta_p95", col("delta_p95", None))?
        .with_f64("mc_p05", col("monte_carlo", Some("p05")))?
        .with_f64("mc_median", col("monte_carlo", Some("median")))?
        .with_f64("mc_p95", col("monte_carlo", Some("p95")))?;
    Ok(NamedTable::new(name, t))
}
