"""Shared fixtures: the `walras` binary for side-by-side checks."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def walras_bin() -> str:
    """The command line built from the same checkout (WALRAS_BIN, else the release build)."""
    candidates = [os.environ.get("WALRAS_BIN")]
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        candidates.append(os.path.join(target, "release", "walras"))
    candidates.append(str(ROOT / "target" / "release" / "walras"))
    for c in candidates:
        if c and os.path.isfile(c):
            return c
    pytest.fail("the walras binary is not built: cargo build --release --bin walras (or set WALRAS_BIN)")


@pytest.fixture(scope="session")
def cli(walras_bin):
    """Run `walras ARGS --format json --quiet` and return its JSON record."""
    import json

    def run(*args: str) -> dict:
        out = subprocess.run(
            [walras_bin, *args, "--format", "json", "--quiet"],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)

    return run
