#!/usr/bin/env bash
# Regenerates every published table from the committed records and fails when any byte differs
# from what is committed: the check that a refactoring of the report, statistics or CLI code is
# behaviour-preserving (issue 22). Run from a clean checkout; it rewrites results/ in place and
# leaves it as committed when it passes.
#
#   tools/check-tables.sh [HARNESS_BINARY]
#
# HARNESS_BINARY defaults to "$CARGO_TARGET_DIR/release/harness" (or target/release/harness),
# which must have been built from this checkout (cargo build --release -p harness).
# The order is the one the tables were published in: the full suite first, then the quick suite
# (a paper's tables always cover its whole config; the suite tables are per suite).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/harness}"
if [ ! -x "$bin" ]; then
    echo "check-tables: no harness binary at $bin (build it: cargo build --release -p harness)" >&2
    exit 1
fi
if ! git diff --quiet -- results/; then
    echo "check-tables: results/ has uncommitted changes; commit or stash them first" >&2
    exit 1
fi
"$bin" --plain --root . report --suite full >/dev/null
"$bin" --plain --root . report >/dev/null
changed="$(git status --porcelain -- results/ | grep -v '^?? results/.publish.lock$' || true)"
if [ -n "$changed" ]; then
    echo "check-tables: regenerated tables differ from the committed ones:" >&2
    echo "$changed" >&2
    git --no-pager diff --stat -- results/ >&2
    exit 1
fi
echo "check-tables: every published table is byte-identical to the committed one"
