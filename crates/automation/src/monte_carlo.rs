//! Monte Carlo and parameter grids over scenarios, in parallel (rayon), seeded and
//! reproducible: draw `i` uses a seed derived from the base seed and `i` alone, so results do
//! not depend on the number of threads.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dynamics::{simulate, SimulationResult, StopReason};
use crate::economy::ModelError;
use crate::network::{Network, NetworkSpec};
use crate::scenario::{PerTask, Scenario, Verifiability};
use walras_core::finite_difference::Domain;

/// A parameter range `key = low:high` for Monte Carlo draws (uniform).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Range {
    /// Scenario key (see [`set_parameter`]).
    pub key: String,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Range {
    /// Parses `KEY=LOW:HIGH`.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let (key, values) = split_axis("range", text, "KEY=LOW:HIGH", 2)?;
        Ok(Range {
            key,
            low: values[0],
            high: values[1],
        })
    }
}

/// Most points on one axis of a phase diagram.
pub const MAX_GRID_POINTS: usize = 10_000;

/// One axis of a phase diagram: `key` at `points` evenly spaced values from `low` to `high`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridAxis {
    /// Scenario key (see [`set_parameter`]).
    pub key: String,
    /// The values, in order.
    pub values: Vec<f64>,
}

impl GridAxis {
    /// Parses `KEY=LOW:HIGH:N` (N >= 2 points, both ends included).
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let form = "KEY=LOW:HIGH:N";
        let (key, parts) = split_axis("grid", text, form, 3)?;
        let n = parts[2];
        if !(n.fract() == 0.0 && n >= 0.0) {
            return Err(ModelError::invalid(
                "grid",
                format!("\"{text}\""),
                format!("{n} is not a count (write {form})"),
            ));
        }
        if n > MAX_GRID_POINTS as f64 {
            return Err(ModelError::invalid(
                "grid",
                format!("\"{text}\""),
                format!("a grid axis has at most {MAX_GRID_POINTS} points"),
            ));
        }
        let n = n as usize;
        if n < 2 {
            return Err(ModelError::invalid(
                "grid",
                format!("\"{text}\""),
                "a grid needs at least 2 points",
            ));
        }
        let (low, high) = (parts[0], parts[1]);
        Ok(GridAxis {
            key,
            values: (0..n)
                .map(|i| low + (high - low) * i as f64 / (n - 1) as f64)
                .collect(),
        })
    }
}

/// Splits `KEY=A:B[:C]` into the key and `count` numbers; errors name `what` and the text.
fn split_axis(
    what: &str,
    text: &str,
    form: &str,
    count: usize,
) -> Result<(String, Vec<f64>), ModelError> {
    let bad = |why: String| ModelError::invalid(what, format!("\"{text}\""), why);
    let (key, values) = text
        .split_once('=')
        .ok_or_else(|| bad(format!("write {form}")))?;
    let parts: Vec<&str> = values.split(':').collect();
    if parts.len() != count {
        return Err(bad(format!("write {form}")));
    }
    let numbers = parts
        .iter()
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(format!("{} is not a finite number", p.trim())))
        })
        .collect::<Result<_, _>>()?;
    Ok((key.trim().to_string(), numbers))
}

/// Refuses a key given twice among `keys` (from `what`, e.g. "--grid"); the error names the key.
pub fn check_unique_keys<'a>(
    what: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<(), ModelError> {
    let mut seen: Vec<&str> = Vec::new();
    for key in keys {
        if seen.contains(&key) {
            return Err(ModelError::invalid(
                what,
                key,
                format!("the key {key} is given twice; give each key once"),
            ));
        }
        seen.push(key);
    }
    Ok(())
}

/// Parses an override `KEY=VALUE` (a numeric scenario parameter, see [`set_parameter`]).
pub fn parse_override(text: &str) -> Result<(String, f64), ModelError> {
    let bad = |why: String| ModelError::invalid("override", format!("\"{text}\""), why);
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| bad("write KEY=VALUE".into()))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| bad(format!("{} is not a number", value.trim())))?;
    Ok((key.trim().to_string(), value))
}

