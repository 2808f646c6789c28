#!/usr/bin/env bash
# bench/formulations.sh [MTL] -- test error of clustered MTL (cmtl) against
# the best of L2,1 / trace / Lasso where its structure holds: `mtl gen
# --kind clustered` (T = 30 tasks in 3 clusters, d = 30, n = 24 per task,
# deviation 0.3, noise 1), half of each task held out for testing, every
# method's lambdas chosen on a 30% validation split of the training half.
# Also the adjusted Rand index of cmtl's clusters against the planted
# t mod 3.  Prints a markdown table; seeds 1..5.
set -euo pipefail
MTL=${1:-build/mtl}
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
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p')"
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
