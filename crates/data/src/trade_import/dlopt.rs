//! The DL-opt converter: 7 economies x 44 sectors, 2017 (CSV files with headers).

use std::path::Path;

use super::tidy::Tidy;
use super::{
    bad, canonical_sector, f64_col, fmt_g, largest_tariff, load_grid, load_raw_csv, str_col, Dim,
    Keys, Log, SHARE_TOLERANCE,
};
use crate::error::DataError;
use crate::table::{Check, Schema, Table};

/// Goods (tariffable) sectors are 1..=GOODS; services follow.
pub(super) const GOODS: u64 = 22;

fn countries_and_sectors(path: &Path, t: &Table) -> Result<Keys, DataError> {
    let mut countries: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for col in ["iso_o", "iso_d"] {
        for c in str_col(t, col)? {
            if seen.insert(c.clone()) {
                countries.push(c.clone());
            }
        }
    }
    let codes = str_col(t, "indcode")?;
    let mut sectors: Vec<u64> = Vec::new();
    for (r, code) in codes.iter().enumerate() {
        let s = canonical_sector(code).ok_or_else(|| {
            bad(
                path,
                r + 1,
                "indcode",
                code,
                "is not a sector code (a non-negative integer)".into(),
            )
        })?;
        let v: u64 = s.parse().unwrap_or(0);
        if v == 0 {
            return Err(bad(
                path,
                r + 1,
                "indcode",
                code,
                "sector codes start at 1".into(),
            ));
        }
        sectors.push(v);
    }
    sectors.sort_unstable();
    sectors.dedup();
    Ok(Keys::new(
        countries,
        sectors.iter().map(u64::to_string).collect(),
        "TradeFlow2017.csv",
    ))
}

