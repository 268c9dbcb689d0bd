# Sourced by the build scripts: puts the CUDA toolkit's nvcc on the PATH where
# it is installed in the usual place but not on the PATH, and says whether
# there is one. `command -v` alone is not enough: bash also names a file on
# the PATH that is not executable.
if [[ -x /usr/local/cuda/bin/nvcc && ! -x $(command -v nvcc 2>/dev/null) ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
have_nvcc() { [[ -x $(command -v nvcc 2>/dev/null) ]]; }
