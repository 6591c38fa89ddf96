"""Sweeps: one definition (a parameter grid or seeded draws, and the ``walras`` command each
point runs) run here on every core, or as a Slurm job array, shard by shard; then merged.

The points are runs of the ``walras`` command line (that is what a Slurm array task
executes), so :func:`run`, :func:`submit` and :func:`resume` need the binary: ``walras_bin``,
else the ``WALRAS_BIN`` environment variable, else ``walras`` on the ``PATH``. :func:`merge`
runs in this process and needs only the folder.

>>> report = walras.sweep.run("examples/tax_elasticity_sweep.toml", "results/sweep")  # doctest: +SKIP
>>> report.results["swf"]  # one value per point, in point order  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import shutil
import subprocess
from typing import Any, Dict, List, Optional, Union

import numpy as np

from walras import _walras
from walras.errors import ArgumentError, WalrasError

__all__ = ["SweepReport", "run", "submit", "merge", "resume"]

PathLike = Union[str, "os.PathLike[str]"]


class SweepReport:
    """What a merge found: ``points``, ``shards``, ``missing_shards``, ``duplicate_points``,
    ``foreign_shards`` (shard files of another definition), ``complete`` and, when complete,
    ``merged`` (the path of ``results.parquet``) and ``results`` (column name -> numpy array,
    one entry per point in point order; parameter columns and the outputs)."""

    def __init__(self, record: Dict[str, Any], folder: pathlib.Path) -> None:
        self.folder = folder
        self.points: int = int(record["points"])
        self.shards: int = int(record["shards"])
        self.missing_shards: List[int] = list(record["missing_shards"])
        self.duplicate_points: List[int] = list(record["duplicate_points"])
        self.foreign_shards: List[str] = list(record["foreign_shards"])
        self.merged: Optional[pathlib.Path] = None if record["merged"] is None else pathlib.Path(record["merged"])
        self.complete: bool = self.merged is not None
        self.results: Dict[str, np.ndarray] = {}
        if self.merged is not None:
            with open(self.merged.with_suffix(".csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            for name in rows[0].keys() if rows else []:
                values = [r[name] for r in rows]
                try:
                    self.results[name] = np.array([float(v) for v in values], dtype=np.float64)
                except ValueError:
                    self.results[name] = np.array(values, dtype=object)

    def to_dict(self) -> Dict[str, Any]:
        """The report as the command line's ``--format json`` prints it."""
        return {"points": self.points, "shards": self.shards, "missing_shards": self.missing_shards,
                "duplicate_points": self.duplicate_points, "foreign_shards": self.foreign_shards,
                "merged": None if self.merged is None else str(self.merged)}

    def __repr__(self) -> str:
        if self.complete:
            return f"SweepReport({self.points} points from {self.shards} shards merged into {self.merged})"
        return (f"SweepReport(incomplete: missing shards {self.missing_shards}, points found twice "
                f"{self.duplicate_points}, foreign shards {self.foreign_shards})")


def _binary(walras_bin: Optional[PathLike]) -> str:
    found = walras_bin or os.environ.get("WALRAS_BIN") or shutil.which("walras")
    if not found:
        raise WalrasError(
            "sweep points run as `walras` processes, and no walras binary was found: pass "
            "walras_bin=, set WALRAS_BIN, or put `walras` on the PATH (cargo install --path crates/cli)")
    return os.fspath(found)


def _run_walras(walras_bin: Optional[PathLike], out: pathlib.Path, *args: str) -> Optional[SweepReport]:
    """Run ``walras sweep ARGS`` on the folder ``out``: its merge report, or None when it
    printed none (an array submitted without waiting)."""
    command = [_binary(walras_bin), "--out", str(out), "--format", "json", "--quiet", "sweep", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise WalrasError(message[-1] if message else f"{' '.join(command)} failed")
    text = done.stdout.strip()
    return SweepReport(json.loads(text), out) if text else None


def _threads(threads: Optional[int]) -> List[str]:
    if threads is None:
        return []
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ArgumentError(f"threads must be a whole number at least 1, got {threads!r}", argument="threads")
    return ["--threads", str(threads)]


def run(spec: PathLike, out: PathLike, *, threads: Optional[int] = None,
        walras_bin: Optional[PathLike] = None) -> SweepReport:
    """Run every point of the definition ``spec`` here (``walras sweep run``), write the
    shards into the folder ``out`` and merge them. Results are bit-identical to a sharded
    run with the same seed."""
    out = pathlib.Path(out)
    return _run_walras(walras_bin, out, "run", os.fspath(spec), *_threads(threads)) or merge(out)


def submit(spec: PathLike, out: PathLike, *, wait: bool = False,
           walras_bin: Optional[PathLike] = None) -> Optional[SweepReport]:
    """Submit the definition's shards as a Slurm job array (``walras sweep submit``); with
    ``wait``, wait for the array and merge."""
    out = pathlib.Path(out)
    args = ["submit", os.fspath(spec)] + (["--wait"] if wait else [])
    return _run_walras(walras_bin, out, *args)


def resume(folder: PathLike, *, local: bool = False, threads: Optional[int] = None,
           wait: bool = False, walras_bin: Optional[PathLike] = None) -> Optional[SweepReport]:
    """Run only the missing shards of a sweep folder (``walras sweep resume``): here with
    ``local``, else as a Slurm job array; the merge report, or None for an array submitted
    without ``wait``."""
    folder = pathlib.Path(folder)
    args = ["resume", str(folder)] + (["--local"] if local else []) + _threads(threads) + (["--wait"] if wait else [])
    return _run_walras(walras_bin, folder, *args)


def merge(folder: PathLike) -> SweepReport:
    """Merge a sweep folder's shards (``walras sweep merge``): the report names missing,
    duplicated and foreign shards; ``results`` holds the merged table when nothing is
    missing."""
    folder = pathlib.Path(folder)
    return SweepReport(json.loads(_walras.sweep_merge(str(folder))), folder)
