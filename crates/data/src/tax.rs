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

/// Largest accepted absolute income in an income file, in the file's unit: far above any real
/// earnings, and low enough that weighted sums over millions of rows stay finite.
pub const MAX_ABS_INCOME: f64 = 1e12;
/// Largest accepted population weight in an income file.
pub const MAX_WEIGHT: f64 = 1e12;

fn income_schema() -> Schema {
    Schema::new()
        .float("income", Check::Any)
        .optional_float("weight", Check::NonNegative)
}

/// The sample of a loaded table, refusing incomes or weights beyond the bounds
/// ([`MAX_ABS_INCOME`], [`MAX_WEIGHT`]) with the row and value.
fn sample(
    path: &Path,
    source: String,
    table: crate::table::Table,
) -> Result<IncomeSample, DataError> {
    let incomes = table.f64("income").expect("required column").to_vec();
    let weights = table.f64("weight").map(<[f64]>::to_vec);
    let beyond = |column: &str, values: &[f64], bound: f64| -> Result<(), DataError> {
        match values.iter().position(|v| v.abs() > bound) {
            Some(i) => Err(DataError::BadValue {
                path: path.into(),
                row: i + 1,
                key: None,
                column: column.into(),
                value: format!("{:e}", values[i]),
                reason: format!(
                    "is beyond the accepted bound {bound:e} in absolute value (in the file's unit)"
                ),
            }),
            None => Ok(()),
        }
    };
    beyond("income", &incomes, MAX_ABS_INCOME)?;
    if let Some(w) = &weights {
        beyond("weight", w, MAX_WEIGHT)?;
    }
    Ok(IncomeSample {
        source,
        incomes,
        weights,
    })
}

/// The embedded CPS earnings sample (146,758 single filers, USD per year, weighted).
pub fn cps_sample() -> Result<IncomeSample, DataError> {
    let table = load_table_from_bytes(CPS_SAMPLE, CPS_BYTES, &income_schema())?;
    sample(
        Path::new(CPS_SAMPLE),
        format!("{CPS_SAMPLE} (embedded)"),
        table,
    )
}

/// Incomes from a CSV, gzip CSV or Parquet file with a column `income` and optionally `weight`.
pub fn load_incomes(path: &Path) -> Result<IncomeSample, DataError> {
    let table = load_table(path, &income_schema())?;
    sample(path, path.display().to_string(), table)
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

/// The unit of incomes and cutoffs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncomeUnit {
    /// US dollars (the CPS sample, `us-federal-2018`).
    Usd,
    /// Thousands of US dollars (`aie-us-federal`).
    ThousandUsd,
}

impl IncomeUnit {
    /// The name on the command line: `usd` or `thousand-usd`.
    pub fn name(self) -> &'static str {
        match self {
            IncomeUnit::Usd => "usd",
            IncomeUnit::ThousandUsd => "thousand-usd",
        }
    }

    /// US dollars per unit.
    pub fn usd(self) -> f64 {
        match self {
            IncomeUnit::Usd => 1.0,
            IncomeUnit::ThousandUsd => 1_000.0,
        }
    }

    /// The factor that turns an amount in this unit into one in `target`.
    pub fn factor_to(self, target: IncomeUnit) -> f64 {
        self.usd() / target.usd()
    }
}

impl std::fmt::Display for IncomeUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for IncomeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "usd" => Ok(IncomeUnit::Usd),
            "thousand-usd" => Ok(IncomeUnit::ThousandUsd),
            other => Err(format!(
                "unknown income unit `{other}`: expected usd or thousand-usd"
            )),
        }
    }
}

impl IncomeSample {
    /// The same sample with every income multiplied by `factor`.
    pub fn scaled(mut self, factor: f64) -> Self {
        if factor != 1.0 {
            self.incomes.iter_mut().for_each(|z| *z *= factor);
        }
        self
    }
}

/// Bracket cutoffs with their unit.
#[derive(Clone, Debug, PartialEq)]
pub struct CutoffSet {
    /// The specification (`aie-us-federal`, `us-federal-2018` or a path).
    pub name: String,
    /// The cutoffs.
    pub cutoffs: Vec<f64>,
    /// Their unit; None for a file, whose cutoffs are in the incomes' unit.
    pub unit: Option<IncomeUnit>,
}

/// Cutoffs by name with their unit: `us-federal-2018` in USD, `aie-us-federal` in thousands of
/// USD (the 2019 thresholds / 1,000), or a file (unit: that of the incomes).
pub fn cutoff_set(spec: &str) -> Result<CutoffSet, DataError> {
    let unit = match spec {
        "aie-us-federal" => Some(IncomeUnit::ThousandUsd),
        "us-federal-2018" => Some(IncomeUnit::Usd),
        _ => None,
    };
    Ok(CutoffSet {
        name: spec.to_string(),
        cutoffs: cutoffs_from_spec(spec)?,
        unit,
    })
}

