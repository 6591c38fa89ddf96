//! `--out` folders are all-or-nothing: written in a staging folder beside the target and moved
//! into place whole at the end, replacing a non-empty folder only with `--overwrite`; commands
//! that write no output folder refuse `--out`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{stderr, walras};

/// Names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of a folder with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    listing(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// `out` is a complete run: its manifest lists exactly the other files in it, by their final
/// paths, and nothing anywhere names a staging folder or a temporary file.
fn assert_complete(out: &Path) {
    let text = std::fs::read_to_string(out.join("manifest.json"))
        .unwrap_or_else(|e| panic!("{out:?} has no manifest.json ({e}): {:?}", listing(out)));
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut listed: Vec<String> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = PathBuf::from(p.as_str().unwrap());
            assert_eq!(p.parent(), Some(out), "{p:?} is not in {out:?}");
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    listed.push("manifest.json".into());
    listed.sort();
    assert_eq!(listing(out), listed);
    // No file written after the manifest (which a run writes last): not a mix of two runs.
    let modified = |name: &str| {
        std::fs::metadata(out.join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    for name in &listed {
        assert!(
            modified(name) <= modified("manifest.json"),
            "{name} is newer than the manifest"
        );
    }
    for (name, bytes) in snapshot(out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("walras-staging"),
            "{name} names the staging folder"
        );
    }
}

fn compare(out: &Path, overwrite: bool) -> std::process::Output {
    let mut args = vec!["tax", "compare", "--quiet", "--out", out.to_str().unwrap()];
    if overwrite {
        args.push("--overwrite");
    }
    walras(&args)
}

#[test]
fn fresh_run_then_rerun_needs_overwrite_and_replaces_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let o = compare(&out, false);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&out);
    assert_eq!(
        listing(dir.path()),
        ["results"],
        "staging folder left beside"
    );

    // Without --overwrite: a clear error before any work, the old folder byte-identical.
    let before = snapshot(&out);
    let o = compare(&out, false);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("already holds files (compare.csv, compare.json, "),
        "{err}"
    );
    assert!(err.contains("pass --overwrite to replace it"), "{err}");
    assert!(err.contains(out.to_str().unwrap()), "{err}");
    assert_eq!(snapshot(&out), before);
    assert_eq!(listing(dir.path()), ["results"]);

    // With --overwrite: replaced whole, the stale file is gone.
    std::fs::write(out.join("stale.csv"), "old\n").unwrap();
    let o = compare(&out, true);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("stale.csv").exists());
    assert_complete(&out);
    assert_ne!(snapshot(&out)["manifest.json"], before["manifest.json"]);
    assert_eq!(listing(dir.path()), ["results"]);

    // An existing empty folder needs no --overwrite.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = compare(&empty, false);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&empty);
}

#[test]
fn failing_command_leaves_no_folder_and_the_old_one_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("incomes.csv");
    std::fs::write(&empty, "income\n").unwrap();
    let saez = |out: &Path, overwrite: bool| {
        let mut args = vec!["tax", "saez", "--incomes", empty.to_str().unwrap()];
        args.extend(["--quiet", "--out", out.to_str().unwrap()]);
        if overwrite {
            args.push("--overwrite");
        }
        walras(&args)
    };
    let fresh = dir.path().join("new/nested/results");
    let o = saez(&fresh, false);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("0 data rows"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), ["incomes.csv"]);

    let out = dir.path().join("results");
    assert!(compare(&out, false).status.success());
    let before = snapshot(&out);
    let o = saez(&out, true);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(snapshot(&out), before);
    assert_eq!(listing(dir.path()), ["incomes.csv", "results"]);

    // A file where the folder should be is named in the error.
    let file = dir.path().join("incomes.csv");
    let o = compare(&file, true);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(file.to_str().unwrap()) && err.contains("existing file"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "income\n");
}

/// Staging folders of `out` beside it.
fn staging_beside(out: &Path) -> Vec<String> {
    let prefix = format!(
        ".{}.walras-staging-",
        out.file_name().unwrap().to_str().unwrap()
    );
    listing(out.parent().unwrap())
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

#[test]
fn killed_run_leaves_the_old_or_the_new_folder_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let started = std::time::Instant::now();
    assert!(compare(&out, false).status.success());
    let run_ms = started.elapsed().as_millis() as u64;
    let mut left_staging = false;
    // Kill at spread-out moments of a run (including its write phase at the end), replacing
    // an existing folder and writing a fresh one.
    for (k, percent) in [5u64, 15, 30, 50, 65, 80, 88, 94, 100, 110]
        .into_iter()
        .enumerate()
    {
        let fresh = k % 3 == 2;
        let target = if fresh {
            dir.path().join(format!("fresh-{k}"))
        } else {
            out.clone()
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_walras"))
            .args(["tax", "compare", "--quiet", "--overwrite", "--out"])
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(run_ms * percent / 100));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if target.exists() {
            assert_complete(&target);
        } else {
            assert!(fresh, "killed at {percent}%: the old folder vanished");
        }
        left_staging |= !fresh && !staging_beside(&out).is_empty();
    }
    assert!(
        left_staging,
        "no kill landed mid-run (runs take {run_ms} ms)"
    );
    // The next run of the same target removes dead staging folders.
    assert!(compare(&out, true).status.success());
    assert_complete(&out);
    assert_eq!(staging_beside(&out), Vec::<String>::new());
}

#[test]
fn commands_that_write_no_folder_refuse_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let out = out.to_str().unwrap();
    let to = dir.path().join("tidy");
    for (args, name) in [
        (vec!["automation", "network"], "automation network"),
        (vec!["automation", "presets"], "automation presets"),
        (
            vec![
                "trade", "import", "--layout", "dlopt", "--from", ".", "--to",
            ],
            "trade import",
        ),
        (vec!["completions", "bash"], "completions"),
    ] {
        let mut args = args.clone();
        if name == "trade import" {
            args.push(to.to_str().unwrap());
        }
        args.extend(["--out", out]);
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let want = format!("walras {name} does not write an output folder; remove --out");
        assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    assert!(listing(dir.path()).is_empty());
    // --overwrite without --out is a usage error.
    let o = walras(&["tax", "compare", "--overwrite"]);
    assert_eq!(o.status.code(), Some(2));
}
