#!/usr/bin/env bash
# Builds what a GPU host needs to run the whole test suite and the benchmarks
# on the CUDA backend, small enough to copy there (under 64 MiB): a shared
# libgpustream.so for one architecture (default sm_90), the test binaries, the
# benchmark programs, the command-line program and three examples, and the
# scripts that run them, stripped, in gpu-bundle/.
#   scripts/gpu_bundle.sh [CUDA_ARCH]        e.g. 90 (H100/H200), 80 (A100)
# On the GPU host: gpu-bundle/gpu_check.sh (see there).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-90}
source scripts/cuda_env.sh
have_nvcc || { echo "gpu_bundle: nvcc not found: the bundle needs the CUDA backend" >&2; exit 2; }
scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DGPUSTREAM_ENABLE_CUDA=ON -DBUILD_SHARED_LIBS=ON \
  "-DCMAKE_CUDA_ARCHITECTURES=$arch"
cmake --build build-gpu -j "$jobs"

rm -rf gpu-bundle
mkdir -p gpu-bundle/tests gpu-bundle/bin
cp build-gpu/libgpustream.so* gpu-bundle/
cp build-gpu/tests/*_test build-gpu/tests/fault_crash_app gpu-bundle/tests/
cp build-gpu/bin/word_count_bench build-gpu/bin/group_by_bench build-gpu/bin/stream_bench build-gpu/bin/socket_bench gpu-bundle/bin/
cp build-gpu/bin/gpustream build-gpu/bin/network_wordcount build-gpu/bin/network_field_count \
  build-gpu/bin/network_trending_words gpu-bundle/bin/
strip --strip-unneeded gpu-bundle/libgpustream.so* gpu-bundle/tests/* gpu-bundle/bin/*
# The programs find the library one folder up: their run path is $ORIGIN/..
cp scripts/gpu_test.sh scripts/gpu_check.sh bench/run_suite.py tests/fault/crash_test.py tests/app/wordcount_check.py \
  gpu-bundle/
echo "gpu_bundle: $(du -sh --apparent-size gpu-bundle | cut -f1) in gpu-bundle/ (sm_$arch); on the GPU host run gpu-bundle/gpu_check.sh"
