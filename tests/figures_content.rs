//! What the `walras` figures and terminal tables say: each run writes its figures with
//! `--out` into a temporary folder, and the tests read the SVG text back (titles, axis labels
//! with units, legend entries, tick, category and point labels), not pixels.

mod common;

use common::{json_of, stderr, stdout, walras};

use std::fs;
use std::path::{Path, PathBuf};

/// One `<text>` element of an SVG figure.
#[derive(Debug, Clone)]
struct Text {
    content: String,
    font_size: f64,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every text element of the SVG file at `path`, in document order.
fn texts(path: &Path) -> Vec<Text> {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let tag_end = rest.find('>').expect("text tag closed");
        let tag = &rest[..tag_end];
        let close = rest.find("</text>").expect("text element closed");
        out.push(Text {
            content: unescape(rest[tag_end + 1..close].trim()),
            font_size: attr(tag, "font-size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN),
        });
        rest = &rest[close..];
    }
    out
}

fn contents(path: &Path) -> Vec<String> {
    texts(path).into_iter().map(|t| t.content).collect()
}

/// The figure's title: the first (and largest) text.
fn title(path: &Path) -> String {
    let t = texts(path);
    let biggest = t.iter().map(|x| x.font_size).fold(0.0, f64::max);
    t.iter()
        .find(|x| x.font_size == biggest)
        .map(|x| x.content.clone())
        .unwrap_or_default()
}

#[track_caller]
fn assert_has(path: &Path, s: &str) {
    let all = contents(path);
    assert!(
        all.iter().any(|c| c == s),
        "{} lacks the text {s:?}; it has {all:?}",
        path.display()
    );
}

#[track_caller]
fn assert_lacks(path: &Path, s: &str) {
    let all = contents(path);
    assert!(
        !all.iter().any(|c| c == s),
        "{} has the text {s:?}",
        path.display()
    );
}

fn svgs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    v.sort();
    v
}

/// No figure in `dir` shows a number of five or more digits without thousands separators,
/// nor a code name where words are meant.
#[track_caller]
fn assert_readable(dir: &Path) {
    let figures = svgs(dir);
    assert!(!figures.is_empty(), "no figures in {}", dir.display());
    for f in figures {
        for c in contents(&f) {
            let bare_digits = c
                .split(|ch: char| !ch.is_ascii_digit() && ch != ',' && ch != '.')
                .map(|w| w.split('.').next().unwrap_or(""))
                .any(|int| !int.contains(',') && int.len() >= 5);
            assert!(
                !bare_digits,
                "{}: {c:?} has a long number without separators",
                f.display()
            );
            for code in ["theta_j", "psi_j", "LaborShare", "labor_task_share"] {
                assert!(!c.contains(code), "{}: code name in {c:?}", f.display());
            }
        }
    }
}

fn run_ok(args: &[&str]) -> String {
    let o = walras(args);
    assert!(o.status.success(), "walras {args:?}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn trade_figures_name_units_countries_and_sectors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dual");
    let out_s = out.to_str().unwrap();
    let table = run_ok(&[
        "trade",
        "nash",
        "--instruments",
        "tariffs,subsidies",
        "--tariff-structure",
        "sector",
        "--out",
        out_s,
        "--quiet",
    ]);
    let j: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("result.json")).unwrap()).unwrap();
    let countries: Vec<String> = j["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // Sectors with each instrument, from policies.csv (country,partner,sector,instrument,value).
    let policies = fs::read_to_string(out.join("policies.csv")).unwrap();
    let sectors_with = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = policies
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f.get(3) == Some(&kind)).then(|| f[2].to_string())
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (tariffed, subsidised) = (sectors_with("tariff"), sectors_with("subsidy"));
    assert!(countries.len() >= 2 && tariffed.len() >= 2 && subsidised.len() >= 2);

    let welfare = out.join("welfare.svg");
    assert_eq!(title(&welfare), "Welfare change by country");
    assert_has(&welfare, "welfare change (%)");
    assert_has(&welfare, "country");
    for c in &countries {
        assert_has(&welfare, c);
    }

    let tariffs = out.join("tariffs_vs_theta.svg");
    assert_eq!(title(&tariffs), "Mean tariff by sector (across countries)");
    assert_has(&tariffs, "trade elasticity θ");
    assert_has(&tariffs, "mean tariff (ad valorem, fraction)");
    let subsidies = out.join("subsidies_vs_psi.svg");
    assert_has(&subsidies, "scale elasticity ψ");
    assert_has(&subsidies, "mean subsidy (ad valorem, fraction)");
    // Every sector's point is named.
    for s in &tariffed {
        assert_has(&tariffs, s);
    }
    for s in &subsidised {
        assert_has(&subsidies, s);
    }
    assert_has(&out.join("convergence.svg"), "round");
    assert_readable(&out);

    // The terminal table: words and units in the headers.
    let header = table.lines().nth(1).unwrap_or_default();
    for h in [
        "mean tariff (fraction)",
        "mean subsidy (fraction)",
        "welfare change (%)",
        "wage (new/baseline)",
        "imports change (%)",
    ] {
        assert!(header.contains(h), "table header lacks {h:?}: {header}");
    }
    // CSV keeps its column names.
    let csv = run_ok(&[
        "trade",
        "nash",
        "--instruments",
        "tariffs,subsidies",
        "--tariff-structure",
        "sector",
        "--format",
        "csv",
        "--quiet",
    ]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "country,mean tariff,import-weighted tariff,mean subsidy,welfare change %,wage change,price index change,imports change %"
    );
}

