#!/usr/bin/env bash
# Runs every test binary of a build directory directly, without ctest, for a
# GPU host that has the binaries but not the sources or the build tools:
#   scripts/gpu_test.sh [BUILD_DIR] [extra gtest flags]
# Prints each binary's summary; exits non-zero when any test fails.
set -uo pipefail
dir=${1:-build}
shift || true
status=0
total_pass=0
total_fail=0
total_skip=0
for bin in "$dir"/tests/*_test; do
  [[ -x $bin ]] || continue
  log=$(mktemp)
  "$bin" --gtest_brief=1 "$@" >"$log" 2>&1
  rc=$?
  pass=$(grep -Eo '\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  skip=$(grep -Eo '\[  SKIPPED \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | head -1 || echo 0)
  fail=$(grep -Eo '[0-9]+ FAILED TEST' "$log" | grep -Eo '^[0-9]+' || echo 0)
  echo "$(basename "$bin"): passed ${pass:-0}, skipped ${skip:-0}, failed ${fail:-0} (exit $rc)"
  if [[ $rc -ne 0 ]]; then
    status=1
    cat "$log"
  fi
  total_pass=$((total_pass + ${pass:-0}))
  total_fail=$((total_fail + ${fail:-0}))
  total_skip=$((total_skip + ${skip:-0}))
  rm -f "$log"
done
echo "gpu tests: ${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
exit $status
