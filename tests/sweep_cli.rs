//! `walras sweep`: a local run and a sharded run give the same rows; a killed shard leaves no
//! file, merge names it and resume completes it; mismatched shards and bad definitions are
//! refused with what and where.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{json_of, stderr, walras};

const EXAMPLE: &str = "examples/tax_elasticity_sweep.toml";

fn out(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_sharded_run_gives_exactly_the_rows_of_a_local_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, sharded) = (tmp.path().join("local"), tmp.path().join("sharded"));
    let o = walras(&[
        "sweep",
        "run",
        EXAMPLE,
        "--out",
        out(&local),
        "--threads",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for k in ["3", "0", "2", "1"] {
        let o = walras(&[
            "sweep",
            "run",
            EXAMPLE,
            "--out",
            out(&sharded),
            "--shard",
            k,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let m = walras(&["sweep", "merge", out(&sharded), "--format", "json"]);
    assert!(m.status.success(), "{}", stderr(&m));
    let report = json_of(&m);
    assert_eq!(report["points"], 20);
    assert_eq!(report["missing_shards"], serde_json::json!([]));
    let a = std::fs::read(local.join("results.csv")).unwrap();
    let b = std::fs::read(sharded.join("results.csv")).unwrap();
    assert_eq!(a, b, "local and sharded results differ");
    // Each row is the command's own record at that point.
    let text = String::from_utf8(a).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "point",
            "seed",
            "alpha",
            "elasticity",
            "gini",
            "productivity",
            "revenue",
            "swf"
        ]
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 20);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row[0], k as f64);
        assert_eq!(row[1], 7.0 + k as f64);
    }
    let row = &rows[13]; // alpha 2.5, elasticity 1.0: the grid's last parameter varies fastest
    assert_eq!((row[2], row[3]), (2.5, 1.0));
    let direct = walras(&[
        "tax",
        "evaluate",
        "--schedule",
        "us-federal",
        "--elasticity",
        "1",
        "--skills",
        "pareto:alpha=2.5,min=10000",
        "--agents",
        "2000",
        "--format",
        "json",
    ]);
    let d = json_of(&direct);
    assert_eq!(row[4], d["gini"].as_f64().unwrap());
    assert_eq!(row[7], d["swf"].as_f64().unwrap());
    // Parquet holds the same table.
    assert!(sharded.join("results.parquet").is_file());
}

