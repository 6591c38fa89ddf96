//! Generated values for every numeric flag of the `walras` CLI, each case a run of the binary.
//! Properties: no panic, abort or hang (a time budget per case); an accepted value
//! prints one JSON object whose numbers are all finite, with `converged` true unless the result
//! says why it stopped; a refused one exits with status 2 and names the flag or the value.
//!
//! Cases: `WALRAS_FUZZ_CASES` (default 10,000) across the flags (those of the commands that
//! contain `WALRAS_FUZZ_FLAGS`, if set), on two threads; values are mostly extreme or
//! invalid (NaN, infinities, zero, negatives, huge, tiny), sizes stay small enough to run.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn cases() -> u32 {
    std::env::var("WALRAS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The longest one command may take.
const BUDGET: Duration = Duration::from_secs(20);

/// A numeric flag: the command it belongs to (with small problem sizes), the flag, and how its
/// values are drawn.
struct Flag {
    command: &'static [&'static str],
    flag: &'static str,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    /// A real number.
    Real,
    /// A count or size: small valid values and invalid ones.
    Count,
    /// Two comma-separated reals.
    Pair,
    /// Seven comma-separated reals (one per bracket).
    Seven,
    /// `key=value` overrides of an automation scenario.
    Override(&'static str),
}

/// Stands for the path of a small income file (300 incomes from 1,000 to 7 million USD).
const INCOMES: &str = "{incomes}";

fn incomes_file() -> &'static str {
    static FILE: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &FILE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("incomes.csv");
            let rows: String = (0..300)
                .map(|i| format!("{:.2}\n", 1000.0 * 1.03f64.powi(i)))
                .collect();
            std::fs::write(&path, format!("income\n{rows}")).unwrap();
            (dir, path.display().to_string())
        })
        .1
}

/// `automation simulate` over 20 years.
const SIMULATE_SHORT: &[&str] = &[
    "automation",
    "simulate",
    "--preset",
    "core-periphery",
    "--set",
    "horizon=20",
];

/// `tax compare` on a small parametric economy (the embedded CPS sample takes 0.4 s a run).
const TAX_COMPARE_SKILLS: &[&str] = &[
    "tax",
    "compare",
    "--skills",
    "pareto:alpha=2.5,min=5",
    "--cutoffs",
    "aie-us-federal",
];
const TAX_COMPARE: &[&str] = &[
    "tax",
    "compare",
    "--skills",
    "pareto:alpha=2.5,min=5",
    "--cutoffs",
    "aie-us-federal",
    "--agents",
    "300",
];

/// `tax evaluate` on a small parametric economy.
const TAX_EVALUATE: &[&str] = &[
    "tax",
    "evaluate",
    "--skills",
    "lognormal:mu=3.5,sigma=0.7",
    "--cutoffs",
    "aie-us-federal",
    "--agents",
    "200",
];

/// Stands for the path of an actions file of 30 steps for `tax gtb replay`.
const ACTIONS: &str = "{actions}";

fn actions_file() -> &'static str {
    static FILE: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &FILE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("actions.json");
            let steps: Vec<String> = (0..30)
                .map(|t| {
                    format!(
                        "[{},{},{},{}]",
                        t % 50,
                        (7 * t) % 50,
                        (13 * t + 1) % 50,
                        46 + t % 4
                    )
                })
                .collect();
            std::fs::write(&path, format!("{{\"agents\": [{}]}}", steps.join(","))).unwrap();
            (dir, path.display().to_string())
        })
        .1
}

/// `tax gtb simulate`, two episodes of 50 steps.
const GTB_SIMULATE: &[&str] = &[
    "tax",
    "gtb",
    "simulate",
    "--episodes",
    "2",
    "--episode-length",
    "50",
];

/// `tax gtb equilibrium` at the smallest settings, 50-step episodes.
const GTB_EQUILIBRIUM: &[&str] = &[
    "tax",
    "gtb",
    "equilibrium",
    "--episodes",
    "2",
    "--rounds",
    "1",
    "--iterations",
    "1",
    "--pairs",
    "1",
    "--episode-length",
    "50",
];

