#!/usr/bin/env bash
# cli_cv.sh MTL DATA_DIR -- `mtl cv --method M` and `mtl train --val` for
# every method family, on generated data (no data dir needed):
#  * the grid varies a parameter where the answer is known: a weight so
#    large that it drives the model to (nearly) zero against a small one;
#    the small one must win, and the row marked '*' must be the row of the
#    lowest mean error in the printed table;
#  * -o refits at the best point: the saved model carries that parameter;
#  * --json is valid and names the same best point;
#  * mtl train --val R --grid ... picks the same way and saves that model;
#  * grids over two parameters, and grid errors name the parameter.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$MTL" gen --kind sparse -T 5 -d 8 -n 40 --noise 0.3 --seed 3 -o sp.txt -q >/dev/null
"$MTL" gen --kind clustered -T 5 -d 8 -n 40 --noise 0.3 --seed 4 -o cl.txt -q >/dev/null

# best_row FILE: the value column of the '*' row; min_row FILE: the value
# column of the row with the lowest mean error (the table's rows start with
# two spaces and '*' or ' ', then the grid values, mean error, std).
best_row() { awk '/^  \* / { print $2 }' "$1"; }
min_row() {
  awk '/^  [ *] +[-0-9.]/ { e = $(NF - 1); if (m == "" || e < m) { m = e; v = ($1 == "*") ? $2 : $1 } }
       END { print v }' "$1"
}

check_cv() { # method data grid want_value [extra args]
  local m=$1 data=$2 grid=$3 want=$4
  shift 4
  "$MTL" cv "$data" --method "$m" --grid "$grid" --folds 3 -o "cv_$m.mtl" \
    --no-extend "$@" -q >"cv_$m.txt" || fail "cv --method $m failed"
  local best min
  best=$(best_row "cv_$m.txt")
  min=$(min_row "cv_$m.txt")
  [ -n "$best" ] || fail "cv --method $m: no row marked: $(cat "cv_$m.txt")"
  [ "$best" = "$min" ] || fail "cv --method $m marks $best, lowest error at $min"
  awk -v b="$best" -v w="$want" 'BEGIN { exit !(b == w) }' ||
    fail "cv --method $m chose $best, expected $want: $(cat "cv_$m.txt")"
  grep -q "^method: *$m\$" "cv_$m.txt" || fail "cv --method $m: method line"
  # the refit model: the method and the chosen value
  local name=${grid%%=*}
  grep -q "^meta method $m\$" "cv_$m.mtl" || fail "cv -o: model method $m"
  local saved
  saved=$(awk -v k="meta param.$name" 'index($0, k " ") == 1 { print $3 }' "cv_$m.mtl")
  awk -v s="$saved" -v w="$want" 'BEGIN { exit !(s == w) }' ||
    fail "cv --method $m saved $name=$saved, expected $want"
}

# lambda 1e3 (batch/async/smtl: every weight 0) or 1e4 (srml/ssml: ridge
# weight; asym: reconstruction weight ||w_t - W b_t||^2 from B = 0, i.e. a
# ridge; gomtl: ||L||_F^2) against a small value
check_cv batch sp.txt "lambda=1e3,0.01" 0.01
check_cv async sp.txt "lambda=1e3,0.01" 0.01 --max-iter 300 --tau-adapt 0
check_cv smtl sp.txt "lambda=1e3,0.01" 0.01 --max-iter 300
check_cv srml sp.txt "lambda=1e4,0.01" 0.01
check_cv ssml sp.txt "lambda=1e4,0.01" 0.01
check_cv asym cl.txt "lambda=1e4,0.01" 0.01 --max-outer 10
check_cv asym-curriculum cl.txt "lambda=1e4,0.01" 0.01
check_cv gomtl cl.txt "lambda=1e4,0.01" 0.01 --k 2 --max-outer 10

# two parameters: the product grid, 4 rows
"$MTL" cv cl.txt --method asym --grid "lambda=1e4,0.01; mu=0.1,1" --folds 3 \
  --max-outer 5 -q >two.txt
[ "$(grep -Ec '^  [ *] +[-0-9.]' two.txt)" -eq 4 ] || fail "2 x 2 grid: 4 rows"
grep -q '^best lambda: *0.01$' two.txt || fail "two-parameter grid: best lambda"
grep -q '^best mu: ' two.txt || fail "two-parameter grid: best mu line"

# the default grid of a method with two lambdas: --nlambda N of each, from
# the tops of their paths (N x N rows)
for m in tgl fglasso caso; do
  "$MTL" cv sp.txt --method $m --nlambda 3 --folds 2 --no-extend -q \
    >def_$m.txt
  [ "$(grep -Ec '^  [ *] +[-0-9.]' def_$m.txt)" -eq 9 ] ||
    fail "cv --method $m: default 3 x 3 grid: $(cat def_$m.txt)"
  grep -q '^best lambda2: ' def_$m.txt || fail "cv --method $m: best lambda2"
done

# JSON names the same best point
"$MTL" cv sp.txt --method srml --grid "lambda=1e4,0.01" --folds 3 --json \
  --no-extend -q >cv.json
if command -v python3 >/dev/null; then
  python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["method"] == "srml" and d["folds"] == 3
errs = [r["mean_error"] for r in d["table"]]
assert d["best"] == errs.index(min(errs)), d
assert d["best_parameters"]["lambda"] == "0.01", d
' <cv.json || fail "cv --json"
fi

