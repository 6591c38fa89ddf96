#!/usr/bin/env bash
# Every test: the Rust workspace (unit, integration and doc tests, with the AI Economist's own
# code beside the Gather-Trade-Build world), then the Python package (wheel, pytest), then
# sweeps on a real single-node Slurm (skipped where Slurm is not installed). A failing
# suite does not hide the others; the script fails at the end if any did. Tests that read ../shared/data are run separately (see README).
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
# The AI Economist reference for the Gather-Trade-Build side-by-side tests (created once).
if python=$(bash tests/aie_reference.sh); then
  export WALRAS_AIE_PYTHON="$python"
else
  failed+=("aie-reference")
fi
cargo test --release --workspace --locked --no-fail-fast || failed+=("rust")
bash tests/python.sh || failed+=("python")
bash tests/slurm.sh || failed+=("slurm")
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
