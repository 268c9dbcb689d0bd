#!/usr/bin/env bash
# On a GPU host, from a bundle made by scripts/gpu_bundle.sh, in two stages:
#  1. checks, side by side: the whole test suite (CUDA and CPU cases), the
#     end-to-end program checks (the programs pick the CUDA backend by
#     themselves where a GPU is present), the crash tests on the CUDA backend,
#     and compute-sanitizer (memcheck, racecheck) over the CUDA cases of the
#     operator tests when it is installed;
#  2. then, alone on the machine, the benchmark suite on both backends.
# Prints each part's report; exits non-zero when a check fails.
#   gpu-bundle/gpu_check.sh [--no-bench] [--no-sanitizer] [--jobs N] [--logs DIR]
#                           [--bench-backends LIST] [--bench-repeat N]
#                           [--sanitizer-jobs N] [--sanitizer-seconds S] [--sanitizer-budget S]
# --logs keeps every binary's whole output and the benchmark table in DIR.
# Each crash test is stopped after GPUSTREAM_CRASH_TIMEOUT seconds (default 240),
# each test binary after GPUSTREAM_TEST_TIMEOUT (default 600).
# GPUSTREAM_TABLE_KERNEL=per_warp in the environment runs every check and
# benchmark with the word count's per-warp table kernel as its default.
# --bench-backends (default cuda,cpu) and --bench-repeat (default 3) go to the
# suite: `--bench-backends cuda --bench-repeat 1` is the shortest full run.
# compute-sanitizer runs each CUDA case of the operator tests alone:
# --sanitizer-jobs at once per tool (default 6), each for at most
# --sanitizer-seconds (default 240); none starts after --sanitizer-budget
# seconds (default 300), and those left are reported as not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=1
sanitizer=1
jobs=6
logs=
bench_backends=cuda,cpu
bench_repeat=3
san_jobs=6
san_seconds=240
san_budget=300
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-bench) bench=0 ;;
    --no-sanitizer) sanitizer=0 ;;
    --jobs) jobs=${2:?--jobs wants a number}; shift ;;
    --logs) logs=${2:?--logs wants a directory}; shift ;;
    --bench-backends) bench_backends=${2:?--bench-backends wants a list such as cuda,cpu}; shift ;;
    --bench-repeat) bench_repeat=${2:?--bench-repeat wants a number}; shift ;;
    --sanitizer-jobs) san_jobs=${2:?--sanitizer-jobs wants a number}; shift ;;
    --sanitizer-seconds) san_seconds=${2:?--sanitizer-seconds wants a number}; shift ;;
    --sanitizer-budget) san_budget=${2:?--sanitizer-budget wants a number}; shift ;;
    *) echo "gpu_check: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for n in "$jobs" "$bench_repeat" "$san_jobs" "$san_seconds" "$san_budget"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "gpu_check: --jobs, --bench-repeat and --sanitizer-* want a positive number, not '$n'" >&2; exit 2; }
done
IFS=, read -ra parts <<<"$bench_backends"
for b in "${parts[@]}"; do
  [[ $b == cuda || $b == cpu ]] || { echo "gpu_check: --bench-backends takes cuda and cpu, not '$b'" >&2; exit 2; }
done
if [[ -z $logs ]]; then
  logs=$(mktemp -d)
fi
mkdir -p "$logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "gpu_check: nvidia-smi not found"
nproc

# The tests were written for a 2-core machine; several binaries run at once here.
export OMP_NUM_THREADS=2

run_tests() {
  "$here/gpu_test.sh" -j "$jobs" -l "$logs/tests" "$here"
}

run_apps() {
  local rc=0 check
  if ! command -v python3 >/dev/null 2>&1; then
    echo "gpu_check: python3 not found; program checks skipped"
    return 0
  fi
  for check in generator-json generator-text directory directory-binary checkpoint socket socket-algorithms grep-directory \
      grep-socket grep-checkpoint; do
    args=("$here/bin/gpustream")
    [[ $check == generator-json ]] || args+=("$work/apps/$check")
    echo "-- $check"
    timeout 120 python3 "$here/wordcount_check.py" "$check" "${args[@]}" || rc=1
  done
  echo "-- demo"
  if timeout 120 "$here/bin/gpustream" demo --batches 2 --batch-mib 1 --interval-ms 20 --top 3 >"$work/demo.out" 2>&1 &&
     grep -Eq '^Time: [0-9]+ ms$' "$work/demo.out"; then
    echo "printed batches"
  else
    rc=1
    tail -20 "$work/demo.out"
  fi
  echo "-- example"
  timeout 120 python3 "$here/wordcount_check.py" example "$here/bin/network_wordcount" || rc=1
  echo "-- field-example"
  timeout 120 python3 "$here/wordcount_check.py" field-example "$here/bin/network_field_count" || rc=1
  echo "-- trending-example"
  timeout 120 python3 "$here/wordcount_check.py" trending-example "$here/bin/network_trending_words" || rc=1
  return $rc
}

run_crash() {
  local rc=0 pids=() source seed
  for source in dir socket; do
    for seed in 1 2 3; do
      timeout "${GPUSTREAM_CRASH_TIMEOUT:-240}" python3 "$here/crash_test.py" --app "$here/tests/fault_crash_app" --source "$source" \
        --backend cuda --seed "$seed" >"$work/crash_${source}_$seed.log" 2>&1 &
      pids+=($!)
    done
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  for f in "$work"/crash_*.log; do
    echo "$(basename "$f" .log): $(tail -1 "$f")"
  done
  [[ $rc -eq 0 ]] || cat "$work"/crash_*.log
  return $rc
}

