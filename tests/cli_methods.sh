#!/usr/bin/env bash
# cli_methods.sh MTL DATA_DIR -- `mtl train --method ...` for every method
# (async/smtl, srml/ssml, the asym variants, gomtl), `mtl graph` and
# `mtl signs`, on small generated data (no data dir needed):
#  * the test metrics printed by train equal `mtl eval` of the saved model on
#    the same test file (text: same 6 digits; JSON: the same 17 digits);
#  * async and smtl reach the batch objective (relative 1e-4) on the same
#    split and formulation;
#  * graph writes a DOT with the model's B edges and a T x T CSV;
#  * signs prints the sign pattern of W as stored in the model, and srml
#    with a large sign penalty leaves no disagreeing pair;
#  * method options with the wrong --method, unknown methods, bad sign-graph
#    files and graph on a model without B are errors with the right codes.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
holds() { awk "BEGIN { exit !($1) }"; }

# expect CODE PATTERN CMD... : exit code, "mtl: error:" + PATTERN on stderr,
# nothing on stdout, no sanitizer report.
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
}

# split_file IN TRAIN TEST: every 4th sample to TEST (each task keeps 3/4 of
# its samples in TRAIN since samples are grouped by task).
split_file() {
  awk -v tr="$2" -v te="$3" '/^#/ { print > tr; print > te; next }
       { if (++n % 4 == 0) print > te; else print > tr }' "$1"
}

# JSON number after "key": in the "mean" object of a train/eval JSON.
mean_json() { sed -n 's/.*"mean": {[^}]*"'"$2"'": \([^,}]*\).*/\1/p' "$1"; }

# check_eval TRAIN_OUT MODEL TEST_FILE: the "test mean:" RMSE printed by
# train is the 6-digit rendering of eval's mean RMSE of the saved model.
check_eval() {
  local printed ev
  printed=$(awk '/^test mean:/ { print $4 }' "$1")
  [ -n "$printed" ] || fail "$2: train printed no test RMSE"
  "$MTL" eval "$2" "$3" --json >eval.json
  ev=$(mean_json eval.json rmse)
  [ -n "$ev" ] || fail "$2: eval --json has no mean rmse"
  [ "$(awk -v v="$ev" 'BEGIN { printf "%.6g", v }')" = "$printed" ] ||
    fail "$2: train printed test RMSE $printed, eval gives $ev"
}

# check_eval_json TRAIN_JSON MODEL TEST_FILE: same 17 digits in JSON.
check_eval_json() {
  local tj ev
  tj=$(mean_json "$1" rmse)
  "$MTL" eval "$2" "$3" --json >eval.json
  ev=$(mean_json eval.json rmse)
  [ -n "$tj" ] && [ "$tj" = "$ev" ] ||
    fail "$2: train --json test RMSE '$tj', eval --json '$ev'"
}

"$MTL" gen --kind lowrank -T 6 -d 10 -n 40 --seed 2 -o lr.txt -q >/dev/null
"$MTL" gen --kind sparse -T 5 -d 8 -n 40 --seed 3 -o sp.txt -q >/dev/null
"$MTL" gen --kind clustered -T 6 -d 8 -n 40 --seed 4 -o cl.txt -q >/dev/null
"$MTL" gen --kind clustered -T 4 -d 6 -n 60 --classification --seed 5 \
  -o cc.txt -q >/dev/null
split_file lr.txt lr_tr.txt lr_te.txt
split_file sp.txt sp_tr.txt sp_te.txt
split_file cl.txt cl_tr.txt cl_te.txt
split_file cc.txt cc_tr.txt cc_te.txt

# ---- help: method sections, every option with its default ---------------------
"$MTL" train --help >help.txt
for s in 'Parameters of --method async|smtl' 'Parameters of --method srml|ssml' \
  'Parameters of --method asym|asym-curriculum' 'Parameters of --method gomtl' \
  'Parameters of --method cadmm|dadmm'; do
  grep -qF "$s" help.txt || fail "train --help lacks section '$s'"