/// The long-run regime of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Regime {
    /// Labour does (almost) nothing: labour task share below 1% at the end.
    Full,
    /// Labour keeps a share of tasks.
    Partial,
    /// Finite-time blow-up.
    Explosive,
}

impl Regime {
    /// Classifies a path.
    pub fn of(path: &SimulationResult) -> Self {
        if path.stop == StopReason::Blowup {
            Regime::Explosive
        } else if path.final_equilibrium.labor_task_share < 0.01 {
            Regime::Full
        } else {
            Regime::Partial
        }
    }

    /// A number for heatmaps: 0 partial, 1 full, 2 explosive.
    pub fn code(self) -> f64 {
        match self {
            Regime::Partial => 0.0,
            Regime::Full => 1.0,
            Regime::Explosive => 2.0,
        }
    }
}

/// Sets a scalar scenario key: `sigma`, `theta`, `chi`, `delta_data`, `labor`, `capital`,
/// `horizon`, `verifiability`, `ai_productivity`, `labor_productivity`, `initial_data`,
/// `saving`, `depreciation`, or `network.FIELD` (a numeric parameter of the network, e.g.
/// `network.weight`, `network.pc`).
pub fn set_parameter(s: &mut Scenario, key: &str, value: f64) -> Result<(), ModelError> {
    match key {
        "sigma" => s.sigma = value,
        "theta" => s.theta = value,
        "chi" => s.chi = value,
        "delta_data" => s.delta_data = value,
        "labor" => s.labor = value,
        "capital" => s.capital = value,
        "horizon" => s.horizon = value,
        "verifiability" => s.verifiability = Verifiability::Values(PerTask::Scalar(value)),
        "ai_productivity" => s.ai_productivity = PerTask::Scalar(value),
        "labor_productivity" => s.labor_productivity = PerTask::Scalar(value),
        "initial_data" => s.initial_data = PerTask::Scalar(value),
        "saving" | "depreciation" => {
            let acc = s.capital_accumulation.as_mut().ok_or_else(|| {
                ModelError::invalid(key, value, "the scenario has no [capital_accumulation]")
            })?;
            if key == "saving" {
                acc.saving = value;
            } else {
                acc.depreciation = value;
            }
        }
        _ => {
            let field = key.strip_prefix("network.").ok_or_else(|| {
                ModelError::invalid(key, value, "unknown parameter; use sigma, theta, chi, delta_data, labor, capital, horizon, verifiability, ai_productivity, labor_productivity, initial_data, saving, depreciation or network.FIELD")
            })?;
            let table = s
                .network
                .as_mut()
                .ok_or_else(|| ModelError::invalid(key, value, "the scenario has no [network]"))?;
            let mut spec = toml::Value::try_from(&table.spec)
                .map_err(|e| ModelError::invalid(key, value, e.to_string()))?;
            let t = spec
                .as_table_mut()
                .ok_or_else(|| ModelError::invalid(key, value, "network is not a table"))?;
            if !t.contains_key(field) {
                return Err(ModelError::invalid(
                    key,
                    value,
                    format!(
                        "the {} network has no parameter {field}",
                        t.get("kind").map_or("".into(), |k| k.to_string())
                    ),
                ));
            }
            t.insert(field.to_string(), toml::Value::Float(value));
            table.spec = NetworkSpec::deserialize(spec)
                .map_err(|e| ModelError::invalid(key, value, e.to_string()))?;
        }
    }
    Ok(())
}

/// A scenario parameter that can be differentiated: its `set` key, value and domain.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarParameter {
    /// The key [`set_parameter`] takes.
    pub key: String,
    /// Its value in the scenario.
    pub value: f64,
    /// The values it may take.
    pub domain: Domain,
}

