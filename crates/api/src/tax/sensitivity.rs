//! How sure are the optimal brackets? Their exact comparative statics in the labour
//! elasticity, the SWF's parameter and the skill distribution's (`walras tax sensitivity`).

use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{Criterion, StaticsOptions};
use walras_data::Table;
use walras_tax::{TaxEconomy, TaxSensitivity};

use super::finite;
use super::optimize::{optimize, OptimizeRequest, OptimumRun};
use crate::statics_report::{bound_name, heatmap, jacobian_table, rows, statics_warnings};
use crate::{Figure, NamedTable, Output, Provenance};

/// The optimum to differentiate: `walras tax optimize`'s settings.
#[derive(Clone, Default)]
pub struct SensitivityRequest {
    /// The economy and the planner.
    pub optimize: OptimizeRequest,
}

/// An optimum and its comparative statics.
pub struct SensitivityRun {
    /// The optimum.
    pub run: OptimumRun,
    /// The derivatives.
    pub sensitivity: TaxSensitivity,
    /// JSON record (`sensitivity.json`), tables and the heatmap.
    pub output: Output,
    /// Inputs, parameters and timings.
    pub provenance: Provenance,
}

/// Find the optimal brackets and differentiate them in the economy's parameters.
pub fn sensitivity(request: &SensitivityRequest) -> Result<SensitivityRun> {
    let t0 = Instant::now();
    let run = optimize(&request.optimize)?;
    // Checked before the optimum is used: integer hours or income effects are refused.
    run.economy.check_parametric()?;
    let solve_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let best = &run.optimum.evaluation;
    // The policy vector: the rates, then (chosen cutoffs) the optimum's bracket widths.
    let mut policy = best.rates.clone();
    if request.optimize.optimize_cutoffs {
        policy.extend(best.cutoffs.windows(2).map(|w| w[1] - w[0]));
    }
    let mut transfer = best.transfer;
    // Derivatives belong at a stationary point: an optimiser that stalled short of its
    // tolerance is finished by Newton steps on the first-order conditions.
    let mut converged = run.optimum.converged;
    let mut polished = false;
    if !converged {
        if let Some((p, g)) = polish(&run.economy, &policy, transfer) {
            (policy, transfer, converged, polished) = (p, g, true, true);
        }
    }
    let s = walras_tax::sensitivity(&run.economy, &policy, transfer, &StaticsOptions::default())
        .context("comparative statics of the optimal brackets")?;
    let statics_s = t1.elapsed().as_secs_f64();
    let mut warnings = statics_warnings(s.flat_directions.len(), s.condition_number, &s.switching);
    if !converged {
        warnings.push(format!(
            "the optimiser did not meet its tolerance ({}), nor did a Newton polish: the derivatives are taken where it stopped",
            run.optimum.stop_reason
        ));
    }
    let bunched = best.bunched_share;
    if bunched > 0.0 {
        warnings.push(format!(
            "{:.1}% of agents bunch at a cutoff: the derivatives hold every agent's choice of \
             bracket or kink (exact for this finite economy), but under a finite parameter \
             change agents switch between a bracket and its kink, which moves the optimum in \
             a way these derivatives do not see; where the agents stand for a continuum, the \
             re-optimised draws of `walras tax uncertainty` include it",
            100.0 * bunched
        ));
    }
    let held = held_fixed(&request.optimize, &s);
    let mut provenance = run.provenance.clone();
    if polished {
        // The optimiser's stall was finished by the polish: no longer a warning.
        provenance
            .warnings
            .retain(|w| !w.starts_with("the optimiser stopped before convergence"));
    }
    provenance.reports.push((
        "sensitivity".into(),
        json!({"solve_s": solve_s, "statics_s": statics_s}),
    ));
    provenance.warnings.extend(warnings.iter().cloned());
    let json = json!({
        "exercise": "optimum",
        "parameters": s.parameters,
        "parameter_values": s.parameter_values,
        "policies": s.policies,
        "policy_values": s.policy_values,
        "jacobian": rows(&s.jacobian, 1.0),
        "welfare": finite(s.welfare),
        "welfare_jacobian": s.welfare_jacobian.iter().map(|v| finite(*v)).collect::<Vec<_>>(),
        "welfare_direct": s.welfare_direct.iter().map(|v| finite(*v)).collect::<Vec<_>>(),
        "transfer": transfer,
        "units": {
            "jacobian": "rate (a fraction) or bracket width (income units) per unit of the parameter",
            "welfare_jacobian": "SWF units per unit of the parameter, the rates following (null for an Atkinson SWF's eps, which changes the SWF's units)",
            "welfare_direct": "the same with the rates held: equal at an interior optimum (envelope theorem)",
        },
        "bound": s.bound.iter().map(bound_name).collect::<Vec<_>>(),
        "switching": s.switching,
        "condition_number": s.condition_number,
        "flat_directions": s.flat_directions,
        "envelope_gap": s.envelope_gap,
        "bunched_share": bunched,
        "held_fixed": held,
        "converged": converged,
        "polished": polished,
        "solution": run.output.json,
        "wall_time_s": {"solve": solve_s, "sensitivity": statics_s},
        "warnings": warnings,
    });
    let output = Output {
        json_name: "sensitivity.json",
        json,
        tables: tables(&s)?,
        figures: vec![(
            "sensitivity_heatmap".into(),
            Figure::Heatmap(heatmap(
                "parameters",
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

/// What the derivatives hold fixed, in words.
fn held_fixed(r: &OptimizeRequest, s: &TaxSensitivity) -> Vec<String> {
    let mut held = vec!["agents' choices of bracket, kink or corner (derivatives of the branch the optimum lies on)".to_string()];
    if !r.optimize_cutoffs {
        held.push(if r.cutoffs.is_none() {
            "the cutoffs (laissez-faire income quantiles, not recomputed)".into()
        } else {
            "the cutoffs".into()
        });
    }
    if !s.parameters.iter().any(|p| p.starts_with("skills:")) {
        held.push(format!(
            "the skills ({}: not a parametric distribution)",
            r.skills
        ));
    }
    held
}

/// `jacobian.csv` (one row per policy) and `welfare_jacobian.csv` (one row per parameter).
fn tables(s: &TaxSensitivity) -> Result<Vec<NamedTable>> {
    let jac = jacobian_table(
        &s.policies,
        &s.policy_values,
        &s.bound,
        &s.parameters,
        &s.jacobian,
    )?;
    let welfare = Table::new()
        .with_str("parameter", s.parameters.clone())?
        .with_f64("value", s.parameter_values.clone())?
        .with_f64("welfare_derivative", s.welfare_jacobian.clone())?
        .with_f64("welfare_derivative_rates_held", s.welfare_direct.clone())?;
    Ok(vec![
        NamedTable::new("jacobian.csv", jac)
            .caption("Derivative of each optimal rate in each parameter, at the optimum"),
        NamedTable::new("welfare_jacobian.csv", welfare)
            .caption("Derivative of optimal welfare (SWF units) in each parameter"),
    ])
}

/// Newton steps on the first-order conditions from `policy` (equilibrium transfer
/// `transfer`) to the optimiser's tolerance: the stationary point and its transfer, or None
/// if the polish does not get there.
pub(super) fn polish(
    economy: &TaxEconomy,
    policy: &[f64],
    transfer: f64,
) -> Option<(Vec<f64>, f64)> {
    economy
        .optimizer()
        .polished()
        .maximize(
            economy,
            &Criterion::Single(0),
            policy,
            None,
            Some(&[transfer]),
        )
        .ok()
        .map(|best| (best.policy, best.x[0]))
}
