#!/usr/bin/env bash
# The AI Economist reference (ai-economist 1.7.1) in its own virtual environment, created once
# and cached beside the build output; prints the environment's python. The Gather-Trade-Build
# side-by-side tests run it (WALRAS_AIE_PYTHON).
set -euo pipefail
target="${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target}"
venv="$target/aie-venv"
if ! "$venv/bin/python" -c "import ai_economist, numpy" >/dev/null 2>&1; then
  python="${AIE_PYTHON:-python3.11}"
  command -v "$python" >/dev/null || python=python3
  "$python" -m venv --clear "$venv" >&2
  "$venv/bin/pip" install --quiet --no-deps "ai-economist==1.7.1" >&2
  "$venv/bin/pip" install --quiet "numpy<1.24" "scipy<1.12" GPUtil lz4 pycryptodome >&2
fi
echo "$venv/bin/python"
