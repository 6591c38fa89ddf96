//! The tidy trade-data layout (data/trade/LAYOUT.md): a directory of tables read into a
//! [`TradeData`], with every key checked against the flows' countries and the sectors table.

use foldhash::HashMap;
use std::path::{Path, PathBuf};

use walras_trade::{percent_like, Sector, TradeData, MAX_TARIFF};

use crate::table::read_frame;
use crate::{load_table, load_table_from_bytes, Check, DataError, Schema, Table};

/// The table names of the layout.
pub const TABLES: [&str; 7] = [
    "flows",
    "sectors",
    "tariffs",
    "value_added",
    "io",
    "final",
    "countries",
];

/// The unit tariff tables are written in: fractions (0.05 is 5%, the layout's unit) or
/// percent (5 is 5%), converted to fractions on load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TariffUnits {
    /// 0.05 is 5%.
    #[default]
    Fraction,
    /// 5 is 5%.
    Percent,
}

impl TariffUnits {
    /// What a value in this unit is as a fraction.
    fn scale(self) -> f64 {
        match self {
            TariffUnits::Fraction => 1.0,
            TariffUnits::Percent => 0.01,
        }
    }
}

impl std::str::FromStr for TariffUnits {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fraction" => Ok(TariffUnits::Fraction),
            "percent" => Ok(TariffUnits::Percent),
            other => Err(format!(
                "unknown tariff unit `{other}` (fraction or percent)"
            )),
        }
    }
}

impl std::fmt::Display for TariffUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TariffUnits::Fraction => "fraction",
            TariffUnits::Percent => "percent",
        })
    }
}

/// Where tables come from: a directory, or the embedded example.
enum Source<'a> {
    Dir(&'a Path),
    Embedded,
}

/// The shipped synthetic example economy (data/trade/example), embedded in the binary.
const EXAMPLE: [(&str, &[u8]); 6] = [
    (
        "flows.csv",
        include_bytes!("../../../data/trade/example/flows.csv"),
    ),
    (
        "sectors.csv",
        include_bytes!("../../../data/trade/example/sectors.csv"),
    ),
    (
        "tariffs.csv",
        include_bytes!("../../../data/trade/example/tariffs.csv"),
    ),
    (
        "value_added.csv",
        include_bytes!("../../../data/trade/example/value_added.csv"),
    ),
    (
        "io.csv",
        include_bytes!("../../../data/trade/example/io.csv"),
    ),
    (
        "final.csv",
        include_bytes!("../../../data/trade/example/final.csv"),
    ),
];

/// A loaded economy and the files it came from.
#[derive(Clone, Debug)]
pub struct LoadedTrade {
    /// The data (not yet validated for adding-up; `Baseline::calibrate` does that).
    pub data: TradeData,
    /// The files read (empty for the embedded example).
    pub files: Vec<PathBuf>,
}

