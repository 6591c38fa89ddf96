//! A tax economy's population in one call: the embedded CPS sample, an income file, the AI
//! Economist's one-step skills or a parametric distribution, turned into agents' skills (and,
//! for the Saez estimator, the incomes to feed it).

use std::path::{Path, PathBuf};

use walras_tax::{BracketSchedule, Population, SkillDistribution, TaxError};

use crate::tax::{cps_sample, load_incomes, IncomeSample, IncomeUnit};
use crate::DataError;

/// The most agents a population may have.
pub const MAX_AGENTS: usize = 10_000_000;

/// Where skills come from, as written in a `--skills` specification.
#[derive(Clone, Debug, PartialEq)]
pub enum SkillSource {
    /// `cps`: skills inverted from the embedded CPS earnings under US federal 2018.
    Cps,
    /// A path to an income file (CSV, gzip CSV, Parquet), inverted the same way.
    IncomeFile(PathBuf),
    /// `aie:agents=N,seed=S`: the AI Economist's one-step skills.
    AiEconomist {
        /// Number of agents.
        agents: usize,
        /// The seed of its draws.
        seed: u64,
    },
    /// `pareto:..`, `lognormal:..`, `lognormal-pareto:..`: a distribution on a quantile grid.
    Distribution(SkillDistribution),
}

/// Why a population could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    /// The specification names no known source.
    #[error(
        "expected pareto:.., lognormal:.., lognormal-pareto:.., aie:.., cps or an income file"
    )]
    Spec(#[source] TaxError),
    /// An `aie:` specification with counts that are not whole numbers.
    #[error("{spec}: agents and seed must be whole numbers >= 0")]
    NotWhole {
        /// The specification.
        spec: String,
    },
    /// Too few agents for a parametric distribution.
    #[error("agents must be at least 2, got {0}")]
    TooFewAgents(usize),
    /// More agents than the optimiser can hold and run in reasonable time.
    #[error("agents = {0}: at most {MAX_AGENTS} (each agent's skill, income and choice per bracket regime are held in memory; 100,000 agents solve in well under a second)")]
    TooManyAgents(usize),
    /// The earnings could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The skills could not be built.
    #[error(transparent)]
    Tax(#[from] TaxError),
}

impl SkillSource {
    /// Parse a specification: `cps`, `aie:agents=N,seed=S`, a distribution, or a path to an
    /// existing income file.
    pub fn parse(spec: &str) -> Result<Self, PopulationError> {
        if spec == "cps" {
            return Ok(SkillSource::Cps);
        }
        if spec.starts_with("aie:") {
            let (_, params) = walras_tax::parse_spec("skills", spec)?;
            let [n, seed] = walras_tax::take_params("skills", spec, &params, ["agents", "seed"])?;
            if !(n >= 1.0 && n.fract() == 0.0 && seed >= 0.0 && seed.fract() == 0.0) {
                return Err(PopulationError::NotWhole { spec: spec.into() });
            }
            return Ok(SkillSource::AiEconomist {
                agents: n as usize,
                seed: seed as u64,
            });
        }
        if spec.contains(':') || !Path::new(spec).exists() {
            return spec
                .parse()
                .map(SkillSource::Distribution)
                .map_err(|e| match e {
                    // A well-formed specification with a bad value: the value is the news.
                    e @ TaxError::InvalidParameter { .. } => PopulationError::Tax(e),
                    e => PopulationError::Spec(e),
                });
        }
        Ok(SkillSource::IncomeFile(spec.into()))
    }

    /// Whether skills are inferred from earnings data (which assumes quasi-linear utility).
    pub fn is_earnings_data(&self) -> bool {
        matches!(self, SkillSource::Cps | SkillSource::IncomeFile(_))
    }
}

/// Agents' skills and weights, with where they came from.
#[derive(Clone, Debug)]
pub struct TaxPopulation {
    /// The agents.
    pub population: Population,
    /// One line for outputs, e.g. `pareto:alpha=2,min=1, 1000 agents on a quantile grid`.
    pub description: String,
    /// The earnings sample the skills were inverted from, if any.
    pub earnings: Option<IncomeSample>,
    /// Files read.
    pub inputs: Vec<PathBuf>,
    /// The specification it was built from.
    pub spec: String,
}

/// The unit incomes read from data are in, and the unit of the model (its cutoffs) they are
/// converted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncomeUnits {
    /// Unit of the data's incomes.
    pub data: IncomeUnit,
    /// Unit of the model: incomes are multiplied by `data.factor_to(model)`.
    pub model: IncomeUnit,
}

impl IncomeUnits {
    /// No conversion: data and model in USD.
    pub const USD: IncomeUnits = IncomeUnits {
        data: IncomeUnit::Usd,
        model: IncomeUnit::Usd,
    };

