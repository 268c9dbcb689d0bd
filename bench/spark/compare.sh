#!/usr/bin/env bash
# Streaming word count: gpustream's CPU backend against Spark Structured
# Streaming (pyspark, local[*]) on the same machine, the same input files, the
# same batch interval and the same pace of arrival. Prints a table of per-batch
# processing times and throughput, and the ratio gpustream/Spark; fails when
# the engines' word totals differ from each other or from the input.
#
#   bench/spark/compare.sh                 24 files x 32 MiB, one file per 1 s batch
#   bench/spark/compare.sh --files 40 --mib 16 --batch 500ms
#   bench/spark/compare.sh --help          every option
#
# Before running it installs pyspark with pip when `import pyspark` fails
# (PYSPARK_SPEC picks the requirement, default "pyspark"), and builds
# build-cpu/bin/gpustream (scripts/build.sh --cpu-only, the gpustream_cli
# target only) when it is missing or has no `wordcount` command; --build
# brings an existing one up to date first. Spark needs Java 17 or later on
# the PATH (or JAVA_HOME).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"

build=0
args=()
for arg in "$@"; do
  case "$arg" in
    -h|--help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      echo
      echo "Options of the comparison itself (bench/spark/compare.py):"
      echo
      exec "$python" "$here/compare.py" --help
      ;;
    --build) build=1 ;;
    *) args+=("$arg") ;;
  esac
done

if ! command -v java >/dev/null 2>&1 && [[ -z ${JAVA_HOME:-} ]]; then
  echo "compare.sh: Spark needs Java 17 or later: no 'java' on the PATH and JAVA_HOME is not set" >&2
  exit 1
fi

if ! "$python" -c 'import pyspark' >/dev/null 2>&1; then
  echo "compare.sh: installing ${PYSPARK_SPEC:-pyspark} with pip" >&2
  "$python" -m pip install --quiet "${PYSPARK_SPEC:-pyspark}"
fi

bin="$repo/build-cpu/bin/gpustream"
if [[ $build == 1 ]] || ! "$bin" wordcount --help >/dev/null 2>&1; then
  echo "compare.sh: building build-cpu/bin/gpustream (scripts/build.sh --cpu-only)" >&2
  (cd "$repo" && GPUSTREAM_BUILD_TARGET=gpustream_cli scripts/build.sh --cpu-only >/dev/null)
fi
if ! "$bin" wordcount --help >/dev/null 2>&1; then
  echo "compare.sh: build-cpu/bin/gpustream has no working 'wordcount' command" >&2
  exit 1
fi

echo "compare.sh: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$python" "$here/compare.py" --gpustream "$bin" ${args[@]+"${args[@]}"}
