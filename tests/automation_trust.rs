//! End-to-end: `walras automation` refuses oversized runs up front and repeated keys.

mod common;

use std::time::{Duration, Instant};

use common::{stderr, walras};

/// Runs `walras` with `args`, asserts it fails within two seconds and returns its stderr.
fn fails_fast(args: &[&str]) -> String {
    let start = Instant::now();
    let out = walras(args);
    let took = start.elapsed();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(took < Duration::from_secs(2), "{args:?} took {took:?}");
    stderr(&out)
}

#[test]
fn a_billion_task_scenario_is_refused_with_the_estimate() {
    let dir = std::env::temp_dir().join(format!("walras-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("huge.toml");
    std::fs::write(
        &file,
        "name = \"huge\"\ntasks = 1000000000\nsigma = 0.8\ntheta = 0.5\nverifiability = 0.5\n",
    )
    .unwrap();
    let err = fails_fast(&[
        "automation",
        "simulate",
        "--scenario",
        file.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        err.contains("tasks = 1000000000 is invalid: needs about 1.6e19 bytes")
            && err.contains("GiB"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_oversized_network_is_refused_with_the_estimate() {
    let err = fails_fast(&[
        "automation",
        "network",
        "--spec",
        "kind=ring,neighbors=2,weight=0.5",
        "--tasks",
        "10000000",
        "--quiet",
    ]);
    assert!(
        err.contains("tasks = 10000000 needs about 1.6e15 bytes"),
        "{err}"
    );
}

#[test]
fn repeated_keys_are_errors_naming_the_key() {
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "sweep",
                "--preset",
                "core-periphery",
                "--grid",
                "sigma=0.5:0.9:3",
                "--grid",
                "sigma=0.6:1:3",
            ],
            "--grid: the key sigma is given twice",
        ),
        (
            &[
                "sweep",
                "--preset",
                "core-periphery",
                "--range",
                "theta=0.3:0.6",
                "--range",
                "theta=0.4:0.5",
            ],
            "--range: the key theta is given twice",
        ),
        (
            &[
                "simulate",
                "--preset",
                "core-periphery",
                "--set",
                "sigma=0.5",
                "--set",
                " sigma=0.6",
            ],
            "--set: the key sigma is given twice",
        ),
        (
            &[
                "network",
                "--spec",
                "kind=ring,neighbors=2,neighbors=3,weight=0.5",
            ],
            "`neighbors` is given twice",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["automation"];
        all.extend_from_slice(args);
        all.push("--quiet");
        let err = fails_fast(&all);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn sweeps_too_large_to_hold_are_refused() {
    let err = fails_fast(&[
        "automation",
        "sweep",
        "--preset",
        "core-periphery",
        "--range",
        "theta=0.3:0.6",
        "--draws",
        "1000000000000",
        "--quiet",
    ]);
    assert!(err.contains("draws = 1000000000000 is invalid"), "{err}");
    let err = fails_fast(&[
        "automation",
        "sweep",
        "--preset",
        "core-periphery",
        "--grid",
        "theta=0.3:0.6:1000000000",
        "--grid",
        "sigma=0.5:0.9:1000000000",
        "--quiet",
    ]);
    assert!(err.contains("at most 10000 points"), "{err}");
}
