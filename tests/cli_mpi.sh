#!/usr/bin/env bash
# cli_mpi.sh MTL DATA_DIR -- `mtl train --transport mpi` and `mtl online
# --transport mpi` through mpirun (always under a timeout; skipped with 77
# when mpirun is missing or mtl was built without MPI), on small generated
# data:
#  * smtl over MPI saves the model of smtl in-process (same predictions,
#    digit for digit), and `mtl eval` reads it;
#  * async over MPI reaches the batch objective (relative 1e-5);
#  * a rank killed mid-run (MTL_TEST_KILL_RANK) ends the job; scripts/
#    mtl-mpirun names the tasks it held and exits non-zero; resuming from
#    the checkpoint gives exactly the uninterrupted smtl model, and async
#    the batch objective;
#  * D-ADMM over MPI (one stream file per rank) makes the in-process
#    predictions; killed and resumed, the same ones again;
#  * usage errors (one rank, options without --transport mpi, no per-rank
#    stream).
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WRAP=$(cd "$(dirname "$0")/.." && pwd)/scripts/mtl-mpirun
command -v mpirun >/dev/null || { echo "mpirun not found: skipped"; exit 77; }
# (Output captured first: under pipefail, `mtl ... | grep -q` would take
# mtl's non-zero exit status and never skip.)
nompi=$("$MTL" train x --method smtl --transport mpi 2>&1 || true)
if grep -q "built without MPI" <<<"$nompi"; then
  echo "mtl built without MPI: skipped"
  exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export ASAN_OPTIONS=detect_leaks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
holds() { awk "BEGIN { exit !($1) }"; }
mpi() { timeout 120 mpirun --oversubscribe --bind-to none "$@"; }
json() { sed -n 's/.*"'"$2"'": \([^,}]*\).*/\1/p' "$1"; }

"$MTL" gen -o d.txt -T 6 -d 8 -n 30 --kind lowrank -q >/dev/null
common=(--reg trace --lambda 0.1 --no-standardize -q)

# ---- smtl: MPI = in-process ---------------------------------------------------
"$MTL" train d.txt --method smtl --nodes 3 --max-iter 60 --tol 0 \
  "${common[@]}" -o in.mtl >/dev/null
mpi -np 4 "$MTL" train d.txt --method smtl --transport mpi --max-iter 60 \
  --tol 0 "${common[@]}" -o mpi.mtl >mpi.txt
for l in '^status: *iteration limit' '^transport: *mpi$' '^nodes: *3$' \
  '^updates: *360$' 'features; MPI: a server and task ranks'; do
  grep -q "$l" mpi.txt || fail "smtl mpi report lacks '$l': $(cat mpi.txt)"
done
"$MTL" predict in.mtl d.txt >p1.csv
"$MTL" predict mpi.mtl d.txt >p2.csv
cmp -s p1.csv p2.csv || fail "smtl over MPI predicts differently from smtl in-process"
[ "$(grep -c "^task[0-9]" p1.csv)" -eq 180 ] || fail "predict gave $(grep -c "^task[0-9]" p1.csv) lines"
"$MTL" eval mpi.mtl d.txt --json >ev.json
grep -q '"rmse"' ev.json || fail "eval of the MPI model: $(cat ev.json)"
echo "smtl: MPI model = in-process model (180 predictions identical)"

# ---- async over MPI reaches the batch objective --------------------------------
"$MTL" train d.txt "${common[@]}" -o b.mtl >b.txt
ob=$(awk '/^objective:/ { print $2 }' b.txt)
mpi -np 4 "$MTL" train d.txt --method async --transport mpi --max-iter 20000 \
  --tol 1e-12 --tau-adapt 0 "${common[@]}" -o a.mtl --json >a.json
oa=$(json a.json objective)
holds "($oa - $ob) / $ob <= 1e-5 && ($ob - $oa) / $ob <= 1e-5" ||
  fail "async over MPI: objective $oa, batch $ob"
echo "async: MPI objective $oa, batch $ob"

# ---- a rank killed mid-run; the wrapper names its tasks; resume -----------------
rc=0
MTL_TEST_KILL_RANK=2 MTL_TEST_KILL_AFTER=70 "$WRAP" --timeout 120 -np 4 \
  --oversubscribe --bind-to none -x MTL_TEST_KILL_RANK -x MTL_TEST_KILL_AFTER \
  "$MTL" train d.txt --method smtl --transport mpi --max-iter 60 --tol 0 \
  "${common[@]}" -o k.mtl --checkpoint ck --checkpoint-every 20 \
  >k.txt 2>k.err || rc=$?
