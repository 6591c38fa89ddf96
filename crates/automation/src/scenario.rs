//! Scenario files (TOML) and the presets shipped in `data/automation/`.
//!
//! Every per-task key takes a scalar (the same for every task) or a list of `tasks` values.
//! `verifiability` also takes a distribution, spread over tasks by its quantiles
//! (`(i - 1/2) / N`), so a scenario is deterministic: `power:kappa=K` gives
//! `nu_i = ((i - 1/2)/N)^{1/K}` (the spec's P4 setting), `uniform:low=A,high=B` even spacing.
//! Task masses are relative weights, normalised to sum to one. Unknown keys are errors.

use std::path::{Path, PathBuf};

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::dynamics::{CapitalAccumulation, PathOptions};
use crate::economy::{check_per_task, DataTechnology, Economy, ModelError};
use crate::network::{Network, NetworkSpec, Normalization};
use walras_core::check;

/// A scalar or one value per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PerTask {
    /// The same value for every task.
    Scalar(f64),
    /// One value per task.
    List(Vec<f64>),
}

impl PerTask {
    fn resolve(&self, key: &str, n: usize) -> Result<Vec<f64>, ModelError> {
        match self {
            PerTask::Scalar(v) => Ok(vec![*v; n]),
            PerTask::List(v) if v.len() == n => Ok(v.clone()),
            PerTask::List(v) => Err(ModelError::Shape {
                key: key.into(),
                expected: format!("a scalar or a list of {n} values (tasks = {n})"),
                found: format!("a list of {}", v.len()),
            }),
        }
    }
}

/// Verifiability: a scalar, a list, or a distribution spread over tasks by quantiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Verifiability {
    /// Scalar or list.
    Values(PerTask),
    /// `power:kappa=K` or `uniform:low=A,high=B`.
    Distribution(String),
}

/// The `[network]` table: a topology (`kind` and its parameters, or `kind = "file"` with
/// `path`) plus how to normalise and combine it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkTable {
    /// The topology.
    pub spec: NetworkSpec,
    /// Normalisation of the off-diagonal weights (default raw).
    pub normalization: Normalization,
    /// Row intake or maximum weight for the normalisations (default 1).
    pub intake: f64,
    /// Multi-hop spillovers: effective data `(I - beta W)^{-1} D` (default: one hop).
    pub multi_hop: Option<f64>,
}

impl<'de> Deserialize<'de> for NetworkTable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(deserializer)?;
        let normalization = match table.remove("normalization") {
            Some(v) => Normalization::deserialize(v)
                .map_err(|e| D::Error::custom(format!("network.normalization: {e}")))?,
            None => Normalization::Raw,
        };
        let number = |v: toml::Value, key: &str| -> Result<f64, D::Error> {
            match v {
                toml::Value::Float(x) => Ok(x),
                toml::Value::Integer(i) => Ok(i as f64),
                other => Err(D::Error::custom(format!(
                    "network.{key} = {other} must be a number"
                ))),
            }
        };
        let intake = table
            .remove("intake")
            .map(|v| number(v, "intake"))
            .transpose()?
            .unwrap_or(1.0);
        let multi_hop = table
            .remove("multi_hop")
            .map(|v| number(v, "multi_hop"))
            .transpose()?;
        let spec = NetworkSpec::deserialize(toml::Value::Table(table))
            .map_err(|e| D::Error::custom(format!("[network]: {e}")))?;
        Ok(NetworkTable {
            spec,
            normalization,
            intake,
            multi_hop,
        })
    }
}

/// A scenario file as written (see the module docs for the keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (defaults to the file stem).
    #[serde(default)]
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Number of tasks N.
    pub tasks: usize,
    /// Elasticity of substitution across tasks.
    pub sigma: f64,
    /// Elasticity of AI productivity to effective data.
    #[serde(default = "default_theta")]
    pub theta: f64,
    /// `power` (default) or `logistic` (bounded; needs `data_half`).
    #[serde(default)]
    pub data_technology: Technology,
    /// Effective data at which the logistic technology reaches half its bound.
    #[serde(default)]
    pub data_half: Option<f64>,
    /// Share of labour-made output that also generates data.
    #[serde(default)]
    pub chi: f64,
    /// Data depreciation rate.
    #[serde(default)]
    pub delta_data: f64,
    /// Labour endowment (0: an AI-only economy).
    #[serde(default = "one")]
    pub labor: f64,
    /// AI capital (fixed, or K(0) with accumulation).
    #[serde(default = "one")]
    pub capital: f64,
    /// Task masses (relative weights, normalised to sum to one).
    #[serde(default = "per_task_one")]
    pub task_mass: PerTask,
    /// Labour productivity gamma_i.
    #[serde(default = "per_task_one")]
    pub labor_productivity: PerTask,
    /// AI productivity scale Abar_i.
    #[serde(default = "per_task_one")]
    pub ai_productivity: PerTask,
    /// Initial data D_i(0) (zeros allowed).
    #[serde(default = "per_task_one")]
    pub initial_data: PerTask,
    /// Verifiability nu_i.
    #[serde(default = "verifiability_one")]
    pub verifiability: Verifiability,
    /// Spillover network (default: none).
    #[serde(default)]
    pub network: Option<NetworkTable>,
    /// Solow capital accumulation.
    #[serde(default)]
    pub capital_accumulation: Option<CapitalAccumulation>,
    /// Simulation horizon.
    #[serde(default = "default_horizon")]
    pub horizon: f64,
    /// Stop once the labour task share falls below this.
    #[serde(default)]
    pub stop_labor_share: Option<f64>,
    /// Seed of every random element (random networks, Monte Carlo).
    #[serde(default)]
    pub seed: u64,
}