    /// Resolve the units: the embedded CPS sample (`embedded_cps`) is in USD (declaring
    /// another unit is an error); an income file is in the `declared` unit or, without one,
    /// the cutoffs' unit, else USD. The model takes the cutoffs' unit, or (cutoffs from a
    /// file or from quantiles, of no declared unit) the data's.
    pub fn resolve(
        embedded_cps: bool,
        declared: Option<IncomeUnit>,
        cutoffs: Option<IncomeUnit>,
    ) -> Result<Self, String> {
        let data = if embedded_cps {
            if let Some(u) = declared.filter(|u| *u != IncomeUnit::Usd) {
                return Err(format!(
                    "the embedded CPS sample is in usd, not {u}; --income-units describes an income file"
                ));
            }
            IncomeUnit::Usd
        } else {
            declared.or(cutoffs).unwrap_or(IncomeUnit::Usd)
        };
        Ok(IncomeUnits {
            data,
            model: cutoffs.unwrap_or(data),
        })
    }

    /// The factor from data to model units.
    pub fn factor(&self) -> f64 {
        self.data.factor_to(self.model)
    }
}

impl TaxPopulation {
    /// Build the population of a `--skills` specification (see [`SkillSource::parse`]):
    /// `agents` grid points for a distribution; labour `elasticity` for inverting earnings into
    /// skills (under US federal 2018). Incomes are taken to be in USD.
    pub fn load(spec: &str, agents: usize, elasticity: f64) -> Result<Self, PopulationError> {
        Self::load_in_units(spec, agents, elasticity, IncomeUnits::USD)
    }

    /// [`TaxPopulation::load`] with earnings in `units.data`, converted to `units.model` and
    /// inverted under US federal 2018 expressed in `units.model` (the CPS sample is in USD
    /// whatever `units.data` says; resolve with [`IncomeUnits::resolve`]). Parametric skills
    /// are in model units and are not converted.
    pub fn load_in_units(
        spec: &str,
        agents: usize,
        elasticity: f64,
        units: IncomeUnits,
    ) -> Result<Self, PopulationError> {
        let source = SkillSource::parse(spec)?;
        let requested = match &source {
            SkillSource::AiEconomist { agents, .. } => *agents,
            _ => agents,
        };
        if requested > MAX_AGENTS {
            return Err(PopulationError::TooManyAgents(requested));
        }
        let spec = spec.to_string();
        let model = units.model;
        let invert = |sample: IncomeSample,
                      data: IncomeUnit,
                      inputs: Vec<PathBuf>|
         -> Result<Self, PopulationError> {
            let sample = sample.scaled(data.factor_to(model));
            let us = BracketSchedule::us_federal_2018();
            let scale = 1.0 / model.usd();
            let schedule = BracketSchedule::new(
                us.label.clone(),
                us.cutoffs().iter().map(|m| m * scale).collect(),
                us.rates().to_vec(),
            )?;
            let (population, floored) = walras_tax::skills_from_earnings(
                &sample.incomes,
                sample.weights.as_deref(),
                elasticity,
                &schedule,
            )?;
            let converted = if data == model {
                format!("in {model}")
            } else {
                format!("converted from {data} to {model}")
            };
            Ok(TaxPopulation {
                population,
                description: format!(
                    "skills inverted from {}, {converted}, under US federal 2018 ({floored} non-positive earners kept at a near-zero skill)",
                    sample.source
                ),
                earnings: Some(sample),
                inputs,
                spec: spec.clone(),
            })
        };
        match &source {
            SkillSource::Cps => invert(cps_sample()?, IncomeUnit::Usd, Vec::new()),
            SkillSource::IncomeFile(path) => {
                invert(load_incomes(path)?, units.data, vec![path.clone()])
            }
            SkillSource::AiEconomist { agents, seed } => Ok(TaxPopulation {
                population: walras_tax::aie_one_step_skills(*agents, 1_000, *seed)?,
                description: format!(
                    "AI Economist one-step skills ({agents} agents, seed {seed}, mean of 1,000 sorted draws)"
                ),
                earnings: None,
                inputs: Vec::new(),
                spec,
            }),
            SkillSource::Distribution(dist) => {
                if agents < 2 {
                    return Err(PopulationError::TooFewAgents(agents));
                }
                Ok(TaxPopulation {
                    population: dist.population(agents)?,
                    description: format!("{spec}, {agents} agents on a quantile grid"),
                    earnings: None,
                    inputs: Vec::new(),
                    spec,
                })
            }
        }
    }

    /// The incomes for the Saez estimator: the earnings sample itself where skills came from
    /// one, else the population's laissez-faire incomes under labour `elasticity`.
    pub fn saez_incomes(&self, elasticity: f64) -> IncomeSample {
        match &self.earnings {
            Some(sample) => sample.clone(),
            None => IncomeSample {
                source: format!("laissez-faire incomes of {}", self.spec),
                incomes: self.population.laissez_faire_incomes(elasticity),
                weights: Some(self.population.weights().to_vec()),
            },
        }
    }
}
