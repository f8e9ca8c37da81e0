#!/usr/bin/env bash
# Soak benchmark: runs the live pipeline of configs/soak.yaml (25 fps synthetic cameras, classical fusion, 640x512,
# null sink, control API on 127.0.0.1:18080) for MINUTES minutes and checks that resident memory stays flat.
#
#   scripts/soak.sh [MINUTES=10]
#
# Samples the process's VmRSS every 10 s into out/soak/rss-<stamp>.csv, scrapes /metrics at the start and the end,
# and prints RSS after warm-up (1 min) vs at the end, the growth, frames published, the achieved rate vs 25 fps,
# drops by stage and source restarts. Exits 1 when RSS grew by 5 % or more, 2 when the run itself failed.
# Bounded: the run stops itself after MINUTES; a watchdog kills it 3 minutes after that if it has not.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"

MINUTES="${1:-10}"
if ! [[ "$MINUTES" =~ ^[0-9]+$ ]] || [ "$MINUTES" -lt 1 ] || [ "$MINUTES" -gt 1440 ]; then
  echo "usage: scripts/soak.sh [MINUTES]   (a whole number of minutes, 1..1440; default 10)" >&2
  exit 2
fi
RUN_SECONDS=$((MINUTES * 60))
CONFIG="configs/soak.yaml"
URL="http://127.0.0.1:18080"
INTERVAL=10
WARMUP=60
TARGET_FPS=25
LIMIT_PCT=5
WATCHDOG=$((RUN_SECONDS + 180))

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/out/soak"
mkdir -p "$OUT"
CSV="$OUT/rss-$STAMP.csv"
RUNLOG="$OUT/run-$STAMP.log"
M_START="$OUT/metrics-start-$STAMP.txt"
M_END="$OUT/metrics-end-$STAMP.txt"

log() { echo "[soak] $*"; }

if curl -s -o /dev/null --max-time 2 "$URL/healthz"; then
  echo "soak: something already answers on $URL (another LureStream run?); stop it first" >&2
  exit 2
fi

# Build (if stale) before the clock starts, so the run measures the pipeline and not the compiler.
log "building if stale…"
if ! ./lurestream --help > /dev/null; then
  echo "soak: ./lurestream failed to build or start" >&2
  exit 2
fi

log "running $CONFIG for $MINUTES min (log: $RUNLOG)"
./lurestream run --config "$CONFIG" --seconds "$RUN_SECONDS" --log-file none > "$RUNLOG" 2>&1 &
PID=$!
T0=$(date +%s)

cleanup() {
  if kill -0 "$PID" 2> /dev/null; then
    kill -TERM "$PID" 2> /dev/null || true
    sleep 5
    kill -KILL "$PID" 2> /dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo $(($(date +%s) - T0)); }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2> /dev/null || true; }
# The value of one metric line (exact name and labels) from a scrape file.
metric() { awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "" }' "$1"; }

# ./lurestream execs dotnet under the same PID once the bootstrap is done; wait for the control API.
ready=0
while kill -0 "$PID" 2> /dev/null && [ "$(elapsed)" -lt 180 ]; do
  if curl -sf -o /dev/null --max-time 2 "$URL/readyz"; then
    ready=1
    break
  fi
  sleep 1
done
if [ "$ready" != 1 ]; then
  echo "soak: the pipeline did not become ready within 180 s; last output:" >&2
  tail -20 "$RUNLOG" >&2 || true
  exit 2
fi
T0=$(date +%s) # the clock of the samples starts when the pipeline is ready
curl -sf --max-time 5 "$URL/metrics" > "$M_START"
log "ready (pid $PID); sampling VmRSS every ${INTERVAL}s into $CSV"

echo "elapsed_s,rss_kb,published,gc_heap_bytes" > "$CSV"
TMP_METRICS="$OUT/.metrics-$STAMP.tmp"
while kill -0 "$PID" 2> /dev/null; do
  t=$(elapsed)
  if [ "$t" -gt "$WATCHDOG" ]; then
    echo "soak: the run did not stop ${WATCHDOG}s after it started; killing it" >&2
    exit 2
  fi
  rss=$(rss_kb)
  published="" heap=""
  if curl -sf --max-time 5 "$URL/metrics" > "$TMP_METRICS"; then
    cp "$TMP_METRICS" "$M_END" # the last scrape before the run stops is the end state
    published=$(metric "$M_END" 'lurestream_frames_out_total{stage="publish"}')
    heap=$(metric "$M_END" dotnet_gc_heap_bytes)
  fi
  [ -n "$rss" ] && echo "$t,$rss,$published,$heap" >> "$CSV"
  # Sleep in small steps so the end of the run is noticed promptly.
  for _ in $(seq 1 $((INTERVAL * 2))); do
    kill -0 "$PID" 2> /dev/null || break
    sleep 0.5
  done
done
rm -f "$TMP_METRICS"
set +e
wait "$PID"
CODE=$?
set -e
trap - EXIT

