#!/usr/bin/env bash
# Runs a harness selection on a Slurm cluster as a job array of N shards, waits for it, and
# merges the shards' records into the published tables with `harness report`.
#
#   scripts/slurm-run.sh [-n SHARDS] [-- HARNESS GLOBAL OPTIONS] -- SELECTION
#
#   scripts/slurm-run.sh -n 8 -- --results /shared/results -- --suite full
#   SBATCH_ARGS="--partition=cpu --time=24:00:00 --cpus-per-task=2" scripts/slurm-run.sh -n 16 -- --suite full
#
# Every shard runs `harness <global options> run <selection> --shards N` (shard index from
# SLURM_ARRAY_TASK_ID); all write records into one results directory, which must be on a file
# system every node sees (the default `results/` of the checkout, or --results DIR). Then
# `harness <global options> report <selection>` publishes the merged tables.
#
# Environment: HARNESS (the binary; default target/release/harness of this checkout, built
# first with `cargo build --release -p harness`), SBATCH_ARGS (extra sbatch options: partition,
# time, account…), LOG_DIR (per-task logs, default results/slurm-logs).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shards=4
if [ "${1:-}" = "-n" ]; then shards=$2; shift 2; fi
global=()
selection=()
if [ "${1:-}" = "--" ]; then
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do global+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    selection=("$@")
else
    selection=("$@")
fi
case "$shards" in ''|*[!0-9]*|0) echo "-n needs a whole number ≥ 1, got '$shards'" >&2; exit 2 ;; esac
harness=${HARNESS:-$here/target/release/harness}
[ -x "$harness" ] || { echo "no harness binary at $harness: run \`cargo build --release -p harness\` or set HARNESS" >&2; exit 1; }
command -v sbatch >/dev/null || { echo "sbatch not found: run this on a Slurm login node" >&2; exit 1; }
log_dir=${LOG_DIR:-$here/results/slurm-logs}
mkdir -p "$log_dir"

case " ${global[*]:-} " in *" --root "*) ;; *) global=(--root "$here" "${global[@]}") ;; esac
quote() { printf '%q ' "$@"; }
run_cmd="$(quote "$harness" "${global[@]}" --plain run "${selection[@]}" --shards "$shards")"
echo "submitting $shards shards: $run_cmd"
start=$(date +%s)
# --wait: sbatch returns when every task has ended, non-zero if any failed
# shellcheck disable=SC2086
sbatch --wait --array="0-$((shards - 1))" --job-name=harness-shards \
    --output="$log_dir/harness-%A_%a.out" ${SBATCH_ARGS:-} \
    --wrap="exec $run_cmd"
echo "all $shards shards finished in $(( $(date +%s) - start )) s; logs in $log_dir"
"$harness" "${global[@]}" report "${selection[@]}"
