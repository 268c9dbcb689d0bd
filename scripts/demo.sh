#!/usr/bin/env bash
# Sets up, builds and runs the demo: a word count over generated text, printed
# batch by batch; it ends by itself. Arguments go to `gpustream demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
echo "demo: building (the first build takes a few minutes)..." >&2
GPUSTREAM_BUILD_TARGET=gpustream_cli scripts/build.sh >/dev/null
exec build/bin/gpustream demo "$@"
