#!/usr/bin/env bash
# A soak run (minutes long, not part of CI): gpustream wordcount over the
# generator source, offered more than it can take when --rate-mib is high,
# with the resident memory of the process sampled over time. Memory should
# level off at the receive pool plus one or two batches, however long it runs.
#   scripts/soak.sh [MINUTES] [RATE_MIB] [BACKEND]     defaults: 5, 0 (unlimited), auto
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-5}
rate=${2:-0}
backend=${3:-auto}
bin=build/bin/gpustream
[[ -x $bin ]] || bin=build-cpu/bin/gpustream
[[ -x $bin ]] || { echo "soak: build first (scripts/build.sh or scripts/build.sh --cpu-only)" >&2; exit 2; }
log=$(mktemp)
"$bin" wordcount --source generator --rate-mib "$rate" --batch 1s --backend "$backend" \
  --output json:/dev/null --duration "$((minutes * 60))s" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
echo "soak: $bin wordcount, generator at ${rate} MiB/s (0: unlimited), $minutes min, backend $backend"
printf '%8s %12s %10s\n' "seconds" "RSS MiB" "batches"
start=$(date +%s)
max=0
while kill -0 $pid 2>/dev/null; do
  rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  rss=$((rss_kib / 1024))
  (( rss > max )) && max=$rss
  printf '%8d %12d %10d\n' "$(( $(date +%s) - start ))" "$rss" "$(grep -c '^\[info\] batch' "$log" || true)"
  sleep 10
done
wait $pid || { echo "soak: the program failed:" >&2; tail -5 "$log" >&2; exit 1; }
echo "soak: peak RSS $max MiB; last log lines:"
tail -3 "$log"
