#!/usr/bin/env bash
# cli_zmq.sh MTL DATA_DIR -- `mtl keygen` and `mtl train --transport zmq`:
# a coordinator and 3 sites, each a separate process, on loopback (every
# process under a timeout; skipped with 77 when mtl was built without
# ZeroMQ):
#  * keygen writes NAME.key (mode 0600, both keys) and NAME.pub (0644);
#  * smtl, cadmm and dadmm over zmq save exactly the W of threads
#    (bitwise; dadmm's site-to-site messages go through the coordinator);
#  * async over zmq reaches the objective of async on threads and of the
#    batch solver (relative 1e-9);
#  * a site with an unknown key is refused (it exits non-zero saying so,
#    the coordinator logs the key) and the run goes on with the others;
#  * a capture of the run's traffic (tcpdump on lo, when installed) holds
#    none of the 8-byte patterns of the data's features and labels, the
#    model's W or the checkpoint's V; a positive control finds them in
#    clear traffic captured the same way;
#  * kill -9 of a site mid-run (async): the coordinator marks it absent,
#    the other sites' updates go on, the restarted site rejoins, the run
#    ends at the optimum; with smtl, at the W of threads, bitwise;
#  * kill -9 of the coordinator (async, checkpoints): restarted with
#    --resume, the sites fit again and the run ends at the optimum;
#  * smtl with a site gone for good: the coordinator says whom it waits
#    for and stops after --site-wait;
#  * the same with --on-site-loss drop: the site is dropped, its new
#    process refused, the run ends on the others; its tasks held (the
#    checkpoint's V columns and update counts), the model names them;
#  * async with --on-site-loss drop: its outstanding columns are given up,
#    the run ends;
#  * --replay-cap: past it the rejoin log is freed, a restarted site is
#    refused (then dropped);
#  * usage errors.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCAN=$(cd "$(dirname "$0")" && pwd)/zmq_scan.py
nozmq=$("$MTL" keygen /nonexistent/x 2>&1 || true)
if grep -q "built without ZeroMQ" <<<"$nozmq"; then
  echo "mtl built without ZeroMQ: skipped"
  exit 77
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  for f in *.err; do [ -s "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }; done
  exit 1
}
holds() { awk "BEGIN { exit !($1) }"; }
json() { sed -n 's/.*"'"$2"'": \([^,}]*\).*/\1/p' "$1"; }
close() { # close A B: |A - B| <= 1e-9 |B|
  holds "($1 - $2) <= 1e-9 * ($2 < 0 ? -$2 : $2) && ($2 - $1) <= 1e-9 * ($2 < 0 ? -$2 : $2)"
}
# newport: a free port below the kernel's ephemeral range (32768-60999 on
# Linux), so that no outgoing connection of another test can be holding it
newport() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' \
      "$p" 2>/dev/null && { echo "$p"; return 0; }
  done
  echo "no free port found in 20000-31999" >&2; return 1
}
wait_for() { # wait_for FILE PATTERN: up to 30 s
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "'$2' never appeared in $1"
}
# coord PORT NAME ARGS...: the coordinator (rank 0), model NAME.mtl
coord() {
  local port=$1 name=$2
  shift 2
  timeout 120 "$MTL" train d.txt "$@" --transport zmq --role coordinator \
    --bind "tcp://127.0.0.1:$port" --key coord.key --sites a.pub,b.pub,c.pub \
    -o "$name.mtl" >"$name.txt" 2>"$name.err"
}
# site KEY PORT ARGS...: a site (run it in the background: it execs mtl,
# so that $! is its pid); $SITE_TO is its timeout prefix
SITE_TO="timeout 120"
site() {
  local key=$1 port=$2
  shift 2
  exec $SITE_TO "$MTL" train d.txt "$@" --transport zmq --role site \
    --connect "tcp://127.0.0.1:$port" --key "$key.key" --server-key coord.pub \
    >"$key.out" 2>>"$key.err"
}
# run3 NAME ARGS...: the coordinator and sites a, b, c; waits for all
run3() {
  local port name=$1
  port=$(newport)
  shift
  coord "$port" "$name" "$@" &
  local c=$!
  for s in a b c; do site "$s" "$port" "$@" & done
  wait "$c" || fail "coordinator of '$name' exited $?"
  wait
}

