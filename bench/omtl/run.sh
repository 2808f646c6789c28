#!/bin/sh
# Reproduces bench/omtl/RESULTS.md's measured numbers (a few minutes on 2
# cores).  Usage: bench/omtl/run.sh BUILD_DIR DATA_DIR
#   BUILD_DIR: configured with -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON
# Writes bench/omtl/out/raw.md (tables), CSV curves, SVG plots, models.
set -e
B=${1:-build-omtl-rel}
D=${2:-../shared/data}
O=bench/omtl/out
mkdir -p $O
# Debian's pthread OpenBLAS thrashes when many rank threads call LAPACK at
# once (docs/omtl.md); one BLAS thread per caller.
export OPENBLAS_NUM_THREADS=1
X=$B/bench_omtl
{
for v in exact paper; do
  for pr in paper code; do
    $X table nc24_${pr}_${v} $D/synthetic_nc24.npz $O --preset $pr --variant $v --target 0.75
    $X table gen_${pr}_${v} gen $O --preset $pr --variant $v --target 0.75
    # K = 29 > d = 9: the printed V-step needs Omega's pseudo-inverse with
    # the code preset (eps 1e-8 leaves Omega numerically indefinite)
    E=""
    [ $v = paper ] && [ $pr = code ] && E="--eps 0"
    $X table landmine_${pr}_${v} $D/LandmineData.mat $O --preset $pr --variant $v --target 0.70 $E
  done
done
for s in 2 3; do
  $X table nc24_paper_exact_seed$s $D/synthetic_nc24.npz $O --seed $s --target 0.75
  $X table landmine_paper_exact_seed$s $D/LandmineData.mat $O --seed $s --target 0.70
done
for n in "" --no-normalize; do
  $X table mnist_kang${n} kang:$D/mnist_usps_kang/split1_mnist_1000train.mat $O --target 0.9 $n
  $X table usps_kang${n} kang:$D/mnist_usps_kang/split1_usps_1000train.mat $O --target 0.9 $n
done
$X table landmine_no-normalize $D/LandmineData.mat $O --target 0.70 --no-normalize
for pr in paper code; do
  $X table nc24_${pr}_authors $D/synthetic_nc24.npz $O --preset $pr --target 0.75 --authors
  $X table landmine_${pr}_authors $D/LandmineData.mat $O --preset $pr --target 0.70 --authors
done
$X table landmine_paper_exact_t055 $D/LandmineData.mat $O --target 0.55
$X speed --rounds 400
} | tee $O/raw.md
