#!/usr/bin/env bash
# Installs what gpustream builds and tests with: Debian's packages, and where
# the CUDA toolkit is not installed, the Thrust and CUB headers (NVIDIA's CCCL)
# from PyPI into .deps/cccl/, pinned by version and hash
# (scripts/deps/cccl-requirements.txt); CMakeLists.txt looks there. Without
# nvcc only the CPU-only configuration builds; with it, both.
# Idempotent: what is present is not touched, and apt and pip are only asked
# when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential   # g++ with OpenMP
  cmake             # 3.25 or newer
  ccache            # faster rebuilds, used when present
  libboost-dev      # Boost.Asio (header-only) for the receivers
  libgtest-dev      # GoogleTest
  libcli11-dev      # command-line parsing of the programs
  python3           # the program checks and bench/ helper scripts
)
source scripts/cuda_env.sh
cuda_toolkit=0
if have_nvcc; then cuda_toolkit=1; fi
cccl_dir=.deps/cccl
cccl_wanted=0
if ((!cuda_toolkit)) && [[ ! -f $cccl_dir/include/thrust/version.h ]]; then
  cccl_wanted=1
  packages+=(python3-pip unzip)  # to fetch and unpack the CCCL wheel
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

if ((cccl_wanted)); then
  # pip only downloads (checking the pinned hash); the headers are unpacked
  # here, so no Python environment is changed.
  echo "setup: no CUDA toolkit: fetching the Thrust and CUB headers (nvidia-cuda-cccl) into $cccl_dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r scripts/deps/cccl-requirements.txt -d "$tmp"
  unzip -q "$tmp"/nvidia_cuda_cccl-*.whl 'nvidia/*/include/cccl/*' '*.dist-info/licenses/*' -d "$tmp/wheel"
  rm -rf "$cccl_dir"
  mkdir -p "$cccl_dir"
  mv "$tmp"/wheel/nvidia/*/include/cccl "$cccl_dir/include"
  cp "$tmp"/wheel/*.dist-info/licenses/* "$cccl_dir/"
fi

if ((cuda_toolkit)); then
  echo "setup: CUDA toolkit found: the CUDA backend will be built"
else
  echo "setup: no nvcc found: only the CPU backend will be built (Thrust and CUB from $cccl_dir)"
fi
