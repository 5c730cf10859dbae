#!/usr/bin/env bash
# The 2-D CNN speed table of reproductions/kit/benches/README.md (issue 24 item 2): for 1 and 2
# threads, the kit's criterion bench of each 2-D CNN, then the PyTorch peer on the same workload,
# back to back, so that both see the same machine state. Prints the peer's Markdown rows.
#
#   tools/bench/cnn2d_vs_pytorch.sh [REPS]      (REPS: how many times the whole loop runs; 1)
#
# PYTHON: the peer's interpreter (default /work/venvs/torch/bin/python; see tools/bench/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
python="${PYTHON:-/work/venvs/torch/bin/python}"
reps="${1:-1}"
# OpenBLAS overrides some machines set would slow the peer's numpy; torch uses MKL/oneDNN.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
for rep in $(seq 1 "$reps"); do
    for t in 1 2; do
        echo "== rep $rep, $t thread(s), $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
        RAYON_NUM_THREADS=$t cargo bench -q -p repro-kit --bench cnn2d_step >/dev/null 2>&1
        "$python" tools/bench/peer.py --only "cnn2d_train_step_batch100_threads$t" --threads "$t" --markdown
        RAYON_NUM_THREADS=$t cargo bench -q -p abelusha2017-fashion-cnn --bench train_step >/dev/null 2>&1
        "$python" tools/bench/peer.py --only "fashion_cnn_batch64_threads$t" --threads "$t" --markdown
    done
done