done
# method sections come after the common ones
[ "$(grep -n '^Output:' help.txt | cut -d: -f1)" -lt \
  "$(grep -n '^Parameters of --method async|smtl:' help.txt | cut -d: -f1)" ] ||
  fail "method sections should follow the common ones"
grep -A2 -- '--nodes N' help.txt | grep -q '(default: 0)' || fail "--nodes default"
grep -q -- '--max-iter N' help.txt || fail "--max-iter listed"
grep -A3 -- '--max-iter N' help.txt | grep -q 'async|smtl: 1000' ||
  fail "--max-iter shows the method-dependent default"
grep -A8 -- '--scaling' help.txt | grep -q 'srml|ssml: double-sum' ||
  fail "--scaling shows the method-dependent default"
"$MTL" --help | grep -q '^  graph ' || fail "mtl --help lists graph"
"$MTL" --help | grep -q '^  signs ' || fail "mtl --help lists signs"

# ---- async / smtl reach the batch objective on the same split ----------------------
common=(--reg trace --lambda 0.05 --split 0.7 --seed 3 -q)
"$MTL" train lr.txt "${common[@]}" -o b.mtl >b.txt
# --tau-adapt 0: the step does not depend on the delays a loaded machine
# happens to produce.
"$MTL" train lr.txt --method async --tau-adapt 0 "${common[@]}" -o a.mtl \
  --trace at.csv --nodes-csv nodes.csv >a.txt
"$MTL" train lr.txt --method smtl "${common[@]}" -o s.mtl >s.txt
cat a.txt
ob=$(awk '/^objective:/ { print $2 }' b.txt)
for f in a.txt s.txt; do
  o=$(awk '/^objective:/ { print $2 }' $f)
  [ -n "$o" ] || fail "$f: no objective"
  holds "($o - $ob)^2 <= 1e-8 * $ob^2" ||
    fail "$f: objective $o vs batch $ob (relative > 1e-4)"
done
grep -q '^nodes: *6$' a.txt || fail "async reports its nodes: $(grep '^nodes:' a.txt)"
grep -q '^updates: *6000$\|^status: *\(converged\|certified\)' a.txt ||
  fail "async reports updates: $(grep '^updates:' a.txt)"
grep -q '^tau_max: *[0-9]' a.txt || fail "async reports tau"
grep -q '^eta_k_bound: *[0-9]' a.txt || fail "async reports Theorem 1's bound"
# the same split: same test part size
[ "$(awk '/^train\/test:/ { print $4 }' a.txt)" = \
  "$(awk '/^train\/test:/ { print $4 }' b.txt)" ] || fail "split differs"
# the trace: time_s,updates,objective, updates increasing, last = reported
[ "$(head -1 at.csv)" = "time_s,updates,objective" ] || fail "async trace header"
awk -F, 'NR > 2 && $2 < prev { exit 1 } NR > 1 { prev = $2 }' at.csv ||
  fail "async trace updates not increasing"
last=$(tail -1 at.csv | cut -d, -f3)
oa=$(awk '/^objective:/ { print $2 }' a.txt)
holds "($last - $oa)^2 <= 1e-16 * $oa^2 + 1e-18" ||
  fail "async trace ends at $last, reported $oa"
# nodes CSV: one row per node, updates sum to the total
[ "$(head -1 nodes.csv)" = "node,updates,mean_delay_ms,injected_ms,multiplier" ] ||
  fail "nodes csv header"
[ "$(($(wc -l <nodes.csv) - 1))" -eq 6 ] || fail "nodes csv should have 6 rows"
tot=$(awk -F, 'NR > 1 { s += $2 } END { print s }' nodes.csv)
upd=$(awk '/^updates:/ { print $2 }' a.txt)
[ "$tot" = "$upd" ] || fail "nodes csv updates $tot, reported $upd"
grep -q '^meta method async$' a.mtl || fail "async model meta method"
grep -q '^matrix node_updates 1 6$' a.mtl || fail "async model node_updates"
grep -q '^meta method smtl$' s.mtl || fail "smtl model meta method"

