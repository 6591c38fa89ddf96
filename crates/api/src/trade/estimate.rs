//! Trade elasticities estimated from the data (`walras trade estimate-elasticities`):
//! Caliendo and Parro's (2015) triple difference by sector, beside the data's own theta, and
//! the covariance of the estimates for the uncertainty commands.

use std::path::PathBuf;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use walras_data::trade_import::{gravity_data, RawLayout};
use walras_data::Table;
use walras_plot::{ScatterChart, Series};
use walras_trade::elasticity::{triple_difference, ThetaEstimate};

use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// What `walras trade estimate-elasticities` estimates; the defaults are the command line's.
#[derive(Clone, Debug)]
pub struct EstimateRequest {
    /// The raw layout (`cp2015`).
    pub layout: String,
    /// The raw dataset's directory.
    pub from: PathBuf,
    /// Fraction of each sector's country triples left out, those with the smallest flows.
    pub trim: f64,
}

/// One sector's estimate beside the data's own elasticity.
#[derive(Clone, Debug, Serialize)]
pub struct SectorEstimate {
    /// The sector.
    pub sector: String,
    /// The estimated trade elasticity.
    pub theta: f64,
    /// Its robust standard error.
    pub std_err: f64,
    /// Country triples in the regression.
    pub n_obs: usize,
    /// Uncentred R^2.
    pub r2: f64,
    /// The dataset's theta (Caliendo and Parro's Table 1 for cp2015).
    pub theta_data: f64,
    /// Triples without a zero flow left out by the trimming.
    pub trimmed: usize,
    /// Triples left out for a zero flow.
    pub zero_flow_triples: usize,
}

/// Estimated elasticities.
pub struct Estimates {
    /// By sector.
    pub sectors: Vec<SectorEstimate>,
    /// JSON record (`estimate.json`), `elasticities.csv`, `elasticity_covariance.csv` and the
    /// figure.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

/// The covariance file's name in an output folder.
pub const COVARIANCE_FILE: &str = "elasticity_covariance.csv";

/// Estimate theta by sector (see [`EstimateRequest`]).
pub fn estimate_elasticities(r: &EstimateRequest) -> Result<Estimates> {
    let layout: RawLayout = r
        .layout
        .parse()
        .map_err(|e| ArgumentError::new("layout", format!("{e}")))?;
    if !(0.0..0.5).contains(&r.trim) {
        return Err(ArgumentError::new(
            "trim",
            format!(
                "must lie in [0, 0.5) (a fraction of the country triples), got {}",
                r.trim
            ),
        )
        .into());
    }
    let data = gravity_data(layout, &r.from)
        .with_context(|| format!("reading {} from {}", r.layout, r.from.display()))?;
    let n = data.countries.len();
    let sectors: Vec<SectorEstimate> = data
        .sectors
        .par_iter()
        .enumerate()
        .map(|(j, name)| {
            let block = j * n * n..(j + 1) * n * n;
            let e: ThetaEstimate = triple_difference(
                n,
                &data.imports[block.clone()],
                &data.tariffs[block],
                r.trim,
            )
            .with_context(|| format!("sector {name}"))?;
            Ok(SectorEstimate {
                sector: name.clone(),
                theta: e.theta,
                std_err: e.std_err,
                n_obs: e.n_obs,
                r2: e.r2,
                theta_data: data.theta[j],
                trimmed: e.trimmed_triples,
                zero_flow_triples: e.zero_flow_triples,
            })
        })
        .collect::<Result<_>>()?;

    let parameters = json!({"layout": r.layout, "from": r.from, "trim": r.trim,
        "method": "Caliendo and Parro (2015) triple difference: OLS without a constant over unordered country triples, HC1 standard errors"});
    let mut record = parameters.clone();
    record["sectors"] = serde_json::to_value(&sectors)?;
    record["covariance_file"] = json!(COVARIANCE_FILE);
    let col = |f: &dyn Fn(&SectorEstimate) -> f64| sectors.iter().map(f).collect::<Vec<f64>>();
    let table = Table::new()
        .with_str("sector", sectors.iter().map(|s| s.sector.clone()).collect())?
        .with_f64("theta", col(&|s| s.theta))?
        .with_f64("std_err", col(&|s| s.std_err))?
        .with_f64("n_obs", col(&|s| s.n_obs as f64))?
        .with_f64("r2", col(&|s| s.r2))?
        .with_f64("theta_data", col(&|s| s.theta_data))?;
    // Sectors are estimated separately: the covariance is diagonal.
    let names: Vec<String> = sectors
        .iter()
        .map(|s| format!("theta:{}", s.sector))
        .collect();
    let mut covariance = Table::new().with_str("parameter", names.clone())?;
    for (k, name) in names.iter().enumerate() {
        covariance = covariance.with_f64(
            name,
            (0..names.len())
                .map(|i| {
                    if i == k {
                        sectors[k].std_err.powi(2)
                    } else {
                        0.0
                    }
                })
                .collect(),
        )?;
    }
    let figure = Figure::LabelledScatter {
        chart: ScatterChart {
            title: "Trade elasticities: estimated against the data's".into(),
            x_label: "theta in the data".into(),
            y_label: "theta estimated (triple difference)".into(),
            series: vec![Series::new(
                "sectors",
                col(&|s| s.theta_data),
                col(&|s| s.theta),
            )],
            diagonal: true,
            ..ScatterChart::default()
        },
        labels: vec![sectors.iter().map(|s| s.sector.clone()).collect()],
    };
    Ok(Estimates {
        output: Output {
            json_name: "estimate.json",
            json: record,
            tables: vec![
                NamedTable::new("elasticities.csv", table).caption(
                    "Trade elasticities by sector: Caliendo and Parro's triple difference (robust standard errors) beside the data's theta",
                ),
                NamedTable::new(COVARIANCE_FILE, covariance)
                    .caption("Covariance of the estimated elasticities (sectors estimated separately)"),
            ],
            figures: vec![("elasticities".into(), figure)],
        },
        provenance: Provenance {
            inputs: ["xbilat1993.txt", "tariffs1993.txt", "T.txt"]
                .iter()
                .map(|f| r.from.join(f))
                .collect(),
            parameters,
            ..Provenance::default()
        },
        sectors,
    })
}