const FLAGS: &[Flag] = &[
    Flag {
        command: &[
            "trade",
            "estimate-elasticities",
            "--from",
            "data/trade/cp2015",
        ],
        flag: "--trim",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "tax",
            "gtb",
            "equilibrium",
            "--tax",
            "planner",
            "--episodes",
            "2",
            "--rounds",
            "1",
            "--iterations",
            "1",
            "--pairs",
            "1",
            "--episode-length",
            "50",
        ],
        flag: "--rates",
        kind: Kind::Seven,
    },
    Flag {
        command: &[
            "tax",
            "gtb",
            "equilibrium",
            "--rounds",
            "1",
            "--iterations",
            "1",
            "--pairs",
            "1",
            "--episode-length",
            "50",
        ],
        flag: "--episodes",
        kind: Kind::Count,
    },
    Flag {
        command: &[
            "tax",
            "gtb",
            "equilibrium",
            "--episodes",
            "2",
            "--iterations",
            "1",
            "--pairs",
            "1",
            "--episode-length",
            "50",
        ],
        flag: "--rounds",
        kind: Kind::Count,
    },
    Flag {
        command: GTB_EQUILIBRIUM,
        flag: "--seed",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "gtb", "replay", "--actions", ACTIONS],
        flag: "--seed",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "gtb", "replay", "--actions", ACTIONS],
        flag: "--episode-length",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "gtb", "simulate", "--episode-length", "50"],
        flag: "--episodes",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "gtb", "simulate", "--episodes", "2"],
        flag: "--episode-length",
        kind: Kind::Count,
    },
    Flag {
        command: GTB_SIMULATE,
        flag: "--threads",
        kind: Kind::Count,
    },
    Flag {
        command: GTB_SIMULATE,
        flag: "--seed",
        kind: Kind::Count,
    },
    Flag {
        command: TAX_EVALUATE,
        flag: "--rates",
        kind: Kind::Seven,
    },
    Flag {
        command: TAX_EVALUATE,
        flag: "--elasticity",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "tax",
            "evaluate",
            "--schedule",
            "saez",
            "--skills",
            "lognormal:mu=3.5,sigma=0.7",
            "--cutoffs",
            "aie-us-federal",
            "--agents",
            "200",
        ],
        flag: "--rate-max",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "tax",
            "evaluate",
            "--skills",
            "pareto:alpha=2.5,min=5",
            "--cutoffs",
            "aie-us-federal",
        ],
        flag: "--agents",
        kind: Kind::Count,
    },
    Flag {
        command: &["examples"],
        flag: "--theta",
        kind: Kind::Real,
    },
    Flag {
        command: &["examples"],
        flag: "--tau",
        kind: Kind::Real,
    },
    Flag {
        command: &["examples"],
        flag: "--cournot-costs",
        kind: Kind::Pair,
    },
    Flag {
        command: &["tax", "saez", "--incomes", INCOMES],
        flag: "--elasticity",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "saez", "--incomes", INCOMES],
        flag: "--rate-min",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "saez", "--incomes", INCOMES],
        flag: "--rate-max",
        kind: Kind::Real,
    },
    Flag {
        command: TAX_COMPARE,
        flag: "--elasticity",
        kind: Kind::Real,
    },
    Flag {
        command: TAX_COMPARE_SKILLS,
        flag: "--agents",
        kind: Kind::Count,
    },
    Flag {
        command: TAX_COMPARE,
        flag: "--rate-max",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "optimize", "--agents", "100"],
        flag: "--elasticity",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "optimize", "--agents", "100"],
        flag: "--brackets",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "optimize"],
        flag: "--agents",
        kind: Kind::Count,
    },
    Flag {
        command: &["tax", "optimize", "--agents", "100"],
        flag: "--rate-max",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "optimize", "--agents", "100"],
        flag: "--hours",
        kind: Kind::Pair,
    },
    Flag {
        command: &["tax", "mirrlees", "--grid", "60"],
        flag: "--elasticity",
        kind: Kind::Real,
    },
    Flag {
        command: &["tax", "mirrlees", "--grid", "60"],
        flag: "--truncate",
        kind: Kind::Pair,
    },
    Flag {
        command: &["tax", "mirrlees"],
        flag: "--grid",
        kind: Kind::Count,
    },
    Flag {
        command: &["trade", "nash", "--tariff-structure", "uniform"],
        flag: "--tol",
        kind: Kind::Real,
    },
    Flag {
        command: &["trade", "nash", "--tariff-structure", "uniform"],
        flag: "--solver-tol",
        kind: Kind::Real,
    },
    Flag {
        command: &["trade", "nash", "--tariff-structure", "uniform"],
        flag: "--damping",
        kind: Kind::Real,
    },
    Flag {
        command: &["trade", "nash", "--tariff-structure", "uniform"],
        flag: "--tariff-bounds",
        kind: Kind::Pair,
    },
    Flag {
        command: &[
            "trade",
            "optimal",
            "--country",
            "North",
            "--tariff-structure",
            "uniform",
            "--instruments",
            "tariffs,subsidies",
        ],
        flag: "--subsidy-bounds",
        kind: Kind::Pair,
    },
    Flag {
        command: &[
            "trade",
            "optimal",
            "--country",
            "North",
            "--tariff-structure",
            "uniform",
        ],
        flag: "--tol",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "automation",
            "planner",
            "--preset",
            "core-periphery",
            "--grid",
            "20",
        ],
        flag: "--discount",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "automation",
            "planner",
            "--preset",
            "core-periphery",
            "--grid",
            "20",
        ],
        flag: "--eta",
        kind: Kind::Real,
    },
    Flag {
        command: &[
            "automation",
            "planner",
            "--preset",
            "core-periphery",
            "--grid",
            "20",
        ],
        flag: "--horizon",
        kind: Kind::Real,
    },
    Flag {
        command: &["automation", "planner", "--preset", "core-periphery"],
        flag: "--grid",
        kind: Kind::Count,
    },
    Flag {
        command: &[
            "automation",
            "sweep",
            "--preset",
            "core-periphery",
            "--range",
            "theta=0.3:0.5",
            "--set",
            "horizon=20",
        ],
        flag: "--draws",
        kind: Kind::Count,
    },
    Flag {
        command: &[
            "automation",
            "network",
            "--spec",
            "kind=ring,neighbors=2,weight=0.5",
        ],
        flag: "--tasks",
        kind: Kind::Count,
    },
    Flag {
        command: SIMULATE_SHORT,
        flag: "--set",
        kind: Kind::Override("theta"),
    },
    Flag {
        command: SIMULATE_SHORT,
        flag: "--set",
        kind: Kind::Override("sigma"),
    },
    Flag {
        command: SIMULATE_SHORT,
        flag: "--set",
        kind: Kind::Override("chi"),
    },
    Flag {
        command: &["automation", "simulate", "--preset", "core-periphery"],
        flag: "--set",
        kind: Kind::Override("horizon"),
    },
    Flag {
        command: SIMULATE_SHORT,
        flag: "--set",
        kind: Kind::Override("tasks"),
    },
];