# compute-sanitizer runs every CUDA test case of the operator tests in a
# process of its own, $san_jobs at once per tool, each stopped after
# $san_seconds; no case starts after $san_budget seconds. Under the tool a
# kernel runs many times slower, so one slow case no longer holds back or
# hides the rest of its binary.
# The kernels that share memory between threads of a block (the one-pass
# tables' block tables) come first, for racecheck above all; then the slowest
# under the tool, so that the budget cuts quick ones.
san_binaries=(aggregate_word_count_table_test aggregate_reduce_by_key_table_test operators_device_function_test
              aggregate_reduce_by_key_test text_split_lines_test text_tokenize_test text_filter_test
              aggregate_reduce_by_int_key_test aggregate_top_k_test column_rows_test join_join_test)
run_sanitizer() {  # $1: memcheck or racecheck
  local cs rc=0 t c r i log began=$SECONDS cases=()
  local clean=0 stopped=0 failed=0 not_run=0
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  if [[ -z $cs ]]; then
    echo "gpu_check: compute-sanitizer not found; skipped"
    return 0
  fi
  for t in "${san_binaries[@]}"; do
    [[ -x $here/tests/$t ]] || continue
    # gtest lists "suite." lines, then "  case  # GetParam() = ..." lines.
    while read -r c; do cases+=("$t $c"); done < <("$here/tests/$t" --gtest_list_tests --gtest_filter='*cuda*' |
      awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }')
  done
  mkdir -p "$work/san_$1"
  for i in "${!cases[@]}"; do
    (( SECONDS - began < san_budget )) || break  # a case with no log did not run
    while (( $(jobs -rp | wc -l) >= san_jobs )); do wait -n || true; done
    read -r t c <<<"${cases[$i]}"
    log="$work/san_$1/$i.log"
    # The streaming tests wait for their batches up to the case's own limit,
    # and sweeps of hundreds of sizes take fewer of them.
    ( GPUSTREAM_TEST_UNDER_SANITIZER=1 GPUSTREAM_TEST_WAIT_SECONDS=$(( san_seconds > 60 ? san_seconds - 30 : san_seconds )) \
        timeout "$san_seconds" "$cs" --tool "$1" --error-exitcode 3 "$here/tests/$t" --gtest_filter="$c" --gtest_brief=1 \
        >"$log" 2>&1
      echo $? >"$log.rc" ) &
  done
  wait
  for i in "${!cases[@]}"; do
    read -r t c <<<"${cases[$i]}"
    log="$work/san_$1/$i.log"
    if [[ ! -e $log ]]; then
      not_run=$((not_run + 1))
      echo "$t $c: not run, the ${san_budget} s budget was spent"
      continue
    fi
    r=$(cat "$log.rc" 2>/dev/null || echo "?")
    case $r in
      0) clean=$((clean + 1)) ;;
      124) stopped=$((stopped + 1))
           echo "$t $c: stopped after $san_seconds s, no finding up to then (not a pass)"
           grep -E 'ERROR SUMMARY|========= [A-Z]' "$log" | head -20 ;;
      *) rc=1
         failed=$((failed + 1))
         echo "$t $c: exit $r"
         tail -80 "$log" ;;
    esac
    cat "$log" >>"$logs/sanitizer_$1_$t.log"
  done
  echo "$1: ${#cases[@]} CUDA test cases of ${#san_binaries[@]} binaries, $san_jobs at once: $clean clean," \
       "$failed failed, $stopped stopped after $san_seconds s, $not_run not run; $((SECONDS - began)) s"
  if (( rc == 0 && stopped + not_run > 0 )); then
    echo "$1: no finding, but not a full pass: raise --sanitizer-seconds or --sanitizer-budget"
  fi
  return $rc
}

start=$SECONDS
run_tests >"$logs/tests.txt" 2>&1 &
p_tests=$!
run_apps >"$logs/apps.txt" 2>&1 &
p_apps=$!
if command -v python3 >/dev/null 2>&1; then
  run_crash >"$logs/crash.txt" 2>&1 &
  p_crash=$!
else
  echo "gpu_check: python3 not found; crash tests skipped" >"$logs/crash.txt"
  p_crash=
fi
p_san=()
if [[ $sanitizer -eq 1 ]]; then
  run_sanitizer memcheck >"$logs/memcheck.txt" 2>&1 &
  p_san+=($!)
  run_sanitizer racecheck >"$logs/racecheck.txt" 2>&1 &
  p_san+=($!)
fi

status=0
report() {  # $1: title, $2: pid, $3: log
  local rc=0
  [[ -n $2 ]] && { wait "$2" || rc=$?; }
  echo "== $1 (exit $rc) =="
  cat "$3"
  [[ $rc -eq 0 ]] || status=1
}
report "tests" "$p_tests" "$logs/tests.txt"
report "program checks (default backend: CUDA where a GPU is present)" "$p_apps" "$logs/apps.txt"
report "crash tests on the CUDA backend (SIGKILL at random moments, restart from checkpoints and the log)" \
  "$p_crash" "$logs/crash.txt"
if [[ $sanitizer -eq 1 ]]; then
  report "compute-sanitizer memcheck" "${p_san[0]}" "$logs/memcheck.txt"
  report "compute-sanitizer racecheck" "${p_san[1]}" "$logs/racecheck.txt"
fi
echo "checks took $((SECONDS - start)) s"

if [[ $bench -eq 1 ]]; then
  echo "== benchmarks =="
  unset OMP_NUM_THREADS
  start=$SECONDS
  python3 "$here/run_suite.py" --bin "$here/bin" --backends "$bench_backends" --repeat "$bench_repeat" --plot "$logs/results_gpu.png" | tee "$logs/bench.md" || status=1
  echo "benchmarks took $((SECONDS - start)) s"
fi
exit $status
