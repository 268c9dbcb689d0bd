#!/usr/bin/env bash
# Installs what gpustream builds and tests with, from Debian's packages.
# Idempotent: packages already present are not touched, and apt is only asked
# when something is missing. The CUDA toolkit (nvcc, Thrust, CUB) is expected to
# be installed already; without nvcc the CPU-only configuration still builds.
set -euo pipefail

packages=(
  build-essential   # g++ with OpenMP
  cmake             # 3.25 or newer
  ccache            # faster rebuilds, used when present
  libboost-dev      # Boost.Asio (header-only) for the receivers
  libgtest-dev      # GoogleTest
  libcli11-dev      # command-line parsing of the programs
  python3           # bench/ helper scripts
)

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

if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup: CUDA toolkit found: the CUDA backend will be built"
else
  echo "setup: no nvcc found: only the CPU backend will be built"
fi