# ---- every method: printed test metrics = eval of the saved model -------------------
run() { # name data_prefix args...
  local name=$1 data=$2
  shift 2
  "$MTL" train "${data}_tr.txt" --test "${data}_te.txt" "$@" -o "$name.mtl" \
    >"$name.txt" 2>"$name.err" || fail "train $*: $(cat "$name.err")"
  if grep -q 'Sanitizer' "$name.err"; then fail "$(cat "$name.err")"; fi
  check_eval "$name.txt" "$name.mtl" "${data}_te.txt"
}
run batch lr --reg trace --lambda 0.05
run async lr --method async --tau-adapt 0 --reg trace --lambda 0.05
run amtl lr --method amtl --tau-adapt 0 --reg l21 --lambda 0.05 --nodes 2
run smtl lr --method smtl --reg trace --lambda 0.05
run srml sp --method srml
run ssml sp --method ssml --omega l1 --lambda 0.5
run asym cl --method asym
run asymc cl --method asym-curriculum
run asymn cl --method asym-noloss --mu 0.2
run asyms cl --method asym-symmetric --imbalance
run currs cl --method curriculum-simple
run gomtl cl --method gomtl --k 2
# JSON: the same 17 digits, for a method of each family
for m in smtl srml asym gomtl; do
  case $m in
  smtl) d=lr extra=(--reg trace --lambda 0.05) ;;
  srml) d=sp extra=() ;;
  *) d=cl extra=() ;;
  esac
  "$MTL" train ${d}_tr.txt --test ${d}_te.txt --method $m "${extra[@]}" \
    -o j$m.mtl --json -q >j$m.json
  grep -q "^{\"command\": \"train\", \"method\": \"$m\"" j$m.json ||
    fail "$m --json header: $(head -c 80 j$m.json)"
  check_eval_json j$m.json j$m.mtl ${d}_te.txt
done
if command -v python3 >/dev/null; then
  for m in smtl srml asym gomtl; do
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["objective"] > 0' \
      <j$m.json || fail "$m --json is not valid JSON with an objective"
  done
fi
# method-dependent defaults reach the library
for kv in 'loss squared' 'param.scaling double-sum' 'param.omega ridge' \
  'param.lambda 0.1' 'param.c 1' 'param.sign_graph chain' 'edges 4'; do
  grep -q "^meta $kv\$" srml.mtl || fail "srml defaults: no 'meta $kv' in the model"
done
grep -q '^edges: *4$' srml.txt || fail "srml reports its 4 chain edges"
for kv in 'loss squared' 'scaling double-mean' 'param.lambda 1' 'param.mu 0.1'; do
  grep -q "^meta $kv\$" asym.mtl || fail "asym defaults: no 'meta $kv' in the model"
done
grep -q '^scaling: *double-mean$' asym.txt || fail "asym reports the scaling it used"
"$MTL" train cc_tr.txt --test cc_te.txt --method asym -o asymcls.mtl >asymcls.txt
grep -q '^scaling: *mean$' asymcls.txt && grep -q '^meta loss logistic$' asymcls.mtl ||
  fail "asym classification defaults: $(grep '^scaling:' asymcls.txt)"
acc=$(awk '/^test mean:/ { print $4 }' asymcls.txt)
"$MTL" eval asymcls.mtl cc_te.txt --json >eval.json
[ "$(awk -v v="$(mean_json eval.json accuracy)" 'BEGIN { printf "%.4f", v }')" = "$acc" ] ||
  fail "asym classification: train accuracy $acc vs eval $(mean_json eval.json accuracy)"
grep -q '^task_order: *task[0-9]' asymc.txt || fail "curriculum prints its order"
[ "$(awk '/^task_order:/ { print NF - 1 }' asymc.txt)" -eq 6 ] || fail "order has 6 tasks"
grep -q '^meta order [1-6],[1-6],[1-6],[1-6],[1-6],[1-6]$' asymc.mtl ||
  fail "curriculum model stores the order"