# start_kill NAME ARGS...: on a new $port, the coordinator ($c; model
# NAME.mtl, plus $COORD_EXTRA) and sites a and c under timeouts, site b
# without one ($victim: it will be killed); returns once all are live
start_kill() {
  local name=$1
  shift
  port=$(newport)
  coord "$port" "$name" "$@" ${COORD_EXTRA:-} &
  c=$!
  site a "$port" "$@" &
  SITE_TO="" site b "$port" "$@" &
  victim=$!
  pids+=("$victim")
  site c "$port" "$@" &
  wait_for "$name.err" "live sites: 1 2 3"
}
ends() { # ends WHAT: the coordinator's exit, then the other sites'
  wait "$c" || fail "$1 exited $?"
  wait $(jobs -p | grep -v "^$victim$") 2>/dev/null || true
}

# ---- keygen ---------------------------------------------------------------------
for k in coord a b c evil; do "$MTL" keygen "$k" -q >/dev/null; done
[ "$(stat -c %a coord.key)" = 600 ] || fail "coord.key has mode $(stat -c %a coord.key)"
[ "$(stat -c %a a.pub)" = 644 ] || fail "a.pub has mode $(stat -c %a a.pub)"
grep -q '^secret-key = .\{40\}$' a.key || fail "a.key: $(cat a.key)"
! grep -q secret a.pub || fail "a.pub holds a secret key"
[ "$(grep public-key a.key)" = "$(grep public-key a.pub)" ] || fail "a.key and a.pub differ"
echo "keygen: NAME.key 0600, NAME.pub 0644"

"$MTL" gen -o d.txt -T 6 -d 8 -n 30 --kind lowrank -q >/dev/null
common=(--reg trace --lambda 0.1 --no-standardize)

# ---- smtl: zmq = threads, bitwise -------------------------------------------------
"$MTL" train d.txt --method smtl --nodes 3 --max-iter 60 --tol 0 \
  "${common[@]}" -o in.mtl >/dev/null
run3 zs --method smtl --max-iter 60 --tol 0 "${common[@]}" --checkpoint ck \
  --checkpoint-every 1
grep -q '^transport: *zmq$' zs.txt || fail "smtl zmq report: $(cat zs.txt)"
sed -n '/^matrix W/,/^matrix node/p' in.mtl >w1
sed -n '/^matrix W/,/^matrix node/p' zs.mtl >w2
[ -s w1 ] && cmp -s w1 w2 || fail "smtl over zmq: W differs from threads"
echo "smtl: zmq W = threads W (bitwise)"

# ---- cadmm (3 tasks: one site each) and dadmm (4 tasks: the coordinator
# is graph node 1, the sites relay through it): zmq = threads, bitwise -----
for m in cadmm:3 dadmm:4; do
  meth=${m%:*}
  "$MTL" gen -o d.txt -T "${m#*:}" -d 8 -n 30 --classification -q >/dev/null
  "$MTL" train d.txt --method "$meth" -o "t$meth.mtl" -q >/dev/null
  run3 "z$meth" --method "$meth"
  sed -n '/^matrix W/,/^matrix [^W]/p' "t$meth.mtl" >w4
  sed -n '/^matrix W/,/^matrix [^W]/p' "z$meth.mtl" >w5
  [ -s w4 ] && cmp -s w4 w5 || fail "$meth over zmq: W differs from threads"
  echo "$meth: zmq W = threads W (bitwise)"
done
"$MTL" gen -o d.txt -T 6 -d 8 -n 30 --kind lowrank -q >/dev/null

# ---- async: the optimum -----------------------------------------------------------
"$MTL" train d.txt "${common[@]}" --tol 1e-14 --max-iter 100000 --json >b.json
ob=$(json b.json objective)
async=(--method async --max-iter 20000 --tol 1e-13 --tau-adapt 0 "${common[@]}")
"$MTL" train d.txt "${async[@]}" --nodes 3 --json -o at.mtl >at.json
ot=$(json at.json objective)
run3 za "${async[@]}" --json
oz=$(json za.txt objective)
close "$oz" "$ot" || fail "async over zmq: objective $oz, threads $ot"
close "$oz" "$ob" || fail "async over zmq: objective $oz, batch $ob"
echo "async: zmq objective $oz, threads $ot, batch $ob"

# ---- an unknown key is refused; the run goes on ----------------------------------
port=$(newport)
coord "$port" zu --method smtl --max-iter 60 --tol 0 "${common[@]}" &
c=$!
rc=0
timeout 60 "$MTL" train d.txt --method smtl --transport zmq --role site \
  --connect "tcp://127.0.0.1:$port" --key evil.key --server-key coord.pub \
  >evil.out 2>evil.err || rc=$?
