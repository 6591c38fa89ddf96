#!/usr/bin/env bash
# `walras sweep` on a real single-node Slurm (scripts/slurm-local): a job array gives exactly
# the rows of a local run; an array task killed by scancel leaves no shard, merge names it and
# `sweep resume` completes it. Skipped where Slurm is not installed (a failure under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v sbatch >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "slurm: sbatch not found under CI (.ci/system-packages installs slurm-wlm and munge)" >&2
    exit 1
  fi
  echo "slurm: skipped (apt-get install slurm-wlm munge to run it)"
  exit 0
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --quiet --bin walras
walras="$(cd "$target/release" && pwd)/walras"
tmp=$(mktemp -d)
export WALRAS_SLURM_DIR="$tmp/slurm"
trap 'scripts/slurm-local stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
scripts/slurm-local start
export SLURM_CONF="$WALRAS_SLURM_DIR/slurm.conf"

# A job array and a local run of the same definition: the same rows, byte for byte.
"$walras" --quiet sweep run examples/tax_elasticity_sweep.toml --out "$tmp/local"
"$walras" --quiet sweep submit examples/tax_elasticity_sweep.toml --out "$tmp/array" --wait
cmp "$tmp/local/results.csv" "$tmp/array/results.csv"
echo "slurm: a 4-task job array gave the local run's 20 rows"

# A task killed while it runs.
cat > "$tmp/slow_sweep.toml" <<'TOML'
command = ["tax", "gtb", "simulate", "--episodes", "800", "--threads", "1", "--seed", "{seed}",
           "--episode-length", "{length}"]
seed = 40
shards = 2
[grid]
length = [1000, 1000]
[outputs]
houses = "/summary/houses/mean"
TOML
job=$("$walras" sweep submit "$tmp/slow_sweep.toml" --out "$tmp/killed" 2>&1 | sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p')
[ -n "$job" ] || { echo "slurm: no job id from sweep submit" >&2; exit 1; }
for _ in $(seq 300); do
  [ "$(squeue -h -j "${job}_1" -o %T 2>/dev/null)" = "RUNNING" ] && break
  sleep 0.1
done
scancel --signal=KILL --full "${job}_1"
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 0.2
done
if [ -e "$tmp/killed/shards/shard-00001.parquet" ]; then
  echo "slurm: the killed task's shard exists" >&2
  exit 1
fi
if leftovers=$(ls -A "$tmp/killed/shards" | grep -v '^shard-00000.parquet$'); then
  echo "slurm: the killed task left $leftovers" >&2
  exit 1
fi
if out=$("$walras" sweep merge "$tmp/killed" 2>&1); then
  echo "slurm: merge accepted a sweep without shard 1" >&2
  exit 1
fi
grep -q "missing shards \[1\]" <<<"$out" || { echo "slurm: merge said: $out" >&2; exit 1; }
"$walras" --quiet sweep resume "$tmp/killed" --wait
"$walras" --quiet sweep run "$tmp/slow_sweep.toml" --out "$tmp/slow_local"
cmp "$tmp/killed/results.csv" "$tmp/slow_local/results.csv"
echo "slurm: a killed task left no shard, merge named it, resume completed it"
echo "test result: ok. 2 passed; 0 failed (tests/slurm.sh)"