/// The scenario's continuous scalar parameters: `sigma`, `theta`, `chi`, `delta_data`,
/// `labor`, `capital`; `verifiability`, `ai_productivity` and `labor_productivity` when the
/// scenario gives them as one number for every task; and the edge weights of its network
/// (`network.weight`, `network.cc`, ...). Left out: per-task lists (setting a key would
/// replace the list), integers, the probabilities of random networks (they redraw edges) and
/// the path's settings.
pub fn scalar_parameters(s: &Scenario) -> Vec<ScalarParameter> {
    let mut out = Vec::new();
    let mut push = |key: &str, value: f64, domain: Domain| {
        out.push(ScalarParameter {
            key: key.into(),
            value,
            domain,
        })
    };
    push("sigma", s.sigma, Domain::POSITIVE);
    push("theta", s.theta, Domain::POSITIVE);
    push("chi", s.chi, Domain::FRACTION);
    push("delta_data", s.delta_data, Domain::NON_NEGATIVE);
    push("labor", s.labor, Domain::NON_NEGATIVE);
    push("capital", s.capital, Domain::NON_NEGATIVE);
    if let Verifiability::Values(PerTask::Scalar(v)) = s.verifiability {
        push("verifiability", v, Domain::FRACTION);
    }
    for (key, values) in [
        ("ai_productivity", &s.ai_productivity),
        ("labor_productivity", &s.labor_productivity),
    ] {
        if let PerTask::Scalar(v) = values {
            push(key, *v, Domain::POSITIVE);
        }
    }
    if let Some(table) = &s.network {
        if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&table.spec) {
            for (field, value) in &t {
                if let (toml::Value::Float(v), false) =
                    (value, matches!(field.as_str(), "probability" | "rewire"))
                {
                    push(&format!("network.{field}"), *v, Domain::NON_NEGATIVE);
                }
            }
        }
    }
    out
}

/// One Monte Carlo draw.
#[derive(Debug, Clone, Serialize)]
pub struct Draw {
    /// Draw index.
    pub index: usize,
    /// Parameter values, in the order of the ranges.
    pub values: Vec<f64>,
    /// Regime reached.
    pub regime: Regime,
    /// Labour task share at the end.
    pub final_labor_task_share: f64,
    /// Last time simulated.
    pub final_time: f64,
    /// Estimated blow-up time, if explosive.
    pub blowup_time: Option<f64>,
}

/// Monte Carlo results: the draws and fans (5/50/95% quantiles) on a common time grid.
#[derive(Debug, Clone, Serialize)]
pub struct MonteCarlo {
    /// Ranges drawn.
    pub ranges: Vec<Range>,
    /// Every draw.
    pub draws: Vec<Draw>,
    /// The time grid of the fans.
    pub times: Vec<f64>,
    /// Labour task share quantiles `[5%, 50%, 95%]` per time.
    pub labor_task_share: Vec<[f64; 3]>,
    /// `ln Y` quantiles per time (over draws still running at that time).
    pub ln_output: Vec<[f64; 3]>,
    /// Share of draws in each regime: full, partial, explosive.
    pub regime_shares: [f64; 3],
}

