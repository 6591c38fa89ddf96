//! The Caliendo & Parro (2015) converter: 31 countries x 40 sectors, 1993.
//!
//! The raw files are headerless whitespace matrices.

use std::path::Path;

use super::tidy::Tidy;
use super::{bad, fmt_g, largest_tariff, Keys, Log, SHARE_TOLERANCE};
use crate::error::DataError;
use crate::table::{read_matrix, Matrix};

/// Country order of the replication files.
pub(super) const COUNTRIES: [&str; 31] = [
    "ARG", "AUS", "AUT", "BRA", "CAN", "CHL", "CHN", "DNK", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IND", "IDN", "IRL", "ITA", "JPN", "KOR", "MEX", "NLD", "NZL", "NOR", "PRT", "ZAF", "ESP",
    "SWE", "TUR", "GBR", "USA", "ROW",
];
/// Sectors 1..=TRADABLE are tradable, the rest (up to SECTORS) are not.
pub(super) const TRADABLE: usize = 20;
pub(super) const SECTORS: usize = 40;
/// Placeholder elasticity of the non-tradable sectors (irrelevant: they are not traded).
pub(super) const NONTRADABLE_THETA: f64 = 10.0;
const NAFTA: [&str; 3] = ["MEX", "CAN", "USA"];

fn field(c: usize) -> String {
    format!("field {}", c + 1)
}

/// Check every entry of a matrix with `ok`; the error names row (line) and field.
fn check_all(
    path: &Path,
    m: &Matrix,
    ok: impl Fn(usize, usize, f64) -> Option<String>,
) -> Result<(), DataError> {
    for r in 0..m.rows {
        for c in 0..m.cols {
            let v = m.get(r, c);
            if let Some(reason) = ok(r, c, v) {
                return Err(bad(path, r + 1, &field(c), v, reason));
            }
        }
    }
    Ok(())
}

/// Read a tariff matrix in percent (rows: sector blocks of importers; columns: exporters).
fn tariffs_percent(path: &Path, n: usize) -> Result<Matrix, DataError> {
    let m = read_matrix(path, Some((TRADABLE * n, n)))?;
    check_all(path, &m, |r, c, v| {
        if v <= -100.0 {
            Some("is not a tariff in percent (must be > -100)".into())
        } else if r % n == c && v != 0.0 {
            Some(format!(
                "is a domestic tariff ({} on itself, sector {}); must be 0",
                COUNTRIES[c],
                r / n + 1
            ))
        } else {
            None
        }
    })?;
    Ok(m)
}

/// `xbilat1993.txt`: imports in thousands of USD (rows: sector blocks of importers; columns:
/// exporters), non-negative with a zero diagonal.
fn read_imports(from: &Path) -> Result<Matrix, DataError> {
    let n = COUNTRIES.len();
    let x_path = from.join("xbilat1993.txt");
    let xbilat = read_matrix(&x_path, Some((TRADABLE * n, n)))?;
    check_all(&x_path, &xbilat, |r, c, v| {
        if v < 0.0 {
            Some("is a negative import value".into())
        } else if r % n == c && v != 0.0 {
            Some(format!(
                "is on the diagonal ({} importing from itself, sector {}); domestic sales \
                 are derived from GO.txt, so the diagonal must be 0",
                COUNTRIES[c],
                r / n + 1
            ))
        } else {
            None
        }
    })?;
    Ok(xbilat)
}

/// `T.txt`: the 20 tradable sectors' trade elasticities, positive.
fn read_theta(from: &Path) -> Result<Matrix, DataError> {
    let th_path = from.join("T.txt");
    let th = read_matrix(&th_path, None)?;
    if th.values.len() != TRADABLE || (th.rows != 1 && th.cols != 1) {
        return Err(DataError::Shape {
            path: th_path,
            message: format!(
                "is {} x {}, expected {TRADABLE} values (one per tradable sector) in one \
                 column or one row",
                th.rows, th.cols
            ),
        });
    }
    for (j, v) in th.values.iter().enumerate() {
        if *v <= 0.0 {
            let (r, c) = if th.cols == 1 { (j, 0) } else { (0, j) };
            return Err(bad(
                &th_path,
                r + 1,
                &field(c),
                v,
                "is not a trade elasticity (must be > 0)".into(),
            ));
        }
    }

    Ok(th)
}

