#!/usr/bin/env bash
# Configures and builds gpustream.
#   scripts/build.sh            build/     : CUDA backend on when nvcc is found (else CPU-only)
#   scripts/build.sh --cpu-only build-cpu/ : CPU-only build (g++ and OpenMP, no CUDA)
# Extra arguments after the option go to the CMake configure step;
# GPUSTREAM_BUILD_TARGET=<target> builds that target alone.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/cuda_env.sh

dir=build
cuda=()
if [[ ${1:-} == --cpu-only ]]; then
  dir=build-cpu
  cuda=(-DGPUSTREAM_ENABLE_CUDA=OFF)
  shift
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "${cuda[@]}" "$@"
target=()
if [[ -n ${GPUSTREAM_BUILD_TARGET:-} ]]; then target=(--target "$GPUSTREAM_BUILD_TARGET"); fi
cmake --build "$dir" -j "$jobs" "${target[@]}"
