#!/bin/sh
# Regenerates every number of RESULTS.md.  Build first:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON
#   cmake --build build-bench -j2 --target bench_srml
# Usage: sh bench/srml/run.sh BUILD_DIR DATA_DIR OUT_DIR
set -e
B=${1:-build-bench}; D=${2:-../shared/data}; O=${3:-bench/srml/out}
mkdir -p "$O"
"$B/bench_srml" synth-reg 3 > "$O/synth_reg.md"
"$B/bench_srml" synth-cls 5 > "$O/synth_cls.md"
"$B/bench_srml" school "$D" > "$O/school.md"
"$B/bench_srml" scale > "$O/scale.md"
"$B/bench_srml" trace "$O/trace.csv" > "$O/trace.md"
/usr/bin/python3 "$(dirname "$0")/plot_trace.py" "$O/trace.csv" "$O/trace.png"
