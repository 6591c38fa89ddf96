//! Tax data: the embedded US earnings sample, income files and bracket cutoff files.

use std::path::Path;

use walras_tax::{BracketSchedule, US_FEDERAL_2018_CUTOFFS};

use crate::error::DataError;
use crate::table::{load_table, load_table_from_bytes, Check, Schema};

/// Name of the embedded sample in outputs and errors.
pub const CPS_SAMPLE: &str = "cps_earnings.csv.gz";

/// The shipped sample (data/tax/cps_earnings.csv.gz): US single filers' annual earnings in USD
/// with population weights, derived from the CC0 Tax-Calculator CPS file.
static CPS_BYTES: &[u8] = include_bytes!("../../../data/tax/cps_earnings.csv.gz");

/// Incomes (pre-tax, per tax unit) with optional population weights.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomeSample {
    /// Where the sample came from.
    pub source: String,
    /// Incomes; may be zero or negative.
    pub incomes: Vec<f64>,
    /// Population weights, if the file has a `weight` column.
    pub weights: Option<Vec<f64>>,
}

fn income_schema() -> Schema {
    Schema::new()
        .float("income", Check::Any)
        .optional_float("weight", Check::NonNegative)
}

fn sample(source: String, table: crate::table::Table) -> IncomeSample {
    IncomeSample {
        source,
        incomes: table.f64("income").expect("required column").to_vec(),
        weights: table.f64("weight").map(<[f64]>::to_vec),
    }
}

/// The embedded CPS earnings sample (146,758 single filers, USD per year, weighted).
pub fn cps_sample() -> Result<IncomeSample, DataError> {
    let table = load_table_from_bytes(CPS_SAMPLE, CPS_BYTES, &income_schema())?;
    Ok(sample(format!("{CPS_SAMPLE} (embedded)"), table))
}

/// Incomes from a CSV, gzip CSV or Parquet file with a column `income` and optionally `weight`.
pub fn load_incomes(path: &Path) -> Result<IncomeSample, DataError> {
    let table = load_table(path, &income_schema())?;
    Ok(sample(path.display().to_string(), table))
}

/// Bracket cutoffs from a file with a column `cutoff` (first 0, strictly increasing).
pub fn load_cutoffs(path: &Path) -> Result<Vec<f64>, DataError> {
    let table = load_table(path, &Schema::new().float("cutoff", Check::NonNegative))?;
    let cutoffs = table.f64("cutoff").expect("required column").to_vec();
    walras_tax::validate_brackets(&cutoffs, &vec![0.0; cutoffs.len()]).map_err(|e| {
        DataError::Shape {
            path: path.into(),
            message: e.to_string(),
        }
    })?;
    Ok(cutoffs)
}

/// Cutoffs by name (`aie-us-federal`, `us-federal-2018`) or else from a file.
pub fn cutoffs_from_spec(spec: &str) -> Result<Vec<f64>, DataError> {
    match spec {
        "aie-us-federal" => Ok(BracketSchedule::aie_us_federal().cutoffs().to_vec()),
        "us-federal-2018" => Ok(US_FEDERAL_2018_CUTOFFS.to_vec()),
        file => load_cutoffs(Path::new(file)),
    }
}
