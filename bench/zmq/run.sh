#!/usr/bin/env bash
# bench/zmq/run.sh [BUILD_DIR] -- the ZeroMQ/CURVE transport against MPI on
# the same emulated link (../shared/tools/netlab: the coordinator / rank 0
# in namespace dcA, 3 sites / task ranks in dcB, NETLAB_DELAY_MS each way,
# default 10), through the CLI (`mtl train --transport zmq|mpi`).  Settings
# with a fixed number of updates (tol 0): SMTL, ITERS iterations (T updates
# each); AMTL, ITERS updates per task.  For each run: the coordinator's
# optimization time (the fit's `seconds`), the whole job's wall time
# (start-up, connections and key exchange included), and the bytes that
# crossed the delayed link (both directions, IP packets: the tunnel
# devices' counters), per update.  Each setting REPS times (default 3),
# medians.  Needs root and /dev/net/tun; sets netlab up and tears it down;
# stops only its own processes.  Run it nice'd:
#   nice -n 19 bench/zmq/run.sh build
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
M="$build/mtl"
netlab=$(cd "$root/../shared/tools/netlab" 2>/dev/null && pwd || true)
delay=${NETLAB_DELAY_MS:-10}
reps=${REPS:-3}
iters=${ITERS:-100}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
if [ -z "$netlab" ] || [ ! -c /dev/net/tun ] || [ "$(id -u)" -ne 0 ]; then
  echo "netlab not available (needs ../shared/tools/netlab, root and /dev/net/tun)" >&2
  exit 1
fi
if ip netns list | grep -q '^dc[AB]\b'; then
  echo "netlab namespaces dcA/dcB exist already (someone else's run?): stop" >&2
  exit 1
fi
work=$(mktemp -d)
netup=
cleanup() {
  if [ -n "$netup" ]; then (cd "$work" && bash ./netsetup.sh down) || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cp "$netlab/netsetup.sh" "$netlab/nsrsh" "$work/"
cc -O2 -o "$work/tundelay" "$netlab/tundelay.c"
cd "$work"
netup=1
bash ./netsetup.sh "$delay" >/dev/null
printf 'dcA slots=1\ndcB slots=3\n' >hosts
NL=(--hostfile hosts --mca plm_rsh_agent "$work/nsrsh"
  --mca oob_tcp_if_include 10.99.0.0/16 --mca btl_tcp_if_include 10.88.0.0/24
  --mca btl self,vader,tcp --mca mpi_yield_when_idle 1 --bind-to none
  -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM)

T=6 d=20 n=50
"$M" gen -o d.txt -T $T -d $d -n $n --kind lowrank --seed 7 -q >/dev/null
for k in coord a b c; do "$M" keygen "$k" -q >/dev/null; done
common=(--reg trace --lambda 0.2 --no-standardize --tol 0 --max-iter "$iters"
  --tau-adapt 0 --json -q)

link_bytes() { # bytes both ways on dcA's end of the delayed link
  ip netns exec dcA sh -c 'echo $(( $(cat /sys/class/net/tA/statistics/tx_bytes) + $(cat /sys/class/net/tA/statistics/rx_bytes) ))'
}
json() { sed -n 's/.*"'"$2"'": \([^,}]*\).*/\1/p' "$1"; }

# one_run TRANSPORT METHOD: prints "seconds wall bytes updates objective"
one_run() {
  local tr=$1 meth=$2 b0 b1 t0 t1
  b0=$(link_bytes)
  t0=$(date +%s.%N)
  if [ "$tr" = mpi ]; then
    timeout 900 mpirun -np 4 "${NL[@]}" "$M" train "$work/d.txt" --method "$meth" \
      --transport mpi "${common[@]}" -o "$work/m.mtl" >out.json 2>err.txt
  else
    local port=$((7400 + RANDOM % 100))
    ip netns exec dcA timeout 900 "$M" train d.txt --method "$meth" --transport zmq \
      --role coordinator --bind "tcp://10.88.0.1:$port" --key coord.key \
      --sites a.pub,b.pub,c.pub "${common[@]}" -o m.mtl >out.json 2>err.txt &
    local c=$!
    for s in a b c; do
      ip netns exec dcB timeout 900 "$M" train d.txt --method "$meth" --transport zmq \
        --role site --connect "tcp://10.88.0.1:$port" --key $s.key \
        --server-key coord.pub "${common[@]}" >/dev/null 2>>err.txt &
    done
    wait "$c"
    wait
  fi
  t1=$(date +%s.%N)
  b1=$(link_bytes)
  echo "$(json out.json seconds) $(echo "$t1 - $t0" | bc) $((b1 - b0)) $(json out.json updates) $(json out.json objective)"
}

echo "# bench/zmq/run.sh: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "# netlab ${delay} ms each way; T=$T d=$d n=$n; ITERS=$iters; REPS=$reps"
(ip netns exec dcA ping -c 3 -q 10.88.0.2 2>/dev/null | tail -1) || true
rows="$work/rows.txt"
: >"$rows"
for r in $(seq "$reps"); do
  for meth in smtl async; do
    for tr in mpi zmq; do
      res=$(one_run "$tr" "$meth")
      echo "$meth $tr $res" | tee -a "$rows"
    done
  done
done
echo
echo "| method | transport | runs | updates | objective | optimization s (median) | job wall s (median) | ms per update | link bytes per update |"
echo "|---|---|---|---|---|---|---|---|---|"
for meth in smtl async; do
  for tr in mpi zmq; do
    awk -v m="$meth" -v t="$tr" '
      function med(a, k,   i, j, x) {
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
          if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
      $1 == m && $2 == t { k++; s[k] = $3; w[k] = $4; b[k] = $5; u = $6; o = $7 }
      END { ms = med(s, k); mw = med(w, k); mb = med(b, k);
        printf "| %s | %s | %d | %d | %s | %.3f | %.3f | %.3f | %.0f |\n",
               m, t, k, u, o, ms, mw, 1000 * ms / u, mb / u }' "$rows"
  done
done