/// Per-draw seed: SplitMix64 of the base seed and the index.
fn draw_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(index as u64 + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Simulates the scenario; Monte Carlo draws and grids ignore its `stop_labor_share` so paths
/// share a horizon.
fn run(
    scenario: &Scenario,
    load_file: &(dyn Fn(&Path, usize) -> Result<Network, String> + Sync),
) -> Result<SimulationResult, ModelError> {
    let mut s = scenario.clone();
    s.stop_labor_share = None;
    let model = s.resolve(None, load_file)?;
    simulate(&model.economy, &model.initial_data, &model.path)
}

/// Value of a path quantity at time t (linear interpolation; `None` after the path ended
/// unless `hold` carries the last value).
fn at(
    path: &SimulationResult,
    t: f64,
    f: impl Fn(&crate::dynamics::PathPoint) -> f64,
    hold: bool,
) -> Option<f64> {
    let pts = &path.points;
    let last = pts.last()?;
    if t > last.t {
        return hold.then(|| f(last));
    }
    let k = pts.partition_point(|p| p.t < t);
    if k == 0 {
        return Some(f(&pts[0]));
    }
    let (a, b) = (&pts[k - 1], &pts[k]);
    let s = if b.t > a.t {
        (t - a.t) / (b.t - a.t)
    } else {
        1.0
    };
    Some(f(a) + s * (f(b) - f(a)))
}

fn quantiles(mut v: Vec<f64>) -> [f64; 3] {
    if v.is_empty() {
        return [f64::NAN; 3];
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let x = p * (v.len() - 1) as f64;
        let (i, f) = (x.floor() as usize, x - x.floor());
        v[i] + f * (v[(i + 1).min(v.len() - 1)] - v[i])
    };
    [q(0.05), q(0.5), q(0.95)]
}

/// The fans' time grid: `grid` evenly spaced times on `[0, horizon]` and `grid` evenly spaced
/// on a log scale from `horizon` / 10^4 to `horizon` (where a log time axis shows the early
/// dynamics that an even grid of a long horizon steps over), in increasing order.
pub fn fan_times(horizon: f64, grid: usize) -> Vec<f64> {
    let n = grid.max(2);
    let step = |i: usize| i as f64 / (n - 1) as f64;
    let even = (0..n).map(|i| horizon * step(i));
    let first = horizon * 1e-4;
    let logarithmic = (0..n).map(|i| first * (horizon / first).powf(step(i)));
    let mut times: Vec<f64> = even.chain(logarithmic).collect();
    times.sort_by(f64::total_cmp);
    times.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * horizon);
    times
}

/// Monte Carlo over `draws` uniform draws of the ranges, in parallel; fans on [`fan_times`].
pub fn monte_carlo(
    base: &Scenario,
    ranges: &[Range],
    draws: usize,
    seed: u64,
    grid: usize,
    load_file: &(dyn Fn(&Path, usize) -> Result<Network, String> + Sync),
) -> Result<MonteCarlo, ModelError> {
    monte_carlo_observed(
        base,
        ranges,
        draws,
        seed,
        grid,
        load_file,
        &walras_core::NoObserver,
    )
}