/// The scale rule for incomes against cutoffs, on the weighted median m of the positive
/// incomes, the first positive cutoff m_1 and the top cutoff m_top: implausible (refused) if
/// m > 10 m_top or m < m_1 / 100; doubtful (a warning) if m > m_top or m < m_1 / 10.
pub const SCALE_REFUSE: f64 = 10.0;
/// See [`SCALE_REFUSE`]: the factor below the first cutoff at which incomes are refused.
pub const SCALE_REFUSE_BELOW: f64 = 100.0;
/// See [`SCALE_REFUSE`]: the factor below the first cutoff at which a warning is given.
pub const SCALE_WARN_BELOW: f64 = 10.0;

/// How the incomes' scale compares with the cutoffs' (see [`SCALE_REFUSE`]).
#[derive(Clone, Debug, PartialEq)]
pub struct IncomeScale {
    /// Weighted median of the positive incomes.
    pub median: f64,
    /// First positive cutoff.
    pub first_cutoff: f64,
    /// Top cutoff.
    pub top_cutoff: f64,
    /// The verdict.
    pub verdict: ScaleVerdict,
}

/// Verdict of [`income_scale`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleVerdict {
    /// The median lies within the rule's bounds.
    Plausible,
    /// Outside the mild bounds: warn.
    Doubtful,
    /// Outside the hard bounds: refuse.
    Implausible,
}

impl IncomeScale {
    /// One sentence: the median and where it lies relative to the cutoffs, both in `unit`.
    pub fn describe(&self, unit: &str) -> String {
        if self.median > self.top_cutoff {
            format!(
                "the median positive income {} {unit} is {:.3} times the top cutoff {} {unit}",
                self.median,
                self.median / self.top_cutoff,
                self.top_cutoff
            )
        } else {
            format!(
                "the median positive income {} {unit} is 1/{:.3} of the first cutoff {} {unit}",
                self.median,
                self.first_cutoff / self.median,
                self.first_cutoff
            )
        }
    }
}

/// The incomes' scale against `cutoffs` (see [`SCALE_REFUSE`]); None without positive incomes
/// or without a positive cutoff.
pub fn income_scale(
    incomes: &[f64],
    weights: Option<&[f64]>,
    cutoffs: &[f64],
) -> Option<IncomeScale> {
    let first = *cutoffs.get(1)?;
    let top = *cutoffs.last()?;
    let median = weighted_median_positive(incomes, weights)?;
    let verdict = if median > SCALE_REFUSE * top || median < first / SCALE_REFUSE_BELOW {
        ScaleVerdict::Implausible
    } else if median > top || median < first / SCALE_WARN_BELOW {
        ScaleVerdict::Doubtful
    } else {
        ScaleVerdict::Plausible
    };
    Some(IncomeScale {
        median,
        first_cutoff: first,
        top_cutoff: top,
        verdict,
    })
}

/// The weighted median of the positive, finite incomes with positive weight: the smallest
/// income at which the cumulative weight (incomes ascending) reaches half the total. None if
/// there is no such income. Memory stays small whatever the sample's size: a histogram finds
/// the bin holding the median, and only that bin's incomes are sorted. The bins are the top
/// bits of the incomes' IEEE representation (64 per octave), which order positive numbers as
/// the numbers themselves do.
fn weighted_median_positive(incomes: &[f64], weights: Option<&[f64]>) -> Option<f64> {
    /// Bits dropped from a positive f64's representation: 6 mantissa bits are kept.
    const SHIFT: u32 = 46;
    let used = |i: usize, z: f64| {
        let w = weights.map_or(1.0, |w| w[i]);
        (z > 0.0 && z.is_finite() && w > 0.0).then_some(w)
    };
    let key = |z: f64| z.to_bits() >> SHIFT;
    // One bin per key of a finite positive f64 (1 MiB), filled in a single pass.
    let mut total = 0.0;
    let mut mass = vec![0.0; (f64::MAX.to_bits() >> SHIFT) as usize + 1];
    for (i, &z) in incomes.iter().enumerate() {
        if let Some(w) = used(i, z) {
            mass[key(z) as usize] += w;
            total += w;
        }
    }
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    let half = 0.5 * total;
    let mut below = 0.0;
    let mut k = mass.len() - 1;
    for (b, m) in mass.iter().enumerate() {
        if below + m >= half {
            k = b;
            break;
        }
        below += m;
    }
    let k = k as u64;
    let mut inside: Vec<(f64, f64)> = incomes
        .iter()
        .enumerate()
        .filter_map(|(i, &z)| used(i, z).filter(|_| key(z) == k).map(|w| (z, w)))
        .collect();
    inside.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut acc = below;
    inside
        .iter()
        .find(|p| {
            acc += p.1;
            acc >= half
        })
        .or(inside.last())
        .map(|p| p.0)
}