/// Bilateral imports and tariffs by tradable sector, as a gravity regression reads them.
#[derive(Clone, Debug)]
pub struct GravityData {
    /// Country codes.
    pub countries: Vec<String>,
    /// Tradable sectors (`1` to `20`, as in the tidy layout).
    pub sectors: Vec<String>,
    /// Imports, thousands of USD at pre-tariff prices: `[(sector * n + importer) * n + exporter]`.
    pub imports: Vec<f64>,
    /// Applied tariffs as fractions, imposed by the importer, indexed as `imports`.
    pub tariffs: Vec<f64>,
    /// The dataset's own trade elasticity by tradable sector (Caliendo and Parro's Table 1).
    pub theta: Vec<f64>,
}

/// The 1993 imports and tariffs of the tradable sectors, and `T.txt`, checked as the importer
/// checks them.
pub(super) fn gravity(from: &Path) -> Result<GravityData, DataError> {
    let n = COUNTRIES.len();
    let xbilat = read_imports(from)?;
    let tau = tariffs_percent(&from.join("tariffs1993.txt"), n)?;
    let theta = read_theta(from)?;
    Ok(GravityData {
        countries: COUNTRIES.iter().map(|c| c.to_string()).collect(),
        sectors: (1..=TRADABLE).map(|j| j.to_string()).collect(),
        imports: xbilat.values.clone(),
        tariffs: tau.values.iter().map(|t| t / 100.0).collect(),
        theta: theta.values.clone(),
    })
}

