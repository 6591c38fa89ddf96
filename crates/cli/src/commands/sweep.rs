//! `walras sweep`: run a sweep definition's points (each a run of this binary), write its
//! shards, submit them as a Slurm job array, merge them, and resume what is missing. The
//! definition, sharding and merge are [`walras_data::sweep`]'s.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use walras_data::sweep::{
    merge, missing_shards, write_shard, write_text, MergeReport, Point, Row, SweepSpec,
};

use crate::args::{CommonArgs, Format, SweepCommand};
use crate::output::emit;
use crate::progress::Progress;

/// The definition's copy inside a sweep folder.
const SPEC_FILE: &str = "sweep.toml";
const SCRIPT_FILE: &str = "sweep.sbatch";

/// Run a `walras sweep` subcommand.
pub fn run(common: &CommonArgs, command: &SweepCommand) -> Result<()> {
    match command {
        SweepCommand::Run(a) => {
            let dir = out_dir(common, "run")?;
            let spec = adopt(&a.spec, dir)?;
            match a.shard {
                Some(k) => {
                    if k >= spec.shards {
                        bail!("--shard {k}: the sweep has shards 0..{}", spec.shards);
                    }
                    run_shards(common, &spec, dir, &[k], a.threads)
                }
                None => {
                    let all: Vec<usize> = (0..spec.shards).collect();
                    run_shards(common, &spec, dir, &all, a.threads)?;
                    report(common, dir, &merge(dir, &spec)?)
                }
            }
        }
        SweepCommand::Submit(a) => {
            let dir = out_dir(common, "submit")?;
            let spec = adopt(&a.spec, dir)?;
            let all: Vec<usize> = (0..spec.shards).collect();
            submit(common, &spec, dir, &all, a.wait)
        }
        SweepCommand::Merge(a) => {
            let spec = folder_spec(&a.dir)?;
            let r = merge(&a.dir, &spec)?;
            report(common, &a.dir, &r)
        }
        SweepCommand::Resume(a) => {
            let spec = folder_spec(&a.dir)?;
            let missing = missing_shards(&a.dir, &spec);
            if missing.is_empty() {
                if !common.quiet {
                    eprintln!("every shard of {} is there", a.dir.display());
                }
                return report(common, &a.dir, &merge(&a.dir, &spec)?);
            }
            if a.local {
                run_shards(common, &spec, &a.dir, &missing, a.threads)?;
                report(common, &a.dir, &merge(&a.dir, &spec)?)
            } else {
                submit(common, &spec, &a.dir, &missing, a.wait)
            }
        }
    }
}

fn out_dir<'a>(common: &'a CommonArgs, what: &str) -> Result<&'a Path> {
    match &common.out {
        Some(d) => Ok(d),
        None => bail!("walras sweep {what} needs --out DIR (the sweep folder)"),
    }
}

/// Read the definition at `spec` and keep a copy in `dir`; a folder that already holds another
/// definition is refused (its shards would not merge).
fn adopt(spec: &Path, dir: &Path) -> Result<SweepSpec> {
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    let parsed = SweepSpec::parse(&text, spec)?;
    let copy = dir.join(SPEC_FILE);
    if copy.is_file() {
        let existing = folder_spec(dir)?;
        if existing.hash() != parsed.hash() {
            bail!(
                "{} holds another sweep ({}); use a new --out folder",
                dir.display(),
                copy.display()
            );
        }
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_text(&copy, &text)?;
    }
    Ok(parsed)
}

fn folder_spec(dir: &Path) -> Result<SweepSpec> {
    let path = dir.join(SPEC_FILE);
    if !path.is_file() {
        bail!(
            "{} is not a sweep folder (no {SPEC_FILE}; `walras sweep run` or `submit` writes it)",
            dir.display()
        );
    }
    Ok(SweepSpec::read(&path)?)
}

/// Run point `p` (this binary with the point's arguments) and keep the outputs.
fn run_point(spec: &SweepSpec, p: &Point) -> Result<Row> {
    let exe = std::env::current_exe().context("finding the walras binary")?;
    let args = p.arguments(&spec.command);
    let out = Command::new(&exe)
        .args(&args)
        .args(["--format", "json", "--quiet"])
        .output()
        .with_context(|| format!("point {}: starting {}", p.index, exe.display()))?;
    let shown = args.join(" ");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "point {} (walras {shown}) failed: {}",
            p.index,
            err.trim().lines().last().unwrap_or("no message")
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "point {} (walras {shown}): its output is not one JSON record",
            p.index
        )
    })?;
    spec.outputs
        .iter()
        .map(
            |(name, pointer)| match json.pointer(pointer).and_then(|v| v.as_f64()) {
                Some(v) if v.is_finite() => Ok(v),
                Some(v) => bail!(
                    "point {} (walras {shown}): output {name} ({pointer}) is {v}",
                    p.index
                ),
                None => bail!(
                "point {} (walras {shown}): output {name}: {pointer} is not a number in the record",
                p.index
            ),
            },
        )
        .collect()
}