/// A real: mostly extreme or invalid, sometimes ordinary.
fn real() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "NaN", "inf", "-inf", "0", "-0", "1e308", "-1e308", "1e-320", "1e-15", "-1", "1", "2",
            "0.5", "1e9", "100", "1e-6", "x", "", "1e309",
        ])
        .prop_map(str::to_string),
        (-30i32..30, -9.0f64..9.0).prop_map(|(e, m)| format!("{m}e{e}")),
    ]
}

/// A count: small valid sizes, zero, negatives, huge.
fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..40).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "0",
            "-1",
            "1000000000",
            "18446744073709551616",
            "1e3",
            "x",
            "",
            "2.5",
        ])
        .prop_map(str::to_string),
    ]
}

fn value(kind: Kind) -> BoxedStrategy<String> {
    match kind {
        Kind::Real => real().boxed(),
        Kind::Count => count().boxed(),
        Kind::Pair => (real(), real())
            .prop_map(|(a, b)| format!("{a},{b}"))
            .boxed(),
        Kind::Seven => prop_oneof![
            prop::collection::vec(real(), 7),
            prop::collection::vec((0.0f64..=1.0).prop_map(|r| r.to_string()), 1..9),
        ]
        .prop_map(|v| v.join(","))
        .boxed(),
        Kind::Override(key) => real().prop_map(move |v| format!("{key}={v}")).boxed(),
    }
}

/// The cases run on two threads: each shard draws among every other flag.
const SHARDS: usize = 2;

/// The flags to test: those whose command contains `WALRAS_FUZZ_FLAGS` (e.g. `gtb`), or all.
fn selected() -> Vec<usize> {
    let filter = std::env::var("WALRAS_FUZZ_FLAGS").unwrap_or_default();
    (0..FLAGS.len())
        .filter(|&k| FLAGS[k].command.join(" ").contains(filter.as_str()))
        .collect()
}

