#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, CPU-only, with AddressSanitizer and
# UndefinedBehaviorSanitizer) in build-fuzz/ and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      default 60
# text_ops_fuzz runs a second time on the CUDA backend's algorithms (see
# below). A finding stops its run, leaves the input in build-fuzz/findings/, and
# makes the script exit non-zero. The corpus grows in build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/setup.sh
if ! command -v clang++ >/dev/null 2>&1; then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y clang libomp-dev
fi
jobs=$(nproc 2>/dev/null || echo 2)
# Thrust's headers are left out of UBSan (see scripts/ubsan_ignore.txt).
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
flags+=" -fsanitize-ignorelist=$PWD/scripts/ubsan_ignore.txt"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGPUSTREAM_ENABLE_CUDA=OFF \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DGPUSTREAM_BUILD_FUZZERS=ON -DGPUSTREAM_BUILD_APPS=OFF -DGPUSTREAM_BUILD_BENCHMARKS=OFF \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
cmake --build build-fuzz -j "$jobs" --target line_assembler_fuzz text_ops_fuzz checkpoint_fuzz
status=0
# text_ops_fuzz runs twice: on the CPU backend's fast paths, then on the
# algorithms the CUDA backend runs (GPUSTREAM_CPU_PORTABLE=1), from one corpus.
for run in line_assembler_fuzz text_ops_fuzz text_ops_fuzz:portable checkpoint_fuzz; do
  target=${run%%:*}
  portable=0
  [[ $run == *:portable ]] && portable=1
  findings=build-fuzz/findings/${run/:/-}
  mkdir -p "build-fuzz/corpus/$target" "$findings"
  echo "== $run: ${seconds} s =="
  if ! GPUSTREAM_CPU_PORTABLE=$portable OMP_NUM_THREADS=2 "build-fuzz/fuzz/$target" -max_total_time="$seconds" \
      -max_len=4096 -timeout=30 -artifact_prefix="$findings/" -print_final_stats=1 \
      "build-fuzz/corpus/$target"; then
    echo "fuzz: $run found a failure; its input is in $findings/" >&2
    status=1
  fi
done
exit $status
