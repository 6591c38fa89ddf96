//! Every `--out` table that fits a page gets a booktabs `.tex` beside it, `tables.tex` inputs
//! them all, the manifest lists them, and a document inputting `tables.tex` compiles with
//! pdflatex.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{stderr, walras};

/// Run `walras ARGS --quiet --out DIR/out` and return the output folder.
fn run(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let mut all = args.to_vec();
    all.extend(["--quiet", "--out", out.to_str().unwrap()]);
    let o = walras(&all);
    assert!(o.status.success(), "walras {args:?}: {}", stderr(&o));
    out
}

/// File names listed in the manifest's outputs, each checked to lie in `out`.
fn manifest_outputs(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = PathBuf::from(p.as_str().unwrap());
            assert_eq!(p.parent(), Some(out), "{p:?} is not in {out:?}");
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect()
}

/// Names of the `.tex` files in `out`, sorted.
fn tex_files(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tex"))
        .collect();
    names.sort();
    names
}

/// Whether pdflatex can run here. Missing: a failure under `CI=true`, else a skip said aloud.
fn have_pdflatex() -> bool {
    let found = Command::new("pdflatex")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdflatex is missing: CI needs it to compile the LaTeX tables (run .ci/system-packages)"
        );
        // Straight to stderr: the test harness captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: pdflatex not installed (run .ci/system-packages)"
        );
    }
    found
}

/// Compile a document that inputs `tables.tex` in `out`, asserting a PDF comes out.
fn compile(out: &Path) {
    if !have_pdflatex() {
        return;
    }
    let doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\
               \\input{tables.tex}\n\\end{document}\n";
    std::fs::write(out.join("paper.tex"), doc).unwrap();
    let o = Command::new("pdflatex")
        .args([
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "paper.tex",
        ])
        .current_dir(out)
        .stdin(Stdio::null())
        .output()
        .expect("pdflatex runs");
    let log = std::fs::read_to_string(out.join("paper.log")).unwrap_or_default();
    assert!(
        o.status.success(),
        "pdflatex failed in {out:?}:\n{}\n{log}",
        String::from_utf8_lossy(&o.stdout)
    );
    let pdf = std::fs::read(out.join("paper.pdf")).expect("paper.pdf written");
    assert!(pdf.starts_with(b"%PDF"), "paper.pdf is not a PDF");
}

/// Run a command and check its LaTeX outputs: exactly `tables` get a `.tex` (any other table
/// file is too long for one), `tables.tex` inputs them in order, the manifest lists them all,
/// and the tables compile.
fn check(args: &[&str], tables: &[&str], long: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), args);
    let mut expected: Vec<String> = tables.iter().map(|t| format!("{t}.tex")).collect();
    expected.push("tables.tex".into());
    expected.sort();
    assert_eq!(tex_files(&out), expected, "{args:?}");
    for t in long {
        assert!(
            out.join(format!("{t}.csv")).is_file(),
            "{args:?}: no {t}.csv"
        );
    }

    let outputs = manifest_outputs(&out);
    for name in &expected {
        assert!(
            outputs.contains(name),
            "{args:?}: {name} not in {outputs:?}"
        );
    }
    // The manifest lists exactly the files of the folder.
    let mut listed = outputs.clone();
    listed.push("manifest.json".into());
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, listed, "{args:?}");

    let index = std::fs::read_to_string(out.join("tables.tex")).unwrap();
    let inputs: Vec<&str> = index
        .lines()
        .filter_map(|l| l.strip_prefix("\\input{")?.strip_suffix('}'))
        .collect();
    let mut sorted: Vec<String> = tables.iter().map(|t| format!("{t}.tex")).collect();
    sorted.sort();
    assert_eq!(inputs, sorted, "{args:?}: {index}");
    for t in tables {
        let tex = std::fs::read_to_string(out.join(format!("{t}.tex"))).unwrap();
        for part in [
            "\\begin{table}",
            "\\toprule",
            "\\midrule",
            "\\bottomrule",
            &format!("\\label{{tab:{t}}}"),
        ] {
            assert!(tex.contains(part), "{t}.tex lacks {part}:\n{tex}");
        }
        assert!(
            !tex.contains("walras-staging"),
            "{t}.tex names the staging folder"
        );
    }
    compile(&out);
}

#[test]
fn tax_optimize_writes_the_rates_table_not_the_agents() {
    check(
        &["tax", "optimize", "--agents", "300", "--brackets", "3"],
        &["optimal_rates"],
        &["agents"],
    );
}

#[test]
fn examples_table_compiles() {
    check(&["examples"], &["examples"], &[]);
}

#[test]
fn trade_nash_tables_compile() {
    check(
        &["trade", "nash", "--tariff-structure", "uniform"],
        &["policies", "welfare"],
        &[],
    );
}

#[test]
fn automation_simulate_writes_the_task_table_not_the_paths() {
    check(
        &["automation", "simulate", "--preset", "core-periphery"],
        &["tasks"],
        &["network", "paths"],
    );
}

#[test]
fn rerun_with_overwrite_keeps_one_consistent_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["examples"]);
    let first = std::fs::read_to_string(out.join("examples.tex")).unwrap();
    let o = walras(&[
        "examples",
        "--quiet",
        "--overwrite",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tex_files(&out), ["examples.tex", "tables.tex"]);
    assert_eq!(
        std::fs::read_to_string(out.join("examples.tex")).unwrap(),
        first
    );
    let outputs = manifest_outputs(&out);
    assert_eq!(
        outputs.iter().filter(|n| n.ends_with(".tex")).count(),
        2,
        "{outputs:?}"
    );
}