grep -q '^meta method gomtl$' gomtl.mtl || fail "gomtl model meta"
grep -q '^matrix L 9 2$' gomtl.mtl || fail "gomtl model stores L (d+1) x k"

# srml trace: iter,objective,primal,dual, one row per iteration
"$MTL" train sp_tr.txt --method srml --trace st.csv -o st.mtl >st.txt
[ "$(head -1 st.csv)" = "iter,objective,primal,dual" ] || fail "srml trace header"
it=$(awk '/^iterations:/ { print $2 }' st.txt)
[ "$(($(wc -l <st.csv) - 1))" -eq "$it" ] || fail "srml trace rows vs $it iterations"
grep -q '^loss_lipschitz: *[0-9]' st.txt || fail "srml prints H (Theorem 5.2 asks rho > 2H)"

# ---- graph -----------------------------------------------------------------------------
edges=$(awk '/^edges:/ { print $2 }' asym.txt)
"$MTL" graph asym.mtl -o g.dot --csv B.csv --no-png >graph.txt
grep -q '^digraph' g.dot || fail "graph: no digraph in the DOT"
dot_edges() { grep -c '^ *"[^"]*" -> "[^"]*"' "$1" || true; }
[ "$(dot_edges g.dot)" -eq "$edges" ] ||
  fail "DOT has $(dot_edges g.dot) edges, train reported $edges"
[ "$(wc -l <B.csv)" -eq 7 ] || fail "B.csv: header + 6 rows"
[ "$(head -1 B.csv)" = "source,t1,t2,t3,t4,t5,t6" ] || fail "B.csv header"
awk -F, 'NF != 7 { exit 1 }' B.csv || fail "B.csv rows have 7 fields"
# the CSV and the DOT hold the same edges: B_st > 0 off the diagonal
nz=$(awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) if (i - 1 != NR - 1 && $i > 0) n++ }
              END { print n + 0 }' B.csv)
[ "$nz" -eq "$edges" ] || fail "B.csv has $nz edges, train reported $edges"
# each DOT edge "ts" -> "tt" with its weight = B.csv row s, column t
awk -F, 'FNR == NR { if (FNR > 1) for (i = 2; i <= NF; i++) B[FNR - 1, i - 1] = $i; next }
     /^ *"[^"]*" -> / { match($0, /weight=[0-9.e+-]+/); w = substr($0, RSTART + 7, RLENGTH - 7);
            split($0, f, "\""); s = substr(f[2], 2); t = substr(f[4], 2);
            if (B[s, t] <= 0 || (w - B[s, t])^2 > 1e-10 * B[s, t]^2) exit 1 }' \
  B.csv g.dot || fail "DOT edge weights differ from B.csv"
grep -q "wrote g.dot: 6 tasks, $edges edges" graph.txt || fail "graph summary"
# --min-weight above every weight: no edges
"$MTL" graph asym.mtl -o g0.dot --min-weight 1e9 --no-png -q >/dev/null
[ "$(dot_edges g0.dot)" -eq 0 ] || fail "--min-weight 1e9 keeps edges"
# default name MODEL.dot; PNG when Graphviz is installed
"$MTL" graph asym.mtl >graph2.txt 2>graph2.err
[ -s asym.dot ] || fail "graph did not write asym.dot by default"
if command -v dot >/dev/null; then
  [ "$(head -c 4 asym.png | tail -c 3)" = "PNG" ] || fail "asym.png is not a PNG"
else
  grep -q "Graphviz 'dot' is not on PATH" graph2.err || fail "no note about dot"
fi
"$MTL" graph asym.mtl -o - | grep -q '^digraph' || fail "graph -o - to stdout"

