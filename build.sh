#!/usr/bin/env bash
# build.sh -- install what libmtl needs (Debian), build it, and run it.
#
#   ./build.sh demo    build, then run the main job (`mtl demo`)
#   ./build.sh test    build, then run the whole test suite (ctest)
#   ./build.sh nompi   the same without MPI (-DMTL_WITH_MPI=OFF, build-nompi)
#   ./build.sh asan    build with AddressSanitizer + UBSan, run the tests
#   ./build.sh clang-asan  the same with clang (build-clang-asan), whose UBSan
#                      also flags pointer arithmetic on NULL (issue 18, D10)
#   ./build.sh fuzz [S]  build the libFuzzer harnesses of fuzz/ (clang,
#                      ASan+UBSan, build-fuzz) and run each for S seconds
#                      (default 20) on fuzz/corpus and fresh seeds
#   ./build.sh bench   build the benchmarks (see bench/README.md)
#   ./build.sh deps    only check/install the Debian packages
#
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact install command is printed and the script stops.
set -euo pipefail
cd "$(dirname "$0")"

# python3-*: the Python binding (python/) and its tests (ctest's "python"),
# run with Debian's /usr/bin/python3.
PKGS=(build-essential cmake pkg-config libopenblas-dev liblapacke-dev
      libmatio-dev libzip-dev zlib1g-dev libopenmpi-dev openmpi-bin libzmq3-dev
      tcpdump
      python3-numpy python3-scipy python3-sklearn python3-pytest
      python3-threadpoolctl python3-networkx python3-venv python3-pip)
JOBS=$(nproc 2>/dev/null || echo 2)

deps() {
  local missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "build.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "build.sh: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

build() { # build DIR [cmake options...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
}

case "${1:-}" in
  deps) deps ;;
  demo)
    deps
    build build
    ./build/mtl demo
    ;;
  test)
    deps
    build build -DMTL_WERROR=ON
    ctest --test-dir build --output-on-failure -j"$JOBS"
    ;;
  nompi)
    deps
    build build-nompi -DMTL_WERROR=ON -DMTL_WITH_MPI=OFF -DMTL_WITH_ZMQ=OFF
    ctest --test-dir build-nompi --output-on-failure -j"$JOBS"
    ;;
  asan)
    deps
    build build-asan -DMTL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j"$JOBS"
    ;;
  clang-asan)
    deps
    command -v clang >/dev/null ||
      { echo "build.sh: clang-asan needs clang (apt-get install clang)" >&2; exit 1; }
    CC=clang build build-clang-asan -DMTL_SANITIZE=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-clang-asan --output-on-failure -j"$JOBS"
    ;;
  fuzz)
    deps
    command -v clang >/dev/null ||
      { echo "build.sh: fuzz needs clang (apt-get install clang)" >&2; exit 1; }
    CC=clang build build-fuzz -DMTL_SANITIZE=ON -DMTL_FUZZ=ON \
      -DMTL_BUILD_TESTS=OFF -DMTL_WITH_MPI=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
    fuzz/run.sh build-fuzz "${2:-20}"
    ;;
  bench)
    deps
    build build -DMTL_BUILD_BENCH=ON
    echo "benchmarks built in build/; see bench/README.md" >&2
    ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 2
    ;;
esac
