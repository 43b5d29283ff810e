#!/usr/bin/env bash
# `make test`'s two phases — the suite on SQLite and on PostgreSQL — side by side, one per
# core: each is a single pytest process, so together they take about as long as the longer
# one instead of the sum. Every line is prefixed with its phase; the exit status is the
# first failure's.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh || exit 1
run() {  # phase-name make-target
  make --no-print-directory "$2" 2>&1 | sed -u "s/^/[$1] /"
  return "${PIPESTATUS[0]}"
}
run sqlite test-sqlite &
sqlite=$!
run postgres test-postgres &
postgres=$!
wait "$sqlite"; sqlite_status=$?
wait "$postgres"; postgres_status=$?
echo "test phases: sqlite exit $sqlite_status, postgres exit $postgres_status"
if [ "$sqlite_status" -ne 0 ]; then exit "$sqlite_status"; fi
exit "$postgres_status"