/// [`monte_carlo`], reporting each finished draw to `observer` (`Event::Progress` with `what =
/// "draw"`) and stopping with [`ModelError::Cancelled`] once it asks to (draws already running
/// finish; no new one starts).
pub fn monte_carlo_observed(
    base: &Scenario,
    ranges: &[Range],
    draws: usize,
    seed: u64,
    grid: usize,
    load_file: &(dyn Fn(&Path, usize) -> Result<Network, String> + Sync),
    observer: &dyn walras_core::Observer,
) -> Result<MonteCarlo, ModelError> {
    check_unique_keys("range", ranges.iter().map(|r| r.key.as_str()))?;
    for r in ranges {
        if !(r.low.is_finite() && r.high.is_finite() && r.low <= r.high) {
            return Err(ModelError::invalid(
                &r.key,
                format!("{}:{}", r.low, r.high),
                "a range needs finite low <= high",
            ));
        }
        set_parameter(&mut base.clone(), &r.key, r.low)?;
    }
    if draws == 0 {
        return Err(ModelError::invalid("draws", 0, "must be >= 1"));
    }
    crate::limits::check_runs("draws", draws, base.tasks, crate::limits::total_memory())?;
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let outcomes: Vec<Result<(Draw, SimulationResult), ModelError>> = (0..draws)
        .into_par_iter()
        .map(|index| {
            if observer.cancelled() {
                return Err(ModelError::Cancelled {
                    what: "Monte Carlo".into(),
                    done: finished.load(std::sync::atomic::Ordering::Relaxed),
                    total: draws,
                });
            }
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(draw_seed(seed, index));
            let mut s = base.clone();
            let values: Vec<f64> = ranges
                .iter()
                .map(|r| r.low + (r.high - r.low) * rng.random::<f64>())
                .collect();
            for (r, v) in ranges.iter().zip(&values) {
                set_parameter(&mut s, &r.key, *v)?;
            }
            let path = run(&s, load_file).map_err(|e| {
                ModelError::invalid(
                    format!("draw {index}"),
                    format!("{values:?}"),
                    e.to_string(),
                )
            })?;
            let draw = Draw {
                index,
                values,
                regime: Regime::of(&path),
                final_labor_task_share: path.final_equilibrium.labor_task_share,
                final_time: path.final_time(),
                blowup_time: path.blowup_time,
            };
            let done = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            observer.on_event(&walras_core::Event::Progress {
                what: "draw",
                done: done as u64,
                total: Some(draws as u64),
            });
            Ok((draw, path))
        })
        .collect();
    let mut draws_out = Vec::with_capacity(draws);
    let mut paths = Vec::with_capacity(draws);
    for o in outcomes {
        let (d, p) = o?;
        draws_out.push(d);
        paths.push(p);
    }
    let times = fan_times(base.horizon, grid);
    let labor_task_share = times
        .iter()
        .map(|&t| {
            quantiles(
                paths
                    .iter()
                    .filter_map(|p| at(p, t, |q| q.labor_task_share, true))
                    .collect(),
            )
        })
        .collect();
    let ln_output = times
        .iter()
        .map(|&t| {
            quantiles(
                paths
                    .iter()
                    .filter_map(|p| at(p, t, |q| q.output.ln(), false))
                    .collect(),
            )
        })
        .collect();
    let share =
        |r: Regime| draws_out.iter().filter(|d| d.regime == r).count() as f64 / draws as f64;
    Ok(MonteCarlo {
        ranges: ranges.to_vec(),
        regime_shares: [
            share(Regime::Full),
            share(Regime::Partial),
            share(Regime::Explosive),
        ],
        draws: draws_out,
        times,
        labor_task_share,
        ln_output,
    })
}

/// A phase diagram: the regime on a grid of two parameters.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseDiagram {
    /// x parameter key.
    pub x_key: String,
    /// x values.
    pub x: Vec<f64>,
    /// y parameter key.
    pub y_key: String,
    /// y values.
    pub y: Vec<f64>,
    /// `regime[iy][ix]`.
    pub regime: Vec<Vec<Regime>>,
    /// Final labour task share `[iy][ix]`.
    pub final_labor_task_share: Vec<Vec<f64>>,
}

/// The regime at every grid point of two parameters, in parallel.
pub fn phase_diagram(
    base: &Scenario,
    x: (&str, &[f64]),
    y: (&str, &[f64]),
    load_file: &(dyn Fn(&Path, usize) -> Result<Network, String> + Sync),
) -> Result<PhaseDiagram, ModelError> {
    phase_diagram_observed(base, x, y, load_file, &walras_core::NoObserver)
}

