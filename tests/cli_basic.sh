#!/usr/bin/env bash
# cli_basic.sh MTL DATA_DIR -- end-to-end checks of the mtl command line:
# help/version, gen -> train -> predict -> eval round trip with numeric
# checks, paths, cv, demo, and School (skipped with 77 without the data dir).
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DATA=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# awk float comparison: check "a < b" etc.
holds() { awk "BEGIN { exit !($1) }"; }

# ---- version and help ------------------------------------------------------
"$MTL" --version | grep -q '^mtl [0-9]\+\.[0-9]\+\.[0-9]\+' || fail "--version"
"$MTL" --help | grep -q 'demo' || fail "mtl --help lists commands"
# the BLAS, and never OpenBLAS's pre-AVX kernels on an AVX2 or AVX-512 CPU
# unless asked for (mtl re-executes itself with OPENBLAS_CORETYPE set)
blas=$(env -u OPENBLAS_CORETYPE "$MTL" --version 2>&1 | sed -n 's/^BLAS: //p')
[ -n "$blas" ] || fail "--version names no BLAS"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  case "$blas" in
  *"core Prescott"* | *"core Core2"* | *"core Nehalem"* | *"core Sandybridge"*)
    fail "mtl runs OpenBLAS's kernels for an older CPU: $blas" ;;
  esac
fi
OPENBLAS_CORETYPE=Prescott "$MTL" --version | grep -q 'core Prescott\|^BLAS: lib' ||
  fail "OPENBLAS_CORETYPE set by the user is kept"
for c in demo train predict eval cv gen graph signs; do
  "$MTL" "$c" --help >help.txt || fail "mtl $c --help exits non-zero"
  grep -q "^usage: mtl $c" help.txt || fail "mtl $c --help: no usage line"
  # every option line (all but -h/--help) shows its default
  nopt=$(grep -E '^  (-[A-Za-z], |    )--[a-z]' help.txt | grep -vc -- '--help')
  ndef=$(grep -o '(default:' help.txt | wc -l)
  [ "$nopt" -gt 0 ] || fail "mtl $c --help lists no options"
  [ "$ndef" -eq "$nopt" ] ||
    fail "mtl $c --help: $nopt options but $ndef defaults"
done
"$MTL" train --help | grep -A6 -- '--lambda X' | grep -q '(default: 0.1;' ||
  fail "train --help shows lambda default"

# ---- gen ---------------------------------------------------------------------
"$MTL" gen --kind sparse -T 10 -d 30 -n 60 --noise 0.5 --seed 3 -s 5 \
  -o d.txt --w-out w.csv >gen.txt
grep -q 'wrote d.txt: sparse, 10 tasks, 600 samples, 30 features' gen.txt ||
  fail "gen summary: $(cat gen.txt)"
[ "$(grep -vc '^#' d.txt)" -eq 600 ] || fail "d.txt should hold 600 samples"
# a pipe reads as the file does (held in memory: it cannot be read twice)
"$MTL" train <(cat d.txt) --lambda 0.1 -q -o pipe.mtl >/dev/null &&
  "$MTL" train d.txt --lambda 0.1 -q -o file.mtl >/dev/null ||
  fail "train from a pipe"
diff <(grep -v 'data\|seconds' pipe.mtl) <(grep -v 'data\|seconds' file.mtl) \
  >/dev/null || fail "a pipe and its file give different models"