fn case(shard: usize) -> impl Strategy<Value = (usize, String)> {
    let all = selected();
    assert!(
        all.len() >= SHARDS,
        "WALRAS_FUZZ_FLAGS selects fewer than {SHARDS} flags"
    );
    let flags: Vec<usize> = all.into_iter().skip(shard).step_by(SHARDS).collect();
    prop::sample::select(flags).prop_flat_map(|k| value(FLAGS[k].kind).prop_map(move |v| (k, v)))
}

/// The binary under test: `WALRAS_BIN` if set (e.g. a copy for a long run beside rebuilds),
/// else the one cargo built with this test.
fn walras() -> String {
    std::env::var("WALRAS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_walras").to_string())
}

/// Runs `walras` with `args`; kills it after [`BUDGET`]. Returns the exit code (None: killed
/// or ended by a signal, i.e. a hang or an abort), stdout and stderr.
fn run(args: &[String]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(walras())
        .args(args)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("walras starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > BUDGET {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    (
        status.and_then(|s| s.code()),
        read(&out_path),
        read(&err_path),
    )
}

/// Every number in `v` is finite (JSON cannot hold NaN; a non-finite number would be printed
/// as null, so nulls must come with a reason key next to them).
fn numbers_finite(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        serde_json::Value::Array(a) => a.iter().all(numbers_finite),
        serde_json::Value::Object(o) => o.values().all(numbers_finite),
        _ => true,
    }
}

/// One case: runs the flag's command with `value` and checks the properties above.
fn check(k: usize, value: &str) -> Result<(), TestCaseError> {
    let flag = &FLAGS[k];
    let mut args: Vec<String> = flag
        .command
        .iter()
        .map(|&s| match s {
            INCOMES => incomes_file(),
            ACTIONS => actions_file(),
            s => s,
        })
        .map(str::to_string)
        .collect();
    args.extend(["--format".into(), "json".into(), "--quiet".into()]);
    args.push(format!("{}={value}", flag.flag));
    let (code, out, err) = run(&args);
    let code = code.ok_or_else(|| {
        TestCaseError::fail(format!(
            "{args:?}: killed after {BUDGET:?} or ended by a signal: {err}"
        ))
    })?;
    prop_assert!(!err.contains("internal error"), "{args:?}: {err}");
    prop_assert!(
        code == 0 || code == 2,
        "{args:?}: exit status {code}: {err}"
    );
    if code == 0 {
        // One JSON object; a replay prints one per line.
        let objects: Vec<&str> = if flag.command.contains(&"replay") {
            out.lines().collect()
        } else {
            vec![out.trim()]
        };
        prop_assert!(!objects.is_empty(), "{args:?}: no output");
        for object in objects {
            let json: serde_json::Value = serde_json::from_str(object).map_err(|e| {
                TestCaseError::fail(format!("{args:?}: not one JSON object ({e}): {out}"))
            })?;
            prop_assert!(numbers_finite(&json), "{args:?}: {out}");
            if let Some(converged) = json.get("converged") {
                prop_assert!(
                    converged == true || json.get("stop_reason").is_some(),
                    "{args:?}: converged {converged} without a stop reason"
                );
            }
        }
    } else {
        let name = flag.flag.trim_start_matches("--");
        let key = match flag.kind {
            Kind::Override(key) => key,
            _ => name,
        };
        // The value as written, or as the number it parses to (if long enough to be telling).
        let parsed: Vec<String> = value
            .split([',', '='])
            .filter_map(|v| v.parse::<f64>().ok())
            .map(|v| v.to_string())
            .filter(|v| v.len() >= 4)
            .collect();
        prop_assert!(
            err.contains(name)
                || err.contains(key)
                || err.contains(value)
                || err.contains(&name.replace('-', "_"))
                || err.contains(&name.replace('-', " "))
                || parsed.iter().any(|v| err.contains(v.as_str())),
            "{args:?}: the error names neither the flag nor the value: {err}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases().div_ceil(SHARDS as u32),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn numeric_flags_even((k, value) in case(0)) {
        check(k, &value)?;
    }

    #[test]
    fn numeric_flags_odd((k, value) in case(1)) {
        check(k, &value)?;
    }
}