[ "$rc" -eq 1 ] || fail "the site with an unknown key exited $rc"
grep -q "refused this site's key" evil.err || fail "evil site: $(cat evil.err)"
for s in a b c; do site "$s" "$port" --method smtl --max-iter 60 --tol 0 "${common[@]}" & done
wait "$c" || fail "coordinator with an intruder exited $?"
wait
grep -qF "refused a connection from 127.0.0.1: unknown CURVE key $(sed -n "s/^public-key = //p" evil.pub) " zu.err ||
  fail "the coordinator did not log the refused key"
sed -n '/^matrix W/,/^matrix node/p' zu.mtl >w3
cmp -s w1 w3 || fail "smtl with an intruder: W differs from threads"
echo "unknown key: refused and logged; the run gave the threads W"

# ---- no secret in clear on the wire ------------------------------------------------
if command -v tcpdump >/dev/null && [ "$(id -u)" -eq 0 ]; then
  port=$(newport)
  tcpdump -i lo --immediate-mode -U -s 0 -w cap.pcap "tcp port $port" 2>tcpdump.err &
  td=$!
  pids+=("$td")
  wait_for tcpdump.err "listening on"
  coord "$port" zc --method smtl --max-iter 60 --tol 0 "${common[@]}" \
    --checkpoint ckc --checkpoint-every 1 &
  c=$!
  for s in a b c; do site "$s" "$port" --method smtl --max-iter 60 --tol 0 "${common[@]}" & done
  wait "$c" || fail "captured coordinator exited $?"
  wait $(jobs -p | grep -v "^$td$") 2>/dev/null || true
  sleep 1
  kill "$td"
  wait "$td" 2>/dev/null || true
  [ "$(stat -c %s cap.pcap)" -gt 10000 ] || fail "capture has $(stat -c %s cap.pcap) bytes"
  /usr/bin/python3 "$SCAN" cap.pcap d.txt zc.mtl ckc >scan.txt || fail "$(cat scan.txt)"
  cat scan.txt
  # positive control: the same values sent in clear are found
  port=$(newport)
  tcpdump -i lo --immediate-mode -U -s 0 -w clear.pcap "tcp port $port" 2>tcpdump2.err &
  td=$!
  pids+=("$td")
  wait_for tcpdump2.err "listening on"
  /usr/bin/python3 - "$port" ckc <<'PY'
import socket, struct, sys, threading
port, path = int(sys.argv[1]), sys.argv[2]
vals = [float.fromhex(t) for l in open(path) for t in l.split() if "0x" in t]
srv = socket.socket(); srv.bind(("127.0.0.1", port)); srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(65536): pass
t = threading.Thread(target=sink); t.start()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(struct.pack("<%dd" % len(vals), *vals)); s.close(); t.join()
PY
  sleep 1
  kill "$td"
  wait "$td" 2>/dev/null || true
  /usr/bin/python3 "$SCAN" clear.pcap ckc --expect-found >scan2.txt ||
    fail "positive control: $(cat scan2.txt)"
  echo "positive control: $(cat scan2.txt)"
else
  echo "tcpdump not available (or not root): capture check skipped"
fi

# ---- kill -9 of a site; it rejoins ------------------------------------------------
# kill_rejoin NAME WHAT ARGS...: start_kill NAME ARGS, kill -9 site 2 once
# it runs, restart it when the coordinator says it is absent; the
# coordinator (WHAT) must end and say that the site rejoined
kill_rejoin() {
  local name=$1 what=$2
  shift 2
  start_kill "$name" "$@"
  sleep 1
  kill -9 "$victim"
  wait_for "$name.err" "site 2 absent"
  site b "$port" "$@" &
  ends "$what"
  grep -q "site 2 rejoined (a new process)" "$name.err" ||
    fail "$what: no rejoin: $(cat "$name.err")"
}

slow=("${async[@]}" --delay-ms 10 --json --site-absent 0.5)
kill_rejoin zk "coordinator after a site's kill" "${slow[@]}"
# async went on without it: the other sites' messages kept arriving
n_abs=$(sed -n 's/.*site 2 absent.*; \([0-9]*\) messages received.*/\1/p' zk.err)
n_rej=$(sed -n 's/.*site 2 rejoined.*; \([0-9]*\) messages received.*/\1/p' zk.err)
[ -n "$n_abs" ] && [ -n "$n_rej" ] && [ "$n_rej" -gt "$n_abs" ] ||
  fail "no progress while site 2 was absent ($n_abs, then $n_rej messages)"
ok=$(json zk.txt objective)
close "$ok" "$ob" || fail "async with a killed site: objective $ok, batch $ob"
echo "site killed and restarted: $((n_rej - n_abs)) messages from the others while it was away; rejoined; objective $ok, batch $ob"