/// The data technology named in a scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Technology {
    /// `g(D) = D^theta`.
    #[default]
    Power,
    /// `g(D) = 1 / (1 + (half / D)^theta)`.
    Logistic,
}

fn default_theta() -> f64 {
    0.5
}
fn one() -> f64 {
    1.0
}
fn per_task_one() -> PerTask {
    PerTask::Scalar(1.0)
}
fn verifiability_one() -> Verifiability {
    Verifiability::Values(PerTask::Scalar(1.0))
}
fn default_horizon() -> f64 {
    100.0
}

/// A scenario resolved into a model: the economy, its network, the initial state and the path
/// settings.
#[derive(Debug, Clone)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// The economy.
    pub economy: Economy,
    /// The one-hop spillover network (before multi-hop), for statistics and figures.
    pub network: Network,
    /// Initial data.
    pub initial_data: Vec<f64>,
    /// Path settings.
    pub path: PathOptions,
    /// Seed.
    pub seed: u64,
}

/// The presets shipped with Walras: `(name, TOML text)`.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "no-spillovers",
        include_str!("../../../data/automation/no-spillovers.toml"),
    ),
    (
        "directed-chain",
        include_str!("../../../data/automation/directed-chain.toml"),
    ),
    (
        "core-periphery",
        include_str!("../../../data/automation/core-periphery.toml"),
    ),
    (
        "power-law",
        include_str!("../../../data/automation/power-law.toml"),
    ),
    (
        "capital-accumulation",
        include_str!("../../../data/automation/capital-accumulation.toml"),
    ),
    (
        "ai-only",
        include_str!("../../../data/automation/ai-only.toml"),
    ),
];

