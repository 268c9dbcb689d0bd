#!/usr/bin/env bash
# Runs every test binary of a build directory directly, without ctest, for a
# GPU host that has the binaries but not the sources or the build tools:
#   scripts/gpu_test.sh [-j JOBS] [-l LOG_DIR] [BUILD_DIR] [extra gtest flags]
# Up to JOBS binaries run at once (default 1). Prints each binary's summary
# and, for a binary that failed, its whole output; with -l each binary's
# output is also kept in LOG_DIR/<binary>.log. Exits non-zero when any test
# fails. A binary that runs past GPUSTREAM_TEST_TIMEOUT seconds (default 600)
# is stopped and counts as failed.
set -uo pipefail
jobs=1
logdir=
while getopts "j:l:" opt; do
  case $opt in
    j) jobs=$OPTARG ;;
    l) logdir=$OPTARG ;;
    *) echo "usage: gpu_test.sh [-j JOBS] [-l LOG_DIR] [BUILD_DIR] [gtest flags]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
dir=${1:-build}
shift || true
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "gpu_test: -j wants a positive number, not '$jobs'" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -n $logdir ]] && mkdir -p "$logdir"

one() {  # one binary: its output to $work/<name>.log, its exit status to $work/<name>.rc
  local bin=$1 name
  shift
  name=$(basename "$bin")
  # Line-buffered, so that the output of a binary that crashes is not lost.
  local buffered=()
  command -v stdbuf >/dev/null 2>&1 && buffered=(stdbuf -oL -eL)
  timeout "${GPUSTREAM_TEST_TIMEOUT:-600}" "${buffered[@]}" "$bin" --gtest_brief=1 "$@" >"$work/$name.log" 2>&1
  echo $? >"$work/$name.rc"
}
export -f one
export work

bins=()
for bin in "$dir"/tests/*_test; do
  [[ -x $bin ]] && bins+=("$bin")
done
[[ ${#bins[@]} -gt 0 ]] || { echo "gpu_test: no test binaries in $dir/tests" >&2; exit 2; }
printf '%s\0' "${bins[@]}" | xargs -0 -P "$jobs" -I{} bash -c 'one "$@"' _ {} "$@"

status=0
total_pass=0
total_fail=0
total_skip=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  log=$work/$name.log
  rc=$(cat "$work/$name.rc" 2>/dev/null || echo 1)
  pass=$(grep -Eo '\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  skip=$(grep -Eo '\[  SKIPPED \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | head -1 || echo 0)
  fail=$(grep -Eo '[0-9]+ FAILED TEST' "$log" | grep -Eo '^[0-9]+' || echo 0)
  [[ $rc -eq 124 ]] && echo "$name: stopped after ${GPUSTREAM_TEST_TIMEOUT:-600} s"
  echo "$name: passed ${pass:-0}, skipped ${skip:-0}, failed ${fail:-0} (exit $rc)"
  if [[ $rc -ne 0 ]]; then
    status=1
    [[ ${fail:-0} -gt 0 ]] || fail=1
    cat "$log"
  fi
  [[ -n $logdir ]] && cp "$log" "$logdir/$name.log"
  total_pass=$((total_pass + ${pass:-0}))
  total_fail=$((total_fail + ${fail:-0}))
  total_skip=$((total_skip + ${skip:-0}))
done
echo "gpu tests: ${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
exit $status