# ---- the same with smtl: the rejoined run gives the threads W, bitwise ---------
sl=(--method smtl --max-iter 200 --tol 0 --delay-ms 5 "${common[@]}" --site-absent 0.5)
"$MTL" train d.txt --method smtl --nodes 3 --max-iter 200 --tol 0 "${common[@]}" \
  -o sref.mtl >/dev/null 2>&1
: >b.err
kill_rejoin zks "smtl coordinator after a site's kill" "${sl[@]}"
sed -n '/^matrix W/,/^matrix node/p' sref.mtl >w6
sed -n '/^matrix W/,/^matrix node/p' zks.mtl >w7
[ -s w6 ] && cmp -s w6 w7 || fail "smtl with a killed and restarted site: W differs from threads"
echo "smtl, site killed and restarted: the threads W, bitwise"

# ---- kill -9 of the coordinator; resumed from its checkpoint ------------------------
port=$(newport)
: >a.err
"$MTL" train d.txt "${slow[@]}" --transport zmq --role coordinator \
  --bind "tcp://127.0.0.1:$port" --key coord.key --sites a.pub,b.pub,c.pub \
  --checkpoint ckr --checkpoint-every 20 -o zr.mtl >zr.txt 2>zr.err &
c=$!
pids+=("$c")
for s in a b c; do site "$s" "$port" "${slow[@]}" & done
wait_for zr.err "live sites: 1 2 3"
sleep 1.5
kill -9 "$c"
[ -s ckr ] || fail "no coordinator checkpoint"
coord "$port" zr2 "${slow[@]}" --checkpoint ckr --checkpoint-every 20 --resume ckr ||
  fail "resumed coordinator exited $?"
wait $(jobs -p | grep -v "^$c$") 2>/dev/null || true
grep -q "the coordinator restarted: fitting again" a.err || fail "site a: $(cat a.err)"
or=$(json zr2.txt objective)
close "$or" "$ob" || fail "resumed coordinator: objective $or, batch $ob"
echo "coordinator killed and resumed: objective $or, batch $ob"

# ---- smtl waits for a site gone for good, then stops --------------------------------
gone=(--method smtl --max-iter 100000 --tol 0 --delay-ms 5 "${common[@]}"
  --site-absent 0.5 --site-wait 2)
rc=0
start_kill zw "${gone[@]}"
sleep 0.5
kill -9 "$victim"
wait "$c" || rc=$?
wait $(jobs -p | grep -v "^$victim$") 2>/dev/null || true
[ "$rc" -eq 1 ] || fail "smtl with a site gone: coordinator exited $rc"
grep -q "rank 0 waits for site 2 (key b.pub), absent" zw.err || fail "no wait message: $(cat zw.err)"
grep -q "while site 2 (key b.pub) was absent.*wait limit 2 s" zw.err || fail "no stop message: $(cat zw.err)"
echo "smtl with a site gone: waited, then stopped naming it"

# ---- smtl --on-site-loss drop: a killed site is dropped, the run ends --------------
# Task k (1-based) of the checkpoint CK: its update count and V column.
ckcol() { /usr/bin/python3 - "$@" <<'PY'
import sys
ck, k = sys.argv[1], int(sys.argv[2]) - 1
arr, cur = {}, None
for line in open(ck):
    t = line.split()
    if t == ["end"]:
        break
    if t and not t[0].lstrip("-").startswith("0x") and len(t) == 2 and t[1].isdigit():
        cur = t[0]; arr[cur] = []
    elif cur:
        arr[cur] += [float.fromhex(x) for x in t]
T = len(arr["task_upd"]); d = len(arr["V"]) // T
print(int(arr["task_upd"][k]), " ".join(x.hex() for x in arr["V"][k * d:(k + 1) * d]))
PY
}
dr=(--method smtl --max-iter 400 --tol 0 --delay-ms 5 "${common[@]}"
  --site-absent 0.5 --site-wait 2 --on-site-loss drop)
COORD_EXTRA="--checkpoint ckd --checkpoint-every 1" start_kill zd "${dr[@]}"
sleep 0.5
kill -9 "$victim"
wait_for zd.err "site 2 (key b.pub) dropped from the run"
sleep 0.3
cp ckd ckd.mid
# refused NAME WHAT ARGS...: a new process of site 2 (key b) started with
# ARGS is turned away by the coordinator (exit 1, NAME.out / NAME.err)
refused() {
  local name=$1 what=$2 rc=0
  shift 2
  timeout 30 "$MTL" train d.txt "$@" --transport zmq --role site \
    --connect "tcp://127.0.0.1:$port" --key b.key --server-key coord.pub \
    >"$name.out" 2>"$name.err" || rc=$?
  [ "$rc" -eq 1 ] && grep -q "the coordinator dropped this site" "$name.err" ||
    fail "$what: exit $rc: $(cat "$name.err")"
}
# a new process of the dropped site is refused
refused b2 "a dropped site's new process" "${dr[@]}"
ends "smtl coordinator with --on-site-loss drop"
grep -q "site 2 (b.pub) restarted, but it was dropped from this run: refused" zd.err ||
  fail "no refusal of the dropped site's new process: $(cat zd.err)"