if [ "$CODE" != 0 ]; then
  echo "soak: lurestream exited with code $CODE; last output:" >&2
  tail -20 "$RUNLOG" >&2
  exit 2
fi

samples=$(($(wc -l < "$CSV") - 1))
if [ "$samples" -lt 2 ]; then
  echo "soak: only $samples RSS samples were taken" >&2
  exit 2
fi
# RSS after warm-up: the first sample at or after WARMUP seconds (the first sample if the run is shorter).
read -r t1 rss1 < <(awk -F, -v w="$WARMUP" 'NR > 1 && first == "" { first = $1 " " $2 } NR > 1 && $1 >= w { print $1, $2; found = 1; exit } END { if (!found) print first }' "$CSV")
read -r t2 rss2 < <(tail -1 "$CSV" | awk -F, '{ print $1, $2 }')
peak=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$CSV")
# Single samples swing with the garbage collector (tens of MiB between collections), so the verdict compares the
# median of the minute after warm-up with the median of the last minute.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
base=$(awk -F, -v a="$t1" 'NR > 1 && $1 >= a && $1 < a + 60 { print $2 }' "$CSV" | median)
last=$(awk -F, -v b="$t2" 'NR > 1 && $1 > b - 60 { print $2 }' "$CSV" | median)
growth=$(awk -v a="$base" -v b="$last" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
point_growth=$(awk -v a="$rss1" -v b="$rss2" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')

summary_line() { { grep -E "$1" "$RUNLOG" || true; } | tail -1; }
published=$(summary_line '^frames in:' | sed -E 's/.*published ([0-9]+).*/\1/')
throughput=$(summary_line '^throughput' | sed -E 's/^throughput ([0-9.]+) fps.*/\1/')
latency=$(summary_line '^throughput' | sed -E 's/^throughput [0-9.]+ fps; //')
restarts=$(metric "$M_END" lurestream_source_restarts_total)
single=$(metric "$M_END" lurestream_single_modality_frames_total)

echo
echo "=== LureStream soak: $MINUTES min, $CONFIG ==="
echo "RSS after warm-up (t=${t1}s): $((rss1 / 1024)) MiB ($rss1 kB)"
echo "RSS at the end    (t=${t2}s): $((rss2 / 1024)) MiB ($rss2 kB); sample to sample ${point_growth} %; peak $((peak / 1024)) MiB"
echo "RSS median, minute after warm-up: $((base / 1024)) MiB; last minute: $((last / 1024)) MiB"
echo "RSS growth (medians): ${growth} % (limit < ${LIMIT_PCT} %), $samples samples in $CSV"
echo "frames published: ${published:-?}; throughput ${throughput:-?} fps of ${TARGET_FPS} fps offered; ${latency}"
echo "drops by stage (end of run; live mode keeps the newest frame, so a drop means a later stage was still busy):"
for stage in capture_ir capture_vis sync fuse publish; do
  d=$(metric "$M_END" "lurestream_frames_dropped_total{stage=\"$stage\"}")
  case "$stage" in
    capture_*) why="queue capture→sync full: sync/fuse could not keep up with this camera" ;;
    sync) why="unpaired (no partner within sync.tolerance_ms) or pair queue sync→fuse full: fusion slower than the cameras" ;;
    fuse) why="queue fuse→publish full: the sinks could not keep up" ;;
    publish) why="sink refused a frame" ;;
  esac
  printf '  %-12s %8s   %s\n' "$stage" "${d:-?}" "$why"
done
un_ir=$(metric "$M_END" 'lurestream_unpaired_frames_total{modality="ir"}')
un_vis=$(metric "$M_END" 'lurestream_unpaired_frames_total{modality="vis"}')
sync_drops=$(metric "$M_END" 'lurestream_frames_dropped_total{stage="sync"}')
echo "  sync = unpaired (ir ${un_ir:-?} + vis ${un_vis:-?}) + $(( ${sync_drops:-0} - ${un_ir:-0} - ${un_vis:-0} )) pairs superseded in the sync→fuse queue"
echo "single-modality frames: ${single:-?}"
echo "source restarts: ${restarts:-?}"
if awk -v t="${throughput:-0}" -v f="$TARGET_FPS" 'BEGIN { exit !(t < 0.95 * f) }'; then
  echo "note: below ${TARGET_FPS} fps the machine could not keep up (synthetic live cameras skip frames a slow reader"
  echo "      misses, as real cameras do; the drops above are frames captured but superseded before fusion)."
fi
echo "metrics: $M_START, $M_END; run log: $RUNLOG"

if awk -v g="$growth" -v l="$LIMIT_PCT" 'BEGIN { exit !(g >= l) }'; then
  echo "FAIL: resident memory grew by ${growth} % (>= ${LIMIT_PCT} %)"
  exit 1
fi
echo "PASS: resident memory growth ${growth} % < ${LIMIT_PCT} %"
