#!/usr/bin/env bash
# cli_online.sh MTL DATA_DIR -- `mtl online` end to end on a small generated
# classification stream (4 tasks x 60 samples, 6 features):
#  * every method runs; the CSV has one row per round (header
#    round,avg,round_us,task1..task4), --every N keeps every N-th round and
#    the last;
#  * the averaged error printed equals the CSV's last row, the per-task table
#    equals the CSV's last task columns, and --json gives the same numbers;
#  * round-synchronous D-ADMM on the full graph gives C-ADMM's CSV exactly
#    (every column but the wall-time column round_us);
#  * --stream from a file and from standard input give the same result; the
#    replay of DATA with --seed 0 (stored order) equals the file read as a
#    stream, and --write-stream writes a stream that reproduces its run;
#  * --omega is a symmetric K x K matrix of trace 1 (I/K with --no-omega);
#    the SVG outputs are SVG; -o MODEL loads with `mtl eval`;
#  * a one-task stream: ADMM-Single equals C-ADMM;
#  * on DATA_DIR/synthetic_nc24.npz (skipped if absent), 300 rounds: the
#    averaged cumulative error is below 0.5 for every method;
#  * errors (unknown method, --stream without --tasks, bad stream line ->
#    file:line, --transport mpi, bad --edges, method options with the wrong
#    method, regression data) print `mtl: error:`, exit 1 or 2, and leave no
#    output file behind.
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
holds() { awk "BEGIN { exit !($1) }"; }
# the CSV without its wall-time column (3rd)
notime() { cut -d, -f3 --complement "$1"; }

