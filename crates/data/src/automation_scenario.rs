//! An automation scenario in one call: a TOML file or a shipped preset, with numeric overrides
//! applied, resolved into a model whose network files are read through this crate.

use std::path::{Path, PathBuf};

use walras_automation::monte_carlo::{check_unique_keys, set_parameter};
use walras_automation::network::Network;
use walras_automation::scenario::{Model, Scenario};
use walras_automation::ModelError;

use crate::automation::load_network_file;
use crate::DataError;

/// The preset used when neither a file nor a preset is named.
pub const DEFAULT_PRESET: &str = "directed-chain";

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AutomationScenarioError {
    /// The scenario file could not be read.
    #[error("reading scenario {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The scenario is invalid (TOML, a parameter, an override).
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// A scenario with where it came from.
#[derive(Debug, Clone)]
pub struct AutomationScenario {
    /// The scenario, overrides applied.
    pub scenario: Scenario,
    /// The folder relative network files are read from (the scenario file's folder).
    pub base: Option<PathBuf>,
    /// Files read.
    pub inputs: Vec<PathBuf>,
}

impl AutomationScenario {
    /// Load `file` (TOML), or else the preset `preset` (default [`DEFAULT_PRESET`]), and apply
    /// `overrides` (`key`, value; each key at most once) (see [`set_parameter`] for the keys).
    pub fn load(
        file: Option<&Path>,
        preset: Option<&str>,
        overrides: &[(String, f64)],
    ) -> Result<Self, AutomationScenarioError> {
        let (mut scenario, base, inputs) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| {
                    AutomationScenarioError::Read {
                        path: path.to_path_buf(),
                        source,
                    }
                })?;
                let scenario = Scenario::parse(&text, &path.display().to_string())?;
                (
                    scenario,
                    path.parent().map(Path::to_path_buf),
                    vec![path.to_path_buf()],
                )
            }
            None => (
                Scenario::preset(preset.unwrap_or(DEFAULT_PRESET))?,
                None,
                Vec::new(),
            ),
        };
        check_unique_keys("override", overrides.iter().map(|(k, _)| k.as_str()))?;
        for (key, value) in overrides {
            set_parameter(&mut scenario, key, *value)?;
        }
        Ok(AutomationScenario {
            scenario,
            base,
            inputs,
        })
    }

    /// The economy, network, initial data and path options of the scenario.
    pub fn model(&self) -> Result<Model, ModelError> {
        self.scenario
            .resolve(self.base.as_deref(), &network_file_loader)
    }
}

/// Reads a user network file for a scenario (`kind = "file"`).
pub fn network_file_loader(path: &Path, tasks: usize) -> Result<Network, String> {
    load_network_file(path, tasks).map_err(|e: DataError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_given_twice_is_an_error_naming_the_key() {
        let overrides = [("sigma".to_string(), 0.5), ("sigma".to_string(), 0.6)];
        let err = AutomationScenario::load(None, None, &overrides).unwrap_err();
        assert!(
            err.to_string().contains("the key sigma is given twice"),
            "{err}"
        );
    }
}