#[test]
fn trade_compare_figure_labels_every_country_and_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare");
    let table = run_ok(&[
        "trade",
        "compare",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let fig = out.join("welfare_by_scenario.svg");
    assert_has(&fig, "welfare change (%)");
    for s in ["tariff war", "dual competition", "cooperation"] {
        assert_has(&fig, s);
    }
    let j: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    for c in j["countries"].as_array().unwrap() {
        assert_has(&fig, c.as_str().unwrap());
    }
    assert!(
        table.contains("mean tariff (fraction)") && table.contains("welfare change (%)"),
        "{table}"
    );
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn wiod_welfare_figure_names_all_44_economies() {
    let data = walras::data::shared_data_dir()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("wiod2014_44x16");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wiod");
    run_ok(&[
        "trade",
        "nash",
        "--data",
        data.to_str().unwrap(),
        "--tariff-structure",
        "sector",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let j: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("result.json")).unwrap()).unwrap();
    let countries = j["countries"].as_array().unwrap();
    assert_eq!(countries.len(), 44);
    let welfare = out.join("welfare.svg");
    for c in countries {
        assert_has(&welfare, c.as_str().unwrap());
    }
    let tariffs = out.join("tariffs_vs_theta.svg");
    for s in j["sector_mean_tariff"].as_object().unwrap().keys() {
        assert_has(&tariffs, s);
    }
    assert_readable(&out);
}

#[test]
fn automation_simulate_titles_match_their_series() {
    let dir = tempfile::tempdir().unwrap();
    // Fixed capital, no blow-up: no capital line, no blow-up diagnostic.
    let out = dir.path().join("fixed");
    let table = run_ok(&[
        "automation",
        "simulate",
        "--preset",
        "core-periphery",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let paths = out.join("time_paths.svg");
    assert_eq!(title(&paths), "Output and wage");
    assert_has(&paths, "output Y");
    assert_has(&paths, "wage w");
    assert_lacks(&paths, "capital K");
    assert_has(&paths, "time (model units)");
    assert!(!out.join("blowup_diagnostic.svg").exists());
    assert!(!out.join("blowup_diagnostic.png").exists());
    assert_readable(&out);
    assert!(!table.contains("LaborShare"), "{table}");
    assert!(
        table.contains("labour task share fell to the stop level at t ="),
        "{table}"
    );
    assert!(table.contains("labour task share m (fraction)"), "{table}");

    // Accumulated capital with a blow-up: the capital line and the diagnostic, whose T*
    // matches the table's.
    let out = dir.path().join("accumulating");
    let table = run_ok(&[
        "automation",
        "simulate",
        "--preset",
        "capital-accumulation",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let paths = out.join("time_paths.svg");
    assert_eq!(title(&paths), "Output, wage and capital");
    assert_has(&paths, "capital K");
    let t_star = table
        .lines()
        .find(|l| l.starts_with("blow-up time T*"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no blow-up time in {table}"))
        .to_string();
    let diagnostic = out.join("blowup_diagnostic.svg");
    assert_eq!(
        title(&diagnostic),
        format!("Blow-up diagnostic (T* = {t_star})")
    );
    assert_has(&diagnostic, &format!("extrapolation to T* = {t_star}"));
    assert_readable(&out);
}

#[test]
fn monte_carlo_fans_use_a_log_time_axis() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mc");
    let j = json_of(&walras(&[
        "automation",
        "sweep",
        "--preset",
        "core-periphery",
        "--range",
        "theta=0.3:0.6",
        "--draws",
        "8",
        "--seed",
        "3",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(
        j["times"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_f64()
            .unwrap()
            >= 1e4
    );
    for (stem, y) in [
        ("fan_labor_share", "labour task share m"),
        ("fan_output", "ln Y (final good)"),
    ] {
        let fan = out.join(format!("{stem}.svg"));
        assert_has(&fan, "time (model units), log scale");
        assert_has(&fan, y);
        for l in ["5%", "median", "95%"] {
            assert_has(&fan, l);
        }
        // Decade ticks, not a linear 0 .. 100,000 axis.
        let all = contents(&fan);
        assert!(
            all.iter().any(|c| c.starts_with("10") && c.contains('⁴')),
            "{stem}: no decade tick: {all:?}"
        );
        assert_lacks(&fan, "100000");
    }
    assert_readable(&out);
}

#[test]
fn planner_title_and_table_round_the_welfare_gap_alike() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("planner");
    let table = run_ok(&[
        "automation",
        "planner",
        "--preset",
        "core-periphery",
        "--horizon",
        "40",
        "--grid",
        "120",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let gap = table
        .lines()
        .find(|l| l.starts_with("welfare gap (% of consumption)"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no welfare gap in {table}"))
        .to_string();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let exact = summary["welfare_gap_pct"].as_f64().unwrap();
    assert!((gap.parse::<f64>().unwrap() - exact).abs() <= 0.005 + 1e-12);
    let fig = out.join("planner_vs_market.svg");
    assert_eq!(
        title(&fig),
        format!("Planner vs market (welfare gap {gap}%)")
    );
    assert_has(&fig, "output Y (final good, log scale)");
    assert_readable(&out);
}

#[test]
fn network_table_uses_words_and_csv_keeps_codes() {
    let table = run_ok(&["automation", "network", "--preset", "directed-chain"]);
    for h in ["in-degree", "Katz centrality", "reachable from task 0"] {
        assert!(table.contains(h), "{table}");
    }
    assert!(!table.contains("in_degree"), "{table}");
    let csv = run_ok(&[
        "automation",
        "network",
        "--preset",
        "directed-chain",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "task,in_degree,out_degree,in_strength,katz,eigenvector,reachable_from_0"
    );
}

#[test]
fn tax_compare_figures_name_units_and_every_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare");
    run_ok(&["tax", "compare", "--quiet", "--out", out.to_str().unwrap()]);
    assert_has(&out.join("compare_rates.svg"), "income (USD per year)");
    let tradeoff = out.join("compare_tradeoff.svg");
    assert_has(
        &tradeoff,
        "productivity (mean pre-tax income, USD per year)",
    );
    // Saez and the optimum lie close together: each point carries its schedule's name.
    for schedule in [
        "free market",
        "US federal 2018 rates",
        "Saez (binned)",
        "optimal brackets",
    ] {
        let named = contents(&tradeoff)
            .iter()
            .filter(|c| c.as_str() == schedule)
            .count();
        assert!(named >= 2, "{schedule}: {named} labels (legend and point)");
    }
    // The title rounds the gain as the terminal preface does.
    let preface = run_ok(&["tax", "compare", "--quiet"]);
    let gain = preface
        .split("equality x productivity ")
        .nth(1)
        .and_then(|s| {
            s.split('.')
                .next()
                .map(|int| format!("{int}.{}", &s[int.len() + 1..int.len() + 3]))
        })
        .unwrap();
    assert!(
        title(&out.join("compare_eq_x_prod.svg")).contains(&gain),
        "{} vs {gain}",
        title(&out.join("compare_eq_x_prod.svg"))
    );
    assert_readable(&out);
}
