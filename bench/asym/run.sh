#!/bin/sh
# Reproduces bench/asym/RESULTS.md.  Build with -DMTL_BUILD_BENCH=ON, then run
# from the repository root:  sh bench/asym/run.sh BUILD_DIR [DATA_DIR]
B=${1:-build}/bench_asym
DATA=${2:-../shared/data}
export OPENBLAS_NUM_THREADS=1
$B synth 5
$B imbal 3
$B runtime 5
$B digits "$DATA" mnist
$B digits "$DATA" usps
$B school "$DATA" 5
