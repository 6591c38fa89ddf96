//! Which scenario a computation runs: a scenario file or a shipped preset, with `set`
//! overrides; and the list of presets.

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{json, Value};
use walras_automation::monte_carlo::parse_override;
use walras_automation::scenario::{Model, Scenario, PRESETS};
use walras_data::automation_scenario::AutomationScenarioError;
use walras_data::{AutomationScenario, DataError};

use crate::ArgumentError;

/// The scenario of a request: a file (TOML) or else a preset (default `directed-chain`),
/// and overrides `KEY=VALUE` (each key at most once).
#[derive(Clone, Debug, Default)]
pub struct ScenarioSource {
    /// A scenario file (TOML).
    pub scenario: Option<PathBuf>,
    /// A shipped preset (see [`presets`]).
    pub preset: Option<String>,
    /// Overrides of scalar keys, `KEY=VALUE` (`sigma=0.5`, `network.weight=0.2`).
    pub set: Vec<String>,
}

impl ScenarioSource {
    /// ` (--set k=v ...)` for error messages, or nothing without overrides.
    pub(crate) fn overrides_note(&self) -> String {
        if self.set.is_empty() {
            String::new()
        } else {
            let sets: Vec<String> = self.set.iter().map(|o| format!("--set {o}")).collect();
            format!(" ({})", sets.join(" "))
        }
    }
}

/// A message as an error, so that an [`ArgumentError`] shows it after the setting's name.
#[derive(Debug)]
struct Said(String);

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Said {}

/// An error of setting `name`, shown as `--name: message`.
pub(crate) fn named(name: &'static str, message: String) -> anyhow::Error {
    ArgumentError::from_error(name, &Said(message)).into()
}

/// Refuses a key given twice to the repeatable setting `flag` (texts `KEY=...`), naming the
/// key.
pub(crate) fn unique_keys(flag: &'static str, texts: &[String]) -> Result<()> {
    let key_of = |t: &str| t.split_once('=').map_or(t, |(k, _)| k).trim().to_string();
    for (k, text) in texts.iter().enumerate() {
        let key = key_of(text);
        if let Some(first) = texts[..k].iter().find(|t| key_of(t) == key) {
            return Err(named(
                flag,
                format!("the key {key} is given twice ({first} and {text}); give each key once"),
            ));
        }
    }
    Ok(())
}

/// The scenario of `source`, overrides applied. A bad override or preset is an
/// [`ArgumentError`] naming `set` or `preset`; an unreadable file a [`DataError`].
pub fn load(source: &ScenarioSource) -> Result<AutomationScenario> {
    unique_keys("set", &source.set)?;
    let overrides = source
        .set
        .iter()
        .map(|o| {
            parse_override(o).map_err(|e| {
                anyhow::Error::new(ArgumentError::from_error("set", &e))
                    .context(format!("--set {o}"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let file = source.scenario.as_deref();
    let preset = source.preset.as_deref();
    match AutomationScenario::load(file, preset, &overrides) {
        Ok(loaded) => Ok(loaded),
        Err(AutomationScenarioError::Read { path, source }) => {
            let shown = path.display().to_string();
            Err(anyhow::Error::new(DataError::Io { path, source })
                .context(format!("reading scenario {shown}")))
        }
        Err(AutomationScenarioError::Model(e)) => {
            if file.is_none() && preset.is_some_and(|p| Scenario::preset(p).is_err()) {
                Err(ArgumentError::from_error("preset", &e).into())
            } else if !overrides.is_empty() && AutomationScenario::load(file, preset, &[]).is_ok() {
                Err(ArgumentError::from_error("set", &e).into())
            } else {
                Err(e.into())
            }
        }
    }
}

/// The scenario's model (economy, network, initial data, path options), its name in the
/// error.
pub fn build(loaded: &AutomationScenario) -> Result<Model> {
    build_from(loaded, &ScenarioSource::default())
}

/// [`build`], a value out of range that only `source`'s overrides bring in being an
/// [`ArgumentError`] of `set`.
pub(crate) fn build_from(loaded: &AutomationScenario, source: &ScenarioSource) -> Result<Model> {
    let context = || format!("scenario {}", loaded.scenario.name);
    loaded.model().map_err(|e| {
        let without = ScenarioSource {
            set: Vec::new(),
            ..source.clone()
        };
        let overrides_at_fault =
            !source.set.is_empty() && load(&without).is_ok_and(|plain| plain.model().is_ok());
        if overrides_at_fault {
            anyhow::Error::new(ArgumentError::from_error("set", &e)).context(context())
        } else {
            anyhow::Error::new(e).context(context())
        }
    })
}

/// The shipped presets: (name, description).
pub fn presets() -> Vec<(String, String)> {
    PRESETS
        .iter()
        .map(|(name, _)| {
            let description = Scenario::preset(name)
                .map(|s| s.description)
                .unwrap_or_default();
            (name.to_string(), description)
        })
        .collect()
}

/// The presets as the command line's JSON record.
pub fn presets_json() -> Value {
    json!({"presets": presets().iter().map(|(n, d)| json!({"name": n, "description": d})).collect::<Vec<_>>()})
}