[ "$rc" -ne 0 ] || fail "killed run exited 0"
[ ! -e k.mtl ] || fail "killed run saved a model"
grep -q "mtl-mpirun: rank 2 (node) exited on signal 9 (Killed); it held task(s) 2 5" k.err ||
  fail "wrapper message: $(grep mtl-mpirun k.err || cat k.err)"
grep -q "resume with: --resume ck" k.err || fail "no resume hint"
grep -q "^2 node 2 5$" ck.ranks || fail "rank map: $(cat ck.ranks)"
"$WRAP" --timeout 120 -np 4 --oversubscribe --bind-to none \
  "$MTL" train d.txt --method smtl --transport mpi --max-iter 60 --tol 0 \
  "${common[@]}" -o k.mtl --resume ck >r.txt
grep -q "resume=ck" r.txt || fail "resume report: $(cat r.txt)"
"$MTL" predict k.mtl d.txt >p3.csv
cmp -s p2.csv p3.csv || fail "resumed smtl differs from the uninterrupted run"
# W and the rest of the model bit for bit (not the metadata and the
# measured per-node delays)
wpart() { grep -v '^meta ' "$1" | sed '/^matrix node_/,$d'; }
diff <(wpart mpi.mtl) <(wpart k.mtl) >/dev/null ||
  fail "resumed smtl model file differs"
echo "smtl: rank 2 killed, wrapper named tasks 2 5, resumed model identical"

rc=0
MTL_TEST_KILL_RANK=1 MTL_TEST_KILL_AFTER=300 "$WRAP" --timeout 120 -np 4 \
  --oversubscribe --bind-to none -x MTL_TEST_KILL_RANK -x MTL_TEST_KILL_AFTER \
  "$MTL" train d.txt --method async --transport mpi --max-iter 20000 \
  --tol 1e-12 --tau-adapt 0 "${common[@]}" -o ka.mtl --checkpoint cka \
  --checkpoint-every 100 >/dev/null 2>ka.err || rc=$?
[ "$rc" -ne 0 ] || fail "killed async run exited 0"
grep -q "rank 1 (node) exited on signal 9 (Killed); it held task(s) 1 4" ka.err ||
  fail "wrapper message (async): $(grep mtl-mpirun ka.err || cat ka.err)"
"$WRAP" --timeout 120 -np 4 --oversubscribe --bind-to none \
  "$MTL" train d.txt --method async --transport mpi --max-iter 20000 \
  --tol 1e-12 --tau-adapt 0 "${common[@]}" -o ka.mtl --resume cka \
  --json >ka.json
ok=$(json ka.json objective)
holds "($ok - $ob) / $ob <= 1e-5 && ($ob - $ok) / $ob <= 1e-5" ||
  fail "resumed async: objective $ok, batch $ob"
echo "async: rank 1 killed, resumed objective $ok (batch $ob)"

# ---- D-ADMM over MPI: one stream file per rank ---------------------------------
"$MTL" gen -o c.txt -T 4 -d 6 -n 50 --classification -q >/dev/null
"$MTL" online c.txt --method dadmm --write-stream s.txt -q >/dev/null
for k in 0 1 2 3; do awk -v t=$((k + 1)) '$1 == t' s.txt >"s$k.txt"; done
oargs=(--tasks 4 --dim 6 --method dadmm --max-rounds 50 --json -q)
"$MTL" online --stream s.txt "${oargs[@]}" -o o1.mtl >o1.json
mpi -np 4 "$MTL" online --stream 's%d.txt' --transport mpi "${oargs[@]}" \
  -o o2.mtl >o2.json
te() { sed -n 's/.*"task_errors": \(\[[^]]*\]\).*/\1/p' "$1"; }
[ -n "$(te o1.json)" ] && [ "$(te o1.json)" = "$(te o2.json)" ] ||
  fail "D-ADMM over MPI: $(te o2.json) vs in-process $(te o1.json)"
"$MTL" predict o1.mtl c.txt >q1.csv
"$MTL" predict o2.mtl c.txt >q2.csv
cmp -s q1.csv q2.csv || fail "D-ADMM MPI model predicts differently"
rc=0
MTL_TEST_KILL_RANK=3 MTL_TEST_KILL_AFTER=60 "$WRAP" --timeout 120 -np 4 \
  --oversubscribe --bind-to none -x MTL_TEST_KILL_RANK -x MTL_TEST_KILL_AFTER \
  "$MTL" online --stream 's%d.txt' --transport mpi "${oargs[@]}" -o o3.mtl \
  --checkpoint ock --checkpoint-every 10 >/dev/null 2>o3.err || rc=$?