/// The file holding `table` in `dir` (`.csv`, `.csv.gz` or `.parquet`), if any.
pub fn find_table(dir: &Path, table: &str) -> Result<Option<PathBuf>, DataError> {
    let found: Vec<PathBuf> = ["csv", "csv.gz", "parquet"]
        .iter()
        .map(|ext| dir.join(format!("{table}.{ext}")))
        .filter(|p| p.is_file())
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => Err(DataError::InvalidTable(format!(
            "{}: table `{table}` is given twice ({})",
            dir.display(),
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn schema(table: &str) -> Schema {
    match table {
        "flows" => Schema::new()
            .str("exporter")
            .str("importer")
            .str("sector")
            .float("value", Check::NonNegative)
            .key(&["exporter", "importer", "sector"]),
        "sectors" => Schema::new()
            .str("sector")
            .float("theta", Check::Positive)
            .float("psi", Check::NonNegative)
            .str("tariffable")
            .key(&["sector"]),
        "tariffs" => Schema::new()
            .str("exporter")
            .str("importer")
            .str("sector")
            .float("tariff", Check::Above(-1.0))
            .key(&["exporter", "importer", "sector"])
            .min_rows(0),
        "value_added" => Schema::new()
            .str("country")
            .str("sector")
            .float("share", Check::Fraction)
            .key(&["country", "sector"]),
        "io" => Schema::new()
            .str("country")
            .str("input_sector")
            .str("output_sector")
            .float("share", Check::Fraction)
            .key(&["country", "input_sector", "output_sector"]),
        "final" => Schema::new()
            .str("country")
            .str("sector")
            .float("share", Check::Fraction)
            .key(&["country", "sector"]),
        "countries" => Schema::new()
            .str("country")
            .float("deficit", Check::Any)
            .key(&["country"]),
        other => unreachable!("unknown table {other}"),
    }
}

fn load(
    source: &Source,
    table: &str,
    files: &mut Vec<PathBuf>,
) -> Result<Option<Table>, DataError> {
    match source {
        Source::Dir(dir) => match find_table(dir, table)? {
            Some(path) => {
                let t = load_table(&path, &schema(table))?;
                files.push(path);
                Ok(Some(t))
            }
            None => Ok(None),
        },
        Source::Embedded => EXAMPLE
            .iter()
            .find(|(name, _)| name.strip_suffix(".csv") == Some(table))
            .map(|(name, bytes)| {
                load_table_from_bytes(&format!("example/{name}"), bytes, &schema(table))
            })
            .transpose(),
    }
}

fn bad(table: &Table, row: usize, column: &str, value: &str, reason: &str) -> DataError {
    DataError::BadValue {
        path: table.source().map(Path::to_path_buf).unwrap_or_default(),
        row: row + 1,
        key: None,
        column: column.into(),
        value: value.into(),
        reason: reason.into(),
    }
}

fn col<'a>(t: &'a Table, name: &str) -> &'a [String] {
    t.str(name).expect("schema-checked column")
}

fn num<'a>(t: &'a Table, name: &str) -> &'a [f64] {
    t.f64(name).expect("schema-checked column")
}

/// Load the tidy layout from `dir` (tariffs as fractions).
pub fn load_trade_dir(dir: &Path) -> Result<LoadedTrade, DataError> {
    load_trade_dir_in(dir, TariffUnits::Fraction)
}

/// Load the tidy layout from `dir`, its tariffs table written in `units`.
pub fn load_trade_dir_in(dir: &Path, units: TariffUnits) -> Result<LoadedTrade, DataError> {
    if !dir.is_dir() {
        return Err(DataError::InvalidTable(format!(
            "{}: not a directory of trade tables",
            dir.display()
        )));
    }
    read(&Source::Dir(dir), units)
}

/// The embedded synthetic example economy (data/trade/example).
pub fn example_economy() -> Result<LoadedTrade, DataError> {
    read(&Source::Embedded, TariffUnits::Fraction)
}