/// Cutoffs by name (`aie-us-federal`, `us-federal-2018`) or else from a file.
pub fn cutoffs_from_spec(spec: &str) -> Result<Vec<f64>, DataError> {
    match spec {
        "aie-us-federal" => Ok(BracketSchedule::aie_us_federal().cutoffs().to_vec()),
        "us-federal-2018" => Ok(US_FEDERAL_2018_CUTOFFS.to_vec()),
        file => load_cutoffs(Path::new(file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax_population::IncomeUnits;

    /// The median by sorting every income, as the definition reads.
    fn sorted_median(incomes: &[f64], weights: Option<&[f64]>) -> Option<f64> {
        let mut pos: Vec<(f64, f64)> = incomes
            .iter()
            .enumerate()
            .map(|(i, &z)| (z, weights.map_or(1.0, |w| w[i])))
            .filter(|&(z, w)| z > 0.0 && z.is_finite() && w > 0.0)
            .collect();
        pos.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = 0.5 * pos.iter().map(|p| p.1).sum::<f64>();
        let mut acc = 0.0;
        pos.iter()
            .find(|p| {
                acc += p.1;
                acc >= half
            })
            .or(pos.last())
            .map(|p| p.0)
    }

    #[test]
    fn the_weighted_median_equals_the_sorted_definition() {
        let cps = cps_sample().unwrap();
        let w = cps.weights.as_deref();
        assert_eq!(
            weighted_median_positive(&cps.incomes, w),
            sorted_median(&cps.incomes, w)
        );
        assert_eq!(
            weighted_median_positive(&cps.incomes, None),
            sorted_median(&cps.incomes, None)
        );
        // Ties, zeros, negatives, a single value, nothing positive.
        let cases: [&[f64]; 5] = [
            &[5.0, 5.0, 5.0, 1.0, 9.0, 9.0],
            &[0.0, -3.0, 2.0, 7.0, 7.0, 1e9],
            &[42.0],
            &[0.0, -1.0],
            &[1e-300, 1e300, 3.0, 4.0],
        ];
        for incomes in cases {
            assert_eq!(
                weighted_median_positive(incomes, None),
                sorted_median(incomes, None),
                "{incomes:?}"
            );
        }
    }

    #[test]
    fn the_cps_sample_fits_its_unit_and_not_the_other() {
        let cps = cps_sample().unwrap();
        let verdict = |sample: &IncomeSample, spec: &str| {
            let set = cutoff_set(spec).unwrap();
            income_scale(&sample.incomes, sample.weights.as_deref(), &set.cutoffs)
                .unwrap()
                .verdict
        };
        assert_eq!(verdict(&cps, "us-federal-2018"), ScaleVerdict::Plausible);
        // USD read as thousands: the README's unit trap.
        assert_eq!(verdict(&cps, "aie-us-federal"), ScaleVerdict::Implausible);
        let thousands = cps
            .clone()
            .scaled(IncomeUnit::Usd.factor_to(IncomeUnit::ThousandUsd));
        assert_eq!(
            verdict(&thousands, "aie-us-federal"),
            ScaleVerdict::Plausible
        );
        assert_eq!(
            verdict(&thousands, "us-federal-2018"),
            ScaleVerdict::Implausible
        );
        // Between the top cutoff and ten times it: a warning.
        let high = IncomeSample {
            source: "high".into(),
            incomes: vec![600.0, 800.0, 1_200.0],
            weights: None,
        };
        assert_eq!(verdict(&high, "aie-us-federal"), ScaleVerdict::Doubtful);
        assert_eq!(
            cutoff_set("aie-us-federal").unwrap().unit,
            Some(IncomeUnit::ThousandUsd)
        );
        assert_eq!(
            cutoff_set("us-federal-2018").unwrap().unit,
            Some(IncomeUnit::Usd)
        );
    }

    #[test]
    fn units_resolve_to_the_cutoffs_unless_declared() {
        use IncomeUnit::{ThousandUsd as K, Usd};
        let r = |cps, declared, cutoffs| IncomeUnits::resolve(cps, declared, cutoffs);
        assert_eq!(
            r(false, None, Some(K)).unwrap(),
            IncomeUnits { data: K, model: K }
        );
        assert_eq!(r(false, Some(Usd), Some(K)).unwrap().factor(), 1e-3);
        assert_eq!(
            r(true, None, Some(K)).unwrap(),
            IncomeUnits {
                data: Usd,
                model: K
            }
        );
        assert!(r(true, Some(K), None).unwrap_err().contains("usd"));
        assert_eq!(
            r(false, Some(K), None).unwrap(),
            IncomeUnits { data: K, model: K }
        );
        assert_eq!(r(false, None, None).unwrap(), IncomeUnits::USD);
        assert!("dollars".parse::<IncomeUnit>().is_err());
    }

    #[test]
    fn incomes_and_weights_beyond_the_bounds_name_row_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        std::fs::write(&path, "income,weight\n10,1\n20,1\n1e308,1\n").unwrap();
        let text = load_incomes(&path).unwrap_err().to_string();
        assert!(
            text.contains("row 3") && text.contains("1e308") && text.contains("income"),
            "{text}"
        );
        std::fs::write(&path, "income,weight\n10,1\n20,1e300\n").unwrap();
        let text = load_incomes(&path).unwrap_err().to_string();
        assert!(text.contains("row 2") && text.contains("weight"), "{text}");
        std::fs::write(&path, "income\n10\n-1e12\n").unwrap();
        assert!(load_incomes(&path).is_ok());
    }
}