# expect CODE PATTERN CMD... : exit code, "mtl: error:" + PATTERN on stderr,
# nothing on stdout, no sanitizer report, no output file left behind.
expect() {
  local code=$1 pat=$2
  shift 2
  local rc=0
  mkdir -p outs
  "$MTL" "$@" --csv outs/e.csv -o outs/e.mtl >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq "$code" ] || fail "mtl $*: exit $rc, expected $code ($(cat err.txt))"
  if grep -q 'Sanitizer' err.txt; then fail "mtl $*: $(cat err.txt)"; fi
  grep -q '^mtl: error: ' err.txt || fail "mtl $*: no 'mtl: error:' line"
  grep -q -- "$pat" err.txt || fail "mtl $*: stderr lacks '$pat': $(cat err.txt)"
  [ ! -s out.txt ] || fail "mtl $*: wrote to stdout: $(cat out.txt)"
  [ -z "$(ls -A outs)" ] || fail "mtl $*: left files behind: $(ls -A outs)"
  if ls ./*.tmp* >/dev/null 2>&1; then fail "mtl $*: left temporary files"; fi
}

# run NAME ARGS... : mtl online ARGS > NAME.txt, stderr checked.
run() {
  local name=$1
  shift
  "$MTL" online "$@" >"$name.txt" 2>"$name.err" ||
    fail "online $*: $(cat "$name.err")"
  if grep -q 'Sanitizer' "$name.err"; then fail "$(cat "$name.err")"; fi
}
field() { awk -v k="$1:" '$1 == k { print $2; exit }' "$2"; }

"$MTL" gen --kind clustered -T 4 -d 6 -n 60 --classification --seed 5 \
  -o cc.txt -q >/dev/null
K=4 R=60

# ---- help and the command table --------------------------------------------
"$MTL" --help | grep -q '^  online ' || fail "mtl --help lists online"
"$MTL" online --help >help.txt
for s in '--method cadmm|dadmm|single|dpsgd|ogd' '--transport inproc|mpi' \
  '--preset paper|code|authors' '--variant exact|paper' '--rho X' '--lambda4 X' \
  '--eta X' '--horizon T' '--no-omega' '--eps X' '--omega-every M' \
  '--no-normalize' '--authors' '--topology ring|full|star|regular' \
  '--degree D' '--graph-seed S' '--edges FILE' '--async' '--staleness N' \
  '--step0 X' '--max-rounds N' '--every N' '--seed S' '--stream FILE|-' \
  '--tasks K' '--dim D' '--csv FILE' '--plot FILE.svg' '--model FILE' \
  '--omega FILE' '--omega-heatmap FILE.svg' '--json' '--x-var NAME'; do
  grep -qF -- "$s" help.txt || fail "online --help lacks '$s'"
done
grep -A1 -- '--rho X' help.txt | grep -q '(default: 0.1)' || fail "--rho default"
grep -A2 -- '--eps X' help.txt | grep -q '(default: 1e-08)' || fail "--eps default"
grep -A3 -- '--transport' help.txt | grep -q '(default: inproc)' ||
  fail "--transport default"

# ---- every method: CSV shape, printed error = CSV's last row -------------------
for m in cadmm dadmm single dpsgd ogd; do
  run "$m" cc.txt --method "$m" --csv "$m.csv"
  [ "$(head -1 "$m.csv")" = "round,avg,round_us,task1,task2,task3,task4" ] ||
    fail "$m: CSV header $(head -1 "$m.csv")"
  [ "$(($(wc -l <"$m.csv") - 1))" -eq $R ] || fail "$m: CSV should have $R rows"
  awk -F, -v K=$K 'NR > 1 && (NF != K + 3 || $1 != NR - 1 || $2 < 0 || $2 > 1) \
    { exit 1 }' "$m.csv" || fail "$m: bad CSV rows"
  printed=$(field error "$m.txt")
  last=$(tail -1 "$m.csv" | cut -d, -f2)
  [ -n "$printed" ] && [ "$printed" = "$last" ] ||
    fail "$m: printed error '$printed', CSV's last row '$last'"
  grep -q "^rounds: *$R ($((K * R)) instances)" "$m.txt" ||
    fail "$m: rounds line: $(grep '^rounds:' "$m.txt")"
  grep -q '^method: *'"$m"',' "$m.txt" || fail "$m: method line"
  grep -q 'us per round; .* instances/s' "$m.txt" || fail "$m: timing line"
  # the task table: mistakes / instances = the CSV's last task columns
  awk 'f && NF == 4 { printf "%.6g\n", $3 / $2 } /^  task  instances/ { f = 1 }' \
    "$m.txt" >tab.txt
  tail -1 "$m.csv" | cut -d, -f4- | tr , '\n' | awk '{ printf "%.6g\n", $1 }' >col.txt
  cmp -s tab.txt col.txt || fail "$m: task table $(cat tab.txt) vs CSV $(cat col.txt)"
done
grep -q '^sent: *[1-9][0-9]* bytes' dadmm.txt || fail "dadmm reports bytes sent"
grep -q '^sent: *[1-9][0-9]* bytes' cadmm.txt || fail "cadmm reports bytes sent"
grep -q '^sent: *none' ogd.txt || fail "ogd sends nothing"
grep -q "^Omega: *$K x $K (learned)" cadmm.txt || fail "cadmm Omega shape"
grep -q '^Omega: *none' dpsgd.txt || fail "dpsgd has no Omega"
grep -q '^params: .*eta 7.74597 (sqrt(T))' cadmm.txt || fail "eta = sqrt(60)"
run code cc.txt --preset code
grep -q '^params: .*rho 0.5, lambda1..4 0.1 20 0.1 0.1, eta 240$' code.txt ||
  fail "--preset code: $(grep '^params:' code.txt)"

# --every: every N-th round and the last
run every cc.txt --csv every.csv --every 7
[ "$(cut -d, -f1 every.csv | tr '\n' ' ')" = "round 7 14 21 28 35 42 49 56 60 " ] ||
  fail "--every 7 rounds: $(cut -d, -f1 every.csv | tr '\n' ' ')"

# ---- JSON: the same numbers ----------------------------------------------------
run json cc.txt --json
je=$(sed -n 's/.*"error": \([^,]*\), "task_errors".*/\1/p' json.txt)
holds "$je == $(field error cadmm.txt) || ($je - $(field error cadmm.txt))^2 < 1e-12" ||
  fail "JSON error '$je' vs text $(field error cadmm.txt)"
grep -q '"tasks": 4, "dim": 6, "rounds": 60, "instances": 240' json.txt ||
  fail "JSON sizes: $(cat json.txt)"
grep -q '"omega": \[4, 4\]' json.txt || fail "JSON omega shape"
if command -v python3 >/dev/null; then
  python3 -m json.tool json.txt >/dev/null || fail "JSON does not parse"
fi

# ---- D-ADMM on the full graph = C-ADMM (round-synchronous) -----------------------
run full cc.txt --method dadmm --topology full --csv full.csv
notime full.csv >a.txt
notime cadmm.csv >b.txt
cmp -s a.txt b.txt || fail "dadmm --topology full differs from cadmm"
# an edge list for the ring = --topology ring
printf '# ring\n1 2\n2 3\n3 4\n4 1\n' >ring.edges
run ring cc.txt --method dadmm --edges ring.edges --csv ring.csv
notime ring.csv >a.txt
notime dadmm.csv >b.txt
cmp -s a.txt b.txt || fail "--edges ring differs from --topology ring"
# asynchronous D-ADMM runs to the end
run async cc.txt --method dadmm --async --staleness 2 --csv async.csv
[ "$(($(wc -l <async.csv) - 1))" -eq $R ] || fail "async CSV rows"