grep -q "^meta dropped_sites 2$" zd.mtl && grep -q "^meta dropped_tasks 2,5$" zd.mtl ||
  fail "the model does not name the dropped site and tasks"
grep -q "warning: 1 site(s) dropped from the run.*tasks 2,5 were held" zd.err ||
  fail "no warning naming the dropped tasks: $(cat zd.err)"
! grep -q "^status: *\(converged\|certified\)" zd.txt || fail "status: $(grep status zd.txt)"
# the kept tasks ran every round; the dropped ones stopped, held where they were
read -r u1 _ < <(ckcol ckd 1)
read -r u2 v2 < <(ckcol ckd 2)
read -r m2 w2 < <(ckcol ckd.mid 2)
read -r u5 v5 < <(ckcol ckd 5)
read -r m5 w5 < <(ckcol ckd.mid 5)
[ "$u1" -eq 400 ] && [ "$u2" -lt 400 ] && [ "$u2" -eq "$m2" ] && [ "$u5" -eq "$m5" ] &&
  [ "$v2" = "$w2" ] && [ "$v5" = "$w5" ] ||
  fail "dropped tasks: updates $u2/$u5 (at the drop $m2/$m5), kept task 1: $u1; V held: $([ "$v2" = "$w2" ] && echo yes || echo no)"
echo "smtl --on-site-loss drop: site 2 dropped, its new process refused; tasks 2,5 held at update $u2 (the others ran to $u1); the model names them"

# ---- async --on-site-loss drop: the killed site's columns leave the flight ------
ad=(--method async --max-iter 1000 --tol 0 --delay-ms 5 "${common[@]}"
  --site-absent 0.5 --site-wait 2 --on-site-loss drop)
start_kill zad "${ad[@]}"
sleep 0.5
kill -9 "$victim"
ends "async coordinator with --on-site-loss drop"
grep -q "site 2 (key b.pub) dropped from the run" zad.err &&
  grep -q "^meta dropped_tasks 2,5$" zad.mtl || fail "async drop: $(cat zad.err)"
echo "async --on-site-loss drop: the run ended without site 2; the model names tasks 2,5"

# ---- the rejoin log is bounded: past --replay-cap a restarted site is refused ----
rc_=(--method smtl --max-iter 400 --tol 0 --delay-ms 5 "${common[@]}"
  --site-absent 0.5 --site-wait 3 --on-site-loss drop --replay-cap 0.01)
start_kill zcap "${rc_[@]}"
wait_for zcap.err "site 2: its rejoin log passed the cap (10485 bytes"
kill -9 "$victim"
wait_for zcap.err "site 2 absent"
refused b3 "a site restarted past the cap" "${rc_[@]}"
ends "coordinator with a small --replay-cap"
grep -q "site 2 (b.pub) restarted, but its rejoin log passed the cap: refused" zcap.err ||
  fail "no refusal past the cap: $(cat zcap.err)"
grep -q "site 2 (key b.pub) dropped from the run" zcap.err || fail "not dropped: $(cat zcap.err)"
echo "replay cap: past 10485 bytes the log is freed; the restarted site was refused, then dropped"

# ---- usage errors -----------------------------------------------------------------
usage() { # usage PATTERN ARGS...
  local pat=$1 rc=0
  shift
  "$MTL" train d.txt --method smtl --transport zmq "$@" >u.out 2>u.err || rc=$?
  [ "$rc" -eq 2 ] && grep -q "$pat" u.err || fail "usage ($*): exit $rc: $(cat u.err)"
}
usage "needs --key" --role site --connect tcp://127.0.0.1:1
usage "needs --bind ADDR and --sites" --role coordinator --key coord.key
usage "needs --connect ADDR and --server-key" --role site --key a.key
usage "not --method batch" --method batch --key a.key
usage "only smtl and async go on without a site" --method cadmm --role coordinator \
  --key coord.key --bind tcp://127.0.0.1:1 --sites a.pub --on-site-loss drop
rc=0
"$MTL" train d.txt --method smtl --key a.key >u.out 2>u.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "need --transport zmq" u.err || fail "--key without zmq: exit $rc: $(cat u.err)"
echo "usage errors: ok"
