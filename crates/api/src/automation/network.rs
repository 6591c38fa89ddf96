//! Building, inspecting and exporting a spillover network (`walras automation network`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use walras_automation::{Network, NetworkSpec, NetworkStats};
use walras_core::{NoObserver, Observer};
use walras_data::automation::write_network_csv;

use super::scenario::{build_from, load, ScenarioSource};
use crate::{ArgumentError, Output, Provenance};

/// What `walras automation network` computes: the network of a scenario, or one built from
/// `spec`; the defaults are the command line's.
#[derive(Clone)]
pub struct NetworkRequest {
    /// Take the network of this scenario (unless `spec` is given).
    pub source: ScenarioSource,
    /// Or build one: kind and parameters, e.g. `kind=ring,neighbors=2,weight=0.5`.
    pub spec: Option<String>,
    /// Number of tasks for `spec`.
    pub tasks: usize,
    /// Seed for random topologies built with `spec`.
    pub seed: u64,
    /// Write the network as an edge list (CSV, csv.gz or Parquet by extension).
    pub export: Option<PathBuf>,
    /// Unused by the statistics (they are quick); kept for a uniform request.
    pub observer: Arc<dyn Observer>,
}

impl Default for NetworkRequest {
    fn default() -> Self {
        NetworkRequest {
            source: ScenarioSource::default(),
            spec: None,
            tasks: 20,
            seed: 0,
            export: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// A network and its statistics (reachability from task 0).
pub struct NetworkRun {
    /// The network.
    pub network: Network,
    /// Degrees, strengths, centralities, spectral radius, reachability.
    pub stats: NetworkStats,
    /// The JSON record (the statistics); no tables or figures.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

/// The network of the request (built or a scenario's), its statistics, and the edge list
/// written to `export` when asked.
pub fn network(request: &NetworkRequest) -> Result<NetworkRun> {
    let (network, inputs) = match &request.spec {
        Some(text) => {
            let spec = NetworkSpec::from_pairs(text).map_err(|e| {
                anyhow::Error::new(ArgumentError::from_error("spec", &e))
                    .context(format!("--spec {text}"))
            })?;
            let network = Network::build(&spec, request.tasks, request.seed)
                .with_context(|| format!("--tasks {}", request.tasks))?;
            (network, Vec::new())
        }
        None => {
            let loaded = load(&request.source)?;
            (build_from(&loaded, &request.source)?.network, loaded.inputs)
        }
    };
    let stats = network.stats(&[0]);
    if let Some(path) = &request.export {
        write_network_csv(path, &network)?;
    }
    let json = serde_json::to_value(&stats)?;
    Ok(NetworkRun {
        network,
        stats,
        output: Output {
            json_name: "network.json",
            json,
            tables: Vec::new(),
            figures: Vec::new(),
        },
        provenance: Provenance {
            inputs,
            ..Provenance::default()
        },
    })
}