pub(super) fn read(from: &Path, log: &mut Log) -> Result<Tidy, DataError> {
    // Flows define the countries and sectors.
    let path = from.join("TradeFlow2017.csv");
    let schema = Schema::new()
        .str("iso_o")
        .str("iso_d")
        .str("indcode")
        .float("tradevalue", Check::NonNegative);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let keys = countries_and_sectors(&path, &t)?;
    let (n, s) = (keys.countries.len(), keys.sectors.len());
    let flow_keys = [
        ("iso_o", Dim::Country),
        ("iso_d", Dim::Country),
        ("indcode", Dim::Sector),
    ];
    let (flows, _) = load_grid(&path, &t, &flow_keys, "tradevalue", &keys, None)?;
    let zeros = flows.iter().filter(|v| **v == 0.0).count();
    log.note(format!(
        "flows: TradeFlow2017.csv as is (iso_o -> exporter, iso_d -> importer, indcode -> \
         sector; millions USD at destination prices including tariffs, domestic flows \
         included); {} rows, {} zero, smallest {}",
        flows.len(),
        zeros,
        fmt_g(flows.iter().copied().fold(f64::INFINITY, f64::min))
    ));

    // Applied tariffs.
    let path = from.join("tariff_prewar2017.csv");
    let schema = Schema::new()
        .str("iso_o")
        .str("iso_d")
        .str("indcode")
        .float("ahs_simple", Check::Any)
        .min_rows(0);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let (tariffs, missing) = load_grid(&path, &t, &flow_keys, "ahs_simple", &keys, Some(0.0))?;
    check_tariffs(&path, &t, "ahs_simple")?;
    if missing > 0 {
        log.note(format!(
            "tariffs: {missing} (origin, destination, sector) rows absent from \
             tariff_prewar2017.csv are 0"
        ));
    }
    let service_tariffs = (0..n * n * s)
        .filter(|&x| tariffs[x] != 0.0 && sector_code(&keys, x % s) > GOODS)
        .count();
    if service_tariffs > 0 {
        log.warn(format!(
            "tariffs: {service_tariffs} non-zero applied tariffs on service sectors \
             (> {GOODS}, not tariffable) kept as applied tariffs"
        ));
    }
    log.note(format!(
        "tariffs: AHS_simple of tariff_prewar2017.csv (fraction, imposed by iso_d on \
         iso_o); {}",
        largest_tariff(&keys, &tariffs)
    ));

    // Elasticities.
    let path = from.join("cal_elasticities.csv");
    let schema = Schema::new()
        .str("industry")
        .float("theta", Check::Positive)
        .float("psi", Check::NonNegative);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let sector_key = [("industry", Dim::Sector)];
    let (theta, _) = load_grid(&path, &t, &sector_key, "theta", &keys, None)?;
    let (psi, _) = load_grid(&path, &t, &sector_key, "psi", &keys, None)?;
    let (th, ps) = (f64_col(&t, "theta")?, f64_col(&t, "psi")?);
    let mut worst = (0.0, 0);
    for r in 0..t.n_rows() {
        let tp = th[r] * ps[r];
        if tp >= 1.0 {
            return Err(bad(
                &path,
                r + 1,
                "psi",
                ps[r],
                format!(
                    "gives theta * psi = {tp} with theta = {}; must be < 1",
                    th[r]
                ),
            ));
        }
        if tp > worst.0 {
            worst = (tp, r);
        }
    }
    let tariffable: Vec<bool> = (0..s).map(|j| sector_code(&keys, j) <= GOODS).collect();
    log.note(format!(
        "sectors: theta and psi from cal_elasticities.csv (header `\\theta`, `\\psi`, \
         byte-order mark); sectors 1-{GOODS} are goods (tariffable), the rest services (not \
         tariffable); largest theta * psi = {:.4} (sector {})",
        worst.0,
        str_col(&t, "industry")?[worst.1]
    ));

    // Value added.
    let path = from.join("vashare.csv");
    let schema = Schema::new()
        .str("iso_o")
        .str("indcode")
        .float("vashare", Check::Fraction);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let cs_keys = [("iso_o", Dim::Country), ("indcode", Dim::Sector)];
    let (va, _) = load_grid(&path, &t, &cs_keys, "vashare", &keys, None)?;
    for (r, v) in f64_col(&t, "vashare")?.iter().enumerate() {
        if *v <= 0.0 {
            return Err(bad(
                &path,
                r + 1,
                "vashare",
                v,
                "must be > 0 (a value-added share in (0, 1])".into(),
            ));
        }
    }

    // Input-output: shares of intermediate cost -> shares of total cost.
    let path = from.join("IOshare.csv");
    let schema = Schema::new()
        .str("iso_o")
        .str("input_ind")
        .str("output_ind")
        .float("valueshare", Check::Fraction);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let io_keys = [
        ("iso_o", Dim::Country),
        ("input_ind", Dim::Sector),
        ("output_ind", Dim::Sector),
    ];
    let (raw_io, _) = load_grid(&path, &t, &io_keys, "valueshare", &keys, None)?;
    let mut io = vec![0.0; n * s * s];
    let mut max_dev = (0.0f64, 0, 0);
    for c in 0..n {
        for j in 0..s {
            let sum: f64 = (0..s).map(|k| raw_io[(c * s + k) * s + j]).sum();
            let dev = (sum - 1.0).abs();
            if sum == 0.0 && va[c * s + j] == 1.0 {
                continue; // no intermediate inputs at all
            }
            if sum == 0.0 || dev > SHARE_TOLERANCE {
                return Err(DataError::BadValue {
                    path: path.clone(),
                    row: first_row_of(&t, &keys, c, j)?,
                    key: None,
                    column: "valueshare".into(),
                    value: sum.to_string(),
                    reason: format!(
                        "is the sum of the input shares of iso_o={}, output_ind={}; shares \
                         of intermediate cost must sum to 1 (tolerance {SHARE_TOLERANCE})",
                        keys.countries[c], keys.sectors[j]
                    ),
                });
            }
            if dev > max_dev.0 {
                max_dev = (dev, c, j);
            }
            let gamma = 1.0 - va[c * s + j];
            for k in 0..s {
                io[(c * s + k) * s + j] = raw_io[(c * s + k) * s + j] / sum * gamma;
            }
        }
    }
    log.warn(format!(
        "IOshare.csv: input shares renormalised to sum to exactly 1 for every (country, \
         output sector); largest |sum - 1| = {:.3e} ({}, sector {})",
        max_dev.0, keys.countries[max_dev.1], keys.sectors[max_dev.2]
    ));
    log.note(
        "io: share of input k in the TOTAL cost of output j = valueshare (share of \
         intermediate cost, renormalised) * (1 - vashare of j)",
    );

    // Final-demand shares.
    let path = from.join("finalshare.csv");
    let schema = Schema::new()
        .str("iso_o")
        .str("input_ind")
        .float("finalshare", Check::Fraction);
    let (t, _) = load_raw_csv(&path, &schema)?;
    let (mut alpha, _) = load_grid(
        &path,
        &t,
        &[("iso_o", Dim::Country), ("input_ind", Dim::Sector)],
        "finalshare",
        &keys,
        None,
    )?;
    let mut max_dev = (0.0f64, 0);
    for c in 0..n {
        let sum: f64 = alpha[c * s..(c + 1) * s].iter().sum();
        let dev = (sum - 1.0).abs();
        if sum == 0.0 || dev > SHARE_TOLERANCE {
            let row = str_col(&t, "iso_o")?
                .iter()
                .position(|x| *x == keys.countries[c])
                .map_or(1, |r| r + 1);
            return Err(bad(
                &path,
                row,
                "finalshare",
                sum,
                format!(
                    "is the sum of the final-demand shares of iso_o={}; they must sum to 1 \
                     (tolerance {SHARE_TOLERANCE})",
                    keys.countries[c]
                ),
            ));
        }
        if dev > max_dev.0 {
            max_dev = (dev, c);
        }
        for a in &mut alpha[c * s..(c + 1) * s] {
            *a /= sum;
        }
    }
    log.warn(format!(
        "finalshare.csv: final-demand shares renormalised to sum to exactly 1 per country; \
         largest |sum - 1| = {:.3e} ({})",
        max_dev.0, keys.countries[max_dev.1]
    ));

    // Counterfactual: the 2018-19 US-China tariff war, wave 5.
    let flows_path = from.join("TradeFlow2017.csv");
    let usa = country(&flows_path, &keys, "USA", "the US-China counterfactual")?;
    let chn = country(&flows_path, &keys, "CHN", "the US-China counterfactual")?;
    let mut wave5 = tariffs.clone();
    for (file, exporter, importer, who) in [
        ("tariff_Trump.csv", chn, usa, "US on China"),
        ("tariff_China.csv", usa, chn, "China on US"),
    ] {
        let path = from.join(file);
        let increase = wave5_increase(&path, &keys)?;
        let mut raised = 0;
        let mut total = 0.0;
        for (j, inc) in increase.iter().enumerate() {
            if let Some(inc) = inc {
                let x = (exporter * n + importer) * s + j;
                wave5[x] = tariffs[x] + inc;
                raised += 1;
                total += inc;
            }
        }
        let goods = tariffable.iter().filter(|t| **t).count();
        log.note(format!(
            "counterfactuals/us_china_wave5.csv: {who} ({} -> {}): applied 2017 tariff + \
             {file} increase in {raised} of {goods} goods sectors (mean increase {:.4}){}",
            keys.countries[exporter],
            keys.countries[importer],
            if raised > 0 {
                total / raised as f64
            } else {
                0.0
            },
            if raised < goods {
                "; the other goods sectors keep their applied tariff"
            } else {
                ""
            }
        ));
    }
    log.note(
        "counterfactuals/us_china_wave5.csv is a complete tariff table (same layout as \
         `tariffs`): every other tariff is the applied 2017 one",
    );

    Ok(Tidy {
        countries: keys.countries.clone(),
        sectors: keys.sectors.clone(),
        flows,
        tariffs,
        theta,
        psi,
        tariffable,
        value_added: va,
        io,
        final_shares: Some(alpha),
        counterfactuals: vec![("us_china_wave5.csv", wave5)],
    })
}

