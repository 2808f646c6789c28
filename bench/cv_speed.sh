#!/bin/sh
# cv_speed.sh [MTL] -- CPU seconds of `mtl demo` and of `mtl cv` (20
# lambdas from lambda_max down to 1% of it, 5 folds) on the two problems
# of issue 11: trace norm on generated low-rank data (T=100, d=100,
# n_t=50) and L2,1 on a generated wide problem shaped like Mulan atp1d
# (bench/gen_wide.py).  Each run is checked before its time is printed:
# every grid point converged (no max-iter) and the CV table is complete
# (the 20 points and those of the grid's extension past its edge).
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
    tab = d["table"]
    bad = [p for p in tab if p["status"] != "converged"]
    # mtl cv extends a grid whose best point lies on its edge by 3 values
    # past it, up to 4 times (docs/cli.md, --no-extend): 20 + 3k points,
    # and the best inside the grid unless the 4 rounds are spent
    lam = sorted(float(p["lambda"]) for p in tab)
    best = float(d["best_parameters"]["lambda"])
    ext = len(tab) - 20
    ok = ext in (0, 3, 6, 9, 12) and (ext == 12 or lam[0] < best < lam[-1]
                                      or best == lam[-1])
    assert ok and not bad, ("CHECK FAILED", label, len(tab), best, bad)
    what = "%d points, best %s" % (len(tab), json.dumps(d["best_parameters"]))
else:
    what = "MTL %s test RMSE %.4f" % (d["best_mtl"], min(
        m["test_rmse"] for m in d["methods"] if m["multitask"]))
print("%-34s %6.2f s CPU (user %.2f + sys %.2f)  %s" % (label, u + s, u, s, what))
PY
}
cpu "mtl demo" "$MTL" demo --json -o "$DIR/demo.model"
"$MTL" gen --kind lowrank -T 100 -d 100 -n 50 --seed 1 -q -o "$DIR/lowrank.txt" >/dev/null
cpu "cv trace T=100 d=100 n_t=50" "$MTL" cv "$DIR/lowrank.txt" --reg trace \
    --folds 5 --grid 'lambda=path:20:0.01' --json -q
/usr/bin/python3 "$HERE/gen_wide.py" "$DIR/wide.txt" 1
cpu "cv l21 atp1d-like 6x411, 235 rows" "$MTL" cv "$DIR/wide.txt" --reg l21 \
    --folds 5 --grid 'lambda=path:20:0.01' --json -q
