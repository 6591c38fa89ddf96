//! The inputs of the tax computations: incomes, cutoffs, their units and skill populations.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use walras_data::tax::{
    cps_sample, cutoff_set, income_scale, load_incomes, CutoffSet, IncomeUnit, ScaleVerdict,
    SCALE_REFUSE, SCALE_REFUSE_BELOW,
};
use walras_data::tax_population::IncomeUnits;
use walras_data::{PopulationError, TaxPopulation};

use crate::ArgumentError;

/// Where incomes come from.
#[derive(Clone, Debug, Default)]
pub enum Incomes<'a> {
    /// The embedded CPS sample (USD, single filers, weighted).
    #[default]
    Embedded,
    /// A CSV (optionally .gz) or Parquet file with a column `income` (and optionally `weight`).
    File(PathBuf),
    /// Values in memory, borrowed (not copied unless a unit conversion needs it).
    Values {
        /// Incomes.
        incomes: &'a [f64],
        /// Population weights, one per income.
        weights: Option<&'a [f64]>,
        /// How outputs name the sample.
        source: String,
    },
}

/// Incomes as read, in the model's unit.
pub(crate) struct Sample<'a> {
    pub source: String,
    pub incomes: Cow<'a, [f64]>,
    pub weights: Option<Cow<'a, [f64]>>,
}

impl<'a> Incomes<'a> {
    /// How errors name the incomes (`--incomes FILE`, `incomes`).
    pub(crate) fn describe(&self) -> String {
        match self {
            Incomes::Embedded => "the embedded CPS sample".into(),
            Incomes::File(p) => format!("--incomes {}", p.display()),
            Incomes::Values { source, .. } => format!("incomes ({source})"),
        }
    }

    /// Read the incomes, multiplied by `factor`; files read go into `inputs`.
    pub(crate) fn load(&self, factor: f64, inputs: &mut Vec<PathBuf>) -> Result<Sample<'a>> {
        let scale = |v: Vec<f64>| -> Vec<f64> {
            if factor == 1.0 {
                v
            } else {
                v.into_iter().map(|x| x * factor).collect()
            }
        };
        let owned = |s: walras_data::tax::IncomeSample| Sample {
            source: s.source,
            incomes: Cow::Owned(scale(s.incomes)),
            weights: s.weights.map(Cow::Owned),
        };
        Ok(match self {
            Incomes::Embedded => owned(cps_sample().context("the embedded CPS sample")?),
            Incomes::File(p) => {
                inputs.push(p.clone());
                owned(load_incomes(p).with_context(|| format!("--incomes {}", p.display()))?)
            }
            Incomes::Values {
                incomes,
                weights,
                source,
            } => {
                if let Some(w) = weights {
                    if w.len() != incomes.len() {
                        bail!(ArgumentError::new(
                            "weights",
                            format!(
                                "has {} entries, one per income needed ({})",
                                w.len(),
                                incomes.len()
                            )
                        ));
                    }
                }
                Sample {
                    source: source.clone(),
                    incomes: if factor == 1.0 {
                        Cow::Borrowed(*incomes)
                    } else {
                        Cow::Owned(incomes.iter().map(|x| x * factor).collect())
                    },
                    weights: weights.map(Cow::Borrowed),
                }
            }
        })
    }
}

/// The cutoffs of `spec` (a named set or a file, recorded in `inputs`).
pub(crate) fn cutoffs(spec: &str, inputs: &mut Vec<PathBuf>) -> Result<CutoffSet> {
    if Path::new(spec).is_file() {
        inputs.push(PathBuf::from(spec));
    }
    cutoff_set(spec).with_context(|| {
        format!("--cutoffs {spec}: expected aie-us-federal, us-federal-2018 or a file with a column `cutoff`")
    })
}

/// The units of incomes read from data (see [`IncomeUnits::resolve`]).
pub(crate) fn income_units(
    declared: Option<&str>,
    embedded_cps: bool,
    cutoffs: Option<IncomeUnit>,
) -> Result<IncomeUnits> {
    let declared = declared
        .map(|u| {
            u.parse::<IncomeUnit>()
                .map_err(|e| ArgumentError::new("income-units", e.to_string()))
        })
        .transpose()?;
    Ok(IncomeUnits::resolve(embedded_cps, declared, cutoffs)
        .map_err(|e| ArgumentError::new("income-units", e))?)
}

/// Refuse incomes whose scale is implausible for the cutoffs and warn about a doubtful one
/// (the rule of [`income_scale`]); `incomes` are already in the cutoffs' unit.
pub(crate) fn check_income_scale(
    (source, incomes, weights): (&str, &[f64], Option<&[f64]>),
    cutoffs: &CutoffSet,
    units: IncomeUnits,
    declared: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some(scale) = income_scale(incomes, weights, &cutoffs.cutoffs) else {
        return Ok(());
    };
    let read_as = match declared {
        Some(_) => format!("read as {} (--income-units)", units.data),
        None => format!("read as {} (the default for these cutoffs)", units.data),
    };
    let converted = if units.data == units.model {
        String::new()
    } else {
        format!(" and converted to {}", units.model)
    };
    let suggestion = match (scale.median > scale.top_cutoff, units.data) {
        (true, IncomeUnit::ThousandUsd) => "if the incomes are in USD, pass --income-units usd",
        (false, IncomeUnit::Usd) => {
            "if the incomes are in thousands of USD, pass --income-units thousand-usd"
        }
        _ => "check the incomes' unit (--income-units usd|thousand-usd) and the cutoffs",
    };
    let message = format!(
        "incomes of {source} {read_as}{converted}: {} of --cutoffs {}",
        scale.describe(units.model.name()),
        cutoffs.name,
    );
    match scale.verdict {
        ScaleVerdict::Implausible => bail!(
            "{message}; refused: the median positive income must lie between 1/{SCALE_REFUSE_BELOW} of the first cutoff and {SCALE_REFUSE} times the top cutoff; {suggestion}"
        ),
        ScaleVerdict::Doubtful => {
            warnings.push(format!("{message}; {suggestion}"));
            Ok(())
        }
        ScaleVerdict::Plausible => Ok(()),
    }
}

/// Agents for a skills specification (see [`TaxPopulation::load`]); files read go into
/// `inputs`.
pub(crate) fn population(
    spec: &str,
    agents: usize,
    elasticity: f64,
    units: IncomeUnits,
    inputs: &mut Vec<PathBuf>,
) -> Result<TaxPopulation> {
    let loaded =
        TaxPopulation::load_in_units(spec, agents, elasticity, units).map_err(|e| match e {
            PopulationError::TooFewAgents(n) => {
                anyhow!(ArgumentError::new(
                    "agents",
                    format!("must be at least 2, got {n}")
                ))
            }
            e => anyhow::Error::new(e).context(format!("--skills {spec}")),
        })?;
    inputs.extend(loaded.inputs.iter().cloned());
    Ok(loaded)
}
