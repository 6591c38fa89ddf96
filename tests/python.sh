#!/usr/bin/env bash
# The Python package's tests: build the wheel from this checkout (reusing the workspace's
# compiled crates in CARGO_TARGET_DIR), install it into a fresh virtual environment, run
# pytest against it and the `walras` binary of the same build, then execute the notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
python="${PYTHON:-python3}"
venv="$CARGO_TARGET_DIR/python-test-venv"
wheels="$CARGO_TARGET_DIR/wheels"

"$python" -m venv --clear "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "maturin>=1.8,<2" pytest numpy pandas nbclient nbformat ipykernel pettingzoo gymnasium
rm -f "$wheels"/walras-*.whl
"$venv/bin/maturin" build --release --locked --quiet -m crates/python/Cargo.toml -o "$wheels"
"$venv/bin/pip" install --quiet "$wheels"/walras-*.whl
# The binary as the workspace's tests build it (same features: no second build of the crates).
cargo test --release --workspace --locked --no-run --quiet
root=$PWD
# Run from outside the source tree so that `import walras` is the installed wheel.
cd "$CARGO_TARGET_DIR"
status=0
WALRAS_BIN="$CARGO_TARGET_DIR/release/walras" "$venv/bin/python" -m pytest -q "$root/crates/python/tests" -p no:cacheprovider || status=1
# The notebooks, each executed top to bottom in a fresh kernel (their last cells assert the
# headline numbers).
"$venv/bin/python" "$root/tests/notebooks.py" || status=1
exit $status
