#!/usr/bin/env bash
# Sets up, builds and runs every test, in both configurations:
#   build/      CUDA backend compiled in (when nvcc is present): the CPU cases
#               run, the CUDA cases run where a GPU is present and skip, saying
#               so, where none is;
#   build-cpu/  the CPU-only build (g++ and Thrust's OpenMP system).
# On a machine without the CUDA toolkit only build-cpu/ is built.
#   scripts/test.sh [--only cuda|cpu-only]   one of the two configurations
set -euo pipefail
cd "$(dirname "$0")/.."

only=
if [[ ${1:-} == --only ]]; then
  only=${2:-}
  if [[ $only != cuda && $only != cpu-only ]]; then
    echo "usage: scripts/test.sh [--only cuda|cpu-only]" >&2
    exit 2
  fi
fi

scripts/setup.sh

source scripts/cuda_env.sh
jobs=$(nproc 2>/dev/null || echo 2)
status=0
configs=()
if have_nvcc; then
  configs+=(cuda)
elif [[ $only == cuda ]]; then
  echo "test: --only cuda, but nvcc is not found" >&2
  exit 2
fi
configs+=(cpu-only)

for config in "${configs[@]}"; do
  if [[ -n $only && $config != "$only" ]]; then continue; fi
  if [[ $config == cuda ]]; then
    dir=build
    scripts/build.sh
  else
    dir=build-cpu
    scripts/build.sh --cpu-only
  fi
  echo "== tests: $config build ($dir) =="
  if ! ctest --test-dir "$dir" --output-on-failure -j "$jobs"; then
    status=1
  fi
done
exit $status
