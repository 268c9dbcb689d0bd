#!/usr/bin/env bash
# Sets up, builds and runs every test, in both configurations:
#   build/      CUDA backend compiled in (when nvcc is present): the CPU cases
#               run, the CUDA cases run where a GPU is present and skip, saying
#               so, where none is;
#   build-cpu/  the CPU-only build (g++ and Thrust's OpenMP system).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
status=0
configs=()
if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  configs+=(cuda)
fi
configs+=(cpu-only)

for config in "${configs[@]}"; do
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