fn read(source: &Source, units: TariffUnits) -> Result<LoadedTrade, DataError> {
    let mut files = Vec::new();
    let missing = |table: &str| {
        DataError::InvalidTable(match source {
            Source::Dir(d) => format!(
                "{}: required table `{table}` (.csv, .csv.gz or .parquet) not found",
                d.display()
            ),
            Source::Embedded => format!("embedded example lacks `{table}`"),
        })
    };
    let flows = load(source, "flows", &mut files)?.ok_or_else(|| missing("flows"))?;
    let sectors_t = load(source, "sectors", &mut files)?.ok_or_else(|| missing("sectors"))?;
    // Sectors in the sectors table's order; countries in order of first appearance in flows.
    let mut sectors = Vec::new();
    for (row, name) in col(&sectors_t, "sector").iter().enumerate() {
        let flag = &col(&sectors_t, "tariffable")[row];
        let tariffable = match flag.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "t" => true,
            "false" | "0" | "no" | "f" => false,
            _ => {
                return Err(bad(
                    &sectors_t,
                    row,
                    "tariffable",
                    flag,
                    "must be true or false",
                ))
            }
        };
        sectors.push(Sector {
            name: name.clone(),
            theta: num(&sectors_t, "theta")[row],
            psi: num(&sectors_t, "psi")[row],
            tariffable,
        });
    }
    let mut countries: Vec<String> = Vec::new();
    for name in col(&flows, "exporter")
        .iter()
        .chain(col(&flows, "importer"))
    {
        if !countries.contains(name) {
            countries.push(name.clone());
        }
    }
    let keys = Keys::new(&countries, &sectors);
    let (nc, nj) = (countries.len(), sectors.len());
    let country = |t: &Table, row: usize, column: &str| keys.country(t, row, column);
    let sector = |t: &Table, row: usize, column: &str| keys.sector(t, row, column);
    let flow = |i: usize, n: usize, j: usize| (i * nc + n) * nj + j;
    let mut values = vec![f64::NAN; nc * nc * nj];
    for row in 0..flows.n_rows() {
        let (i, n, j) = (
            country(&flows, row, "exporter")?,
            country(&flows, row, "importer")?,
            sector(&flows, row, "sector")?,
        );
        values[flow(i, n, j)] = num(&flows, "value")[row];
    }
    if let Some(k) = values.iter().position(|v| v.is_nan()) {
        let (i, n, j) = (k / (nc * nj), (k / nj) % nc, k % nj);
        return Err(DataError::InvalidTable(format!(
            "flows: no row for exporter {}, importer {}, sector {} (every combination must be listed, zeros included)",
            countries[i], countries[n], sectors[j].name
        )));
    }
    let mut data = TradeData::new(countries.clone(), sectors.clone(), values);
    if let Some(t) = load(source, "tariffs", &mut files)? {
        for (i, n, j, v) in tariff_rows(&t, &keys, units)? {
            data.tariffs[flow(i, n, j)] = v;
        }
        check_not_percent(&t, &data.tariffs, units)?;
    }
    // Country x sector tables must list every cell.
    let grid = |t: &Table, key: &str| -> Result<Vec<f64>, DataError> {
        let mut out = vec![f64::NAN; nc * nj];
        for row in 0..t.n_rows() {
            out[country(t, row, "country")? * nj + sector(t, row, key)?] = num(t, "share")[row];
        }
        if let Some(k) = out.iter().position(|v| v.is_nan()) {
            return Err(DataError::InvalidTable(format!(
                "{}: no row for country {}, {key} {}",
                t.source()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                countries[k / nj],
                sectors[k % nj].name
            )));
        }
        Ok(out)
    };
    if let Some(t) = load(source, "value_added", &mut files)? {
        data.value_added = Some(grid(&t, "sector")?);
    }
    if let Some(t) = load(source, "final", &mut files)? {
        data.final_shares = Some(grid(&t, "sector")?);
    }
    if let Some(t) = load(source, "io", &mut files)? {
        let mut io = vec![0.0; nc * nj * nj];
        for row in 0..t.n_rows() {
            let (i, k, j) = (
                country(&t, row, "country")?,
                sector(&t, row, "input_sector")?,
                sector(&t, row, "output_sector")?,
            );
            io[(i * nj + k) * nj + j] = num(&t, "share")[row];
        }
        data.io = Some(io);
    }
    if let Some(t) = load(source, "countries", &mut files)? {
        let mut d = vec![f64::NAN; nc];
        for row in 0..t.n_rows() {
            d[country(&t, row, "country")?] = num(&t, "deficit")[row];
        }
        if let Some(n) = d.iter().position(|v| v.is_nan()) {
            return Err(DataError::InvalidTable(format!(
                "countries: no row for country {}",
                countries[n]
            )));
        }
        data.deficits = Some(d);
    }
    Ok(LoadedTrade { data, files })
}

