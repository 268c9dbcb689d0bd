#!/usr/bin/env bash
# Runs a command with the CUDA toolkit out of sight, as on a machine that
# never had it:
#   scripts/without_cuda.sh COMMAND [ARG...]
# In a private mount namespace (unshare -m; needs root), an empty folder is
# mounted over each CUDA toolkit folder, so that the links into it from
# /usr/local/bin, include and lib lead nowhere; nvcc wrappers found on the PATH
# are covered by an empty file; PATH loses its CUDA folders and CUDA_HOME,
# CUDA_PATH and CUDAToolkit_ROOT are unset. Nothing changes outside the
# command. CI runs the README's test command this way (.ci/run).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: scripts/without_cuda.sh COMMAND [ARG...]" >&2
  exit 2
fi
if [[ ${GPUSTREAM_CUDA_HIDDEN:-} != 1 ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "without_cuda: needs root (a private mount namespace)" >&2
    exit 2
  fi
  exec unshare --mount --propagation private env GPUSTREAM_CUDA_HIDDEN=1 "$0" "$@"
fi

empty_dir=$(mktemp -d)
empty_file=$(mktemp)  # mode 0600: not a program
hidden=()
toolkits=(/usr/local/cuda /usr/local/cuda-* /opt/cuda /opt/nvidia/hpc_sdk)
for d in "${toolkits[@]}"; do
  [[ -d $d ]] || continue
  real=$(readlink -f "$d")
  mountpoint -q "$real" && [[ -z $(ls -A "$real") ]] && continue  # hidden already
  mount --bind "$empty_dir" "$real"
  hidden+=("$real")
done
while read -r program; do
  [[ -n $program ]] || continue
  mount --bind "$empty_file" "$program"
  hidden+=("$program")
done < <(type -ap nvcc | sort -u)

clean_path=()
IFS=: read -r -a path_entries <<< "$PATH"
for p in "${path_entries[@]}"; do
  [[ $p == *cuda* ]] || clean_path+=("$p")
done
PATH=$(IFS=:; echo "${clean_path[*]}")
export PATH
unset CUDA_HOME CUDA_PATH CUDAToolkit_ROOT

if [[ -x $(command -v nvcc 2>/dev/null) ]]; then
  echo "without_cuda: nvcc is still found at $(command -v nvcc)" >&2
  exit 1
fi
echo "without_cuda: CUDA toolkit hidden (${hidden[*]:-nothing was installed}); running: $*"
exec "$@"
