#!/usr/bin/env bash
# bench/formulations.sh [MTL] [all|cmtl|fused|lowrank|subspace|mll] -- test
# error of the structured formulations against the best of L2,1 / trace /
# Lasso where their structure holds; half of each task held out for
# testing, every method's lambdas chosen on a 30% validation split of the
# training half; seeds 1..5 (subspace: 1..10).  Prints markdown tables.
#  cmtl:     `mtl gen --kind clustered` (T = 30 tasks in 3 clusters, d = 30,
#            n = 24 per task, deviation 0.3, noise 1), and the adjusted Rand
#            index of cmtl's clusters against the planted t mod 3;
#  fused:    fglasso and tgl on tasks ordered in time (T = 12, d = 30, n =
#            40): 5 features whose weight is piecewise constant in t with
#            one jump each, Gaussian noise 0.5 (generated below by numpy);
#  lowrank:  caso (h = 2) on `mtl gen --kind lowrank -r 2` (T = 40, d = 30,
#            n = 20, noise 0.5): W exactly of rank 2 (the generator has no
#            task-specific part: --deviation does not apply to lowrank);
#  subspace: caso (h = 2) where its model holds (numpy): w_t = Theta v_t +
#            u_t, Theta (d x 2) orthonormal, v_t ~ N(0, 9 I), u_t ~ N(0,
#            0.25 I) dense task-specific parts; T = 40, d = 30, n = 40 (20
#            for training, 14 after validation: fewer than d), noise 0.5;
#            and the largest principal angle between caso's subspace and
#            Theta;
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
# table "COL | COL ..." ROW [SEEDS]: a markdown table, one line per seed
# 1..SEEDS (default 5): "| seed | $(ROW seed) |".
table() {
  local n=${3:-5} sep="|---|"
  sep+=$(echo "$1" | sed 's/[^|]*/---/g')"|"
  echo
  echo "| seed | $1 |"
  echo "$sep"
  for seed in $(seq 1 "$n"); do
    echo "| $seed | $($2 "$seed") |"
  done
}
train() { $MTL train "$1" --split 0.5 --val 0.3 -q "${@:2}"; }

cmtl_row() {
  local D=$TMP/d$1.txt G='lambda=1e-3:1:7' c a l t s
  $MTL gen --kind clustered --clusters 3 -T 30 -d 30 -n 24 --deviation 0.3 \
    --noise 1 --seed "$1" -o "$D" -q >/dev/null
  c=$(train "$D" -o "$TMP/m" --method cmtl --k 3 --grid "$G; lambda2=1e-3:1:4" | rmse)
  a=$(ari "$TMP/m")
  l=$(train "$D" -o "$TMP/m" --reg l21 --grid "$G" | rmse)
  t=$(train "$D" -o "$TMP/m" --reg trace --grid "$G" | rmse)
  s=$(train "$D" -o "$TMP/m" --reg l1 --grid "$G" | rmse)
  echo "$c | $l | $t | $s | $a"
}

# gen_py KIND SEED FILE: the numpy-generated data sets (text format)
gen_py() {
  /usr/bin/python3 - "$@" <<'PY'
import sys
import numpy as np
kind, seed, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(seed)
if kind == "subspace":
    T, d, n = 40, 30, 40
    Th = np.linalg.qr(rng.standard_normal((d, 2)))[0]
    W = Th @ (3 * rng.standard_normal((2, T))) + 0.5 * rng.standard_normal((d, T))
    np.savetxt(path + ".theta", Th)
elif kind == "fused":
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
    r+=("$(train "$1" -o "$TMP/b" --reg $reg --grid "$2" | rmse)")
  done
  echo "${r[0]} | ${r[1]} | ${r[2]}"
}

fused_row() {
  local D=$TMP/f$1.txt f g
  gen_py fused "$1" "$D"
  f=$(train "$D" -o "$TMP/m" --method fglasso --grid "lambda=1e-3:1:5; lambda2=1e-3:1:5" | rmse)
  g=$(train "$D" -o "$TMP/m" --method tgl --grid "lambda=1e-3:1:5; lambda2=1e-3:1:5" | rmse)
  echo "$f | $g | $(base_rmse "$D" 'lambda=1e-3:1:7')"
}

lowrank_row() {
  local D=$TMP/s$1.txt c
  $MTL gen --kind lowrank -r 2 -T 40 -d 30 -n 20 --noise 0.5 --seed "$1" \
    -o "$D" -q >/dev/null
  c=$(train "$D" -o "$TMP/m" --method caso --h 2 \
    --grid "lambda=0.1:100:4; lambda2=1e-4:0.1:4" | rmse)
  echo "$c | $(base_rmse "$D" 'lambda=1e-3:1:7')"
}

# angle MODEL THETA: the largest principal angle (degrees) between the
# model's "subspace" and the planted Theta
angle() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
import numpy as np
lines = open(sys.argv[1]).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("matrix subspace"))
r = int(lines[i].split()[2])
U = np.array([[float(x) for x in l.split()] for l in lines[i + 1:i + 1 + r]])
s = np.linalg.svd(np.loadtxt(sys.argv[2]).T @ U, compute_uv=False)
print("%.1f" % np.degrees(np.arccos(min(1.0, s.min()))))
PY
}

subspace_row() {
  local D=$TMP/u$1.txt c a
  gen_py subspace "$1" "$D"
  c=$(train "$D" -o "$TMP/m" --method caso --h 2 \
    --grid "lambda=0.01:1:5; lambda2=1e-3:0.1:5" | rmse)
  a=$(angle "$TMP/m" "$D.theta")
  echo "$c | $(base_rmse "$D" 'lambda=1e-3:3:8') | $a"
}

mll_row() {
  local D=$TMP/l$1.txt out m k
  gen_py mll "$1" "$D"
  out=$($MTL train "$D" --split 0.5 --val 0.3 -o "$TMP/m" --method mll \
    --grid "lambda=1e-3:1:7" 2>&1)
  m=$(echo "$out" | rmse)
  k=$(echo "$out" | sed -n 's/^ *features_kept: *\([0-9]*\).*/\1/p' | tail -1)
  echo "$m | $(base_rmse "$D" 'lambda=1e-3:1:7') | $k"
}

cmtl_table() { table "cmtl | l21 | trace | l1 | cmtl ARI" cmtl_row; }
fused_table() { table "fglasso | tgl | l21 | trace | l1" fused_row; }
lowrank_table() { table "caso | l21 | trace | l1" lowrank_row; }
subspace_table() {
  table "caso | l21 | trace | l1 | caso angle (deg)" subspace_row 10
}
mll_table() {
  table "mll | l21 | trace | l1 | mll features kept (6 planted)" mll_row
}

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p')"
case $WHAT in
all) cmtl_table; fused_table; lowrank_table; subspace_table; mll_table ;;
cmtl) cmtl_table ;;
fused) fused_table ;;
lowrank) lowrank_table ;;
subspace) subspace_table ;;
mll) mll_table ;;
*) echo "unknown table '$WHAT'" >&2; exit 2 ;;
esac