[ "$rc" -ne 0 ] || fail "killed online run exited 0"
grep -q "rank 3 (node) exited on signal 9 (Killed); it held task(s) 4" o3.err ||
  fail "wrapper message (online): $(grep mtl-mpirun o3.err || cat o3.err)"
"$WRAP" --timeout 120 -np 4 --oversubscribe --bind-to none \
  "$MTL" online --stream 's%d.txt' --transport mpi "${oargs[@]}" -o o3.mtl \
  --resume ock >o3.json
[ "$(te o3.json)" = "$(te o1.json)" ] || fail "resumed D-ADMM: $(te o3.json)"
"$MTL" predict o3.mtl c.txt >q3.csv
cmp -s q1.csv q3.csv || fail "resumed D-ADMM model differs"
echo "dadmm: MPI = in-process; rank 3 killed, wrapper named task 4, resumed identical"

# ---- the online methods on a replayed dataset: MPI = threads -------------------
# (each rank reads only its own task of DATA; cadmm has a server as rank 0)
"$MTL" gen -o c2.txt -T 4 -d 6 -n 40 --classification -q >/dev/null
for m in cadmm dadmm dpsgd; do
  np=4
  [ "$m" = cadmm ] && np=5
  "$MTL" train c2.txt --method "$m" -o "t_$m.mtl" -q >/dev/null
  mpi -np "$np" "$MTL" train c2.txt --method "$m" --transport mpi \
    -o "m_$m.mtl" >"m_$m.txt"
  grep -q '^transport: *mpi$' "m_$m.txt" || fail "$m report: $(cat "m_$m.txt")"
  "$MTL" predict "t_$m.mtl" c2.txt >pt.csv
  "$MTL" predict "m_$m.mtl" c2.txt >pm.csv
  cmp -s pt.csv pm.csv || fail "$m over MPI predicts differently from threads"
done
# C-ADMM on streams: the server (rank 0) and one rank per task's file
"$MTL" online --stream s.txt --tasks 4 --dim 6 --method cadmm --max-rounds 50 \
  --json -q -o c1.mtl >c1.json
mpi -np 5 "$MTL" online --stream 's%d.txt' --transport mpi --tasks 4 --dim 6 \
  --method cadmm --max-rounds 50 --json -q -o c2.mtl >c2.json
[ -n "$(te c1.json)" ] && [ "$(te c1.json)" = "$(te c2.json)" ] ||
  fail "C-ADMM over MPI: $(te c2.json) vs threads $(te c1.json)"
echo "cadmm, dadmm, dpsgd: mtl train over MPI = threads; cadmm streams over MPI = threads"

# ---- usage errors ----------------------------------------------------------------
rc=0
mpi -np 1 "$MTL" train d.txt --method smtl --transport mpi -q >/dev/null \
  2>e1.txt || rc=$?
[ "$rc" -ne 0 ] && grep -q "at least 2 ranks" e1.txt || fail "-np 1: $(cat e1.txt)"
rc=0
"$MTL" train d.txt --method smtl --rank-map x 2>e2.txt || rc=$?
[ "$rc" -ne 0 ] && grep -q "needs --transport mpi" e2.txt || fail "$(cat e2.txt)"
# checkpoints also on threads (the same server hook): written, resumable
"$MTL" train d.txt --method smtl --nodes 3 --max-iter 60 --tol 0 \
  --checkpoint x.ckpt --checkpoint-every 20 -o t1.mtl -q >t1.txt
[ -s x.ckpt ] || fail "in-process --checkpoint wrote no file"
grep -q '^checkpoints_written: *3$' t1.txt || fail "in-process checkpoints: $(cat t1.txt)"
rc=0
"$MTL" online --stream s.txt --transport mpi "${oargs[@]}" 2>e3.txt || rc=$?
[ "$rc" -ne 0 ] && grep -q "its own" e3.txt || fail "$(cat e3.txt)"
rc=0
"$MTL" train d.txt --method smtl --transport mpi --split 0.5 2>e4.txt || rc=$?
[ "$rc" -ne 0 ] && grep -q "mtl eval" e4.txt || fail "$(cat e4.txt)"
if grep -l Sanitizer ./*.txt ./*.err 2>/dev/null; then fail "sanitizer report"; fi
echo "cli_mpi: all checks passed"
