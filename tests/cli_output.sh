#!/usr/bin/env bash
# cli_output.sh MTL DATA_DIR -- where outputs go (issue 18, D1, D7, D11):
#  * -o /dev/full fails with the system's reason and /dev/full stays a
#    character device (gen, train, predict); -o /dev/null works;
#  * gen -o - writes the dataset to stdout (no file named "-");
#  * -o LINK writes the link's target and keeps the link; a 0600 output
#    stays 0600; a symlink planted at the old predictable temporary name
#    ("<out>.tmp.<pid>") is not followed;
#  * every command exits 1 with "cannot write" when its stdout is /dev/full;
#  * SIGTERM during a write and SIGINT to gen leave no temporary file and
#    no output; gen ends on the first Ctrl-C.
set -euo pipefail
MTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
no_temps() {
  if ls -A | grep -q '\.tmp'; then fail "$1: left $(ls -A | grep '\.tmp')"; fi
}

"$MTL" gen -T 4 -d 8 -n 30 --seed 1 -o d.txt -q >/dev/null
"$MTL" gen --kind sparse -T 5 -d 8 -n 40 --seed 3 -o sp.txt -q >/dev/null
"$MTL" gen --kind clustered -T 6 -d 8 -n 40 --seed 4 -o cl.txt -q >/dev/null
"$MTL" gen --kind clustered -T 4 -d 6 -n 60 --classification --seed 5 \
  -o cc.txt -q >/dev/null
"$MTL" train d.txt -o m.mtl -q >/dev/null
"$MTL" train sp.txt --method srml -o srml.mtl -q >/dev/null
"$MTL" train cl.txt --method asym -o asym.mtl -q >/dev/null

# ---- devices: written directly, never replaced ------------------------------
full_fails() { # what args... : mtl args must fail naming ENOSPC
  local rc=0
  "$MTL" "${@:2}" >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq 1 ] || fail "$1 -o /dev/full: exit $rc ($(cat err.txt))"
  grep -q "^mtl: error: .*/dev/full.*No space left on device" err.txt ||
    fail "$1 -o /dev/full: unclear error: $(cat err.txt)"
  [ -c /dev/full ] || fail "$1 -o /dev/full replaced the device"
}
if [ -c /dev/full ]; then
  full_fails gen gen -T 2 -d 3 -n 5 -o /dev/full
  full_fails train train d.txt -o /dev/full -q
  full_fails predict predict m.mtl d.txt -o /dev/full -q
fi
"$MTL" gen -T 2 -d 3 -n 5 -o /dev/null -q >/dev/null || fail "gen -o /dev/null"
[ -c /dev/null ] || fail "/dev/null is no longer a device"

# gen -o -: the dataset on stdout, the summary on stderr, no file "-".
"$MTL" gen -T 2 -d 3 -n 5 --seed 9 -o - >stdout.txt 2>stderr.txt
"$MTL" gen -T 2 -d 3 -n 5 --seed 9 -o file.txt -q >/dev/null
cmp -s stdout.txt file.txt || fail "gen -o - differs from gen -o FILE"
grep -q '^wrote -: ' stderr.txt || fail "gen -o -: no summary on stderr"
[ ! -e ./- ] || fail "gen -o - created a file named '-'"
"$MTL" gen -T 2 -d 3 -n 5 --seed 9 -o /dev/stdout 2>/dev/null | cmp -s - file.txt ||
  fail "gen -o /dev/stdout differs from gen -o FILE"
# /dev/stdout through a pipe is a link to "pipe:[N]", which realpath cannot
# resolve: it is still written directly.
"$MTL" predict m.mtl d.txt -o /dev/stdout -q | cmp -s - <("$MTL" predict m.mtl d.txt -q) ||
  fail "predict -o /dev/stdout"

# ---- symlinks, modes, planted temporary names --------------------------------
"$MTL" gen -T 2 -d 3 -n 5 --seed 1 -o real.txt -q >/dev/null
chmod 600 real.txt
ln -s real.txt link.txt
"$MTL" gen -T 2 -d 3 -n 7 --seed 2 -o link.txt -q >/dev/null
[ -L link.txt ] || fail "-o link.txt replaced the link"
cmp -s real.txt <("$MTL" gen -T 2 -d 3 -n 7 --seed 2 -o - -q) ||
  fail "-o link.txt did not write the link's target"
[ "$(stat -c %a real.txt)" = 600 ] || fail "mode 600 became $(stat -c %a real.txt)"
"$MTL" train d.txt -o real.txt -q >/dev/null # a model over it, via the link
[ "$(stat -c %a real.txt)" = 600 ] || fail "train -o: mode $(stat -c %a real.txt)"

