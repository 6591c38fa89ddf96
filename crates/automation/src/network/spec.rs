//! How a network is specified: [`NetworkSpec`], the TOML `[network]` table (parsed by serde).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How a network is specified (TOML `[network]` table: `kind = "..."` plus parameters).
///
/// Every `weight` is the value of an off-diagonal entry of Omega where the topology has an
/// edge; it must be finite and >= 0.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NetworkSpec {
    /// No spillovers: Omega = I.
    #[default]
    Identity,
    /// Every task helps every other task by `weight` (alias `kind = "uniform"`).
    #[serde(alias = "uniform")]
    Complete {
        /// The off-diagonal entry.
        weight: f64,
    },
    /// Undirected ring: each task exchanges data with its `neighbors` nearest tasks on each
    /// side (degree `min(2 * neighbors, N - 1)`).
    Ring {
        /// Neighbours on each side, `< N`.
        neighbors: usize,
        /// Edge weight.
        weight: f64,
    },
    /// Directed chain: task i receives from task i - 1 (`omega[(i, i - 1)] = weight`).
    Chain {
        /// Edge weight.
        weight: f64,
    },
    /// Star around task `center`.
    Star {
        /// The hub, `< N`.
        center: usize,
        /// Edge weight.
        weight: f64,
        /// Which way data flows (default `out`: the centre sends to every task).
        #[serde(default)]
        direction: StarDirection,
    },
    /// The first `core` tasks form the core, the rest the periphery; one weight per block,
    /// named receiver first.
    CorePeriphery {
        /// Number of core tasks, `<= N`.
        core: usize,
        /// Core receives from core.
        cc: f64,
        /// Periphery receives from core.
        pc: f64,
        /// Core receives from periphery.
        cp: f64,
        /// Periphery receives from periphery.
        pp: f64,
    },
    /// Stochastic block model: consecutive blocks of `sizes` tasks; receiver i in block a
    /// gets an edge from sender j in block b with probability `probabilities[a][b]`. A
    /// symmetric probability matrix gives an undirected graph (one draw per pair), an
    /// asymmetric one a directed graph (one draw per ordered pair).
    StochasticBlock {
        /// Block sizes, summing to N.
        sizes: Vec<usize>,
        /// Square matrix of edge probabilities in [0, 1], one row and column per block.
        probabilities: Vec<Vec<f64>>,
        /// Edge weight.
        weight: f64,
    },
    /// Erdos-Renyi G(N, p).
    ErdosRenyi {
        /// Edge probability in [0, 1].
        probability: f64,
        /// Edge weight.
        weight: f64,
        /// One draw per ordered pair (true) or per unordered pair, symmetric (false, the
        /// default).
        #[serde(default)]
        directed: bool,
    },
    /// Watts-Strogatz small world: the undirected ring with `neighbors` per side, then each
    /// lattice edge (i, i + d) is rewired with probability `rewire` to (i, u) for a uniformly
    /// drawn u that is not i and not yet a neighbour of i. Undirected.
    WattsStrogatz {
        /// Neighbours on each side in the initial ring, `< N`.
        neighbors: usize,
        /// Rewiring probability in [0, 1].
        rewire: f64,
        /// Edge weight.
        weight: f64,
    },
    /// Barabasi-Albert preferential attachment, undirected: the first m =
    /// `edges_per_node` tasks form a clique; task m links to all of them and every later task
    /// to m distinct earlier tasks drawn with probability proportional to degree. Exactly
    /// `m (m - 1) / 2 + m (N - m)` edges.
    BarabasiAlbert {
        /// Links each new task makes, in `1..N`.
        edges_per_node: usize,
        /// Edge weight.
        weight: f64,
    },
    /// A user matrix or edge list (CSV, gzip CSV or Parquet), loaded by
    /// `walras_data::automation::load_network_file`;
    /// [`Network::build`](super::Network::build) rejects it.
    File {
        /// The file.
        path: PathBuf,
    },
}

/// Direction of a [`NetworkSpec::Star`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StarDirection {
    /// The centre sends to every other task.
    #[default]
    Out,
    /// Every other task sends to the centre.
    In,
    /// Both.
    Both,
}

impl NetworkSpec {
    /// Parses `key=value,...`, the keys of a scenario's `[network]` table (e.g.
    /// `kind=ring,neighbors=2,weight=0.5`): `true`/`false` are booleans, whole numbers
    /// integers, other numbers floats, anything else text.
    pub fn from_pairs(text: &str) -> Result<Self, super::NetworkError> {
        let bad = |reason: String| super::NetworkError::Spec {
            text: text.to_string(),
            reason,
        };
        let pairs = walras_core::spec::parse_pairs(text).map_err(|e| bad(e.to_string()))?;
        let table: toml::Table = pairs
            .into_iter()
            .map(|(key, value)| {
                let value = match value.as_str() {
                    "true" => toml::Value::Boolean(true),
                    "false" => toml::Value::Boolean(false),
                    t => t
                        .parse::<i64>()
                        .map(toml::Value::Integer)
                        .or_else(|_| t.parse::<f64>().map(toml::Value::Float))
                        .unwrap_or_else(|_| toml::Value::String(t.to_string())),
                };
                (key, value)
            })
            .collect();
        NetworkSpec::deserialize(toml::Value::Table(table)).map_err(|e| bad(e.to_string()))
    }
}