# ---- streams ---------------------------------------------------------------------
sargs=(--tasks $K --dim 6 --horizon $R)
run sfile --stream cc.txt "${sargs[@]}" --csv sfile.csv
"$MTL" online --stream - "${sargs[@]}" --csv sin.csv <cc.txt >sin.txt 2>sin.err ||
  fail "stream from stdin: $(cat sin.err)"
notime sfile.csv >a.txt
notime sin.csv >b.txt
cmp -s a.txt b.txt || fail "--stream FILE and --stream - differ"
[ "$(field error sfile.txt)" = "$(field error sin.txt)" ] || fail "stream errors differ"
grep -q '^stream: *<stdin>' sin.txt || fail "stdin source named"
# DATA replayed in stored order (--seed 0) = the same file read as a stream
run seed0 cc.txt --seed 0 --csv seed0.csv
notime seed0.csv >b.txt
cmp -s a.txt b.txt || fail "--seed 0 replay differs from the file as a stream"
# --max-rounds bounds a stream (T = 30 for eta) as it bounds DATA
run smax --stream cc.txt --tasks $K --dim 6 --max-rounds 30 --csv smax.csv
run dmax cc.txt --seed 0 --max-rounds 30 --csv dmax.csv
[ "$(($(wc -l <smax.csv) - 1))" -eq 30 ] || fail "--max-rounds 30 rows"
notime smax.csv >a.txt
notime dmax.csv >b.txt
cmp -s a.txt b.txt || fail "--max-rounds: stream and replay differ"
grep -q 'eta 5.47723 (sqrt(T))' smax.txt || fail "--max-rounds 30: eta sqrt(30)"
# --write-stream reproduces a seeded replay
run ws cc.txt --seed 7 --csv ws.csv --write-stream ws.txt
run ws2 --stream ws.txt "${sargs[@]}" --csv ws2.csv
notime ws.csv >a.txt
notime ws2.csv >b.txt
cmp -s a.txt b.txt || fail "--write-stream does not reproduce the run"
notime seed0.csv >b.txt
cmp -s a.txt b.txt && fail "--seed 7 should change the order"
# OGD and D-PSGD need no horizon on a stream
run sogd --stream cc.txt --tasks $K --dim 6 --method ogd --csv sogd.csv
notime sogd.csv >a.txt
"$MTL" online cc.txt --seed 0 --method ogd --csv o0.csv -q >/dev/null
notime o0.csv >b.txt
cmp -s a.txt b.txt || fail "ogd: stream and --seed 0 replay differ"

# ---- one task: ADMM-Single = C-ADMM -------------------------------------------------
"$MTL" gen -T 1 -d 5 -n 50 --classification --seed 9 -o one.txt -q >/dev/null
run one_c one.txt --csv one_c.csv
run one_s one.txt --method single --csv one_s.csv
notime one_c.csv >a.txt
notime one_s.csv >b.txt
cmp -s a.txt b.txt || fail "one task: single differs from cadmm"

# ---- Omega, SVG, model -----------------------------------------------------------------
run outs cc.txt --omega om.txt --omega-heatmap om.svg --plot plot.svg -o m.mtl
[ "$(wc -l <om.txt)" -eq $K ] || fail "--omega should have $K rows"
awk -v K=$K '{ if (NF != K) exit 1; for (j = 1; j <= NF; j++) A[NR, j] = $j }
  END { tr = 0; for (i = 1; i <= K; i++) { tr += A[i, i];
          for (j = 1; j <= K; j++) if ((A[i, j] - A[j, i])^2 > 1e-24) exit 1 }
        if ((tr - 1)^2 > 1e-20) exit 1 }' om.txt ||
  fail "Omega not symmetric with trace 1: $(cat om.txt)"
run noom cc.txt --no-omega --omega om0.txt
awk -v K=$K '{ for (j = 1; j <= NF; j++) if ($j != (j == NR ? 1 / K : 0)) exit 1 }' om0.txt ||
  fail "--no-omega: Omega should be I/K: $(cat om0.txt)"
