#!/usr/bin/env bash
# run_core.sh -- builds libmtl's core benchmarks (Release) and runs them all,
# writing bench/RESULTS-core.md (about 1-2 minutes on a 2-core machine).
#
#   bench/run_core.sh            build dir build-bench, data ../shared/data
#   BUILD=dir MTL_DATA_DIR=dir bench/run_core.sh
#   NOBUILD=1 bench/run_core.sh   reuse the bench_core already built in BUILD
#
# The C benchmarks run with OPENBLAS_NUM_THREADS=1 (libmtl's own thread
# pool does the parallel work; threads=1 unless stated) and with the
# environment's other OPENBLAS_* settings as they are; when OpenBLAS loads
# kernels for an older CPU than this one (OpenBLAS 0.3.21 on CPUs it does
# not know), bench_core re-executes itself with the OPENBLAS_CORETYPE that
# libmtl suggests, as the mtl tool does (each section's "# BLAS:" line).
# The last section compares the BLAS candidates (bench/run_blas.sh).  The scikit-learn
# peer runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (in that
# command alone) and OPENBLAS_NUM_THREADS=1, so both sides use one core.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build-bench}
DATA=${MTL_DATA_DIR:-$ROOT/../shared/data}
OUT=$ROOT/bench/RESULTS-core.md
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -z "${NOBUILD:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON \
    -DMTL_BUILD_TESTS=OFF -DMTL_BUILD_CLI=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target bench_core bench_blas >/dev/null
fi
B=$BUILD/bench_core
[ -x "$B" ] || { echo "run_core.sh: $B not built" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1
PY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1
    /usr/bin/python3 bench/sklearn_multitask.py)

# section TITLE TEXT CMD...: runs CMD (stdout+stderr to the terminal and
# into the results as a code block, after the explanation TEXT).  A failed
# check makes CMD exit non-zero, and this script stops.
section() {
  local title=$1 text=$2
  shift 2
  echo "== $title" >&2
  {
    printf '\n## %s\n\n%s\n\n```\n' "$title" "$text"
    "$@" 2>&1 | tee /dev/stderr
    printf '```\n'
  } >>"$WORK/body.md"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

section "Memory bandwidth (membw)" \
"Sum-reduction of a 1 GiB array (8 accumulators, checksum verified) and a
STREAM-style triad a = b + 3c on three thirds of it (result verified), with
1 and 2 pthreads, best of 5.  This is the ceiling for every streaming pass
below: one core cannot saturate the memory system, two come closer.  Triad
counts 24 bytes per element (STREAM convention); the hardware also moves the
write-allocate line, so real traffic is 4/3 of that." \
  "$B" --json "$WORK/membw.json" membw

section "School: time to a certified duality gap" \
"School (../shared/data/school.mat, 139 tasks, 28 raw features,
MTL_SCALE_SUM, threads 1).  FISTA stops by tol_gap = 1e-6 (certificate every
5 iterations); BCD has no gap rule, so the benchmark searches the fewest
passes whose certificate passes and times that run.  Every run is checked:
gap <= 1e-6 x objective, gap >= 0, BCD and FISTA objectives within 2e-6.
Limits: tasks have n_t <= 251 and d = 28, so the problem is tiny (Gram data
0.9 MB): one loss+gradient costs ~139 small 28x28 gemv calls and runs from
cache, far from memory bandwidth; an iteration costs ~3.5 gradient
evaluations (gradient at Y, one or two trial losses for backtracking, the
certificate every 5 iterations).  The trace norm needs a 28x139 SVD per
prox (and per certificate), which dominates its iterations (iter/grad ~20).
BCD does O(d T) work per row in Gram form and wins for L1/L21." \
  "$B" --json "$WORK/school.json" school "$DATA/school.mat"

section "Large dense problem: gradient pass vs memory bandwidth, raw vs Gram" \
"T=100 tasks, d=500, n_t=2000 (X = 0.8 GB, uniform features of unit
variance; w_t share a 50-feature support; y = Xw + 0.5 noise), squared loss,
L21 at 0.1 x lambda_max.  (a) One fused loss+gradient pass over raw X
(gram = 0): X is streamed once in 256-row blocks (X_b w, then X_b' r while
the block is in cache), so its ceiling is the read bandwidth measured in the
same run (printed as a percentage).  The loss and every task's gradient are
checked against a row-by-row reference; 1 and 2 threads are bitwise equal.
(b) FISTA to gap <= 1e-6 x objective in raw mode and in Gram mode (gram =
-1: X_t'X_t, 0.2 GB, then each gradient is a 500x500 gemv per task: 4x less
data per pass).  Problem create is included in the totals: in Gram mode it
is the syrk of every task plus 30 power iterations on every Gram matrix
for the Lipschitz estimate; in raw mode, 8 power iterations per task (16
passes over X_t).  2-thread numbers need both cores idle: on a
shared machine a busy second core stalls the static task partition." \
  "$B" --json "$WORK/large.json" large

