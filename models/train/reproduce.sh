#!/usr/bin/env bash
# Reproduce the LURE-lite bundle from scratch: stage 1 -> stage 2 -> export (+reference, ORT parity check)
# -> evaluation (metrics table, comparison sheets, training curves).
#   models/train/reproduce.sh /path/to/roadscene [extra train.py args, e.g. --config paper]
# Wall-time budgets (stage 1 40 min, stage 2 20 min) bound training on a shared 2-core machine; the LR schedule
# follows the larger of step progress and time progress, so a busier machine gives fewer steps, not a longer run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
DATA="${1:-}"
[ -n "$DATA" ] || { echo "usage: $0 /path/to/roadscene [train.py options]" >&2; exit 2; }
[ -d "$DATA/ir" ] && [ -d "$DATA/vis" ] || { echo "error: $DATA must contain ir/ and vis/" >&2; exit 2; }
shift
RUNS="$HERE/runs"
mkdir -p "$RUNS"
rm -f "$RUNS"/stage1* "$RUNS"/stage2* "$RUNS"/vocab.txt
export OMP_WAIT_POLICY=PASSIVE
start=$(date +%s)
nice -n 10 "$PY" "$HERE/train.py" --stage 1 --data "$DATA" --steps 20000 --minutes 40 --crop 48 --lr 1.5e-3 "$@"
nice -n 10 "$PY" "$HERE/train.py" --stage 2 --data "$DATA" --steps2 20000 --minutes2 20 --crop2 64 "$@"
nice -n 10 "$PY" "$HERE/export.py"
nice -n 10 "$PY" "$HERE/evaluate.py" --data "$DATA"
echo "reproduce.sh finished in $(( ($(date +%s) - start) / 60 )) min"
