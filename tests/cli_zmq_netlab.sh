#!/usr/bin/env bash
# cli_zmq_netlab.sh MTL [DATA_DIR] -- the kill -9 checks of cli_zmq.sh
# between two network namespaces joined by netlab's delayed link
# (../shared/tools/netlab, README there; NETLAB_DIR overrides): the
# coordinator in dcA binds 10.88.0.1, the 3 sites run in dcB and connect
# through `tundelay` (NETLAB_DELAY_MS each way, default 5).  Every process
# runs under a timeout.  Checks:
#  * smtl over the link gives bitwise the W of smtl on threads, and a
#    tcpdump capture on the link (dcA's tunnel device) holds none of the
#    8-byte patterns of the data, the model's W or the checkpoint's V
#    (tests/zmq_scan.py), while the same values sent in clear over the
#    link are all found;
#  * kill -9 of a site mid-run (smtl), restarted in dcB: it rejoins and the
#    run ends with the threads W, bitwise;
#  * kill -9 of the coordinator (smtl, a checkpoint every round), restarted
#    with --resume: the sites fit again, the run ends with the threads W;
#  * kill -9 of a site with --on-site-loss drop: the run ends on the other
#    sites and the model names the dropped site and its tasks.
# Skipped (exit 77, with the reason) without root, /dev/net/tun, netlab,
# a C compiler or ZeroMQ in mtl, or when dcA/dcB exist already (another
# run's: never touched).  Sets netlab up and tears it down; stops only the
# processes it started, by pid.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
SCAN=$here/zmq_scan.py
skip() { echo "SKIP: $*"; exit 77; }
netlab=${NETLAB_DIR:-$here/../../shared/tools/netlab}
[ -d "$netlab" ] || netlab=/work/shared/tools/netlab
[ "$(id -u)" -eq 0 ] || skip "not root (netlab creates network namespaces)"
[ -f "$netlab/netsetup.sh" ] && [ -f "$netlab/tundelay.c" ] ||
  skip "netlab not found (NETLAB_DIR or ../shared/tools/netlab)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip >/dev/null || skip "no ip(8)"
command -v cc >/dev/null || skip "no C compiler for tundelay"
# (not a pipe: under pipefail, mtl's own non-zero exit would hide the match)
nozmq=$("$MTL" keygen /nonexistent/x 2>&1 || true)
if grep -q "built without ZeroMQ" <<<"$nozmq"; then
  skip "mtl built without ZeroMQ"
fi
if ip netns list | grep -q '^dc[AB]\b'; then
  skip "netlab namespaces dcA/dcB exist already (another run's)"
fi
tmp=$(mktemp -d)
pids=()
netup=
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "$netup" ]; then (cd "$tmp" && bash ./netsetup.sh down) || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
cp "$netlab/netsetup.sh" .
cc -O2 -o tundelay "$netlab/tundelay.c" || skip "tundelay does not build"
netup=1
bash ./netsetup.sh "${NETLAB_DELAY_MS:-5}" >/dev/null 2>&1 ||
  skip "netsetup.sh failed (no TUN in this kernel?)"
ip netns exec dcB timeout 10 /usr/bin/python3 -c '
import socket, time
for _ in range(50):
    try: socket.create_connection(("10.88.0.1", 9), timeout=5)
    except ConnectionRefusedError: break  # the far end answered
    except OSError: time.sleep(0.1)
else: raise SystemExit(1)' || skip "the delayed link does not carry packets"