fn sector_code(keys: &Keys, j: usize) -> u64 {
    keys.sectors[j].parse().unwrap_or(u64::MAX)
}

fn country(path: &Path, keys: &Keys, code: &str, purpose: &str) -> Result<usize, DataError> {
    keys.country_index
        .get(code)
        .copied()
        .ok_or_else(|| DataError::Shape {
            path: path.into(),
            message: format!(
                "has no country `{code}`, needed for {purpose} (countries: {})",
                keys.countries.join(", ")
            ),
        })
}

/// The 1-based row of IOshare.csv for (country c, output j), first input.
fn first_row_of(t: &Table, keys: &Keys, c: usize, j: usize) -> Result<usize, DataError> {
    let (iso, out) = (str_col(t, "iso_o")?, str_col(t, "output_ind")?);
    Ok((0..t.n_rows())
        .find(|&r| {
            iso[r] == keys.countries[c]
                && canonical_sector(&out[r]).as_deref() == Some(keys.sectors[j].as_str())
        })
        .map_or(1, |r| r + 1))
}

/// Tariff increases by sector from a wave-5 file (`indcode`, `*_wave5`); None for sectors
/// the file does not list.
fn wave5_increase(path: &Path, keys: &Keys) -> Result<Vec<Option<f64>>, DataError> {
    // Find the value column from the header first.
    let header_only = Schema::new().str("indcode").min_rows(0);
    let (_, names) = load_raw_csv(path, &header_only)?;
    let others: Vec<&String> = names.iter().filter(|c| *c != "indcode").collect();
    let column = others
        .iter()
        .find(|c| c.contains("wave5"))
        .or(if others.len() == 1 {
            others.first()
        } else {
            None
        })
        .map(|c| c.to_string())
        .ok_or_else(|| DataError::MissingColumn {
            path: path.into(),
            column: "*_wave5 (the tariff increase)".into(),
            found: names.clone(),
        })?;
    let schema = Schema::new()
        .str("indcode")
        .float(&column, Check::Any)
        .key(&["indcode"]);
    let (t, _) = load_raw_csv(path, &schema)?;
    let codes = str_col(&t, "indcode")?;
    let values = f64_col(&t, &column)?;
    let mut out = vec![None; keys.sectors.len()];
    for r in 0..t.n_rows() {
        let j = keys.lookup(Dim::Sector, path, r + 1, "indcode", &codes[r])?;
        if sector_code(keys, j) > GOODS {
            return Err(bad(
                path,
                r + 1,
                "indcode",
                &codes[r],
                format!(
                    "is a service sector; tariff increases apply to goods sectors 1-{GOODS} only"
                ),
            ));
        }
        if values[r] <= -1.0 {
            return Err(bad(
                path,
                r + 1,
                &column,
                values[r],
                "is not a tariff change (a fraction > -1)".into(),
            ));
        }
        out[j] = Some(values[r]);
    }
    Ok(out)
}

/// Applied tariffs must exceed -1 and be 0 on domestic flows.
fn check_tariffs(path: &Path, t: &Table, column: &str) -> Result<(), DataError> {
    let (o, d, v) = (
        str_col(t, "iso_o")?,
        str_col(t, "iso_d")?,
        f64_col(t, column)?,
    );
    for r in 0..t.n_rows() {
        if v[r] <= -1.0 {
            return Err(bad(
                path,
                r + 1,
                column,
                v[r],
                "is not a tariff (a fraction > -1)".into(),
            ));
        }
        if o[r] == d[r] && v[r] != 0.0 {
            return Err(bad(
                path,
                r + 1,
                column,
                v[r],
                format!("is a domestic tariff ({} on itself); must be 0", o[r]),
            ));
        }
    }
    Ok(())
}
