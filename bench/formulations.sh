#!/usr/bin/env bash
# bench/formulations.sh [MTL] [all|cmtl|fused|subspace|mll] -- test error of
# the structured formulations against the best of L2,1 / trace / Lasso
# where their structure holds; half of each task held out for testing,
# every method's lambdas chosen on a 30% validation split of the training
# half; seeds 1..5.  Prints markdown tables.
#  cmtl:     `mtl gen --kind clustered` (T = 30 tasks in 3 clusters, d = 30,
#            n = 24 per task, deviation 0.3, noise 1), and the adjusted Rand
#            index of cmtl's clusters against the planted t mod 3;
#  fused:    fglasso and tgl on tasks ordered in time (T = 12, d = 30, n =
#            40): 5 features whose weight is piecewise constant in t with
#            one jump each, Gaussian noise 0.5 (generated below by numpy);
#  subspace: caso (h = 2) on `mtl gen --kind lowrank -r 2` (T = 40, d = 30,
#            n = 20, deviation 0.05, noise 0.5);
#  mll:      the multi-level Lasso on a two-level support (T = 10, d = 40,
#            n = 60: 6 features, each used by about 60% of the tasks, noise
#            0.5, numpy).
set -euo pipefail
MTL=${1:-build/mtl}
WHAT=${2:-all}
TMP=$(mktemp -d /tmp/mtl-bench-formulations.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
rmse() { sed -n 's/^test mean: *RMSE \([0-9.e+-]*\).*/\1/p'; }
ari() { # adjusted Rand index of the model's clusters vs t mod 3
  /usr/bin/python3 - "$1" <<'PY'
import sys
from sklearn.metrics import adjusted_rand_score
lines = open(sys.argv[1]).read().split("\n")
i = lines.index(next(l for l in lines if l.startswith("matrix clusters")))
lab = [int(float(x)) for x in lines[i + 1].split()]
print("%.3f" % adjusted_rand_score([t % 3 for t in range(len(lab))], lab))
PY
}
cmtl_table() {
  echo
  echo "| seed | cmtl | l21 | trace | l1 | cmtl ARI |"
  echo "|---|---|---|---|---|---|"
  G='lambda=1e-3:1:7'
  for seed in 1 2 3 4 5; do
    D=$TMP/d$seed.txt
    $MTL gen --kind clustered --clusters 3 -T 30 -d 30 -n 24 --deviation 0.3 \
      --noise 1 --seed "$seed" -o "$D" -q
    run() { $MTL train "$D" --split 0.5 --val 0.3 -o "$TMP/m" -q "$@"; }
    c=$(run --method cmtl --k 3 --grid "$G; lambda2=1e-3:1:4" | rmse)
    a=$(ari "$TMP/m")
    l=$(run --reg l21 --grid "$G" | rmse)
    t=$(run --reg trace --grid "$G" | rmse)
    s=$(run --reg l1 --grid "$G" | rmse)
    echo "| $seed | $c | $l | $t | $s | $a |"
  done
}

# gen_py KIND SEED FILE: the numpy-generated data sets (text format)
gen_py() {
  /usr/bin/python3 - "$@" <<'PY'
import sys
import numpy as np
kind, seed, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(seed)
if kind == "fused":
    T, d, n = 12, 30, 40
    W = np.zeros((d, T))
    for j in range(5):
        a = rng.uniform(-2, 2)
        b = a + rng.choice([-1.5, 1.5])
        cp = rng.integers(2, T - 1)
        W[j] = [a if t < cp else b for t in range(T)]
else:  # mll: 6 features, each in ~60% of the tasks
    T, d, n = 10, 40, 60
    W = np.zeros((d, T))
    for j in range(6):
        use = rng.random(T) < 0.6
        W[j, use] = rng.choice([-1, 1], use.sum()) * rng.uniform(1, 1.5, use.sum())
with open(path, "w") as f:
    f.write("# mtl-dataset d=%d T=%d kinds=%s storage=%s\n"
            % (d, T, "r" * T, "d" * T))
    for t in range(T):
        X = rng.standard_normal((n, d))
        y = X @ W[:, t] + 0.5 * rng.standard_normal(n)
        for i in range(n):
            f.write("%d %.17g %s\n" % (t + 1, y[i], " ".join(
                "%d:%.17g" % (j + 1, X[i, j]) for j in range(d))))
PY
}

# base_rmse DATA GRID: the test RMSE of l21, trace, l1 (lambdas on GRID)
base_rmse() {
  local r=()
  for reg in l21 trace l1; do
    r+=("$($MTL train "$1" --split 0.5 --val 0.3 -o "$TMP/b" -q --reg $reg \
      --grid "$2" | rmse)")
  done
  echo "${r[0]} | ${r[1]} | ${r[2]}"
}

fused_table() {
  echo
  echo "| seed | fglasso | tgl | l21 | trace | l1 |"
  echo "|---|---|---|---|---|---|"
  for seed in 1 2 3 4 5; do
    D=$TMP/f$seed.txt
    gen_py fused "$seed" "$D"
    run() { $MTL train "$D" --split 0.5 --val 0.3 -o "$TMP/m" -q "$@"; }
    f=$(run --method fglasso --grid "lambda=1e-3:1:5; lambda2=1e-3:1:5" | rmse)
    g=$(run --method tgl --grid "lambda=1e-3:1:5; lambda2=1e-3:1:5" | rmse)
    echo "| $seed | $f | $g | $(base_rmse "$D" 'lambda=1e-3:1:7') |"
  done
}

subspace_table() {
  echo
  echo "| seed | caso | l21 | trace | l1 |"
  echo "|---|---|---|---|---|"
  for seed in 1 2 3 4 5; do
    D=$TMP/s$seed.txt
    $MTL gen --kind lowrank -r 2 -T 40 -d 30 -n 20 --deviation 0.05 \
      --noise 0.5 --seed "$seed" -o "$D" -q
    c=$($MTL train "$D" --split 0.5 --val 0.3 -o "$TMP/m" -q --method caso \
      --h 2 --grid "lambda=0.1:100:4; lambda2=1e-4:0.1:4" | rmse)
    echo "| $seed | $c | $(base_rmse "$D" 'lambda=1e-3:1:7') |"
  done
}

mll_table() {
  echo
  echo "| seed | mll | l21 | trace | l1 | mll features kept (6 planted) |"
  echo "|---|---|---|---|---|---|"
  for seed in 1 2 3 4 5; do
    D=$TMP/l$seed.txt
    gen_py mll "$seed" "$D"
    out=$($MTL train "$D" --split 0.5 --val 0.3 -o "$TMP/m" --method mll \
      --grid "lambda=1e-3:1:7" 2>&1)
    m=$(echo "$out" | rmse)
    k=$(echo "$out" | sed -n 's/^ *features_kept: *\([0-9]*\).*/\1/p' | tail -1)
    echo "| $seed | $m | $(base_rmse "$D" 'lambda=1e-3:1:7') | $k |"
  done
}

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p')"
case $WHAT in
all) cmtl_table; fused_table; subspace_table; mll_table ;;
cmtl) cmtl_table ;;
fused) fused_table ;;
subspace) subspace_table ;;
mll) mll_table ;;
*) echo "unknown table '$WHAT'" >&2; exit 2 ;;
esac
