#!/usr/bin/env bash
# fuzz/run.sh BUILD SECONDS [HARNESS...] -- runs each libFuzzer harness of
# BUILD/fuzz (default: all) for SECONDS on the committed regression corpus
# fuzz/corpus/<name> plus the seeds that fuzz/seeds.sh makes from BUILD's
# mtl, with the limits of issue 18: no allocation over 1 GB, 1 GB RSS, 10 s
# per input.  New inputs go to a temporary directory (not the repository);
# crashes go to BUILD/fuzz-artifacts/.  Prints each harness's executions;
# exits 1 if any harness failed.
#
#   MTL_FUZZ_FLAGS  extra libFuzzer flags (e.g. -jobs=2 -workers=2)
set -euo pipefail
cd "$(dirname "$0")/.."
# OpenBLAS's idle worker threads spin (sched_yield) after any BLAS call and
# took most of the CPU from the harness on a busy machine
export OPENBLAS_NUM_THREADS=1
build=$1
secs=$2
shift 2
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(text csv arff npz npy mat model index stream)
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
fuzz/seeds.sh "$build/mtl" "$seeds"
mkdir -p "$build/fuzz-artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/mtl-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
for h in "${names[@]}"; do
  mkdir -p "$work/$h" "fuzz/corpus/$h"
  log="$work/$h.log"
  # shellcheck disable=SC2086
  if "$build/fuzz/fuzz_$h" -max_total_time="$secs" -rss_limit_mb=1024 \
      -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$h-" ${MTL_FUZZ_FLAGS:-} \
      "$work/$h" "fuzz/corpus/$h" "$seeds/$h" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz_$h: ${runs:-?} executions in ${secs} s, no failure"
  else
    echo "fuzz_$h: FAILED (log below; input in $build/fuzz-artifacts/)" >&2
    grep -E "ERROR|runtime error|SUMMARY|^    #[0-9]" "$log" | head -30 >&2
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