/// A named theta set: (name, theta by sector).
pub type ElasticitySet = (String, Vec<f64>);

/// Every theta set of `dir`'s `elasticity_sets` table (columns `theta_<NAME>`), each as theta
/// by sector in the order of `sectors` (names as in the sectors table): the table's path and
/// (name, thetas) per set.
pub fn read_elasticity_sets(
    dir: &Path,
    sectors: &[String],
) -> Result<(PathBuf, Vec<ElasticitySet>), DataError> {
    let path = find_table(dir, "elasticity_sets")?.ok_or_else(|| {
        DataError::InvalidTable(format!("{}: no elasticity_sets table", dir.display()))
    })?;
    let names: Vec<String> = read_frame(&path)?
        .get_column_names()
        .iter()
        .filter_map(|n| n.trim().strip_prefix("theta_").map(String::from))
        .collect();
    if names.is_empty() {
        return Err(DataError::InvalidTable(format!(
            "{}: no theta_<NAME> column",
            path.display()
        )));
    }
    let mut sets = Vec::with_capacity(names.len());
    for name in names {
        let mut data = TradeData::new(
            Vec::new(),
            sectors
                .iter()
                .map(|s| Sector {
                    name: s.clone(),
                    theta: f64::NAN,
                    psi: 0.0,
                    tariffable: true,
                })
                .collect(),
            Vec::new(),
        );
        apply_elasticity_set(dir, &mut data, &name)?;
        sets.push((name, data.sectors.iter().map(|s| s.theta).collect()));
    }
    Ok((path, sets))
}

/// Replace theta by the set `name` from `elasticity_sets` in `dir` (columns `theta_<name>`,
/// one row per sector), e.g. `CP` for Caliendo-Parro in the WIOD data.
pub fn apply_elasticity_set(
    dir: &Path,
    data: &mut TradeData,
    name: &str,
) -> Result<PathBuf, DataError> {
    let path = find_table(dir, "elasticity_sets")?.ok_or_else(|| {
        DataError::InvalidTable(format!("{}: no elasticity_sets table", dir.display()))
    })?;
    let column = format!("theta_{name}");
    let table = load_table(
        &path,
        &Schema::new()
            .str("sector")
            .float(&column, Check::Positive)
            .key(&["sector"]),
    )?;
    let mut seen = vec![false; data.sectors.len()];
    for (row, s) in col(&table, "sector").iter().enumerate() {
        let j = data
            .sectors
            .iter()
            .position(|x| &x.name == s)
            .ok_or_else(|| {
                bad(
                    &table,
                    row,
                    "sector",
                    s,
                    "is not a sector of the sectors table",
                )
            })?;
        data.sectors[j].theta = num(&table, &column)[row];
        seen[j] = true;
    }
    if let Some(j) = seen.iter().position(|s| !s) {
        return Err(DataError::InvalidTable(format!(
            "{}: no row for sector {}",
            path.display(),
            data.sectors[j].name
        )));
    }
    Ok(path)
}

/// Country and sector names to positions; lookups name the table, row and value on failure.
struct Keys<'a> {
    countries: HashMap<&'a str, usize>,
    sectors: HashMap<&'a str, usize>,
}

impl<'a> Keys<'a> {
    fn new(countries: &'a [String], sectors: &'a [Sector]) -> Self {
        Self {
            countries: countries
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i))
                .collect(),
            sectors: sectors
                .iter()
                .enumerate()
                .map(|(j, s)| (s.name.as_str(), j))
                .collect(),
        }
    }

    fn find(
        map: &HashMap<&str, usize>,
        t: &Table,
        row: usize,
        column: &str,
        what: &str,
    ) -> Result<usize, DataError> {
        let v = &col(t, column)[row];
        map.get(v.as_str())
            .copied()
            .ok_or_else(|| bad(t, row, column, v, what))
    }

    fn country(&self, t: &Table, row: usize, column: &str) -> Result<usize, DataError> {
        Self::find(
            &self.countries,
            t,
            row,
            column,
            "is not a country of the flows table",
        )
    }

    fn sector(&self, t: &Table, row: usize, column: &str) -> Result<usize, DataError> {
        Self::find(
            &self.sectors,
            t,
            row,
            column,
            "is not a sector of the sectors table",
        )
    }
}