# ---- signs -------------------------------------------------------------------------------
# the pattern printed is the sign of W in the model file (bias row left out)
"$MTL" signs srml.mtl >signs.txt
cat signs.txt
awk '/^matrix W / { rows = $3; r = 0; inw = 1; next }
     inw && r < rows - 1 { r++; s = ""; for (i = 1; i <= NF; i++) s = s ($i > 0 ? "+" : ($i < 0 ? "-" : "0")); print "f" r, s; if (r == rows - 1) inw = 0; next }
     inw { inw = 0 }' srml.mtl >w_signs.txt
awk '/^f[0-9]+ / { s = ""; for (i = 2; i < NF; i++) s = s $i; print $1, s }' signs.txt \
  >p_signs.txt
[ "$(wc -l <p_signs.txt)" -eq 8 ] || fail "signs: 8 feature rows expected"
cmp -s w_signs.txt p_signs.txt ||
  fail "signs pattern differs from W: $(diff w_signs.txt p_signs.txt)"
# disagreeing pairs: chain neighbours with opposite signs, recomputed here
awk '{ n = split($2, c, ""); for (t = 1; t < n; t++)
         if ((c[t] == "+" && c[t + 1] == "-") || (c[t] == "-" && c[t + 1] == "+"))
           print $1, "t" t, "t" t + 1 }' p_signs.txt >w_dis.txt
awk '/^  f[0-9]+ t[0-9]+ t[0-9]+$/ { print $1, $2, $3 }' signs.txt >p_dis.txt
cmp -s <(sort w_dis.txt) <(sort p_dis.txt) ||
  fail "disagreeing pairs differ: $(diff <(sort w_dis.txt) <(sort p_dis.txt))"
viol=$(awk '/^sign_violations:/ { print $2 }' srml.txt)
[ "$(wc -l <p_dis.txt)" -eq "$viol" ] || fail "srml reported $viol violations"
# a large sign penalty removes every disagreement
"$MTL" train sp_tr.txt --method srml --c 100 -o big.mtl -q >big.txt
grep -q '^sign_violations: *0$' big.txt || fail "srml --c 100: $(grep '^sign_violations:' big.txt)"
"$MTL" signs big.mtl >bigs.txt
grep -q '^disagreeing: *none' bigs.txt || fail "signs of srml --c 100: $(tail -3 bigs.txt)"
grep -q '^consistent: *8 of 8 features' bigs.txt || fail "all features consistent"
[ "$(grep -c ' mixed$' bigs.txt)" -eq 0 ] || fail "a feature is mixed"
# ssml (hard constraint) too
"$MTL" signs ssml.mtl | grep -q '^disagreeing: *none' || fail "ssml has disagreeing pairs"
# a graph file: only the listed pairs are checked
printf '# pairs\n1 3\n2 5\n' >pairs.txt
"$MTL" train sp_tr.txt --method srml --sign-graph pairs.txt -o pg.mtl -q >/dev/null
"$MTL" signs pg.mtl --json >pg.json
grep -q '"edges": \[\[1, 3\], \[2, 5\]\]' pg.json || fail "signs --json edges: $(cat pg.json)"
# --tol: every weight below 1e9 counts as 0
"$MTL" signs srml.mtl --tol 1e9 | grep -q '^consistent: *8 of 8' || fail "signs --tol"

# ---- errors ----------------------------------------------------------------------------
expect 2 "invalid value 'frob' for --method" train lr.txt --method frob -o e.mtl
expect 2 "--nodes is an option of --method async|smtl, not of --method srml" \
  train sp.txt --method srml --nodes 2 -o e.mtl
expect 2 "--rho is an option of --method srml|ssml|cadmm|dadmm, not of --method batch" \
  train sp.txt --rho 2 -o e.mtl
expect 2 "--reg is an option of --method batch|async|smtl, not of --method asym" \
  train cl.txt --method asym --reg l1 -o e.mtl
expect 2 "--mu is an option of --method asym|.*gomtl, not of --method async" \
  train cl.txt --method async --mu 1 -o e.mtl
expect 2 "--c is an option of --method async|smtl|srml, not of --method ssml" \
  train sp.txt --method ssml --c 2 -o e.mtl
