//! How sure are trade policies? Their exact comparative statics in the elasticities
//! (`walras trade sensitivity`): solve the exercise, then dp*/dtheta and dW*/dtheta by the
//! implicit function theorem at the solution.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use walras_core::{Observer, StaticsOptions};
use walras_data::{DeficitTreatment, Table};
use walras_trade::{Deficits, Exercise, Origin, Sensitivity};

use super::economy::Economy;
use super::policies::{
    cooperate, nash, optimal, parse_aggregation, CooperateRequest, NashRequest, OptimalRequest,
    PolicyRun,
};
use crate::statics_report::{bound_name, heatmap, jacobian_table, rows, statics_warnings};
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// Which policy to differentiate, and how to solve it; the defaults are the command line's.
#[derive(Clone)]
pub struct SensitivityRequest {
    /// nash, optimal or cooperate.
    pub exercise: String,
    /// The Nash war's settings (its instruments, tolerance and start serve every exercise).
    pub nash: NashRequest,
    /// The government of `optimal`.
    pub country: Option<String>,
    /// World welfare of `cooperate`: sum-of-logs or sum.
    pub aggregation: String,
}

impl Default for SensitivityRequest {
    fn default() -> Self {
        SensitivityRequest {
            exercise: "nash".into(),
            nash: NashRequest::default(),
            country: None,
            aggregation: "sum-of-logs".into(),
        }
    }
}

/// A solved exercise and its comparative statics.
pub struct SensitivityRun {
    /// The solved policy.
    pub run: PolicyRun,
    /// The derivatives.
    pub sensitivity: Sensitivity,
    /// JSON record (`sensitivity.json`), tables and the heatmap.
    pub output: Output,
    /// Inputs, parameters and timings.
    pub provenance: Provenance,
}

/// Solve `request.exercise` on `eco` and differentiate it in the elasticities.
pub fn sensitivity(eco: &Economy, request: &SensitivityRequest) -> Result<SensitivityRun> {
    let r = request;
    let t0 = Instant::now();
    let instruments = r.nash.instruments.clone();
    let observer: Arc<dyn Observer> = r.nash.observer.clone();
    let (run, exercise) = match r.exercise.as_str() {
        "nash" => (nash(eco, &r.nash)?, Exercise::Nash),
        "optimal" => {
            let country = r.country.clone().ok_or_else(|| {
                ArgumentError::new("country", "--exercise optimal needs --country NAME")
            })?;
            let run = optimal(
                eco,
                &OptimalRequest {
                    country: country.clone(),
                    instruments,
                    tol: r.nash.tol,
                    observer,
                },
            )?;
            let index = eco
                .baseline
                .country(&country)
                .map_err(|e| ArgumentError::from_error("country", &e))?;
            (run, Exercise::Optimal { country: index })
        }
        "cooperate" => {
            let aggregation = parse_aggregation(&r.aggregation)?;
            let run = cooperate(
                eco,
                &CooperateRequest {
                    instruments,
                    aggregation: r.aggregation.clone(),
                    tol: r.nash.tol,
                    start: r.nash.start.clone(),
                    observer,
                },
            )?;
            (run, Exercise::Cooperate(aggregation))
        }
        other => {
            return Err(ArgumentError::new(
                "exercise",
                format!("must be nash, optimal or cooperate, got {other:?}"),
            )
            .into())
        }
    };
    let solve_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    // Through the data: the re-based baseline moves with the elasticities too.
    let origin = Origin {
        data: eco.calibrated.clone(),
        deficits: match eco.deficits {
            DeficitTreatment::Purge => Deficits::Zero,
            DeficitTreatment::Keep => Deficits::Keep,
        },
        inner: eco.inner,
    };
    let s = walras_trade::sensitivity(
        &run.model,
        &exercise,
        &run.result.policy,
        &run.result.x,
        Some(&origin),
        &StaticsOptions::default(),
    )
    .with_context(|| format!("comparative statics of the {} solution", r.exercise))?;
    let statics_s = t1.elapsed().as_secs_f64();
    let mut provenance = run.provenance.clone();
    provenance.parameters["exercise"] = json!(r.exercise);
    provenance.reports.push((
        "sensitivity".into(),
        json!({"solve_s": solve_s, "statics_s": statics_s}),
    ));
    let warnings = statics_warnings(s.flat_directions.len(), s.condition_number, &s.switching);
    provenance.warnings.extend(warnings.iter().cloned());
    let json = record(
        &s,
        &r.exercise,
        &run.output.json,
        solve_s,
        statics_s,
        &warnings,
    );
    let output = Output {
        json_name: "sensitivity.json",
        json,
        tables: tables(&s)?,
        figures: vec![(
            "sensitivity_heatmap".into(),
            Figure::Heatmap(heatmap(
                "elasticities",
                &s.parameters,
                &s.policies,
                &s.jacobian,
            )),
        )],
    };
    Ok(SensitivityRun {
        run,
        sensitivity: s,
        output,
        provenance,
    })
}

/// The JSON record: names, both Jacobians, flags and the solution it was taken at.
fn record(
    s: &Sensitivity,
    exercise: &str,
    solution: &Value,
    solve_s: f64,
    statics_s: f64,
    warnings: &[String],
) -> Value {
    json!({
        "exercise": exercise,
        "parameters": s.parameters,
        "parameter_values": s.parameter_values,
        "policies": s.policies,
        "policy_values": s.policy_values,
        "jacobian": rows(&s.jacobian, 1.0),
        "countries": s.countries,
        "welfare_change_pct": s.welfare.iter().map(|w| 100.0 * (w - 1.0)).collect::<Vec<_>>(),
        "welfare_jacobian": rows(&s.welfare_jacobian, 100.0),
        "units": {
            "jacobian": "policy (a fraction: 0.1 is 10%) per unit of the parameter",
            "welfare_jacobian": "welfare change (percentage points) per unit of the parameter",
        },
        "bound": s.bound.iter().map(bound_name).collect::<Vec<_>>(),
        "switching": s.switching,
        "condition_number": s.condition_number,
        "flat_directions": s.flat_directions,
        "envelope_gap_pct": 100.0 * s.envelope_gap,
        "converged": solution.get("converged").cloned().unwrap_or(Value::Null),
        "solution": solution,
        "wall_time_s": {"solve": solve_s, "sensitivity": statics_s},
        "warnings": warnings,
    })
}

/// `jacobian.csv` (one row per policy) and `welfare_jacobian.csv` (one row per country).
fn tables(s: &Sensitivity) -> Result<Vec<NamedTable>> {
    let jac = jacobian_table(
        &s.policies,
        &s.policy_values,
        &s.bound,
        &s.parameters,
        &s.jacobian,
    )?;
    let mut welfare = Table::new()
        .with_str("country", s.countries.clone())?
        .with_f64(
            "welfare_change_pct",
            s.welfare.iter().map(|w| 100.0 * (w - 1.0)).collect(),
        )?;
    for (k, name) in s.parameters.iter().enumerate() {
        welfare = welfare.with_f64(
            name,
            s.welfare_jacobian
                .column(k)
                .iter()
                .map(|v| 100.0 * v)
                .collect(),
        )?;
    }
    Ok(vec![
        NamedTable::new("jacobian.csv", jac)
            .caption("Derivative of each policy (a fraction) in each elasticity, at the solution"),
        NamedTable::new("welfare_jacobian.csv", welfare).caption(
            "Derivative of each country's welfare change (percentage points) in each elasticity, the policies following",
        ),
    ])
}
