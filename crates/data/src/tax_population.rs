//! A tax economy's population in one call: the embedded CPS sample, an income file, the AI
//! Economist's one-step skills or a parametric distribution, turned into agents' skills (and,
//! for the Saez estimator, the incomes to feed it).

use std::path::{Path, PathBuf};

use walras_tax::{BracketSchedule, Population, SkillDistribution, TaxError};

use crate::tax::{cps_sample, load_incomes, IncomeSample};
use crate::DataError;

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
                .map_err(PopulationError::Spec);
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

impl TaxPopulation {
    /// Build the population of a `--skills` specification (see [`SkillSource::parse`]):
    /// `agents` grid points for a distribution; labour `elasticity` for inverting earnings into
    /// skills (under US federal 2018).
    pub fn load(spec: &str, agents: usize, elasticity: f64) -> Result<Self, PopulationError> {
        let source = SkillSource::parse(spec)?;
        let spec = spec.to_string();
        let invert = |sample: IncomeSample,
                      inputs: Vec<PathBuf>|
         -> Result<Self, PopulationError> {
            let (population, floored) = walras_tax::skills_from_earnings(
                &sample.incomes,
                sample.weights.as_deref(),
                elasticity,
                &BracketSchedule::us_federal_2018(),
            )?;
            Ok(TaxPopulation {
                population,
                description: format!(
                    "skills inverted from {} under US federal 2018 ({floored} non-positive earners kept at a near-zero skill)",
                    sample.source
                ),
                earnings: Some(sample),
                inputs,
                spec: spec.clone(),
            })
        };
        match &source {
            SkillSource::Cps => invert(cps_sample()?, Vec::new()),
            SkillSource::IncomeFile(path) => invert(load_incomes(path)?, vec![path.clone()]),
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
