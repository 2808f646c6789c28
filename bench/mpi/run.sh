#!/usr/bin/env bash
# bench/mpi/run.sh [BUILD_DIR] -- AMTL vs SMTL over MPI next to in-process
# (bench_mpi.c), on the loopback and with the task ranks behind netlab's
# delayed link (../shared/tools/netlab: needs root and /dev/net/tun), each
# with and without one straggler (application-level delay of rank 1's
# sends).  BUILD_DIR: a Release build with MPI (default build-mpi-rel).
# Prints Markdown tables (bench/mpi/RESULTS.md is their record).  Sets up
# netlab itself and tears it down at exit; stops only its own processes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build-mpi-rel}
netlab=$(cd "$root/../shared/tools/netlab" 2>/dev/null && pwd || true)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
work=$(mktemp -d)
cleanup() {
  if [ -n "${netup:-}" ]; then (cd "$work" && bash "$netlab/netsetup.sh" down) || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

[ -f "$build/libmtl-mpi.a" ] || { echo "no $build/libmtl-mpi.a: cmake -S $root -B $build -DCMAKE_BUILD_TYPE=Release -DMTL_WITH_MPI=ON && cmake --build $build --target mtl_mpi_static" >&2; exit 1; }
# shellcheck disable=SC2046
mpicc -O2 -I"$root/include" "$here/bench_mpi.c" "$build/libmtl-mpi.a" \
  $(pkg-config --libs openblas matio libzip) -llapacke -lpthread -ldl -lm \
  -o "$work/bench_mpi"
B="$work/bench_mpi"
ARGS=(8 20 50)   # T d n

if [ -z "${SKIP_LOOPBACK:-}" ]; then
echo "## loopback (all ranks on this machine)"
timeout 600 mpirun -np 5 --oversubscribe --bind-to none "$B" "${ARGS[@]}" 0 loopback
timeout 600 mpirun -np 5 --oversubscribe --bind-to none "$B" "${ARGS[@]}" 5 "loopback, straggler 5 ms" | grep -v '^#\|^| setting\|^|---'
fi

if [ -z "$netlab" ] || [ ! -c /dev/net/tun ] || [ "$(id -u)" -ne 0 ]; then
  echo "netlab not available (needs ../shared/tools/netlab, root and /dev/net/tun): skipped"
  exit 0
fi
cp "$netlab/netsetup.sh" "$netlab/nsrsh" "$work/"
cc -O2 -o "$work/tundelay" "$netlab/tundelay.c"
cd "$work"
netup=1
bash ./netsetup.sh "${NETLAB_DELAY_MS:-10}" >/dev/null
printf 'dcA slots=1\ndcB slots=4\n' > hosts
NL=(--hostfile hosts --mca plm_rsh_agent "$work/nsrsh"
    --mca oob_tcp_if_include 10.99.0.0/16 --mca btl_tcp_if_include 10.88.0.0/24
    --mca btl self,vader,tcp --mca mpi_yield_when_idle 1 --bind-to none
    -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM)
echo "## netlab: server (rank 0) in dcA, 4 task ranks in dcB, ${NETLAB_DELAY_MS:-10} ms each way"
(ip netns exec dcA ping -c 3 -q 10.88.0.2 2>/dev/null | tail -1) || true
# REPS=N repeats each setting N times (paired: SMTL and AMTL in one job);
# the rows of every repetition are printed, then the medians of the MPI
# AMTL / SMTL ratios of the time to the target.
reps=${REPS:-1}
out="$work/rows.md"
for r in $(seq "$reps"); do
  timeout 900 mpirun -np 5 "${NL[@]}" "$B" "${ARGS[@]}" 0 "netlab ${NETLAB_DELAY_MS:-10} ms" | grep -v '^| setting\|^|---' | tee -a "$out"
  timeout 900 mpirun -np 5 "${NL[@]}" "$B" "${ARGS[@]}" 5 "netlab, straggler 5 ms" | grep -v '^#\|^| setting\|^|---' | tee -a "$out"
done
awk -F'|' '$3 ~ /MPI/ { gsub(/ /, "", $2); gsub(/ /, "", $4); t = $6 + 0;
  if ($4 == "SMTL") s[$2] = t; else if (s[$2] > 0) { r[$2, ++n[$2]] = t / s[$2] } }
  END { for (k in n) { m = n[k]; for (i = 1; i <= m; i++) a[i] = r[k, i];
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
        med = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2;
        printf "median MPI AMTL/SMTL time to target, %s: %.2f (%d paired runs)\n", k, med, m } }' "$out"
