#!/usr/bin/env bash
# On a GPU host, from a bundle made by scripts/gpu_bundle.sh: the device, the
# whole test suite (CUDA and CPU cases), the crash tests on the CUDA backend,
# compute-sanitizer (memcheck and
# racecheck) over the operator tests when it is installed, then the benchmark
# suite on both backends. Output goes to stdout; exits non-zero when a test fails.
#   gpu-bundle/gpu_check.sh [--no-bench] [--no-sanitizer]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=1
sanitizer=1
for a in "$@"; do
  case $a in
    --no-bench) bench=0 ;;
    --no-sanitizer) sanitizer=0 ;;
    *) echo "gpu_check: unknown option $a" >&2; exit 2 ;;
  esac
done
status=0
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "gpu_check: nvidia-smi not found"
echo "== tests =="
"$here/gpu_test.sh" "$here" || status=1
echo "== crash tests on the CUDA backend (SIGKILL at random moments, restart from checkpoints and the log) =="
if command -v python3 >/dev/null 2>&1; then
  for source in dir socket; do
    for seed in 1 2 3; do
      python3 "$here/crash_test.py" --app "$here/tests/fault_crash_app" --source "$source" --backend cuda \
        --seed "$seed" | tail -1
      rc=${PIPESTATUS[0]}
      [[ $rc -eq 0 ]] || status=1
    done
  done
else
  echo "gpu_check: python3 not found; crash tests skipped"
fi
if [[ $sanitizer -eq 1 ]]; then
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  if [[ -n $cs ]]; then
    for tool in memcheck racecheck; do
      for t in text_split_lines_test text_tokenize_test text_filter_test aggregate_reduce_by_key_test aggregate_top_k_test; do
        echo "== compute-sanitizer --tool $tool $t (CUDA cases) =="
        "$cs" --tool "$tool" --error-exitcode 3 "$here/tests/$t" --gtest_filter='*cuda*' --gtest_brief=1 || status=1
      done
    done
  else
    echo "gpu_check: compute-sanitizer not found; skipped"
  fi
fi
if [[ $bench -eq 1 ]]; then
  echo "== benchmarks =="
  python3 "$here/run_suite.py" --bin "$here/bin" --backends cuda,cpu --repeat 3 || status=1
fi
exit $status