[ "$(wc -l <w.csv)" -eq 30 ] || fail "w.csv should have 30 rows"
awk -F, 'NF != 10 { exit 1 }' w.csv || fail "w.csv rows should have 10 values"
nz=$(awk -F, '{ for (i = 1; i <= NF; i++) if ($i + 0 != 0) { n++; break } }
              END { print n + 0 }' w.csv)
[ "$nz" -eq 5 ] || fail "true W should have 5 nonzero rows, has $nz"
# same seed -> same file; another seed -> another file
"$MTL" gen -T 10 -d 30 -n 60 --noise 0.5 --seed 3 -s 5 -o d2.txt -q >/dev/null
cmp -s d.txt d2.txt || fail "gen is not deterministic for a seed"
"$MTL" gen -T 10 -d 30 -n 60 --noise 0.5 --seed 4 -s 5 -o d3.txt -q >/dev/null
! cmp -s d.txt d3.txt || fail "gen ignores --seed"

# ---- train with a held-out part -------------------------------------------------
"$MTL" train d.txt --reg l21 --lambda 0.05 --split 0.5 --seed 2 -o m.mtl \
  --trace tr.csv >train.txt
cat train.txt
[ -s m.mtl ] || fail "train did not save the model"
rmse=$(awk '/^test mean:/ { print $4 }' train.txt)
[ -n "$rmse" ] || fail "train printed no test RMSE"
# noise std 0.5 bounds the RMSE from below; the zero model scores ~3
holds "$rmse > 0.45 && $rmse < 0.9" || fail "MTL test RMSE $rmse not in (0.45, 0.9)"
iters=$(awk '/^iterations:/ { print $2 }' train.txt)
[ "$(head -1 tr.csv)" = "iter,objective" ] || fail "trace header"
[ "$(($(wc -l <tr.csv) - 1))" -eq "$iters" ] ||
  fail "trace has $(($(wc -l <tr.csv) - 1)) rows, solver reported $iters iterations"
obj=$(awk '/^objective:/ { print $2 }' train.txt)
last=$(tail -1 tr.csv | cut -d, -f2)
first=$(sed -n 2p tr.csv | cut -d, -f2)
holds "$last <= $first" || fail "objective rose: $first -> $last"
holds "($last - $obj)^2 <= 1e-12 * ($obj)^2" ||
  fail "trace ends at $last, reported objective $obj"

# the L2,1 model beats the unregularized one on the same split
"$MTL" train d.txt --reg none --split 0.5 --seed 2 -o none.mtl -q >none.txt
rmse0=$(awk '/^test mean:/ { print $4 }' none.txt)
holds "$rmse < $rmse0" || fail "l21 RMSE $rmse not below unregularized $rmse0"

# JSON output is valid and agrees with the text output
"$MTL" train d.txt --reg l21 --lambda 0.05 --split 0.5 --seed 2 -o m2.mtl \
  --json >train.json
if command -v python3 >/dev/null; then
  jr=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["test"]["mean"]["rmse"])' <train.json)
  holds "($jr - $rmse)^2 < 1e-10" || fail "JSON RMSE $jr vs text $rmse"
fi

# ---- predict: CSV, consistent with eval --------------------------------------------
"$MTL" predict m.mtl d.txt -o p.csv -q
[ "$(head -1 p.csv)" = "task,index,prediction" ] || fail "predict header"
[ "$(wc -l <p.csv)" -eq 601 ] || fail "predict should write 600 rows"
awk -F, 'NR > 1 && NR <= 61 && ($1 != "task1" || $2 != NR - 1) { exit 1 }' p.csv ||
  fail "predict rows 1..60 should be task1 with indices 1..60"
"$MTL" predict m.mtl d.txt -q | cmp -s - p.csv || fail "predict to stdout differs"
# pooled RMSE from the CSV and the labels of d.txt (same task order)
prmse=$(awk 'FNR == NR { if ($0 !~ /^#/) y[++n] = $2; next }
             FNR > 1 { split($0, f, ","); e = f[3] - y[++m]; s += e * e }
             END { printf "%.10g", sqrt(s / m) }' d.txt p.csv)
"$MTL" eval m.mtl d.txt >eval.txt
cat eval.txt
[ "$(wc -l <eval.txt)" -eq 14 ] || fail "eval table: header, 10 tasks, rule, mean, pooled"
grep -q '^task .* RMSE .* MSE .* MAE .* ExplVar .* R2' eval.txt || fail "eval header"
ermse=$(awk '$1 == "pooled" { print $3 }' eval.txt)
holds "($ermse - $prmse)^2 <= 1e-8 * $prmse^2" ||
  fail "eval pooled RMSE $ermse, from predict CSV $prmse"
"$MTL" eval m.mtl d.txt --summary | grep -q '^mean ' || fail "eval --summary"
[ "$("$MTL" eval m.mtl d.txt --summary | wc -l)" -eq 3 ] || fail "summary rows"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["tasks"]) == 10' \
    < <("$MTL" eval m.mtl d.txt --json) || fail "eval --json"
fi

# ---- classification round trip ---------------------------------------------------------
"$MTL" gen -T 4 -d 10 -n 200 --classification --noise 0.1 --seed 5 -o c.txt -q >/dev/null
"$MTL" train c.txt --reg l21 --lambda 0.001 --split 0.7 -o c.mtl >ctrain.txt
acc=$(awk '/^test mean:/ { print $4 }' ctrain.txt)
holds "$acc > 0.8" || fail "classification test accuracy $acc <= 0.8"
"$MTL" predict c.mtl c.txt --labels -q |
  awk -F, 'NR > 1 && $3 != 1 && $3 != -1 { exit 1 }' || fail "--labels gives -1/+1"
"$MTL" eval c.mtl c.txt | grep -q 'Accuracy .* AUC .* F1' || fail "eval classification"

