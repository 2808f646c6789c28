#!/usr/bin/python3
"""check_exports.py -- libmtl exports exactly its public API.

The rule: a function that libmtl.so, libmtl-mpi.so or libmtl-zmq.so
exports is declared with MTL_API in a public header (include/*.h), and
every function declared there is exported by the library that holds it.
Everything else (the layers' private headers: src/*/*.h, the method
fits of src/solvers/methods.h) is built with hidden visibility, so that
a user of the shared library reaches the methods through mtl_fit and
mtl_search_run only.  Tests and benchmarks link the static libraries,
which keep every symbol.

Usage: check_exports.py BUILD_DIR [--nm NM]; exit 0 ok, 1 a mismatch
(listed), 77 when nm or the shared libraries are missing (skipped).
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(HERE, "..", "include")
# header -> the shared library whose exports it declares (mtl_mpi.h's
# functions are in libmtl too, as stubs saying that MPI is missing)
LIBS = {"libmtl.so": ["mtl.h", "mtl_mpi.h", "mtl_zmq.h"],
        "libmtl-mpi.so": ["mtl.h", "mtl_mpi.h", "mtl_zmq.h"],
        "libmtl-zmq.so": ["mtl.h", "mtl_mpi.h", "mtl_zmq.h"]}
DECL = re.compile(r"\bMTL_API\b[^;{]*?\b(mtl_[A-Za-z0-9_]+)\s*\(", re.S)


def declared(header):
    path = os.path.join(INCLUDE, header)
    if not os.path.exists(path):
        return set()
    text = re.sub(r"/\*.*?\*/", " ", open(path).read(), flags=re.S)
    text = re.sub(r"#\s*define\s+MTL_API[^\n]*", " ", text)
    return set(DECL.findall(text))


def exported(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TW" and parts[2].startswith("mtl"):
            names.add(parts[2])
    return names


def main():
    args = sys.argv[1:]
    nm = "nm"
    if "--nm" in args:
        i = args.index("--nm")
        nm = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__)
        return 2
    build = args[0]
    if not shutil.which(nm):
        print("check_exports: %s not found: skipped" % nm)
        return 77
    checked, bad = 0, 0
    for lib, headers in LIBS.items():
        path = os.path.join(build, lib)
        if not os.path.exists(path):
            continue
        want = set().union(*(declared(h) for h in headers))
        have = exported(nm, path)
        checked += 1
        extra = sorted(have - want)
        missing = sorted(want - have)
        for name in extra:
            print("%s exports %s, which no public header declares" %
                  (lib, name))
        for name in missing:
            print("%s does not export %s (declared MTL_API in include/)" %
                  (lib, name))
        bad += len(extra) + len(missing)
        print("%s: %d functions exported, %d declared" %
              (lib, len(have), len(want)))
    if not checked:
        print("check_exports: no shared library in %s: skipped" % build)
        return 77
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