/// A tariffs table whose values look like percent although read as fractions is an error
/// naming the file.
fn check_not_percent(t: &Table, tariffs: &[f64], units: TariffUnits) -> Result<(), DataError> {
    match percent_like(tariffs) {
        Some(message) if units == TariffUnits::Fraction => Err(DataError::InvalidTable(format!(
            "{}: {message}",
            t.source()
                .map_or("tariffs".into(), |p| p.display().to_string())
        ))),
        _ => Ok(()),
    }
}

/// The rows of a tariffs table as (exporter, importer, sector, tariff) positions, converted
/// from `units` to fractions; a domestic tariff other than 0, or one above
/// [`MAX_TARIFF`], is an error.
fn tariff_rows(
    t: &Table,
    keys: &Keys,
    units: TariffUnits,
) -> Result<Vec<(usize, usize, usize, f64)>, DataError> {
    (0..t.n_rows())
        .map(|row| {
            let (i, n, j) = (
                keys.country(t, row, "exporter")?,
                keys.country(t, row, "importer")?,
                keys.sector(t, row, "sector")?,
            );
            let written = num(t, "tariff")[row];
            let v = written * units.scale();
            if v > MAX_TARIFF {
                return Err(bad(
                    t,
                    row,
                    "tariff",
                    &written.to_string(),
                    &format!(
                        "above {MAX_TARIFF} ({}%) in {units}: tariffs are fractions (0.05 is 5%) \
                         unless --tariff-units percent",
                        MAX_TARIFF * 100.0
                    ),
                ));
            }
            if i == n && v != 0.0 {
                return Err(bad(
                    t,
                    row,
                    "tariff",
                    &v.to_string(),
                    "a domestic tariff must be 0",
                ));
            }
            Ok((i, n, j, v))
        })
        .collect()
}

/// New tariffs from a tidy tariffs table written in `units`: (exporter, importer, sector,
/// tariff as a fraction) as positions in `countries` and `sectors`. Every listed key must
/// exist there; values that look like percent in a table read as fractions are an error.
pub fn load_tariff_changes(
    path: &Path,
    countries: &[String],
    sectors: &[Sector],
    units: TariffUnits,
) -> Result<Vec<(usize, usize, usize, f64)>, DataError> {
    let table = load_table(path, &schema("tariffs").min_rows(1))?;
    let rows = tariff_rows(&table, &Keys::new(countries, sectors), units)?;
    let values: Vec<f64> = rows.iter().map(|r| r.3).collect();
    check_not_percent(&table, &values, units)?;
    Ok(rows)
}

/// The rows of a policy table written by an earlier run (`policies.csv`: country, partner,
/// sector, instrument, value), for [`walras_trade::TradeModel::policy_from_rows`].
pub fn load_policy_rows(path: &Path) -> Result<Vec<walras_trade::PolicyRow>, DataError> {
    let columns = ["country", "partner", "sector", "instrument"];
    let schema = columns
        .iter()
        .fold(Schema::new(), |s, c| s.str(c))
        .float("value", Check::Any)
        .key(&columns);
    let table = load_table(path, &schema)?;
    let text = |c: &str| table.str(c).expect("schema column");
    let values = table.f64("value").expect("schema column");
    Ok((0..table.n_rows())
        .map(|k| walras_trade::PolicyRow {
            country: text("country")[k].clone(),
            partner: text("partner")[k].clone(),
            sector: text("sector")[k].clone(),
            instrument: text("instrument")[k].clone(),
            value: values[k],
        })
        .collect())
}