# the default grid of batch: --nlambda lambdas from lambda_max down
"$MTL" cv sp.txt --reg l1 --nlambda 5 --folds 3 --no-extend -q >def.txt
[ "$(grep -Ec '^  [ *] +[0-9]' def.txt)" -eq 5 ] || fail "default grid: 5 rows"
[ "$(best_row def.txt)" = "$(min_row def.txt)" ] || fail "default grid: marked row"

# ---- train --val: a validation split of the training part chooses ----------------
for m in batch asym gomtl srml; do
  case $m in
  batch) d=sp.txt g="lambda=1e3,0.01" x=() ;;
  srml) d=sp.txt g="lambda=1e4,0.01" x=() ;;
  gomtl) d=cl.txt g="lambda=1e4,0.01" x=(--k 2 --max-outer 10) ;;
  *) d=cl.txt g="lambda=1e4,0.01" x=(--max-outer 10) ;;
  esac
  "$MTL" train $d --method $m --val 0.25 --grid "$g" --split 0.8 "${x[@]}" \
    --no-extend -o val_$m.mtl -q >val_$m.txt || fail "train --val --method $m"
  [ "$(best_row val_$m.txt)" = "$(min_row val_$m.txt)" ] ||
    fail "train --val --method $m: marked row is not the lowest error"
  [ "$(best_row val_$m.txt)" = 0.01 ] ||
    fail "train --val --method $m chose $(best_row val_$m.txt): $(cat val_$m.txt)"
  grep -q '^meta param.lambda 0.01$' val_$m.mtl ||
    fail "train --val --method $m: saved model is not the chosen one"
  grep -q '^test mean:' val_$m.txt || fail "train --val: test metrics"
done

# ---- a best point on the grid's edge -------------------------------------------
# Low noise: the best lambda lies far below 2.  cv extends the grid past
# its edge (3 values at a time, the grid's spacing) until the best is
# inside, and says so; --no-extend keeps the grid and warns.
"$MTL" gen --kind sparse -T 10 -d 20 -n 60 --noise 0.1 --seed 2 -o low.txt \
  -q >/dev/null
"$MTL" cv low.txt --reg l21 --lambdas 10,5,2 >ext.txt 2>ext.err ||
  fail "cv with extension failed"
grep -q "the best lambda was on the grid's edge: [0-9]* values were added" \
  ext.err || fail "no extension note: $(cat ext.err)"
if grep -q warning ext.err; then fail "warned after extending: $(cat ext.err)"; fi
grep -q "^cv: .*points of lambda=10,5,2 ([0-9]* added past its edge)" ext.txt ||
  fail "cv line: $(grep ^cv: ext.txt)"
b=$(best_row ext.txt)
[ "$b" = "$(min_row ext.txt)" ] || fail "extended grid: marked row"
awk -v b="$b" 'BEGIN { exit !(b < 2) }' || fail "best after extending: $b"
# the best is inside: a lower and a higher lambda were tried
awk -v b="$b" '/^  [ *] +[0-9]/ { v = ($1 == "*") ? $2 : $1; if (v < b) lo = 1 }
  END { exit !lo }' ext.txt || fail "best $b is still the smallest value"
# the rows keep the grid's (decreasing) order
awk '/^  [ *] +[0-9]/ { v = ($1 == "*") ? $2 : $1; if (p != "" && v >= p) bad = 1; p = v }
  END { exit bad }' ext.txt || fail "extended rows out of order: $(cat ext.txt)"
"$MTL" cv low.txt --reg l21 --lambdas 10,5,2 --no-extend >noext.txt \
  2>noext.err || fail "cv --no-extend failed"
grep -q "warning: the best lambda, 2, is the smallest value tried; the \
optimum may lie past it: widen the grid (or drop --no-extend)" noext.err ||
  fail "no edge warning: $(cat noext.err)"
"$MTL" cv low.txt --reg l21 --lambdas 10,5,2 --json -q >ext.json
if command -v python3 >/dev/null; then
  python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["extended"] > 0 and d["edge"] == {"lambda": 0}, d
' <ext.json || fail "cv --json: extended, edge"
fi

# ---- errors ------------------------------------------------------------------------
expect() { # code pattern args...
  local code=$1 pat=$2 rc=0
  shift 2
  "$MTL" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq "$code" ] || fail "mtl $*: exit $rc, expected $code ($(cat err.txt))"
  grep -q -- "$pat" err.txt || fail "mtl $*: stderr lacks '$pat': $(cat err.txt)"
  [ ! -s out.txt ] || fail "mtl $*: wrote to stdout"
}
expect 1 "asym has no parameter 'lamda'" cv cl.txt --method asym --grid "lamda=1"
expect 1 "'mu' = '-1' is out of range" cv cl.txt --method asym --grid "mu=1,-1"
expect 2 "--method ogd has no parameter lambda for the default grid" \
  cv sp.txt --method ogd
expect 2 "--val chooses among grid points" train sp.txt --val 0.2 -o e.mtl
expect 2 "--val 1 must be strictly between 0 and 1" train sp.txt --val 1 \
  --lambdas 1,2 -o e.mtl
[ ! -e e.mtl ] || fail "a failed train created its model"
echo "cli_cv: all checks passed"