impl Scenario {
    /// Parses scenario text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ModelError> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| {
            ModelError::invalid(
                origin,
                "(file)",
                e.to_string().trim_end().replace('\n', " "),
            )
        })?;
        if scenario.name.is_empty() {
            scenario.name = Path::new(origin)
                .file_stem()
                .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned());
        }
        Ok(scenario)
    }

    /// A shipped preset by name; the error lists the presets.
    pub fn preset(name: &str) -> Result<Self, ModelError> {
        match PRESETS.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Scenario::parse(text, &format!("preset {n}")),
            None => Err(ModelError::invalid(
                "preset",
                name,
                format!(
                    "unknown preset; the presets are: {}",
                    PRESETS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Resolves into a model. `load_file` reads a user network file (`kind = "file"`), given
    /// its path (relative paths are taken against `base`) and the number of tasks.
    pub fn resolve(
        &self,
        base: Option<&Path>,
        load_file: &dyn Fn(&Path, usize) -> Result<Network, String>,
    ) -> Result<Model, ModelError> {
        let n = self.tasks;
        if n == 0 {
            return Err(ModelError::invalid("tasks", 0, "must be >= 1"));
        }
        crate::limits::check_tasks("tasks", n)?;
        let mass = self.task_mass.resolve("task_mass", n)?;
        check::each("task_mass", &mass, check::positive)?;
        let total: f64 = mass.iter().sum();
        let mass: Vec<f64> = mass.iter().map(|m| m / total).collect();
        let technology = match self.data_technology {
            Technology::Power => DataTechnology::Power { theta: self.theta },
            Technology::Logistic => DataTechnology::Logistic {
                theta: self.theta,
                half: self.data_half.ok_or_else(|| {
                    ModelError::invalid(
                        "data_half",
                        "(missing)",
                        "the logistic technology needs data_half",
                    )
                })?,
            },
        };
        let verifiability = match &self.verifiability {
            Verifiability::Values(v) => v.resolve("verifiability", n)?,
            Verifiability::Distribution(text) => distribution(text, n)?,
        };
        let (network, spill) = match &self.network {
            None => (
                Network::build(&NetworkSpec::Identity, n, self.seed).map_err(net_err)?,
                DMatrix::identity(n, n),
            ),
            Some(table) => {
                let network = match &table.spec {
                    NetworkSpec::File { path } => {
                        let full: PathBuf = match base {
                            Some(b) if path.is_relative() => b.join(path),
                            _ => path.clone(),
                        };
                        load_file(&full, n)
                            .map_err(|e| ModelError::invalid("network.path", full.display(), e))?
                    }
                    spec => Network::build(spec, n, self.seed).map_err(net_err)?,
                };
                let network = network
                    .normalized(table.normalization, table.intake)
                    .map_err(net_err)?;
                let spill = match table.multi_hop {
                    Some(beta) => network.multi_hop(beta).map_err(net_err)?,
                    None => network.omega().clone(),
                };
                (network, spill)
            }
        };
        let economy = Economy {
            sigma: self.sigma,
            technology,
            chi: self.chi,
            delta_data: self.delta_data,
            labor: self.labor,
            mass,
            labor_productivity: self.labor_productivity.resolve("labor_productivity", n)?,
            ai_productivity: self.ai_productivity.resolve("ai_productivity", n)?,
            verifiability,
            spill,
        };
        economy.validate()?;
        let initial_data = self.initial_data.resolve("initial_data", n)?;
        check_per_task("initial_data", &initial_data, n, true)?;
        if let Some(m) = self.stop_labor_share {
            if !(m > 0.0 && m < 1.0) {
                return Err(ModelError::invalid(
                    "stop_labor_share",
                    m,
                    "must be in (0, 1)",
                ));
            }
        }
        let path = PathOptions {
            horizon: self.horizon,
            capital: self.capital,
            accumulation: self.capital_accumulation,
            stop_labor_share: self.stop_labor_share,
            ..PathOptions::default()
        };
        Ok(Model {
            name: self.name.clone(),
            economy,
            network,
            initial_data,
            path,
            seed: self.seed,
        })
    }
}

fn net_err(e: crate::network::NetworkError) -> ModelError {
    ModelError::invalid("network", "(see reason)", e.to_string())
}

/// Quantiles `(i - 1/2)/N` of a named distribution.
fn distribution(text: &str, n: usize) -> Result<Vec<f64>, ModelError> {
    let bad =
        |why: &str| ModelError::invalid("verifiability", format!("\"{text}\""), why.to_string());
    let spec = walras_core::spec::Spec::parse(text).map_err(|e| bad(&e.to_string()))?;
    let q = |i: usize| (i as f64 + 0.5) / n as f64;
    match spec.name.as_str() {
        "power" => {
            let [kappa] = spec.numbers(["kappa"]).map_err(|e| bad(&e.to_string()))?;
            if !(kappa.is_finite() && kappa > 0.0) {
                return Err(bad("kappa must be > 0"));
            }
            Ok((0..n).map(|i| q(i).powf(1.0 / kappa)).collect())
        }
        "uniform" => {
            let [low, high] = spec
                .numbers(["low", "high"])
                .map_err(|e| bad(&e.to_string()))?;
            if !(0.0 <= low && low <= high && high <= 1.0) {
                return Err(bad("needs 0 <= low <= high <= 1"));
            }
            Ok((0..n).map(|i| low + (high - low) * q(i)).collect())
        }
        _ => Err(bad(
            "unknown distribution; use power:kappa=K or uniform:low=A,high=B",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &Path, _: usize) -> Result<Network, String> {
        Err("no files in this test".into())
    }

    #[test]
    fn every_preset_parses_and_resolves() {
        for (name, _) in PRESETS {
            let s = Scenario::preset(name).unwrap();
            assert_eq!(&s.name, name);
            let m = s.resolve(None, &no_files).unwrap();
            assert_eq!(m.economy.tasks(), s.tasks);
        }
        let err = Scenario::preset("nope").unwrap_err().to_string();
        assert!(
            err.contains("nope") && err.contains("directed-chain"),
            "{err}"
        );
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let base = "tasks = 3\nsigma = 0.5\n";
        let cases = [
            (format!("{base}colour = 1\n"), "colour"),
            ("tasks = 3\nsigma = -1\n".to_string(), "sigma"),
            (
                format!("{base}task_mass = [1.0, -2.0, 1.0]\n"),
                "task_mass[1]",
            ),
            (format!("{base}theta = -0.5\n"), "theta"),
            (
                format!("{base}labor_productivity = [1.0, 2.0]\n"),
                "labor_productivity",
            ),
            (
                format!("{base}verifiability = \"power:kappa=-1\"\n"),
                "verifiability",
            ),
            (
                format!("{base}[network]\nkind = \"chain\"\nweight = -1.0\n"),
                "weight",
            ),
            (
                format!("{base}[network]\nkind = \"pentagram\"\n"),
                "pentagram",
            ),
        ];
        for (text, key) in cases {
            let err = Scenario::parse(&text, "test.toml")
                .and_then(|s| s.resolve(None, &no_files).map(|_| ()));
            let msg = err.unwrap_err().to_string();
            assert!(msg.contains(key), "{key}: {msg}");
        }
    }

    #[test]
    fn power_verifiability_is_the_p4_setting() {
        let s = Scenario::parse(
            "tasks = 4\nsigma = 1.0\nverifiability = \"power:kappa=2\"\n",
            "t",
        )
        .unwrap();
        let m = s.resolve(None, &no_files).unwrap();
        let expect: Vec<f64> = (0..4).map(|i| ((i as f64 + 0.5) / 4.0).powf(0.5)).collect();
        assert_eq!(m.economy.verifiability, expect);
        assert!((m.economy.mass.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }
}
