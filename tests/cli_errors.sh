#!/usr/bin/env bash
# cli_errors.sh MTL DATA_DIR -- every bad flag, value or file gives
# "mtl: error:" on stderr, the documented exit code (2 usage, 1 data/runtime,
# 130 interrupted), nothing on stdout, no output file created, and an
# existing output file left untouched.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect CODE PATTERN CMD... : runs mtl CMD..., checks the exit code, that
# stderr has "mtl: error:" and PATTERN, and that stdout is empty.
expect() {
  local code=$1 pat=$2
  shift 2
  local rc=0
  "$MTL" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq "$code" ] || fail "mtl $*: exit $rc, expected $code ($(cat err.txt))"
  if grep -q 'Sanitizer' err.txt; then fail "mtl $*: $(cat err.txt)"; fi
  grep -q '^mtl: error: ' err.txt || fail "mtl $*: no 'mtl: error:' line"
  grep -q -- "$pat" err.txt || fail "mtl $*: stderr lacks '$pat': $(cat err.txt)"
  [ ! -s out.txt ] || fail "mtl $*: wrote to stdout: $(cat out.txt)"
  # no temporary files left behind
  if ls | grep -q '\.tmp'; then fail "mtl $*: left $(ls | grep '\.tmp')"; fi
}

"$MTL" gen -T 4 -d 8 -n 30 --seed 1 -o d.txt -q >/dev/null
"$MTL" gen -T 3 -d 8 -n 30 --seed 1 -o d3.txt -q >/dev/null
"$MTL" gen -T 4 -d 8 -n 30 --classification --seed 1 -o c.txt -q >/dev/null
"$MTL" train d.txt -o m.mtl -q >/dev/null

# ---- usage errors: exit 2, hint to --help ------------------------------------------
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "unknown option '--bogus' for 'mtl train'" train d.txt --bogus
expect 2 "mtl train --help" train d.txt --bogus
expect 2 "unknown option '-Z'" gen -Z -o g.txt
expect 2 "missing the DATA file" train
expect 2 "unexpected argument 'extra'" train d.txt extra
expect 2 "missing the DATA argument" predict m.mtl
expect 2 "missing the MODEL argument" eval
expect 2 "expects a finite number, got 'abc'" train d.txt --lambda abc
expect 2 "expects a finite number, got 'nan'" train d.txt --tol nan
expect 2 "expects a finite number, got '1e999'" train d.txt --ridge 1e999
expect 2 "expects an integer, got '10x'" train d.txt --max-iter 10x
expect 2 "expects an integer, got '99999999999'" train d.txt --max-iter 99999999999
expect 2 "out of range (must be >= 0)" train d.txt --lambda=-1
expect 2 "out of range (must be in \[1, 1000000000\])" train d.txt --max-iter 0
expect 2 "out of range" train d.txt --split 2
expect 2 "strictly between 0 and 1" train d.txt --split 0
expect 2 "strictly between 0 and 1" train d.txt --lambda-path 3 --lambda-ratio 1
expect 2 "needs a value" train d.txt --lambda
expect 2 "takes no value" train d.txt --json=yes
expect 2 "invalid value 'foo' for --reg (choose none|ridge" train d.txt --reg foo
expect 2 "invalid value 'hinge' for --loss" train d.txt --loss hinge
expect 2 "invalid value 'xml' for --format" train d.txt --format xml
expect 2 "alternatives" train d.txt --split 0.5 --test d.txt
expect 2 "alternatives" train d.txt --lambdas 1,2 --lambda-path 3
expect 2 "is a single value" train d.txt --lambda-path 3 --lambda 0.1
expect 2 "cannot be used with a path" train d.txt --lambda-path 3 --trace t.csv
expect 2 "need --split-file" train d.txt --split-var-train a
expect 2 "item 2 of '1,,2' is empty" train d.txt --lambdas 1,,2
expect 2 "item 1 'x' is not a positive number" cv d.txt --lambdas x,1
expect 2 "item 2 '-1' is not a positive number" cv d.txt --lambdas 1,-1
expect 2 "reg graph needs the parameter graph_file" train d.txt --reg graph
expect 2 "graph_file is only used with reg graph" train d.txt --graph-file R.txt
expect 2 "non-negative integer, got '-3'" train d.txt --seed -3
expect 2 "out of range" cv d.txt --folds 1
expect 2 "missing -o FILE" gen
expect 2 "exceeds --dim" gen -d 5 -s 6 -o g.txt
expect 2 "--density needs --sparse-x" gen --density 0.5 -o g.txt
expect 2 "out of range" gen -T 0 -o g.txt
expect 2 "exceeds --dim" demo --support 200
expect 2 "fewer than --folds" demo -n 6
[ ! -e g.txt ] || fail "a failed gen created its output"
[ ! -e t.csv ] || fail "a failed train created its trace"