grep -q '^Omega: *4 x 4 (fixed I/K)' noom.txt || fail "--no-omega summary"
for f in om.svg plot.svg; do
  head -c 5 $f | grep -q '^<svg\|^<?xml' || fail "$f is not SVG"
  tail -1 $f | grep -q '</svg>' || fail "$f is not complete"
done
grep -q '^meta method cadmm$' m.mtl || fail "model meta method"
grep -q '^meta rounds 60$' m.mtl || fail "model meta rounds"
"$MTL" eval m.mtl cc.txt --json >ev.json || fail "eval of the online model"
ee=$(sed -n 's/.*"mean": {[^}]*"error": \([^,}]*\).*/\1/p' ev.json)
[ -n "$ee" ] && holds "$ee >= 0 && $ee < 0.5" || fail "eval error '$ee'"
"$MTL" predict m.mtl cc.txt -o pred.csv -q >/dev/null 2>&1 ||
  fail "predict with the online model"
[ "$(($(wc -l <pred.csv) - 1))" -eq $((K * R)) ] || fail "predict rows"

# ---- errors -----------------------------------------------------------------------------
expect 2 "invalid value 'foo' for --method" online cc.txt --method foo
expect 2 '--stream needs --tasks K and --dim d' online --stream cc.txt --dim 6
expect 2 'give --horizon T' online --stream cc.txt --tasks 4 --dim 6
{ head -5 cc.txt; echo "2 1 1:0.5 x"; } >bad.txt
expect 1 'bad.txt:6: task 2' online --stream bad.txt "${sargs[@]}"
{ head -3 cc.txt; echo "7 1 1:0.5"; } >bad2.txt
expect 1 'bad2.txt:4: task id 7 out of range' online --stream bad2.txt "${sargs[@]}"
expect 1 '<stdin>:6: task 2' online --stream - "${sargs[@]}" <bad.txt
expect 2 'transport mpi' online cc.txt --transport mpi
printf '1 2\n2 3\n3 x\n' >bad.edges
expect 1 'bad.edges:3' online cc.txt --method dadmm --edges bad.edges
printf '1 2\n2 3\n' >part.edges
expect 1 'not connected' online cc.txt --method dadmm --edges part.edges
expect 2 '--rho is an option of --method cadmm|dadmm|single' online cc.txt --method ogd --rho 1
expect 2 '--topology is an option of --method dadmm|dpsgd' online cc.txt --topology full
expect 2 '--omega is an option of --method cadmm|dadmm' online cc.txt --method ogd --omega x.txt
expect 2 'missing the source' online
expect 2 'alternatives' online cc.txt --stream cc.txt --tasks 4 --dim 6
expect 2 '--staleness is for --async' online cc.txt --method dadmm --staleness 3
expect 2 '--tasks is for --stream' online cc.txt --tasks 4
expect 2 "--rho 0 .*\|--rho must be > 0" online cc.txt --rho 0
"$MTL" gen -T 2 -d 3 -n 10 -o reg.txt -q >/dev/null
expect 1 'not a classification task' online reg.txt
expect 1 'cannot open' online missing.txt
# a failing output leaves none of the others
rc=0
"$MTL" online cc.txt --csv ok.csv --plot nodir/p.svg >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && [ ! -e ok.csv ] || fail "failed output: exit $rc, ok.csv left: $(ls)"

# ---- the paper's synthetic data ---------------------------------------------------------
nc="$DATA/synthetic_nc24.npz"
if [ -z "$DATA" ] || [ ! -f "$nc" ]; then
  echo "skip: $nc not found"
  exit 77
fi
for m in cadmm dadmm single dpsgd ogd; do
  run "nc_$m" "$nc" --method "$m" --max-rounds 300 --csv "nc_$m.csv"
  e=$(field error "nc_$m.txt")
  grep -q '^rounds: *300 (1500 instances)' "nc_$m.txt" || fail "nc24 $m rounds"
  holds "$e < 0.5" || fail "nc24 $m: averaged cumulative error $e >= 0.5"
  [ "$(tail -1 "nc_$m.csv" | cut -d, -f2)" = "$e" ] || fail "nc24 $m: CSV last row"
done
notime nc_cadmm.csv >a.txt
"$MTL" online "$nc" --method dadmm --topology full --max-rounds 300 --csv ncf.csv -q >/dev/null
notime ncf.csv >b.txt
cmp -s a.txt b.txt || fail "nc24: dadmm --topology full differs from cadmm"
echo "ok"