# online stages its outputs (all appear together): the same rules.
echo old >real.csv
chmod 600 real.csv
ln -s real.csv link.csv
"$MTL" online cc.txt --method ogd --csv link.csv --model on.mtl -q >/dev/null
[ -L link.csv ] || fail "online --csv link.csv replaced the link"
[ "$(head -c 6 real.csv)" = round, ] || fail "online --csv: target not written"
[ "$(stat -c %a real.csv)" = 600 ] || fail "online --csv: mode $(stat -c %a real.csv)"
[ -s on.mtl ] || fail "online --model"
no_temps "online"

# The old writer opened "<out>.tmp.<pid>" with fopen and followed a symlink
# planted there; exec keeps the shell's pid, so $$ below is mtl's pid.
echo precious >victim
for cmd in "gen -T 2 -d 3 -n 5 -q -o" "train d.txt -q -o"; do
  rm -f out.x
  # shellcheck disable=SC2016
  bash -c 'ln -s victim "out.x.tmp.$$"; exec "$0" $1 out.x >/dev/null' \
    "$MTL" "$cmd" || fail "mtl $cmd out.x with a planted link failed"
  [ "$(cat victim)" = precious ] || fail "mtl $cmd followed a planted link"
  [ -s out.x ] && [ ! -L out.x ] || fail "mtl $cmd: no out.x"
  rm -f out.x.tmp.*
done

# ---- stdout that cannot be written: every command fails ----------------------
stdout_full() { # args... : mtl args >/dev/full must exit 1, "cannot write"
  local rc=0
  "$MTL" "$@" >/dev/full 2>err.txt || rc=$?
  [ "$rc" -eq 1 ] || fail "mtl $* >/dev/full: exit $rc ($(cat err.txt))"
  grep -q '^mtl: error: cannot write' err.txt ||
    fail "mtl $* >/dev/full: $(cat err.txt)"
}
if [ -c /dev/full ]; then
  stdout_full --version
  stdout_full --help
  stdout_full gen -T 2 -d 3 -n 5 -o -
  stdout_full gen -T 2 -d 3 -n 5 -o g.txt
  stdout_full train d.txt -o t.mtl
  stdout_full train d.txt --json -o t.mtl
  stdout_full predict m.mtl d.txt
  stdout_full eval m.mtl d.txt
  stdout_full eval m.mtl d.txt --json
  stdout_full cv d.txt --nlambda 3 --folds 2 -o c.mtl
  stdout_full demo -T 4 -d 10 -n 20 --nlambda 3 -o demo.mtl
  stdout_full graph asym.mtl -o -
  stdout_full graph asym.mtl -o g.dot --no-png
  stdout_full signs srml.mtl
  stdout_full online cc.txt --method ogd
  no_temps "stdout to /dev/full"
fi

# ---- signals: no temporary file left, gen stops on the first Ctrl-C ----------
# wait_temp PID: waits (up to 20 s) until a temporary output file exists.
wait_temp() {
  for _ in $(seq 2000); do
    if ls -A | grep -q 'big\.txt\.tmp'; then return 0; fi
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
set -m # job control, so that background jobs do not ignore SIGINT
for sig in TERM INT; do
  caught=0
  for n in 4000 16000 64000; do # larger until the write is caught
    rm -f big.txt
    "$MTL" gen -T 20 -d 100 -n "$n" -o big.txt -q >/dev/null 2>sig.err &
    pid=$!
    if wait_temp "$pid"; then
      kill -"$sig" "$pid"
      rc=0
      wait "$pid" || rc=$?
      want=$((128 + $(kill -l "$sig")))
      [ "$rc" -eq "$want" ] || fail "gen after SIG$sig: exit $rc, expected $want"
      [ ! -e big.txt ] || fail "gen after SIG$sig: big.txt written"
      no_temps "gen after SIG$sig"
      caught=1
      break
    fi
    wait "$pid" || true
  done
  [ "$caught" -eq 1 ] || fail "never caught gen while writing (SIG$sig)"
done
# SIGTERM while train saves nothing yet: ends at once, nothing left.
"$MTL" train d.txt --max-iter 100000000 --tol 0 --tol-gap 0 -o int.mtl \
  >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
set +m
[ "$rc" -eq 143 ] || fail "train after SIGTERM: exit $rc, expected 143"
[ ! -e int.mtl ] || fail "train after SIGTERM wrote int.mtl"
no_temps "train after SIGTERM"
echo "cli_output: ok"
