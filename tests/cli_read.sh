#!/usr/bin/env bash
# cli_read.sh MTL DATA_DIR -- the readers from the command line, on files
# written here: the README's multi-target ARFF example (cv then predict),
# CSV column options by name, delimiter detection, a .tsv, a pattern of task
# files, two-valued labels, missing values, per-sample weights, and errors
# that name the option, the file, the line and the format.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=$(cd "$(dirname "$0")/.." && pwd)/scripts/gen_multitarget_arff.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect CODE PATTERN CMD...: exit code, "mtl: error:" and PATTERN on
# stderr, nothing on stdout.
expect() {
  local code=$1 pat=$2
  shift 2
  local rc=0
  "$MTL" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq "$code" ] || fail "mtl $*: exit $rc, expected $code ($(cat err.txt))"
  grep -q '^mtl: error: ' err.txt || fail "mtl $*: no 'mtl: error:' line"
  grep -qF -- "$pat" err.txt || fail "mtl $*: stderr lacks '$pat': $(cat err.txt)"
  [ ! -s out.txt ] || fail "mtl $*: wrote to stdout"
}

# ---- the README example: a Mulan-style multi-target ARFF, two commands ----
bash "$GEN" mt.arff
"$MTL" cv mt.arff --targets 3 --missing mean --reg mean \
  --grid 'lambda=1e-3:10:13' --folds 5 -o mt.mtl >cv.txt 2>cv.err
grep -q '^data: *mt.arff (3 tasks on one design of 120 samples, 7 features)' cv.txt ||
  fail "cv data line: $(head -1 cv.txt)"
grep -q '3 targets sharing one X (120 samples x 7 features' cv.err ||
  fail "no shared-design note: $(cat cv.err)"
grep -q "7 missing feature values replaced by their column's mean" cv.err ||
  fail "no imputation note"
grep -q 'mt.arff: mt.arff' cv.err && fail "a note repeats the path"
best=$(awk '/^  \*/ { print $2 }' cv.txt)
first=$(awk '/^ +[0-9]/ { print $1; exit }' cv.txt)
last=$(awk '/^ +[0-9.e-]+ +[0-9.e-]+ +[0-9.e-]+$/ { v = $1 } END { print v }' cv.txt)
[ -n "$best" ] && [ "$best" != "$first" ] && [ "$best" != "$last" ] ||
  fail "best lambda $best should be inside the grid ($first .. $last)"
[ -s mt.mtl ] || fail "cv -o wrote no model"
"$MTL" predict mt.mtl mt.arff --targets 3 --missing mean -o pred.csv -q
[ "$(wc -l <pred.csv)" -eq 361 ] || fail "predict rows: $(wc -l <pred.csv)"
[ "$(cut -d, -f1 pred.csv | sort -u | tr '\n' ' ')" = "task y1 y2 y3 " ] ||
  fail "predict task names"

# ---- CSV: columns by name, a leak dropped, semicolons detected ----------
cat >pk.csv <<'CSV'
subject#;age;motor_UPDRS;total_UPDRS;jitter
1;72;28.2;34.4;0.006
1;72;28.4;34.9;0.003
1;72;28.9;35.1;0.004
2;58;20.1;25.1;0.004
2;58;20.3;25.2;0.005
2;58;20.9;25.9;0.002
CSV
"$MTL" train pk.csv --task-col 'subject#' --label-col motor_UPDRS \
  --drop total_UPDRS -o pk.mtl >tr.txt 2>tr.err
grep -q '^data: *pk.csv (2 tasks, 6 samples, 2 features' tr.txt ||
  fail "pk.csv: $(head -1 tr.txt)"
grep -q 'columns separated by semicolons (detected from the first line)' tr.err ||
  fail "no delimiter note: $(cat tr.err)"
expect 1 "pk.csv: --task-col: no column named 'subject'" \
  train pk.csv --task-col subject -o x.mtl
[ ! -e x.mtl ] || fail "a failed read wrote a model"
expect 1 "pk.csv: no column named 'label' or 'y' in the CSV header (pass --label-col" \
  train pk.csv --task-col 0 -o x.mtl