/// [`phase_diagram`], reporting each finished grid point to `observer` (`Event::Progress`
/// with `what = "grid point"`) and stopping with [`ModelError::Cancelled`] once it asks to.
pub fn phase_diagram_observed(
    base: &Scenario,
    x: (&str, &[f64]),
    y: (&str, &[f64]),
    load_file: &(dyn Fn(&Path, usize) -> Result<Network, String> + Sync),
    observer: &dyn walras_core::Observer,
) -> Result<PhaseDiagram, ModelError> {
    check_unique_keys("grid", [x.0, y.0])?;
    let points = x.1.len().saturating_mul(y.1.len());
    crate::limits::check_runs("grid", points, base.tasks, crate::limits::total_memory())?;
    let cells: Vec<(usize, usize)> = (0..y.1.len())
        .flat_map(|iy| (0..x.1.len()).map(move |ix| (iy, ix)))
        .collect();
    let total = cells.len();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<SimulationResult, ModelError>> = cells
        .par_iter()
        .map(|&(iy, ix)| {
            if observer.cancelled() {
                return Err(ModelError::Cancelled {
                    what: "phase diagram".into(),
                    done: finished.load(std::sync::atomic::Ordering::Relaxed),
                    total,
                });
            }
            let mut s = base.clone();
            set_parameter(&mut s, x.0, x.1[ix])?;
            set_parameter(&mut s, y.0, y.1[iy])?;
            let path = run(&s, load_file).map_err(|e| {
                ModelError::invalid(
                    format!("{} = {}, {} = {}", x.0, x.1[ix], y.0, y.1[iy]),
                    "(grid point)",
                    e.to_string(),
                )
            })?;
            let done = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            observer.on_event(&walras_core::Event::Progress {
                what: "grid point",
                done: done as u64,
                total: Some(total as u64),
            });
            Ok(path)
        })
        .collect();
    let mut regime = vec![vec![Regime::Partial; x.1.len()]; y.1.len()];
    let mut share = vec![vec![0.0; x.1.len()]; y.1.len()];
    for (&(iy, ix), r) in cells.iter().zip(results) {
        let path = r?;
        regime[iy][ix] = Regime::of(&path);
        share[iy][ix] = path.final_equilibrium.labor_task_share;
    }
    Ok(PhaseDiagram {
        x_key: x.0.into(),
        x: x.1.to_vec(),
        y_key: y.0.into(),
        y: y.1.to_vec(),
        regime,
        final_labor_task_share: share,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &Path, _: usize) -> Result<Network, String> {
        Err("no files".into())
    }

    /// Counts draws and cancels after `stop_after` of them.
    struct Watch {
        done: std::sync::atomic::AtomicU64,
        stop_after: u64,
    }

    impl walras_core::Observer for Watch {
        fn on_event(&self, event: &walras_core::Event<'_>) {
            if let walras_core::Event::Progress {
                what: "draw",
                total: Some(12),
                ..
            } = event
            {
                self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        fn cancelled(&self) -> bool {
            self.done.load(std::sync::atomic::Ordering::Relaxed) >= self.stop_after
        }
    }

    #[test]
    fn monte_carlo_reports_every_draw_and_stops_when_cancelled() {
        let mut base = Scenario::preset("core-periphery").unwrap();
        base.horizon = 200.0;
        let ranges = [Range::parse("theta=0.3:0.6").unwrap()];
        let all = Watch {
            done: 0.into(),
            stop_after: u64::MAX,
        };
        let observed = monte_carlo_observed(&base, &ranges, 12, 7, 20, &no_files, &all).unwrap();
        assert_eq!(all.done.into_inner(), 12);
        let plain = monte_carlo(&base, &ranges, 12, 7, 20, &no_files).unwrap();
        assert_eq!(observed.draws.len(), plain.draws.len());
        let stop = Watch {
            done: 0.into(),
            stop_after: 3,
        };
        let err = monte_carlo_observed(&base, &ranges, 12, 7, 20, &no_files, &stop).unwrap_err();
        assert!(
            matches!(err, ModelError::Cancelled { total: 12, .. }),
            "{err}"
        );
        assert!(stop.done.into_inner() < 12);
    }

    #[test]
    fn monte_carlo_is_reproducible_and_ordered() {
        let mut base = Scenario::preset("core-periphery").unwrap();
        base.horizon = 200.0;
        let ranges = [
            Range {
                key: "theta".into(),
                low: 0.3,
                high: 0.6,
            },
            Range {
                key: "network.pc".into(),
                low: 0.0,
                high: 0.2,
            },
        ];
        let a = monte_carlo(&base, &ranges, 12, 7, 20, &no_files).unwrap();
        let b = monte_carlo(&base, &ranges, 12, 7, 20, &no_files).unwrap();
        let c = monte_carlo(&base, &ranges, 12, 8, 20, &no_files).unwrap();
        assert_eq!(
            a.draws.iter().map(|d| d.values.clone()).collect::<Vec<_>>(),
            b.draws.iter().map(|d| d.values.clone()).collect::<Vec<_>>()
        );
        assert_ne!(a.draws[0].values, c.draws[0].values);
        for d in &a.draws {
            assert!((0.3..=0.6).contains(&d.values[0]) && (0.0..=0.2).contains(&d.values[1]));
        }
        for q in a.labor_task_share.iter().chain(&a.ln_output) {
            assert!(q[0] <= q[1] && q[1] <= q[2], "{q:?}");
        }
        assert!((a.regime_shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn fan_times_cover_early_and_late_times_in_order() {
        let t = fan_times(1e5, 101);
        assert_eq!(t[0], 0.0);
        assert_eq!(*t.last().unwrap(), 1e5);
        assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
        // Every evenly spaced time is kept; the log-spaced ones start at horizon / 10^4.
        for i in 0..101 {
            let even = 1e5 * i as f64 / 100.0;
            assert!(t.iter().any(|&x| (x - even).abs() <= 1e-7), "{even}");
        }
        assert!((t[1] - 10.0).abs() < 1e-9, "{}", t[1]);
        // Half of the log-spaced times fall in the first percent of the horizon.
        assert!(t.iter().filter(|&&x| x < 999.0).count() > 50);
        assert!(t.len() > 190 && t.len() <= 202, "{}", t.len());
    }

    #[test]
    fn bad_keys_are_named() {
        let mut s = Scenario::preset("no-spillovers").unwrap();
        assert!(set_parameter(&mut s, "colour", 1.0)
            .unwrap_err()
            .to_string()
            .contains("colour"));
        assert!(set_parameter(&mut s, "network.weight", 1.0)
            .unwrap_err()
            .to_string()
            .contains("no [network]"));
        let mut c = Scenario::preset("directed-chain").unwrap();
        assert!(set_parameter(&mut c, "network.pc", 1.0)
            .unwrap_err()
            .to_string()
            .contains("pc"));
        set_parameter(&mut c, "network.weight", 0.25).unwrap();
        assert_eq!(c.network.unwrap().spec, NetworkSpec::Chain { weight: 0.25 });
    }

    /// P7 with sigma = 1 and a fixed automated mass S_A (tasks not automated have no AI
    /// productivity to speak of): explosive iff theta + S_A > 1.
    #[test]
    fn phase_diagram_separates_explosive_growth() {
        let text = "tasks = 4\nsigma = 1.0\ntheta = 0.5\nlabor = 1.0\ncapital = 1.0\nhorizon = 200.0\ninitial_data = 1.0\nai_productivity = [1.0, 1e-12, 1e-12, 1e-12]\n[capital_accumulation]\nsaving = 0.3\ndepreciation = 0.0\n";
        let mut base = Scenario::parse(text, "t").unwrap();
        base.task_mass = PerTask::List(vec![0.6, 0.4 / 3.0, 0.4 / 3.0, 0.4 / 3.0]);
        let d = phase_diagram(
            &base,
            ("theta", &[0.2, 0.3, 0.5, 0.7]),
            ("verifiability", &[1.0]),
            &no_files,
        )
        .unwrap();
        // S_A = 0.6: explosive iff theta > 0.4.
        let regimes: Vec<Regime> = d.regime[0].clone();
        assert_eq!(
            regimes[0..2],
            [Regime::Partial, Regime::Partial],
            "{regimes:?}"
        );
        assert_eq!(
            regimes[2..4],
            [Regime::Explosive, Regime::Explosive],
            "{regimes:?}"
        );
    }
}
