//! The pieces every comparative-statics report shares: matrices as JSON rows, bound names,
//! the warnings a reader needs, and the Jacobian as a heatmap.

use nalgebra::DMatrix;
use serde_json::{json, Value};
use walras_core::Bound;
use walras_data::{DataError, Table};
use walras_plot::Heatmap;

/// A matrix as JSON rows, each entry times `scale` (NaN becomes null).
pub(crate) fn rows(m: &DMatrix<f64>, scale: f64) -> Vec<Vec<Option<f64>>> {
    (0..m.nrows())
        .map(|i| {
            m.row(i)
                .iter()
                .map(|v| Some(v * scale).filter(|v| v.is_finite()))
                .collect()
        })
        .collect()
}

/// `lower`, `upper` or null.
pub(crate) fn bound_name(b: &Option<Bound>) -> Value {
    match b {
        Some(Bound::Lower) => json!("lower"),
        Some(Bound::Upper) => json!("upper"),
        None => Value::Null,
    }
}

/// `jacobian.csv`: one row per policy (its name, value and bound), one column per parameter.
pub(crate) fn jacobian_table(
    policies: &[String],
    values: &[f64],
    bound: &[Option<Bound>],
    parameters: &[String],
    jacobian: &DMatrix<f64>,
) -> Result<Table, DataError> {
    let mut table = Table::new()
        .with_str("policy", policies.to_vec())?
        .with_f64("value", values.to_vec())?
        .with_str(
            "bound",
            bound
                .iter()
                .map(|b| bound_name(b).as_str().unwrap_or("").to_string())
                .collect(),
        )?;
    for (k, name) in parameters.iter().enumerate() {
        table = table.with_f64(name, jacobian.column(k).iter().copied().collect())?;
    }
    Ok(table)
}

/// Warnings for flat directions and weakly active bounds.
pub(crate) fn statics_warnings(
    flat_directions: usize,
    condition_number: f64,
    switching: &[bool],
) -> Vec<String> {
    let mut warnings = Vec::new();
    if flat_directions > 0 {
        warnings.push(format!(
            "the first-order conditions are flat along {flat_directions} direction(s) of the \
             policies (condition number {condition_number:.1e}): the policy is not identified \
             there; `jacobian` holds the derivatives of its identified part, and \
             `flat_directions` lists the others"
        ));
    }
    let switching = switching.iter().filter(|&&b| b).count();
    if switching > 0 {
        warnings.push(format!(
            "{switching} policies sit at a weakly active bound: their derivative (0) holds for \
             parameter changes in one direction only (see `switching`)"
        ));
    }
    warnings
}

/// The Jacobian as a heatmap: policies by row, parameters by column.
pub(crate) fn heatmap(
    what: &str,
    parameters: &[String],
    policies: &[String],
    jacobian: &DMatrix<f64>,
) -> Heatmap {
    Heatmap {
        title: format!("How the policies move with the {what} (d policy / d parameter)"),
        x_label: "parameter".into(),
        y_label: "policy".into(),
        x_labels: parameters.to_vec(),
        y_labels: policies.to_vec(),
        values: (0..jacobian.nrows())
            .map(|i| jacobian.row(i).iter().copied().collect())
            .collect(),
        value_label: "d policy / d parameter".into(),
    }
}