expect 1 "--targets: no column named 'y9'" train pk.csv --targets y9
expect 2 "--delimiter" train pk.csv --delimiter pipe

# ---- a .tsv, labels {1,2} and {a,b} -----------------------------------------
printf 'task\tlabel\tf1\tf2\na\t1\t0.5\t1\na\t2\t0.1\t2\nb\t2\t0.3\t1\nb\t1\t0.9\t0\n' >t.tsv
"$MTL" train t.tsv -o t.mtl >t.txt 2>t.err
grep -q 'classification' t.txt || fail "t.tsv: {1,2} not classification"
grep -q 'labels {1,2} mapped to {-1,+1} (2 -> +1)' t.err || fail "no {1,2} note"
"$MTL" train t.tsv --task-kind regression -o t.mtl >t.txt 2>t.err
grep -q 'regression' t.txt || fail "--task-kind regression ignored"
printf 'task,label,f1\n1,yes,1\n1,no,2\n2,yes,3\n2,no,4\n' >s.csv
"$MTL" train s.csv -o s.mtl 2>s.err >/dev/null
grep -q "labels {no,yes} mapped to {-1,+1} ('yes' -> +1)" s.err ||
  fail "no string label note: $(cat s.err)"

# ---- missing values -------------------------------------------------------------
printf 'task,label,a\n1,1.5,?\n1,2.5,4\n1,3.5,6\n2,4.5,1\n2,5.5,3\n2,0.5,2\n' >m.csv
expect 1 "m.csv:2: missing value in column 'a' (value '?'); a missing value: pass --missing drop or mean" \
  train m.csv
"$MTL" train m.csv --missing drop -q -o m.mtl >m.txt
grep -q '(2 tasks, 5 samples' m.txt || fail "--missing drop: $(head -1 m.txt)"
"$MTL" train m.csv --missing mean -q -o m.mtl >m.txt
grep -q '(2 tasks, 6 samples' m.txt || fail "--missing mean: $(head -1 m.txt)"

# ---- a pattern of files, one task each --------------------------------------
mkdir tasks
"$MTL" gen -T 3 -d 5 -n 20 --seed 2 -o all.txt -q >/dev/null
for t in 1 2 3; do awk -v t=$t '$1 == t' all.txt >tasks/t$t.txt; done
"$MTL" train 'tasks/*.txt' -o g.mtl >g.txt 2>g.err
grep -q "^data: *tasks/\*.txt (3 tasks, 60 samples" g.txt || fail "glob: $(head -1 g.txt)"
grep -q '3 files, read one by one: 3 tasks' g.err || fail "no glob note"
expect 1 "no file matches this pattern" train 'tasks/*.csv'

# ---- the format assumed is named ---------------------------------------------
cp mt.arff renamed.dat
"$MTL" train renamed.dat --targets 3 --missing mean -q -o r.mtl >/dev/null ||
  fail "ARFF not found by content"
expect 1 "mt.arff:1: bad label: not a number" train mt.arff --format text
grep -qF '[read as text format, format option; see --format]' err.txt ||
  fail "the format is not named: $(cat err.txt)"
printf '@relation r\n@attribute a numeric\n@attribute c {x,y}\n@data\n1,x\n2,z\n' >bad.arff
expect 1 "bad.arff:6: value 'z' of column 'c' is not one of its declared values [read as ARFF format, by extension; see --format]" \
  train bad.arff

# ---- per-sample weights: a CSV weight column (--weight-col) and text "w="
# tokens fit as the same data with each sample repeated (same objective);
# bad weights name file:line and column, methods that cannot honour them
# name themselves ----
# The objective line of a train run.
objective() {
  "$MTL" train "$@" 2>/dev/null | sed -n 's/^objective: *//p'
}

