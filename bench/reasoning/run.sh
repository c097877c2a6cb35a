#!/usr/bin/env bash
# run.sh — bench/reasoning: the failure-mode library on a held-out scenario set against the
# baseline of plain limit alarms on the same data (bench/README.md "reasoning").
#
# Usage: bench/reasoning/run.sh [FAULT_RUNS] [NORMAL_DAYS]     (defaults 240 and 30)
#   env ANJIAN_BIN  binary (default ./build/anjian)
#   env SEED        generator seed (default 20261129)
#   env JOBS        replays run in parallel (default: nproc)
#   env KEEP=1      keep the work directory (printed)
# Steps: bindings of the library on the demo plant; a cold and a hot normal day give each
# watched tag's normal range, from which bench/reasoning/limits.mjs sets the baseline's limit
# alarms; bench/reasoning/gen.mjs writes the scenarios; every run is `anjian reason replay
# --alarms` (the server's reasoning, data quality and alarm code, in-process); score.mjs
# prints the report.
set -euo pipefail
cd "$(dirname "$0")/../.."
faults=${1:-240}
normal=${2:-30}
bin=$(realpath "${ANJIAN_BIN:-./build/anjian}")
jobs=${JOBS:-$(nproc)}
work=$(mktemp -d /tmp/aj-reasoning.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
plant=plants/demo-chemical.json
started=$(date +%s)
"$bin" reason replay --plant "$plant" --duration 1m --bindings 2>/dev/null | grep '"type":"binding"' > "$work/bindings.jsonl"
for day in cold:0:777001 hot:28:777002; do # the year's extremes of the generator's weather
  IFS=: read -r name temp seed <<< "$day"
  printf '{"format":"anjian-scenario","version":1,"name":"%s day","weather":{"air_temp_mean":%s}}' \
    "$name" "$temp" > "$work/$name.json"
  "$bin" reason replay --plant "$plant" --scenario "$work/$name.json" --duration 24h --seed "$seed" \
    --tag-stats "$work/stats-$name.json" > /dev/null 2>&1
done
node bench/reasoning/limits.mjs "$work/bindings.jsonl" "$plant" "$work/stats-cold.json" "$work/stats-hot.json" \
  > "$work/limits.json"
node bench/reasoning/gen.mjs --plant "$plant" --bindings "$work/bindings.jsonl" --out "$work" \
  --seed "${SEED:-20261129}" --faults "$faults" --normal-days "$normal"
mkdir -p "$work/out"
node -e '
  const m = require(process.argv[1]);
  for (const r of m) console.log([r.id, r.scenario, r.sim_seed, r.duration_h].join(" "));
' "$work/manifest.json" > "$work/runs.txt"
export bin work plant
# shellcheck disable=SC2016
xargs -P "$jobs" -L 1 bash -c '
  id=$0 sc=$1 seed=$2 h=$3
  "$bin" reason replay --plant "$plant" --scenario "$work/$sc" --seed "$seed" --duration "${h}h" \
    --labels "$work/out/$id.labels" --alarms --limit-alarms "$work/limits.json" \
    > "$work/out/$id.jsonl" 2> "$work/out/$id.err" && touch "$work/out/$id.done"
' < "$work/runs.txt"
echo "runs: $(wc -l < "$work/runs.txt"), $(( $(date +%s) - started )) s on $(nproc) cores, binary $bin"
node bench/reasoning/score.mjs "$work"
[ -z "${KEEP:-}" ] || echo "work directory: $work"
