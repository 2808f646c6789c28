#!/bin/sh
# Reproduces bench/async/bench_output.md (about 2 minutes; most of it is
# injected sleep).  Usage: bench/async/run.sh [DATA_DIR] [--quick]
set -e
cd "$(dirname "$0")/../.."
cmake -S . -B build-async-rel -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON \
      -DMTL_BUILD_TESTS=OFF >/dev/null
cmake --build build-async-rel -j2 --target bench_async >/dev/null
./build-async-rel/bench_async "${1:-../shared/data}" $2 > bench/async/bench_output.md
cat bench/async/bench_output.md