cat >w.csv <<'EOF'
task,x1,x2,w,y
a,1,2,1,3.5
a,2,1,2,4
a,3,0,1,3
a,0,1,3,1.5
b,1,1,3,2
b,0,2,1,1
b,2,2,0,5
b,1,0,2,0.5
EOF
# the same rows, each repeated w times (w = 0: gone)
cat >r.csv <<'EOF'
task,x1,x2,y
a,1,2,3.5
a,2,1,4
a,2,1,4
a,3,0,3
a,0,1,1.5
a,0,1,1.5
a,0,1,1.5
b,1,1,2
b,1,1,2
b,1,1,2
b,0,2,1
b,1,0,0.5
b,1,0,0.5
EOF
for reg in l21 trace; do
  ow=$(objective w.csv --weight-col w --reg "$reg" --lambda 0.05 -o w.mtl)
  orr=$(objective r.csv --reg "$reg" --lambda 0.05 -o r.mtl)
  [ -n "$ow" ] && [ "$ow" = "$orr" ] ||
    fail "reg $reg: weighted objective '$ow' != repeated '$orr'"
done
# BCD takes them too; mtl eval weighs the samples: the weighted file
# scores as the repeated one (the same model)
ow=$(objective w.csv --weight-col w --solver bcd --reg l21 --lambda 0.05 -o w.mtl)
[ -n "$ow" ] &&
  [ "$ow" = "$(objective r.csv --solver bcd --reg l21 --lambda 0.05 -o r.mtl)" ] ||
  fail "--solver bcd: weighted objective '$ow' != repeated"
ew=$("$MTL" eval w.mtl w.csv --weight-col w --summary 2>/dev/null | tail -2)
er=$("$MTL" eval w.mtl r.csv --summary 2>/dev/null | tail -2 |
  sed 's/^\(mean\|pooled\) *[0-9]*/\1/')
[ -n "$ew" ] && [ "$(echo "$ew" | sed 's/^\(mean\|pooled\) *[0-9]*/\1/')" = "$er" ] ||
  fail "mtl eval: weighted '$ew' != repeated '$er'"
# by index, and the weight column is not a feature
ow=$(objective w.csv --weight-col 3 --lambda 0.05 -o w.mtl)
[ "$ow" = "$(objective r.csv --lambda 0.05 -o r.mtl)" ] ||
  fail "--weight-col 3: objective $ow"

# text: "w=" tokens after the label
cat >w.txt <<'EOF'
1 3.5 w=1 1:1 2:2
1 4 w=2 1:2 2:1
1 3 1:3
1 1.5 w=3 2:1
2 2 w=3 1:1 2:1
2 1 2:2
2 5 w=0 1:2 2:2
2 0.5 w=2 1:1
EOF
ot=$(objective w.txt --lambda 0.05 -o t.mtl)
[ "$ot" = "$(objective r.csv --lambda 0.05 -o r.mtl)" ] ||
  fail "text weights: objective $ot"

# errors: file:line and column, or the method
sed 's/^a,2,1,2,4$/a,2,1,-2,4/' w.csv >neg.csv
expect 1 "neg.csv:3: sample weight in column 'w' is negative (value '-2')" \
  train neg.csv --weight-col w
sed 's/^a,2,1,2,4$/a,2,1,two,4/' w.csv >nan.csv
expect 1 "nan.csv:3: bad sample weight in column 'w' (value 'two')" \
  train nan.csv --weight-col w
sed 's/^a,2,1,2,4$/a,2,1,NaN,4/' w.csv >nn.csv
expect 1 "nn.csv:3: value in column 'w' is not finite (value 'NaN')" \
  train nn.csv --weight-col w
expect 1 "--weight-col: no column named 'wt'" train w.csv --weight-col wt
expect 1 "--weight-col names column 'task', which is the task column" \
  train w.csv --weight-col task
printf '1 3 w=-1 1:1\n' >neg.txt
expect 1 "neg.txt:1: sample weight is negative (value 'w=-1')" train neg.txt
printf '1 3 w=0 1:1\n2 1 1:1\n' >zero.txt
expect 1 "zero.txt: task 1 (task1): every sample weight is 0" train zero.txt
expect 1 "srml does not support sample weights" \
  train w.csv --weight-col w --method srml
printf '1 1 w=2 1:1\n1 -1 1:2\n2 1 2:1\n2 -1 1:1 2:1\n' >wc.txt
expect 1 "task 1 (task1) has sample weights; the online methods weigh" \
  online wc.txt
echo "cli_read: ok"
