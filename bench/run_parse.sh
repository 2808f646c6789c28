#!/usr/bin/env bash
# run_parse.sh -- the text and CSV readers' speed, and the peak memory of
# `mtl train`, on a generated text file of about 1 GB (T=20 tasks, d=100
# dense features, 22000 samples per task, %.17g values: `mtl gen`).  The
# files live in a temporary folder under /tmp, removed at the end; nothing
# is written to the repository.  Prints the CPU, MB/s (wall and CPU time,
# best of 3) against a getline + strtod pass in the same run, and the peak
# RSS of `mtl train` (/usr/bin/time -v) as a multiple of the dense data
# size N * d * 8 bytes.
#
#   bench/run_parse.sh                 build dir build-bench
#   BUILD=dir CSV=1 bench/run_parse.sh   CSV=1: the CSV reader too (+1.3 GB)
#   NOBUILD=1 bench/run_parse.sh       reuse bench_parse and mtl in BUILD
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build-bench}
T=20 D=100 N=22000
if [ -z "${NOBUILD:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMTL_BUILD_BENCH=ON \
    -DMTL_BUILD_TESTS=OFF -DMTL_BUILD_CLI=ON >/dev/null
  cmake --build "$BUILD" -j2 --target bench_parse mtl_cli >/dev/null
fi
WORK=$(mktemp -d /tmp/mtl-bench-parse-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "libmtl $(git describe --always --dirty 2>/dev/null || echo '?'), $(cc --version | head -1)"
"$BUILD/mtl" gen -T $T -d $D -n $N --seed 1 -o "$WORK/data.txt" -q
"$BUILD/bench_parse" "$WORK/data.txt" ${CSV:+--csv "$WORK/data.csv"}
rm -f "$WORK/data.csv"
"$BUILD/mtl" train "$WORK/data.txt" --reg l21 --lambda 0.1 -q \
  -o "$WORK/model.mtl" >/dev/null 2>"$WORK/err.txt" &&
  /usr/bin/time -v "$BUILD/mtl" train "$WORK/data.txt" --reg l21 \
    --lambda 0.1 -q -o "$WORK/model.mtl" >/dev/null 2>"$WORK/time.txt" ||
  { cat "$WORK/err.txt" "$WORK/time.txt" >&2; exit 1; }
RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
awk -v rss="$RSS" -v n=$((T * N)) -v d=$D 'BEGIN {
  dense = n * d * 8 / 1e6;
  printf "mtl train --reg l21 --lambda 0.1: peak RSS %.1f MB = %.2f x the dense data (N*d*8 = %.1f MB)\n",
         rss * 1024 / 1e6, rss * 1024 / 1e6 / dense, dense }'