expect 1 "path: is for lambda (or lambda2) of a method with a path top" \
  train sp.txt --method gomtl --lambda-path 3 -o e.mtl
expect 2 "--lambda-path is an option of the methods with a parameter lambda" \
  train sp.txt --method ogd --lambda-path 3 -o e.mtl
expect 2 "'sqhinge' is not one of auto|squared|logistic" train sp.txt --method srml --loss sqhinge -o e.mtl
expect 2 "--no-bias is an option of --method batch|async|smtl|asym" train sp.txt --method srml --no-bias -o e.mtl
expect 1 "k = 9 exceeds" train cl.txt --method gomtl --k 9 -o e.mtl
printf '1 2\n2 x\n' >badg.txt
expect 1 "badg.txt:2" train sp.txt --method srml --sign-graph badg.txt -o e.mtl
printf '1 9\n' >badg2.txt
expect 1 "badg2.txt:1" train sp.txt --method ssml --sign-graph badg2.txt -o e.mtl
expect 1 "nonexist.txt" train sp.txt --method srml --sign-graph nonexist.txt -o e.mtl
expect 1 "has no transfer graph B" graph b.mtl -o e.dot
expect 1 "cannot load model 'nomodel.mtl'" graph nomodel.mtl
expect 1 "cannot load model 'nomodel.mtl'" signs nomodel.mtl
expect 2 "missing the MODEL argument" graph
expect 2 "missing the MODEL argument" signs
expect 2 "out of range" signs srml.mtl --tol -1
[ ! -e e.mtl ] || fail "a failed train created its model"
[ ! -e e.dot ] || fail "a failed graph created its DOT"
if ls | grep -q '\.tmp'; then fail "left temporary files: $(ls | grep '\.tmp')"; fi
# the status decides the save (docs/cli.md, "Status"): far from a solution
# is not saved (exit 1, no file) unless --save-anyway, which warns; not
# converged warns; --tol 0 asks for the iteration limit: no warning
echo "a user's file" >w1.mtl
rc=0
"$MTL" train lr.txt --method smtl --max-iter 3 -o w1.mtl >w0.txt 2>w0.err ||
  rc=$?
[ "$rc" -eq 1 ] || fail "far from a solution: exit $rc"
grep -q "error: the model was not saved: smtl stopped at --max-iter 3 far \
from a solution (relative gap" w0.err || fail "refusal: $(cat w0.err)"
grep -q "^model: *not saved" w0.txt || fail "report: $(cat w0.txt)"
[ "$(cat w1.mtl)" = "a user's file" ] ||
  fail "a fit far from a solution replaced the file"
if ls | grep -q 'w1.mtl.tmp'; then fail "left a temporary file"; fi
"$MTL" train lr.txt --method smtl --max-iter 3 --save-anyway -o w1.mtl \
  >w1.txt 2>w1.err || fail "--save-anyway failed"
[ -s w1.mtl ] || fail "--save-anyway did not save"
grep -q "^status: *far from a solution (relative gap" w1.txt ||
  fail "status line: $(grep status: w1.txt)"
grep -q "warning: smtl stopped at --max-iter 3 far from a solution" w1.err ||
  fail "no warning with --save-anyway: $(cat w1.err)"
"$MTL" train lr.txt --method smtl --max-iter 3 --tol 0 -o w2.mtl \
  >w2.txt 2>w2.err || fail "--tol 0 run failed"
grep -q "^status: *iteration limit" w2.txt || fail "--tol 0 status"
if [ -s w2.err ]; then fail "a warning with --tol 0: $(cat w2.err)"; fi
# a certified fit prints no warning at all
"$MTL" train lr.txt -o w3.mtl >w3.txt 2>w3.err || fail "default train"
grep -q "^status: *certified (relative gap" w3.txt || fail "not certified"
if [ -s w3.err ]; then fail "a certified fit warned: $(cat w3.err)"; fi
echo "cli_methods: all checks passed"