# ---- regularization path -------------------------------------------------------------------
"$MTL" train d.txt --reg l1 --lambda-path 5 --split 0.5 -o path.mtl >path.txt
cat path.txt
[ "$(grep -Ec '^  [ *] +[0-9]' path.txt)" -eq 5 ] || fail "path should report 5 lambdas"
[ "$(grep -c '^  \* ' path.txt)" -eq 1 ] || fail "path should mark one lambda"
f0=$(awk '/^  [ *] +[0-9]/ { print $(NF - 1); exit }' path.txt)
[ "$f0" -le 1 ] || fail "at lambda_max, $f0 features are used (expected 0)"
"$MTL" train d.txt --reg ridge --lambdas 10,1,0.1 -o rp.mtl -q | grep -q '^  [ *]  *0.1 ' ||
  fail "--lambdas path"

# ---- cross-validation --------------------------------------------------------------------------
"$MTL" cv d.txt --reg l21 --nlambda 6 --folds 4 -o cv.mtl >cv.txt
cat cv.txt
[ -s cv.mtl ] || fail "cv -o did not save"
best=$(awk '/^best lambda:/ { print $3 }' cv.txt)
star=$(awk '/^  \* / { print $2 }' cv.txt)
minrow=$(awk '/^  [ *] +[0-9]/ { if (m == "" || $(NF - 1) < m) { m = $(NF - 1); l = $(NF - 2) } }
              END { print l }' cv.txt)
[ "$star" = "$minrow" ] || fail "cv marks $star, smallest error at $minrow"
holds "($best - $star)^2 <= 1e-8 * $star^2" || fail "best lambda $best vs row $star"
"$MTL" eval cv.mtl d.txt --summary -q >/dev/null || fail "eval of the cv model"

# ---- demo -------------------------------------------------------------------------------------------
"$MTL" demo -o demo.model --seed 7 >demo.txt
cat demo.txt
for m in STL-Lasso STL-Ridge MTL-L21 MTL-Trace; do
  grep -q "$m" demo.txt || fail "demo does not show $m"
done
grep -q '^verdict: ' demo.txt || fail "demo prints no verdict"
[ -s demo.model ] || fail "demo saved no model"
read -r lasso l21 < <(awk '$1 == "mean" { print $2, $4 }' demo.txt)
holds "$l21 < $lasso" || fail "demo: MTL-L21 $l21 not below STL-Lasso $lasso"
holds "$l21 > 0.9" || fail "demo: RMSE $l21 below the noise level 1"

# ---- School (shared data) ------------------------------------------------------------------------
if [ -z "$DATA" ] || [ ! -f "$DATA/school.mat" ]; then
  echo "school data not found in '$DATA': skipping that part"
  exit 77
fi
"$MTL" train "$DATA/school.mat" --reg l21 --lambda 0.01 --split 0.75 --seed 1 \
  -o school.mtl >school.txt
cat school.txt
grep -q '139 tasks, 15362 samples, 28 features' school.txt || fail "school size"
srmse=$(awk '/^test mean:/ { print $4 }' school.txt)
# published School RMSEs are about 10-11 (scores 1..70, std ~ 13)
holds "$srmse > 9 && $srmse < 11.5" || fail "school test RMSE $srmse"
if [ -f "$DATA/school_argyriou/school_b.mat" ]; then
  "$MTL" train "$DATA/school_argyriou/school_b.mat" --reg l21 --lambda 0.01 \
    --split-file "$DATA/school_argyriou/school_1_indexes.mat" -o s1.mtl >s1.txt
  grep -q 'train/test:   11472 / 3890 samples' s1.txt || fail "school split file sizes"
fi
# one task is "1 task"; a file the library names is named once
"$MTL" gen -T 1 -d 3 -n 10 -o one.txt >one.out
grep -q "^wrote one.txt: sparse, 1 task, 10 samples" one.out ||
  fail "plural: $(cat one.out)"
"$MTL" train nofile.mat -o x.mtl 2>nf.err && fail "train on a missing file"
grep -q "^mtl: error: cannot read data: nofile.mat: cannot open" nf.err ||
  fail "missing file message: $(cat nf.err)"
if grep -q "nofile.mat.*nofile.mat" nf.err; then fail "path twice: $(cat nf.err)"; fi
# signs of many tasks: a count per sign, not a column per task
"$MTL" gen -T 60 -d 5 -n 20 -o wide.txt -q >/dev/null
"$MTL" train wide.txt --method srml -o wide.mtl -q >/dev/null
"$MTL" signs wide.mtl >wide.txt.out
grep -q "^60 tasks: the count of each sign per feature" wide.txt.out ||
  fail "wide signs: $(head -8 wide.txt.out)"
awk 'length > 100 { bad = 1 } END { exit bad }' wide.txt.out ||
  fail "wide signs: lines over 100 characters"
awk '/^f[0-9]/ { if ($2 + $3 + $4 != 60) bad = 1 } END { exit bad }' \
  wide.txt.out || fail "wide signs: counts do not add up to 60 tasks"
echo "cli_basic: all checks passed"
