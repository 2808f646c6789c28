#!/usr/bin/env bash
# run_blas.sh -- the Gram build of bench_core's large problem (T=100,
# d=500, n_t=2000: dsyrk of every task, then mtl_problem_create with gram
# = -1) under each BLAS candidate, one process each, OPENBLAS_NUM_THREADS=1:
#   1. OpenBLAS as it loads in the default environment (whatever core it
#      picks for this CPU; OpenBLAS 0.3.21 picks "Prescott" on CPUs it does
#      not know);
#   2. OpenBLAS with OPENBLAS_CORETYPE = Haswell, SkylakeX, Cooperlake
#      (what `mtl` sets when it re-executes itself, see README "BLAS");
#   3. BLIS, if a libblis.so.4 is found (BLIS=path, or Debian's libblis4-*
#      packages), preloaded so that its cblas_* replace OpenBLAS's.
# Prints the CPU and one line per candidate (bench_blas's output).
#
#   bench/run_blas.sh [T]          T tasks (default 100; 0.8 GB of data)
#   BUILD=dir NOBUILD=1 BLIS=/path/libblis.so.4 bench/run_blas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build-bench}
T=${1:-100}
if [ -z "${NOBUILD:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON \
    -DMTL_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target bench_blas >/dev/null
fi
B=$BUILD/bench_blas
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') (family $(sed -n 's/^cpu family\t*: //p' /proc/cpuinfo | head -1), model $(sed -n 's/^model\t*: //p' /proc/cpuinfo | head -1)), $(nproc) CPUs, flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f|avx512bw|avx512vl' | sort -u | tr '\n' ' ')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label env...
  local label=$1
  shift
  echo "== $label"
  env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=1 "$@" "$B" --T "$T" --reps 2
}
run "default environment"
for core in Haswell SkylakeX Cooperlake; do
  run "OPENBLAS_CORETYPE=$core" OPENBLAS_CORETYPE=$core
done
if [ -z "${BLIS:-}" ]; then
  BLIS=$(ls /usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4 \
    /usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4 \
    /usr/lib/x86_64-linux-gnu/libblis.so.4 2>/dev/null | head -1 || true)
fi
if [ -n "$BLIS" ] && [ -e "$BLIS" ]; then
  run "BLIS ($BLIS, preloaded)" BLIS_NUM_THREADS=1 LD_PRELOAD="$BLIS"
else
  echo "== BLIS: no libblis.so.4 found (apt-get install libblis4-serial, or BLIS=path)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
