//! Test economies built from structural primitives, so closed forms apply.
#![allow(dead_code)]

use std::sync::Arc;

use walras_trade::{Baseline, FinalShares, Sector, TradeData};

/// An Armington/Eaton-Kortum world with no IO links, zero tariffs and balanced trade: labour
/// L_i, productivity A_i^j (`prod[i][j]`), iceberg cost `tau` on every foreign flow, final
/// shares `alpha`; wages solved so that value added equals sales.
pub fn structural(
    labor: &[f64],
    prod: &[Vec<f64>],
    tau: f64,
    sectors: &[(f64, f64)],
    alpha: &[f64],
) -> TradeData {
    let (nc, nj) = (labor.len(), sectors.len());
    let mut w = vec![1.0; nc];
    let shares = |w: &[f64]| {
        let mut lam = vec![0.0; nc * nc * nj];
        for n in 0..nc {
            for j in 0..nj {
                let theta = sectors[j].0;
                let cost =
                    |i: usize| (w[i] * if i == n { 1.0 } else { tau } / prod[i][j]).powf(-theta);
                let total: f64 = (0..nc).map(cost).sum();
                for i in 0..nc {
                    lam[(i * nc + n) * nj + j] = cost(i) / total;
                }
            }
        }
        lam
    };
    for _ in 0..20_000 {
        let lam = shares(&w);
        let mut next = w.clone();
        let mut change: f64 = 0.0;
        for i in 0..nc {
            let sales: f64 = (0..nc)
                .flat_map(|n| (0..nj).map(move |j| (n, j)))
                .map(|(n, j)| lam[(i * nc + n) * nj + j] * alpha[j] * w[n] * labor[n])
                .sum();
            next[i] = w[i] * (sales / (w[i] * labor[i])).powf(0.3);
        }
        let norm = next[nc - 1];
        for i in 0..nc {
            next[i] /= norm;
            change = change.max((next[i] - w[i]).abs());
        }
        w = next;
        if change < 1e-15 {
            break;
        }
    }
    let lam = shares(&w);
    let flows = (0..nc * nc * nj)
        .map(|f| {
            let n = (f / nj) % nc;
            lam[f] * alpha[f % nj] * w[n] * labor[n]
        })
        .collect();
    TradeData::new(
        (0..nc).map(|i| format!("C{i}")).collect(),
        sectors
            .iter()
            .enumerate()
            .map(|(j, &(theta, psi))| Sector {
                name: format!("S{j}"),
                theta,
                psi,
                tariffable: true,
            })
            .collect(),
        flows,
    )
}

/// A 3-country, 3-sector economy with input-output links, scale economies (theta psi up to
/// 0.6), applied tariffs and an imbalance; sector 2 is a non-tariffable service.
pub fn io_economy() -> TradeData {
    let (nc, nj) = (3, 3);
    let mut flows = vec![0.0; nc * nc * nj];
    let mut tariffs = vec![0.0; nc * nc * nj];
    for i in 0..nc {
        for n in 0..nc {
            for j in 0..nj {
                let f = (i * nc + n) * nj + j;
                let size = [100.0, 60.0, 40.0][n] * [1.0, 0.8, 1.5][j];
                flows[f] = if i == n {
                    size * 3.0
                } else if j == 2 {
                    size * 0.05 * (1.0 + 0.1 * i as f64)
                } else {
                    size * (0.2 + 0.1 * ((i + 2 * n + j) % 3) as f64)
                };
                if i != n && j < 2 {
                    tariffs[f] = 0.02 + 0.01 * ((i + n + j) % 4) as f64;
                }
            }
        }
    }
    let mut data = TradeData::new(
        vec!["A".into(), "B".into(), "C".into()],
        vec![
            Sector {
                name: "goods1".into(),
                theta: 4.0,
                psi: 0.15,
                tariffable: true,
            },
            Sector {
                name: "goods2".into(),
                theta: 6.0,
                psi: 0.1,
                tariffable: true,
            },
            Sector {
                name: "services".into(),
                theta: 8.0,
                psi: 0.0,
                tariffable: false,
            },
        ],
        flows,
    );
    data.tariffs = tariffs;
    let va: Vec<f64> = (0..nc * nj).map(|c| 0.45 + 0.05 * (c % 4) as f64).collect();
    let mut io = vec![0.0; nc * nj * nj];
    for i in 0..nc {
        for j in 0..nj {
            let weights = [0.5, 0.3, 0.2];
            for k in 0..nj {
                io[(i * nj + k) * nj + j] = weights[(k + j) % 3] * (1.0 - va[i * nj + j]);
            }
        }
    }
    data.value_added = Some(va);
    data.io = Some(io);
    data
}

/// Calibrate with implied final shares.
pub fn calibrate(data: TradeData) -> Arc<Baseline> {
    Arc::new(Baseline::calibrate(data, FinalShares::Implied).unwrap())
}