peer() { # name text gen-args...
  local name=$1 text=$2
  shift 2
  local D=$WORK/peer-$name
  mkdir -p "$D"
  local args
  args=$("${PY[@]}" gen "$D" "$@")
  read -r n d T alpha <<<"$args"
  section "scikit-learn peer ($name): n=$n d=$d T=$T, $*" "$text" bash -c "
    '$B' --json '$D/mtl.json' sklearn-peer '$D/X.bin' '$D/Y.bin' $n $d $T \
      $alpha 1e-6 '$D' &&
    echo && echo '\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/sklearn_multitask.py fit ...' &&
    ${PY[*]} fit '$D' --mtl-json '$D/mtl.json' --json '$D/sk.json'"
}

PEERTEXT="Shared-design L2,1 least squares, 1/(2n)||Y - XW||_F^2 + alpha
||W||_21: sklearn.linear_model.MultiTaskLasso(alpha, fit_intercept=False)
vs libmtl (MTL_SCALE_MEAN, MTL_REG_L21, lambda = alpha, shared design).  F*
is libmtl's optimum certified to a gap of 1e-10 relative; numpy re-evaluates
F at libmtl's W to confirm both tools minimize the same function.  Each tool
is timed until F <= F* (1 + 1e-6), from scratch, one core each: libmtl =
copy X into a dataset + problem create + solve, stopped by a progress
callback at the target (fista, bcd, fista_raw) or by its own certificate
(fista_certified); sklearn = fit() on Fortran-ordered arrays (no copy) with
the largest tol in a 1e-3, 3e-4, ... grid whose result reaches the target.
Every objective is re-checked against the target.  Limits: sklearn's
coordinate descent costs O(n T) per feature and pass on raw X; libmtl builds
X'X once (O(n d^2), syrk) and then iterates in O(d^2 T) per gradient, so it
wins when many iterations are needed, loses when few are.  Its setup is
the Gram matrix (syrk) and one Lipschitz estimate for the shared X (the
setup with T = 1 on the same X is printed below for comparison)."

peer isotropic "$PEERTEXT" --n 4000 --d 400 --T 30 --rho 0 --frac 0.1
peer correlated "$PEERTEXT" --n 4000 --d 400 --T 30 --rho 0.9 --frac 0.02

section "BLAS: the Gram build under each candidate" \
"The Gram build of the large problem above (T=100, d=500, n_t=2000:
cblas_dsyrk of every task, then mtl_problem_create with gram = -1, which
adds the Lipschitz estimate), one process per candidate,
OPENBLAS_NUM_THREADS=1, best of 2: OpenBLAS as it loads in the default
environment, OpenBLAS with each OPENBLAS_CORETYPE, and BLIS when a
libblis.so.4 is found (preloaded).  The default environment is what a
program linked with libmtl gets; the mtl tool and bench_core re-execute
themselves with the suggested core (README, \"BLAS\").  Checked first:
dsyrk against a plain loop." \
  env NOBUILD=1 BUILD="$BUILD" bench/run_blas.sh

T1=$(date +%s)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# libmtl core benchmarks"
  echo
  echo "Generated by \`bench/run_core.sh\` (Release build, \`$(basename "$BUILD")\`${NOBUILD:+, prebuilt binary of $(date -u -r "$B" '+%H:%M UTC')})."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p') (family $(sed -n 's/^cpu family\t*: //p' /proc/cpuinfo | head -1), model $(sed -n 's/^model\t*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  echo "- CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f' | sort -u | tr '\n' ' ')"
  echo "- compiler: $(cc --version | head -1); OpenBLAS (pthread build), C side with OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} in the environment (bench_core sets it itself when libmtl suggests a core: see each section's \"# BLAS:\" line), OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
  echo "- load average before / after: $LOAD0 / $LOAD1; total run $((T1 - T0)) s"
  echo "- NOTE: timings were taken on a shared 2-core machine while other"
  echo "  engineers were building and testing; single numbers can be off by"
  echo "  tens of percent, 2-thread numbers most of all (best-of-N is used"
  echo "  throughout to filter interference)."
  cat "$WORK/body.md"
} >"$OUT"
echo "wrote $OUT" >&2
