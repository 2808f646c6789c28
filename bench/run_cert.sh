#!/usr/bin/env bash
# run_cert.sh -- issue 11's School acceptance runs (bench_cert.c): CPU
# seconds to a certified relative duality gap of 1e-6 with MALSAR's
# settings (raw features, every feature penalized, 1/2-sum least squares:
# L2,1 and Lasso at lambda 1, the trace norm at lambda 10), FISTA with
# the default parameters (best of 3) and BCD (one run of at most 20000 passes), each result checked
# against a reference optimum; default environment (no OPENBLAS_* settings), names
# the CPU.
#
#   bench/run_cert.sh                 build dir build-bench, data ../shared/data
#   BUILD=dir MTL_DATA_DIR=dir bench/run_cert.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build-bench}
DATA=${MTL_DATA_DIR:-$PWD/../shared/data}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON \
  -DMTL_BUILD_TESTS=OFF -DMTL_BUILD_CLI=OFF >/dev/null
cmake --build "$BUILD" -j2 --target bench_cert >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(date -u '+%F %H:%M UTC')"
# L2,1 and Lasso: best of 3 against a reference run to gap 1e-9
"$BUILD/bench_cert" "$DATA/school.mat" 1e-6 3 200000 l21,l1
# Logistic L2,1 rho 0.1 with MALSAR's Logistic_L21 settings: School's
# scores binarized per task (+1 above the task's median, -1 at or below),
# the mean logistic loss of each task, the constant feature unpenalized
# (MALSAR's bias C); and MALSAR itself (its default options) where Octave
# and a MALSAR checkout are at hand: MALSAR_DIR=.../MALSAR (the folder of
# functions/ and utils/)
"$BUILD/bench_cert" "$DATA/school.mat" 1e-6 3 200000 logistic 1e-9
if [ -n "${MALSAR_DIR:-}" ] && command -v octave-cli >/dev/null; then
  octave-cli bench/malsar_logistic_l21.m "$MALSAR_DIR" "$DATA/school.mat" 3 \
    2>/dev/null
fi
# the same with the default of `mtl train`'s bias: the last (constant)
# feature unpenalized
"$BUILD/bench_cert" "$DATA/school.mat" 1e-6 3 200000 l21,l1 1e-9 1
# The trace norm (lambda 10, its ADMM polish), every feature penalized and
# with the constant feature unpenalized: best of 3 against a reference run
# to gap 1e-9 (which ends at the dual point's floor, ~1e-10 x F)
"$BUILD/bench_cert" "$DATA/school.mat" 1e-6 3 200000 trace
"$BUILD/bench_cert" "$DATA/school.mat" 1e-6 3 200000 trace 1e-9 1