/// Run the points of `shards` (in parallel) and write each shard's file once all its points
/// are done.
fn run_shards(
    common: &CommonArgs,
    spec: &SweepSpec,
    dir: &Path,
    shards: &[usize],
    threads: Option<usize>,
) -> Result<()> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        builder = builder.num_threads(t);
    }
    let pool = builder.build().context("starting the worker threads")?;
    let total: usize = shards.iter().map(|&k| spec.shard(k).len()).sum();
    let progress = Progress::spinner("sweep points", common.quiet);
    let done = AtomicUsize::new(0);
    let result = pool.install(|| {
        shards.par_iter().try_for_each(|&k| -> Result<()> {
            let rows: Vec<(Point, Row)> = spec
                .shard(k)
                .into_par_iter()
                .map(|p| {
                    let row = run_point(spec, &p)?;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.message(format!("point {n} of {total}"));
                    Ok((p, row))
                })
                .collect::<Result<_>>()
                .with_context(|| format!("shard {k}"))?;
            write_shard(dir, spec, k, &rows)?;
            Ok(())
        })
    });
    progress.finish();
    result
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// Write the sbatch script and submit `shards` as a job array.
fn submit(
    common: &CommonArgs,
    spec: &SweepSpec,
    dir: &Path,
    shards: &[usize],
    wait: bool,
) -> Result<()> {
    let dir = std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
    let exe = std::env::current_exe().context("finding the walras binary")?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let script = dir.join(SCRIPT_FILE);
    let text = format!(
        "#!/bin/sh\n#SBATCH --job-name=walras-sweep\n#SBATCH --output={}/shard-%a.log\n#SBATCH --cpus-per-task=1\nexec {} --quiet sweep run {} --out {} --shard \"$SLURM_ARRAY_TASK_ID\" --threads 1\n",
        logs.display(),
        quote(&exe),
        quote(&dir.join(SPEC_FILE)),
        quote(&dir),
    );
    write_text(&script, &text)?;
    let array = shards
        .iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut cmd = Command::new("sbatch");
    cmd.arg(format!("--array={array}"));
    if wait {
        cmd.arg("--wait");
    }
    cmd.arg(&script);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "sbatch not found: Slurm is not installed here (the script is {}; `walras sweep run` runs the sweep without Slurm, and scripts/slurm-local starts a single-node Slurm)",
            script.display()
        ),
        Err(e) => return Err(e).context("running sbatch"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "sbatch --array={array} {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    if !common.quiet {
        eprintln!(
            "{} (shards {array}; logs in {})",
            stdout.trim(),
            logs.display()
        );
    }
    if wait {
        report(common, &dir, &merge(&dir, spec)?)
    } else {
        Ok(())
    }
}

/// Print a merge report; an incomplete sweep is an error naming what is missing.
fn report(common: &CommonArgs, dir: &Path, r: &MergeReport) -> Result<()> {
    if common.format == Format::Json {
        emit(&format!("{}\n", serde_json::to_string(r)?))?;
    } else if !common.quiet {
        if let Some(m) = &r.merged {
            emit(&format!(
                "{} points from {} shards merged into {}\n",
                r.points,
                r.shards,
                m.display()
            ))?;
        }
    }
    let mut problems = Vec::new();
    if !r.missing_shards.is_empty() {
        problems.push(format!("missing shards {:?}", r.missing_shards));
    }
    if !r.duplicate_points.is_empty() {
        problems.push(format!("points found twice {:?}", r.duplicate_points));
    }
    if !r.foreign_shards.is_empty() {
        problems.push(format!(
            "shards of another sweep definition: {}",
            r.foreign_shards.join(", ")
        ));
    }
    if !problems.is_empty() {
        bail!(
            "{} is incomplete: {} (`walras sweep resume {}` runs the missing shards)",
            dir.display(),
            problems.join("; "),
            dir.display()
        );
    }
    Ok(())
}
