#!/usr/bin/env bash
# Measures this machine's GPU for Primer and writes one JSON file (default gpu-check.json):
#   - `primer bench` with each kernel family forced (PRIMER_KERNELS=gpu, then emulator): FMA peak, GEMM and
#     GEMV throughput, memory bandwidth, decode and training rates, and the dispatch audit;
#   - a timed `primer run` of notebook 00 (offline: a scratch model, nothing downloaded; its optional judge left
#     out) at set small sizes;
#   - with --classroom, a timed `primer run` of the classroom notebook (05; downloads Qwen2.5-0.5B once).
# For a Linux machine with a real GPU and its Vulkan driver (Dawn picks the adapter; see README "Measuring on
# your GPU"). Each step has a time limit, so the whole check ends within about 8 minutes; a step that fails or
# runs out of time is recorded with its exit status and the tail of its log, and the others still run.
set -uo pipefail
cd "$(dirname "$0")/.."

out=gpu-check.json
classroom=0
for arg in "$@"; do
  case "$arg" in
    --classroom) classroom=1 ;;
    -h | --help)
      echo "usage: scripts/gpu-check.sh [--classroom] [OUT.json]"
      exit 0
      ;;
    -*)
      echo "gpu-check: unknown option $arg" >&2
      exit 2
      ;;
    *) out=$arg ;;
  esac
done
logs=$(mktemp -d)

# run NAME SECONDS COMMAND...: runs with a limit, logging to $logs/NAME.log, and records its status and seconds.
run() {
  local name=$1 limit=$2
  shift 2
  local start=$(date +%s%N)
  timeout "$limit" "$@" >"$logs/$name.log" 2>&1
  echo $? >"$logs/$name.status"
  local ms=$((($(date +%s%N) - start) / 1000000))
  echo "$((ms / 1000)).$(printf %03d $((ms % 1000)))" >"$logs/$name.seconds"
  echo "gpu-check: $name exited $(cat "$logs/$name.status") after $(cat "$logs/$name.seconds") s" >&2
}

NOTEBOOK_00_SIZES=(--set traces=200 --set epochs=1 --set before_rl.problems=32
  --set rl_steps=4 --set eval_problems=16)

PRIMER_KERNELS=gpu run bench-gpu 180 node bin/primer.js bench
PRIMER_KERNELS=emulator run bench-emulator 180 node bin/primer.js bench
# Notebook 00 up to its optional judge, which downloads a model (a GPU machine may have no network).
awk '/^## An independent judge/ { exit } { print }' notebooks/00-start-here-offline.md >"$logs/notebook-00.md"
run notebook-00 100 node bin/primer.js run "$logs/notebook-00.md" "${NOTEBOOK_00_SIZES[@]}" --out "$logs/notebook-00"
if [ "$classroom" = 1 ]; then
  run classroom 120 node bin/primer.js run notebooks/05-classroom-demo.md --set problems=16 --out "$logs/classroom"
fi

node scripts/gpu-check-report.mjs "$logs" "${NOTEBOOK_00_SIZES[*]}" >"$out"
echo "gpu-check: wrote $out" >&2