#[test]
fn a_killed_shard_leaves_no_file_merge_names_it_and_resume_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write(
        tmp.path(),
        "slow_sweep.toml",
        r#"
command = ["tax", "gtb", "simulate", "--episodes", "300", "--threads", "1", "--seed", "{seed}",
           "--episode-length", "{length}"]
seed = 100
shards = 2
[grid]
length = [1000, 1000, 1000, 1000]
[outputs]
houses = "/summary/houses/mean"
gini = "/summary/gini/mean"
"#,
    );
    let dir = tmp.path().join("sweep");
    let mut child = Command::new(env!("CARGO_BIN_EXE_walras"))
        .args([
            "sweep",
            "run",
            &spec,
            "--out",
            out(&dir),
            "--shard",
            "1",
            "--threads",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while its points run (its shard is written only once all are done).
    let start = Instant::now();
    while !dir.join("sweep.toml").exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let shards = dir.join("shards");
    let leftovers: Vec<_> = std::fs::read_dir(&shards)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "a killed shard left {leftovers:?}");
    let o = walras(&["sweep", "run", &spec, "--out", out(&dir), "--shard", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = walras(&["sweep", "merge", out(&dir)]);
    assert!(!m.status.success());
    assert!(stderr(&m).contains("missing shards [1]"), "{}", stderr(&m));
    let r = walras(&["sweep", "resume", out(&dir), "--local"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let m = walras(&["sweep", "merge", out(&dir), "--format", "json"]);
    assert!(m.status.success(), "{}", stderr(&m));
    let whole = tmp.path().join("whole");
    let o = walras(&["sweep", "run", &spec, "--out", out(&whole)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dir.join("results.csv")).unwrap(),
        std::fs::read(whole.join("results.csv")).unwrap()
    );
}

#[test]
fn mismatched_shards_are_named_never_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(walras(&["sweep", "run", EXAMPLE, "--out", out(&a)])
        .status
        .success());
    let other = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("seed = 7", "seed = 8");
    let other = write(tmp.path(), "other_sweep.toml", &other);
    assert!(walras(&["sweep", "run", &other, "--out", out(&b)])
        .status
        .success());
    // A shard of another definition.
    std::fs::copy(
        b.join("shards/shard-00001.parquet"),
        a.join("shards/shard-99999.parquet"),
    )
    .unwrap();
    let m = walras(&["sweep", "merge", out(&a)]);
    assert!(!m.status.success());
    assert!(
        stderr(&m).contains("shard-99999.parquet") && stderr(&m).contains("another sweep"),
        "{}",
        stderr(&m)
    );
    std::fs::remove_file(a.join("shards/shard-99999.parquet")).unwrap();
    // The same shard twice.
    std::fs::copy(
        a.join("shards/shard-00002.parquet"),
        a.join("shards/shard-00002-copy.parquet"),
    )
    .unwrap();
    let m = walras(&["sweep", "merge", out(&a), "--format", "json"]);
    assert!(!m.status.success());
    let report: serde_json::Value = serde_json::from_str(common::stdout(&m).trim()).unwrap();
    assert_eq!(
        report["duplicate_points"],
        serde_json::json!([2, 6, 10, 14, 18])
    );
    assert!(report["merged"].is_null());
    assert!(
        !a.join("results.csv").exists(),
        "a stale merge stayed beside an incomplete report"
    );
    // A folder of one definition refuses another.
    let o = walras(&["sweep", "run", &other, "--out", out(&a)]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("holds another sweep"), "{}", stderr(&o));
}

#[test]
fn bad_definitions_and_calls_are_refused_naming_what() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("command = [\"tax\", \"evaluate\"]\n[grid]\nx = [1]\n[outputs]\nswf = \"/swf\"\n", "does not appear in the command"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = [1]\n[draws]\ncount = 2\nx = { uniform = [0, 1] }\n[outputs]\nswf = \"/swf\"\n", "not both"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = []\n[outputs]\nswf = \"/swf\"\n", "grid.x: no values"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\nshards = 0\n[grid]\nx = [1]\n[outputs]\nswf = \"/swf\"\n", "shards"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = [1]\n[outputs]\nswf = \"swf\"\n", "JSON pointer"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[draws]\ncount = 2\nx = { uniform = [1, 0] }\n[outputs]\nswf = \"/swf\"\n", "draws.x"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\", \"--out\", \"d\"]\n[grid]\nx = [1]\n[outputs]\nswf = \"/swf\"\n", "leave out --out"),
        ("command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = [1]\n[outputs]\nswf = \"/swf\"\ntypo = 1\n", "typo"),
    ];
    for (k, (text, says)) in cases.iter().enumerate() {
        let spec = write(tmp.path(), &format!("bad{k}.toml"), text);
        let o = walras(&[
            "sweep",
            "run",
            &spec,
            "--out",
            out(&tmp.path().join(format!("o{k}"))),
        ]);
        assert!(!o.status.success(), "case {k} accepted");
        assert!(
            stderr(&o).contains(says) && stderr(&o).contains(&format!("bad{k}.toml")),
            "case {k}: {}",
            stderr(&o)
        );
    }
    // A point that fails, and an output that is not a number, name the point.
    let spec = write(tmp.path(), "fails.toml", "command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = [0.5, -3]\n[outputs]\nswf = \"/swf\"\n");
    let o = walras(&["sweep", "run", &spec, "--out", out(&tmp.path().join("f"))]);
    assert!(
        stderr(&o).contains("point 1") && stderr(&o).contains("--elasticity -3"),
        "{}",
        stderr(&o)
    );
    let spec = write(tmp.path(), "label.toml", "command = [\"tax\", \"evaluate\", \"--elasticity\", \"{x}\"]\n[grid]\nx = [0.5]\n[outputs]\nlabel = \"/label\"\n");
    let o = walras(&["sweep", "run", &spec, "--out", out(&tmp.path().join("l"))]);
    assert!(
        stderr(&o).contains("point 0") && stderr(&o).contains("/label is not a number"),
        "{}",
        stderr(&o)
    );
    let o = walras(&["sweep", "run", EXAMPLE]);
    assert!(stderr(&o).contains("needs --out"), "{}", stderr(&o));
    let o = walras(&[
        "sweep",
        "run",
        EXAMPLE,
        "--out",
        out(&tmp.path().join("s")),
        "--shard",
        "4",
    ]);
    assert!(stderr(&o).contains("--shard 4"), "{}", stderr(&o));
    let o = walras(&["sweep", "merge", out(tmp.path())]);
    assert!(stderr(&o).contains("not a sweep folder"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn submit_without_slurm_says_so() {
    if Command::new("sbatch").arg("--version").output().is_ok() {
        return; // Slurm is here: tests/slurm.sh submits for real.
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let o = walras(&["sweep", "submit", EXAMPLE, "--out", out(&dir)]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("sbatch not found"), "{}", stderr(&o));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).unwrap();
    assert!(script.contains("--shard \"$SLURM_ARRAY_TASK_ID\""));
}