# ---- data and runtime errors: exit 1, naming the file ----------------------------------------
expect 1 "nonexist.txt" train nonexist.txt -o new.mtl
printf '1 2.0 1:0.5\n1 abc 2:1\n' >bad.txt
expect 1 "bad.txt:2" train bad.txt -o new.mtl
printf '1 1 2\n3\n' >R.txt
expect 1 "R.txt:2: row has 1 columns" train d.txt --reg graph --graph-file R.txt -o new.mtl
printf '1 x\n' >R2.txt
expect 1 "R2.txt:1: bad number 'x'" train d.txt --reg graph --graph-file R2.txt -o new.mtl
printf '1 -1 0\n0 1 -1\n' >R3.txt
expect 1 "has 2 rows but the data has 4 tasks" train d.txt --reg graph --graph-file R3.txt -o new.mtl
expect 1 "logistic" train d.txt --loss logistic -o new.mtl
expect 1 "test data 'd3.txt' has 3 tasks but 'd.txt' has 4" train d.txt --test d3.txt -o new.mtl
expect 1 "--model 'nodir/new.mtl': no directory 'nodir'" train d.txt -o nodir/new.mtl
expect 1 "nonexist.mat" train d.txt --split-file nonexist.mat -o new.mtl
expect 1 "has 3 tasks but the model has 4" eval m.mtl d3.txt
expect 1 "cannot load model 'd.txt'" eval d.txt d.txt
expect 1 "fewer than --folds 40" cv d.txt --folds 40 -o new.mtl
[ ! -e new.mtl ] || fail "a failed command created its model file"
[ ! -e nodir ] || fail "created a directory"

# ---- an existing output is never clobbered by a failure ---------------------------------------
echo "precious" >keep.csv
cp keep.csv keep.orig
expect 1 "cannot load model 'nomodel.mtl'" predict nomodel.mtl d.txt -o keep.csv
expect 1 "cannot load model 'd.txt'" predict d.txt d.txt -o keep.csv
expect 1 "has 3 tasks but the model has 4" predict m.mtl d3.txt -o keep.csv
expect 1 "nonexist.txt" predict m.mtl nonexist.txt -o keep.csv
cmp -s keep.csv keep.orig || fail "predict clobbered an existing file on failure"
cp m.mtl m.orig
expect 1 "bad.txt:2" train bad.txt -o m.mtl
expect 1 "R.txt:2" cv d.txt --reg graph --graph-file R.txt -o m.mtl
cmp -s m.mtl m.orig || fail "train/cv clobbered an existing model on failure"
echo "precious" >keep.txt
cp keep.txt keep.orig
expect 1 "cannot write output 'nodir/w.csv': cannot create a temporary file" gen -T 2 -d 3 -o keep.txt --w-out nodir/w.csv
cmp -s keep.txt keep.orig || fail "gen clobbered its output when --w-out failed"
# a successful predict replaces the file in one step
"$MTL" predict m.mtl d.txt -o keep.csv -q
[ "$(head -1 keep.csv)" = "task,index,prediction" ] || fail "predict -o"

# ---- a text --split-file: training indices, the test set is the rest (D5) ---------------
# It used to give the same indices to both sets (train/test 8 / 8, tested on
# the training samples).  The run must equal --test on the unlisted samples.
"$MTL" gen -T 2 -d 3 -n 8 --seed 4 -o s.txt -q >/dev/null
printf '1\n2\n3\n4\n9\n10\n11\n12\n' >split.txt
# the listed samples (lines 2-5 and 10-13, after the header) and the rest
awk 'NR == 1 || (NR >= 2 && NR <= 5) || (NR >= 10 && NR <= 13)' s.txt >s_tr.txt
awk 'NR == 1 || (NR >= 6 && NR <= 9) || (NR >= 14 && NR <= 17)' s.txt >s_te.txt
"$MTL" train s.txt --split-file split.txt --reg l21 --lambda 0.1 >sf.txt
"$MTL" train s_tr.txt --test s_te.txt --reg l21 --lambda 0.1 >st.txt
grep -q '^train/test: *8 / 8 samples' sf.txt || fail "split-file sizes: $(cat sf.txt)"
[ -n "$(grep '^test mean:' sf.txt)" ] &&
  [ "$(grep '^test mean:' sf.txt)" = "$(grep '^test mean:' st.txt)" ] ||
  fail "text split file: test metrics differ from --test on the rest:
$(grep '^test mean:' sf.txt st.txt)"
seq 1 16 >all.txt
expect 1 "lists every sample of the data" train s.txt --split-file all.txt

# ---- Ctrl-C stops the solver: exit 130, nothing written ---------------------------------------
set -m # job control, so that the background job does not ignore SIGINT
"$MTL" train d.txt --max-iter 100000000 --tol 0 --tol-gap 0 -o int.mtl \
  >int.out 2>int.err &
pid=$!
sleep 1
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
set +m
[ "$rc" -eq 130 ] || fail "interrupted train exit $rc, expected 130"
grep -q 'mtl: error: interrupted' int.err || fail "no interrupt message: $(cat int.err)"
if grep -q 'Sanitizer' int.err; then fail "$(cat int.err)"; fi
[ ! -e int.mtl ] || fail "interrupted train saved a model"
echo "cli_errors: all checks passed"
