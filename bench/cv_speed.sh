#!/bin/sh
# cv_speed.sh [MTL] -- CPU seconds of `mtl demo` and of `mtl cv` (20
# lambdas from lambda_max down to 1% of it, 5 folds) on the two problems
# of issue 11: trace norm on generated low-rank data (T=100, d=100,
# n_t=50) and L2,1 on a generated wide problem shaped like Mulan atp1d
# (bench/gen_wide.py).  Each run is checked before its time is printed:
# every grid point converged (no max-iter) and the CV table is complete.
# Default environment (no OPENBLAS_* settings); names the CPU.
set -eu
MTL=${1:-build/mtl}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mtl-cvspeed.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
HERE=$(dirname "$0")
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
cpu() { # label, command...: prints user+sys CPU seconds, checks the JSON
  label=$1; shift
  /usr/bin/time -f '%U %S' -o "$DIR/time" "$@" > "$DIR/out.json" 2>/dev/null
  /usr/bin/python3 - "$DIR/out.json" "$label" "$(cat "$DIR/time")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); label = sys.argv[2]
u, s = map(float, sys.argv[3].split())
if "table" in d:
    bad = [p for p in d["table"] if p["status"] != "converged"]
    assert len(d["table"]) == 20 and not bad, ("CHECK FAILED", label, bad)
    what = "best %s" % json.dumps(d["best_parameters"])
else:
    what = "MTL %s test RMSE %.4f" % (d["best_mtl"], min(
        m["test_rmse"] for m in d["methods"] if m["multitask"]))
print("%-34s %6.2f s CPU (user %.2f + sys %.2f)  %s" % (label, u + s, u, s, what))
PY
}
cpu "mtl demo" "$MTL" demo --json -o "$DIR/demo.model"
"$MTL" gen --kind lowrank -T 100 -d 100 -n 50 --seed 1 -q -o "$DIR/lowrank.txt"
cpu "cv trace T=100 d=100 n_t=50" "$MTL" cv "$DIR/lowrank.txt" --reg trace \
    --folds 5 --grid 'lambda=path:20:0.01' --json -q
/usr/bin/python3 "$HERE/gen_wide.py" "$DIR/wide.txt" 1
cpu "cv l21 atp1d-like 6x411, 235 rows" "$MTL" cv "$DIR/wide.txt" --reg l21 \
    --folds 5 --grid 'lambda=path:20:0.01' --json -q
