//! The CSV tables of the tax results.

use walras_data::{DataError, Table};
use walras_tax::Evaluation;

/// Numbers as text, blank where not finite (a CSV column without NaN or inf).
pub(crate) fn finite_or_blank(values: &[f64]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            if v.is_finite() {
                v.to_string()
            } else {
                String::new()
            }
        })
        .collect()
}

/// Bracket rows: lower and upper cutoff (inf for the top) and rate.
pub(crate) fn bracket_csv(cutoffs: &[f64], rates: &[f64]) -> Result<Table, DataError> {
    bracket_csv_checked(
        cutoffs,
        &rates.iter().map(|r| Some(*r)).collect::<Vec<_>>(),
        &[],
    )
}

/// Bracket rows with rates that may be missing (an empty `rate` and a `note` saying why).
pub(crate) fn bracket_csv_checked(
    cutoffs: &[f64],
    rates: &[Option<f64>],
    notes: &[Option<String>],
) -> Result<Table, DataError> {
    let table = Table::new()
        .with_f64("bracket", (1..=rates.len()).map(|b| b as f64).collect())?
        .with_f64("lower", cutoffs.to_vec())?
        .with_f64(
            "upper",
            (0..rates.len())
                .map(|b| cutoffs.get(b + 1).copied().unwrap_or(f64::INFINITY))
                .collect(),
        )?;
    if notes.iter().all(Option::is_none) && rates.iter().all(Option::is_some) {
        return table.with_f64("rate", rates.iter().map(|r| r.unwrap_or(0.0)).collect());
    }
    table
        .with_str(
            "rate",
            rates
                .iter()
                .map(|r| r.map_or(String::new(), |r| r.to_string()))
                .collect(),
        )?
        .with_str(
            "note",
            (0..rates.len())
                .map(|b| notes.get(b).cloned().flatten().unwrap_or_default())
                .collect(),
        )
}

/// Per-agent outcomes of an evaluated schedule.
pub(crate) fn agents_table(e: &Evaluation) -> Result<Table, DataError> {
    let col = |f: fn(&walras_tax::AgentRecord) -> f64| e.agents.iter().map(f).collect::<Vec<f64>>();
    Table::new()
        .with_f64("skill", col(|a| a.skill))?
        .with_f64("weight", col(|a| a.weight))?
        .with_str(
            "choice",
            e.agents.iter().map(|a| format!("{:?}", a.choice)).collect(),
        )?
        .with_f64("labor", col(|a| a.labor))?
        .with_f64("income", col(|a| a.income))?
        .with_f64("tax", col(|a| a.tax))?
        .with_f64("consumption", col(|a| a.consumption))?
        .with_f64("utility", col(|a| a.utility))
}