fail() {
  echo "FAIL: $*" >&2
  for f in *.err; do [ -s "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }; done
  exit 1
}
wait_for() { # wait_for FILE PATTERN: up to 60 s
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "'$2' never appeared in $1"
}
wmat() { sed -n '/^matrix W/,/^matrix node/p' "$1"; }
port=7500
# coord NAME ARGS...: the coordinator in dcA (run it in the background);
# $CTO is its timeout prefix ("" for a victim: then $! is mtl's own pid)
CTO="timeout 120"
coord() {
  local name=$1
  shift
  exec ip netns exec dcA $CTO "$MTL" train d.txt "$@" --transport zmq \
    --role coordinator --bind "tcp://10.88.0.1:$port" --key coord.key \
    --sites a.pub,b.pub,c.pub -o "$name.mtl" >"$name.txt" 2>"$name.err"
}
# site KEY ARGS...: a site in dcB; $TO is its timeout prefix ("" for a
# victim, so that $! is mtl's own pid)
TO="timeout 120"
site() {
  local key=$1
  shift
  exec ip netns exec dcB $TO "$MTL" train d.txt "$@" --transport zmq --role site \
    --connect "tcp://10.88.0.1:$port" --key "$key.key" --server-key coord.pub \
    >>"$key.out" 2>>"$key.err"
}
# start NAME ARGS...: the coordinator and sites a, c under timeouts, site b
# as the victim ($victim); $c is the coordinator
start() {
  local name=$1
  shift
  port=$((port + 1))
  : >b.err
  coord "$name" "$@" &
  c=$!
  pids+=("$c")
  sites=()
  site a "$@" &
  sites+=($!)
  TO="" site b "$@" &
  victim=$!
  pids+=("$victim")
  site c "$@" &
  sites+=($!)
}
waitsites() { # the sites' exits (a killed victim's too)
  for p in "${sites[@]}" "$victim"; do wait "$p" 2>/dev/null || true; done
}
finish() { # finish NAME: the coordinator's exit, then the sites'
  wait "$c" || fail "coordinator of $1 exited $?"
  waitsites
}

for k in coord a b c; do "$MTL" keygen "$k" -q >/dev/null; done
"$MTL" gen -o d.txt -T 6 -d 8 -n 30 --kind lowrank -q >/dev/null
sm=(--method smtl --max-iter 300 --tol 0 --reg trace --lambda 0.1
  --no-standardize --site-absent 0.5)
"$MTL" train d.txt "${sm[@]}" --nodes 3 -o ref.mtl >/dev/null 2>&1
wmat ref.mtl >wref
[ -s wref ] || fail "no threads reference"

# ---- smtl over the link, captured ---------------------------------------------------
cap=
if command -v tcpdump >/dev/null; then
  ip netns exec dcA tcpdump -i tA --immediate-mode -U -s 0 -w link.pcap \
    "tcp port $((port + 1))" 2>tcpdump.err &
  td=$!
  pids+=("$td")
  wait_for tcpdump.err "listening on"
  cap=1
fi
start zs "${sm[@]}" --checkpoint cks --checkpoint-every 1
finish zs
wmat zs.mtl | cmp -s wref - || fail "smtl over netlab: W differs from threads"
echo "smtl between dcA and dcB: the threads W, bitwise"
if [ -n "$cap" ]; then
  sleep 0.5
  kill "$td" 2>/dev/null || true
  wait "$td" 2>/dev/null || true
  /usr/bin/python3 "$SCAN" link.pcap d.txt zs.mtl cks >scan.txt || fail "$(cat scan.txt)"
  echo "netlab link capture: $(cat scan.txt)"
  # positive control: the checkpoint's values sent in clear over the link
  ip netns exec dcA tcpdump -i tA --immediate-mode -U -s 0 -w clear.pcap \
    "tcp port 7499" 2>tcpdump2.err &
  td=$!
  pids+=("$td")
  wait_for tcpdump2.err "listening on"
  ip netns exec dcA timeout 30 /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.88.0.1", 7499)); s.listen(1); c, _ = s.accept()
while c.recv(65536): pass' &
  sink=$!
  sleep 0.5
  ip netns exec dcB timeout 30 /usr/bin/python3 - cks <<'PY'
import socket, struct, sys
vals = [float.fromhex(t) for l in open(sys.argv[1]) for t in l.split() if "0x" in t]
s = socket.create_connection(("10.88.0.1", 7499))
s.sendall(struct.pack("<%dd" % len(vals), *vals)); s.close()
PY
  wait "$sink" || true
  sleep 0.5
  kill "$td" 2>/dev/null || true
  wait "$td" 2>/dev/null || true
  /usr/bin/python3 "$SCAN" clear.pcap cks --expect-found >scan2.txt ||
    fail "positive control: $(cat scan2.txt)"
  echo "positive control on the link: $(cat scan2.txt)"
else
  echo "tcpdump not installed: link capture skipped"
fi

# ---- kill -9 of a site; restarted in dcB, it rejoins ---------------------------------
start zk "${sm[@]}"
wait_for zk.err "live sites: 1 2 3"
sleep 1
kill -9 "$victim"
wait_for zk.err "site 2 absent"
site b "${sm[@]}" &
sites+=($!)
finish zk
grep -q "site 2 rejoined (a new process)" zk.err || fail "no rejoin: $(cat zk.err)"
wmat zk.mtl | cmp -s wref - || fail "smtl, site killed over netlab: W differs from threads"
echo "kill -9 of a site in dcB, restarted: rejoined; the threads W, bitwise"

# ---- kill -9 of the coordinator; resumed from its checkpoint -----------------------------
rm -f ckr
CTO="" start zr "${sm[@]}" --checkpoint ckr --checkpoint-every 1
wait_for zr.err "live sites: 1 2 3"
sleep 1
kill -9 "$c"
wait "$c" 2>/dev/null || true
[ -s ckr ] || fail "no coordinator checkpoint"
coord zr2 "${sm[@]}" --checkpoint ckr --checkpoint-every 1 --resume ckr &
c=$!
pids+=("$c")
wait "$c" || fail "resumed coordinator exited $?"
waitsites
grep -q "the coordinator restarted: fitting again" a.err || fail "site a: $(cat a.err)"
wmat zr2.mtl | cmp -s wref - || fail "resumed coordinator over netlab: W differs from threads"
echo "kill -9 of the coordinator in dcA, resumed: the sites fitted again; the threads W, bitwise"

# ---- kill -9 of a site under --on-site-loss drop -----------------------------------------
start zd "${sm[@]}" --site-wait 2 --on-site-loss drop
wait_for zd.err "live sites: 1 2 3"
sleep 0.5
kill -9 "$victim"
finish zd
grep -q "site 2 (key b.pub) dropped from the run" zd.err || fail "not dropped: $(cat zd.err)"
grep -q "^meta dropped_tasks 2,5$" zd.mtl || fail "the model does not name the dropped tasks"
echo "kill -9 of a site under --on-site-loss drop: dropped; the run ended on sites 1 and 3"