pub(super) fn read(from: &Path, log: &mut Log) -> Result<Tidy, DataError> {
    let n = COUNTRIES.len();
    let s = SECTORS;
    let countries: Vec<String> = COUNTRIES.iter().map(|c| c.to_string()).collect();
    let sectors: Vec<String> = (1..=s).map(|j| j.to_string()).collect();
    let keys = Keys::new(countries.clone(), sectors.clone(), "the cp2015 layout");
    let at = |i: usize, m: usize, j: usize| (i * n + m) * s + j;

    let xbilat = read_imports(from)?;
    let t_path = from.join("tariffs1993.txt");
    let tau93 = tariffs_percent(&t_path, n)?;
    let t05_path = from.join("tariffs2005.txt");
    let tau05 = tariffs_percent(&t05_path, n)?;

    let go_path = from.join("GO.txt");
    let go = read_matrix(&go_path, Some((s, n)))?;
    check_all(&go_path, &go, |_, _, v| {
        (v < 0.0).then(|| "is a negative gross output".into())
    })?;
    let b_path = from.join("B.txt");
    let b = read_matrix(&b_path, Some((s, n)))?;
    check_all(&b_path, &b, |_, _, v| {
        (v <= 0.0 || v > 1.0).then(|| "is not a value-added share in (0, 1]".into())
    })?;
    let io_path = from.join("IO.txt");
    let raw_io = read_matrix(&io_path, Some((n * s, s)))?;
    let th = read_theta(from)?;
    // Tariffs (fractions; imposed by the row importer on the column exporter).
    let mut tariffs = vec![0.0; n * n * s];
    let mut nafta = vec![0.0; n * n * s];
    let nafta_idx: Vec<usize> = NAFTA
        .iter()
        .map(|c| COUNTRIES.iter().position(|x| x == c).unwrap_or(usize::MAX))
        .collect();
    for j in 0..TRADABLE {
        for m in 0..n {
            for i in 0..n {
                let t93 = tau93.get(j * n + m, i) / 100.0;
                tariffs[at(i, m, j)] = t93;
                nafta[at(i, m, j)] = if i != m && nafta_idx.contains(&i) && nafta_idx.contains(&m) {
                    tau05.get(j * n + m, i) / 100.0
                } else {
                    t93
                };
            }
        }
    }
    log.note(format!(
        "tariffs: tariffs1993.txt in PERCENT divided by 100 (imposed by the row importer on \
         the column exporter; 0 for the non-tradable sectors {}-{s}); {}",
        TRADABLE + 1,
        largest_tariff(&keys, &tariffs)
    ));
    let big = tariffs.iter().filter(|t| **t > 1.0).count();
    if big > 0 {
        log.warn(format!(
            "tariffs: {big} applied 1993 tariffs exceed 100% (kept as is)"
        ));
    }
    log.note(
        "counterfactuals/nafta_2005.csv: a complete tariff table with the tariffs among MEX, \
         CAN and USA at their 2005 levels (tariffs2005.txt) and every other tariff at its \
         1993 level",
    );

    // Flows, millions USD. xbilat is in thousands of USD at pre-tariff (CIF) prices, GO in
    // USD: X_in^j = xbilat * (1 + tariff) / 1e3, domestic = (GO / 1e6) - exports / 1e3.
    let mut flows = vec![0.0; n * n * s];
    let mut clamped = 0;
    for j in 0..s {
        for i in 0..n {
            let gross_output = go.get(j, i) / 1e6;
            if j >= TRADABLE {
                flows[at(i, i, j)] = gross_output;
                continue;
            }
            let mut exports = 0.0;
            for m in 0..n {
                if m != i {
                    let x = xbilat.get(j * n + m, i) / 1e3;
                    exports += x;
                    flows[at(i, m, j)] = x * (1.0 + tariffs[at(i, m, j)]);
                }
            }
            let domestic = gross_output - exports;
            if domestic < 0.0 {
                clamped += 1;
                log.warn(format!(
                    "{} sector {}: exports {} exceed gross output {} (millions USD; GO.txt \
                     row {}, field {}); derived domestic sales {} clamped to 0",
                    COUNTRIES[i],
                    j + 1,
                    fmt_g(exports),
                    fmt_g(gross_output),
                    j + 1,
                    i + 1,
                    fmt_g(domestic)
                ));
            }
            flows[at(i, i, j)] = domestic.max(0.0);
        }
    }
    log.note(format!(
        "flows: millions USD. Imports = xbilat1993.txt (thousands USD, before tariffs) / 1e3 \
         * (1 + 1993 tariff), i.e. at the importer's prices as in Caliendo & Parro's script; \
         domestic sales of tradable sector j in country n derived as GO.txt (USD) / 1e6 \
         minus n's exports of j (before tariffs, / 1e3); non-tradable sectors {}-{s}: \
         domestic flow = gross output, no trade",
        TRADABLE + 1
    ));
    log.note(format!(
        "xbilat/GO consistency: exports exceed gross output in {clamped} of {} tradable \
         country-sector cells; derived domestic sales clamped to 0 there (Caliendo & Parro's \
         script does the same: GO = max(GO, exports))",
        TRADABLE * n
    ));
    if clamped > 0 {
        log.warn(format!(
            "{clamped} derived domestic flows were negative and clamped to 0 (listed above)"
        ));
    }
    let placeholders: Vec<String> = (0..s)
        .flat_map(|j| (0..n).map(move |i| (j, i)))
        .filter(|&(j, i)| go.get(j, i) > 0.0 && go.get(j, i) <= 1.0)
        .map(|(j, i)| format!("{}/{}", COUNTRIES[i], j + 1))
        .collect();
    if !placeholders.is_empty() {
        log.note(format!(
            "GO.txt: {} cells hold a gross output of 1 USD or less, a placeholder for no \
             output (kept; their domestic flow is at most 1e-6 millions): {}",
            placeholders.len(),
            placeholders.join(", ")
        ));
    }

    // Value added and input-output.
    let mut va = vec![0.0; n * s];
    for c in 0..n {
        for j in 0..s {
            va[c * s + j] = b.get(j, c);
        }
    }
    let mut io = vec![0.0; n * s * s];
    let mut max_dev = (0.0f64, 0, 0);
    let mut no_inputs: Vec<(usize, usize)> = Vec::new();
    for c in 0..n {
        for j in 0..s {
            let mut col: Vec<f64> = (0..s).map(|k| raw_io.get(c * s + k, j)).collect();
            for (k, v) in col.iter_mut().enumerate() {
                if *v < 0.0 {
                    if *v < -SHARE_TOLERANCE {
                        return Err(bad(
                            &io_path,
                            c * s + k + 1,
                            &field(j),
                            *v,
                            format!(
                                "is a negative input share ({}, input {} of sector {}) \
                                 beyond the tolerance {SHARE_TOLERANCE}",
                                COUNTRIES[c],
                                k + 1,
                                j + 1
                            ),
                        ));
                    }
                    log.warn(format!(
                        "IO.txt row {}, field {}: negative input share {} ({}, input {} of \
                         sector {}) set to 0 before renormalising",
                        c * s + k + 1,
                        j + 1,
                        v,
                        COUNTRIES[c],
                        k + 1,
                        j + 1
                    ));
                    *v = 0.0;
                }
            }
            let sum: f64 = col.iter().sum();
            let gamma = 1.0 - va[c * s + j];
            if sum == 0.0 && gamma == 0.0 {
                no_inputs.push((c, j));
                continue;
            }
            if sum == 0.0 || (sum - 1.0).abs() > SHARE_TOLERANCE {
                return Err(bad(
                    &io_path,
                    c * s + 1,
                    &field(j),
                    sum,
                    format!(
                        "is the sum of column {} over {}'s block (rows {}-{}): the shares \
                         of intermediate cost of sector {} must sum to 1 (tolerance \
                         {SHARE_TOLERANCE}) since its value-added share in B.txt is {} < 1",
                        j + 1,
                        COUNTRIES[c],
                        c * s + 1,
                        (c + 1) * s,
                        j + 1,
                        va[c * s + j]
                    ),
                ));
            }
            let dev = (sum - 1.0).abs();
            if dev > max_dev.0 {
                max_dev = (dev, c, j);
            }
            for k in 0..s {
                io[(c * s + k) * s + j] = col[k] / sum * gamma;
            }
        }
    }
    log.warn(format!(
        "IO.txt: input shares renormalised to sum to exactly 1 for every (country, sector) \
         with intermediate inputs; largest |sum - 1| = {:.3e} ({}, sector {})",
        max_dev.0,
        COUNTRIES[max_dev.1],
        max_dev.2 + 1
    ));
    if !no_inputs.is_empty() {
        let mut by_sector: Vec<(usize, Vec<&str>)> = Vec::new();
        for (c, j) in &no_inputs {
            match by_sector.iter_mut().find(|(s, _)| s == j) {
                Some((_, list)) => list.push(COUNTRIES[*c]),
                None => by_sector.push((*j, vec![COUNTRIES[*c]])),
            }
        }
        let text: Vec<String> = by_sector
            .iter()
            .map(|(j, list)| {
                if list.len() > 5 {
                    format!("sector {} in {} countries", j + 1, list.len())
                } else {
                    format!("sector {} in {}", j + 1, list.join(", "))
                }
            })
            .collect();
        log.note(format!(
            "IO.txt: {} (country, sector) pairs have value-added share 1 in B.txt and an \
             all-zero input column (no intermediate inputs; io shares 0): {}",
            no_inputs.len(),
            text.join("; ")
        ));
    }
    log.note(
        "value_added: B.txt (sector rows, country columns); io: share of input k in the \
         TOTAL cost of sector j = IO.txt (share of intermediate cost, renormalised) * \
         (1 - B)",
    );

    // Sectors.
    let theta: Vec<f64> = (0..s)
        .map(|j| {
            if j < TRADABLE {
                th.values[j]
            } else {
                NONTRADABLE_THETA
            }
        })
        .collect();
    log.note(format!(
        "sectors: theta of sectors 1-{TRADABLE} from T.txt (tradable, tariffable); sectors \
         {}-{s} are non-tradable (not tariffable) with the placeholder theta = \
         {NONTRADABLE_THETA} (irrelevant: they are never traded; Caliendo & Parro's script \
         uses 8.22); psi = 0 everywhere (no scale economies in the model)",
        TRADABLE + 1
    ));
    log.note("no `final` table (final-demand shares are implied by the flows) and no `countries` table (deficits implied)");

    Ok(Tidy {
        countries,
        sectors,
        flows,
        tariffs,
        theta,
        psi: vec![0.0; s],
        tariffable: (0..s).map(|j| j < TRADABLE).collect(),
        value_added: va,
        io,
        final_shares: None,
        counterfactuals: vec![("nafta_2005.csv", nafta)],
    })
}
