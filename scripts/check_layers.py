#!/usr/bin/python3
"""check_layers.py -- checks the layering of libmtl's sources (src/).

The rule.  src/ holds one folder per layer.  A file may call or #include
only files of its own layer or of a layer below it.  The order, bottom to
top (LAYERS below; printed on every run):

  base < linalg < data < problem < model < transport < solvers < mpi < zmq
  < api

Each layer has one private header in its folder (src/base/base.h,
src/linalg/linalg.h, ..., src/solvers/solvers.h) that includes the header
of the layer below it; it is checked like any other file.  The public
headers of include/ are outside the layering (anyone may include them).
The solvers layer has one subfolder per method (solvers/batch, async,
omtl, asym, srml) and its shared header src/solvers/solvers.h; between
the methods only calls into solvers/batch (the shared proximal-gradient
kernel) are allowed, any other cross-method call or include is reported.
No cycle may join two folders (layers or solver subfolders), and no cycle
may join files through #include.

How.  The call graph comes from the library's object files in the build
directory (every CMakeFiles/<target>.dir/src/**/*.o, i.e. those of mtl_obj,
mtl_nompi_obj and, when MPI is built, mtl_mpi_obj): `nm` lists each
object's defined and undefined symbols, and file A calls file B when A
has an undefined symbol that B defines.  The include graph comes from the
#include "..." lines of src/**/*.c and src/**/*.h.

Known exceptions are listed in scripts/layers_allow.txt, one per line:
    caller_file -> callee_file  # reason
(paths relative to the source tree; an entry covers calls and includes
between the two files).  An entry that no longer occurs is stale and is a
failure too, so that the list only shrinks (entries whose caller is not
built here, such as the MPI drivers without MPI, are not checked).

Run after building:
    /usr/bin/python3 scripts/check_layers.py build
or through ctest (test "layers").  Exit status: 0 clean, 1 violations
(each printed with its files and symbols), 2 usage or setup error, 77
(skip) when nm is missing.  Standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

# Bottom to top.  Why this order: the methods' *_to_model builders call
# model functions (so model < solvers), async and omtl run over the
# transport (so transport < solvers), and the MPI drivers run the solvers'
# role functions on MPI endpoints (so solvers < mpi); api calls no mpi.
# The order first planned (solvers < transport < model, mpi beside
# transport) does not match the code in these three places.  model and
# transport do not call each other; transport sits just under its users.
LAYERS = ["base", "linalg", "data", "problem", "model", "transport",
          "solvers", "mpi", "zmq", "api"]
ORDER_REASON = ("model < solvers: the *_to_model builders call model; "
                "transport < solvers: async/omtl run over the transport; "
                "mpi: the MPI transport (libmtl-mpi only), over the "
                "transport layer; zmq: the ZeroMQ transport (libmtl-zmq "
                "only), over the transport layer")
SOLVER_METHODS = ["batch", "async", "omtl", "asym", "srml"]
SHARED_SOLVER = "solvers/batch"
# Files outside the layer folders and the layer they count as: the solvers
# layer's shared header (not in a method's subfolder).
FILE_LAYERS = {"src/solvers/solvers.h": "solvers",
               "src/solvers/methods.h": "solvers"}


def rank(folder):
    """Position of a folder's layer in LAYERS."""
    return LAYERS.index(folder.split("/")[0])


def folder_of(path):
    """Folder (layer, or solvers/<method>) of a src/ path, or None."""
    if path in FILE_LAYERS:
        return FILE_LAYERS[path]
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "src" or parts[1] not in LAYERS:
        return None
    if parts[1] == "solvers":
        if len(parts) < 4 or parts[2] not in SOLVER_METHODS:
            return None
        return "solvers/" + parts[2]
    return parts[1]


def list_sources(src_root):
    """Every .c and .h under src/, as paths relative to the source tree."""
    out = []
    for d, dirs, files in os.walk(os.path.join(src_root, "src")):
        dirs.sort()
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(d, f), src_root))
    return out


def find_objects(build_dir, src_root):
    """{source path: [object files]} for the objects of src/ files.

    CMake puts the object of SOURCE/src/x/y.c of target t at
    BUILD/CMakeFiles/t.dir/src/x/y.c.o; objects whose source no longer
    exists (stale) are ignored."""
    objs = {}
    top = os.path.join(build_dir, "CMakeFiles")
    if not os.path.isdir(top):
        return objs
    for tdir in sorted(os.listdir(top)):
        root = os.path.join(top, tdir, "src")
        if not tdir.endswith(".dir") or not os.path.isdir(root):
            continue
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for f in sorted(files):
                if not f.endswith(".c.o"):
                    continue
                path = os.path.join(d, f)
                src = os.path.relpath(path, os.path.join(top, tdir))[:-2]
                src = src.replace(os.sep, "/")
                if os.path.isfile(os.path.join(src_root, src)):
                    objs.setdefault(src, []).append(path)
    return objs


def configured_source(build_dir):
    """The source tree a CMake build directory was configured for, or None.

    Looks for libmtl_SOURCE_DIR in the CMakeCache.txt of the build
    directory or of a directory above it (libmtl as a subproject)."""
    d = build_dir
    while True:
        cache = os.path.join(d, "CMakeCache.txt")
        if os.path.isfile(cache):
            with open(cache, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.startswith("libmtl_SOURCE_DIR:"):
                        return line.split("=", 1)[1].strip()
            return None
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


def read_symbols(nm, obj):
    """(defined global symbols, undefined symbols) of one object file."""
    res = subprocess.run([nm, "-P", obj], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    if res.returncode != 0:
        raise RuntimeError("%s -P %s failed: %s"
                           % (nm, obj, res.stderr.strip()))
    defined, undefined = set(), set()
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        name, kind = f[0], f[1]
        if kind in ("U", "w", "v"):
            undefined.add(name)
        elif kind.isupper() or kind in ("u", "i"):
            defined.add(name)
    return defined, undefined


def call_graph(nm, objs):
    """{(caller, callee): sorted symbols}; callee defines what caller uses."""
    defs, uses = {}, {}
    for src, paths in objs.items():
        uses[src] = set()
        for p in paths:
            d, u = read_symbols(nm, p)
            for s in d:
                defs.setdefault(s, set()).add(src)
            uses[src] |= u
    edges = {}
    for src, u in uses.items():
        for s in u:
            for callee in defs.get(s, ()):
                if callee != src:
                    edges.setdefault((src, callee), set()).add(s)
    return {k: sorted(v) for k, v in edges.items()}


INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def include_graph(src_root, sources):
    """{(includer, header): [line numbers]} for headers found under src/.

    A quoted include is looked up next to the including file first, then
    under src/ (the private include directory: "problem/problem.h"), then by
    name among src/'s headers.  Headers of include/ (public) and system
    headers are left out."""
    by_name = {}
    for s in sources:
        if s.endswith(".h"):
            by_name.setdefault(os.path.basename(s), []).append(s)
    known = set(sources)
    edges, problems = {}, []
    for s in sources:
        with open(os.path.join(src_root, s), encoding="utf-8",
                  errors="replace") as fh:
            for no, line in enumerate(fh, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                name = m.group(1)
                local = os.path.normpath(
                    os.path.join(os.path.dirname(s), name))
                under_src = os.path.normpath(os.path.join("src", name))
                if local in known:
                    targets = [local]
                elif under_src in known:
                    targets = [under_src]
                else:
                    targets = by_name.get(os.path.basename(name), [])
                    if len(targets) > 1:
                        problems.append(
                            "%s:%d: include \"%s\" is ambiguous: %s"
                            % (s, no, name, ", ".join(targets)))
                for t in targets:
                    if t != s:
                        edges.setdefault((s, t), []).append(no)
    return edges, problems


def read_allow(path):
    """[(line number, caller, callee, reason)] of the allow-list."""
    entries = []
    if not os.path.isfile(path):
        return entries, []
    errors = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            text, _, reason = line.partition("#")
            text = text.strip()
            if not text:
                continue
            m = re.match(r"^(\S+)\s*->\s*(\S+)$", text)
            if not m:
                errors.append("%s:%d: expected 'caller_file -> callee_file"
                              "  # reason'" % (path, no))
                continue
            if not reason.strip():
                errors.append("%s:%d: entry without a reason" % (path, no))
            entries.append((no, m.group(1), m.group(2), reason.strip()))
    return entries, errors


def sccs(nodes, succ):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        # Iterative depth-first search (no recursion limit).
        work = [(v, iter(sorted(succ.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def shortest_cycle(comp, succ):
    """A shortest cycle [v, ..., v] within one strongly connected component."""
    best = None
    for start in comp:
        prev, queue = {start: None}, [start]
        found = None
        while queue and found is None:
            nxt = []
            for v in queue:
                for w in sorted(succ.get(v, ())):
                    if w == start:
                        found = v
                        break
                    if w in comp and w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            queue = nxt
        path = [start]
        v = found
        while v is not None and v != start:
            path.append(v)
            v = prev[v]
        path = [start] + path[:0:-1] + [start]
        if best is None or len(path) < len(best):
            best = path
    return best


def edge_text(kind, a, b, detail):
    fa, fb = folder_of(a), folder_of(b)
    if kind == "call":
        what = "calls " + ", ".join(detail)
    else:
        what = "#include at line " + ", ".join(str(n) for n in detail)
    return "%s -> %s  (%s -> %s): %s" % (a, b, fa, fb, what)


def check_edges(edges, allow, allow_path, failures):
    """(a) upward and (c) cross-method edges; returns the allowed ones."""
    allowed = {}
    for no, a, b, reason in allow:
        if (a, b) in allowed:
            failures.append("%s:%d: duplicate entry '%s -> %s'"
                            % (allow_path, no, a, b))
        allowed[(a, b)] = (no, reason)
    used = set()
    for kind, a, b, detail in edges:
        fa, fb = folder_of(a), folder_of(b)
        if fa is None or fb is None:
            continue
        if rank(fb) > rank(fa):
            problem = "UPWARD " + kind.upper()
        elif (fa != fb and fa.startswith("solvers/")
              and fb.startswith("solvers/") and fb != SHARED_SOLVER):
            problem = "CROSS-METHOD " + kind.upper()
        else:
            continue
        text = edge_text(kind, a, b, detail)
        if (a, b) in allowed:
            used.add((a, b))
            no, reason = allowed[(a, b)]
            print("allowed (%s:%d): %s  # %s"
                  % (os.path.basename(allow_path), no, text, reason))
        else:
            failures.append(problem + " " + text)
    return used


def check_cycles(edges, used, failures):
    """(b) cycles between folders (calls and includes) and include cycles
    between files, the allowed edges left out."""
    succ, isucc = {}, {}
    for kind, a, b, detail in edges:
        if (a, b) in used:
            continue
        fa, fb = folder_of(a), folder_of(b)
        if fa is not None and fb is not None and fa != fb:
            succ.setdefault(fa, set()).add(fb)
        if kind == "include":
            isucc.setdefault(a, set()).add(b)
    for comp in sccs(set(succ), succ):
        cycle = shortest_cycle(comp, succ)
        lines = []
        for fa, fb in zip(cycle, cycle[1:]):
            for kind, a, b, detail in edges:
                if ((folder_of(a), folder_of(b)) == (fa, fb)
                        and (a, b) not in used):
                    lines.append("    " + edge_text(kind, a, b, detail))
        failures.append("CYCLE between folders %s (all of %s):\n%s"
                        % (" -> ".join(cycle), ", ".join(comp),
                           "\n".join(lines)))
    for comp in sccs(set(isucc), isucc):
        failures.append("INCLUDE CYCLE between files %s" % ", ".join(comp))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Check that no file of libmtl calls or includes a layer "
                    "above its own and that no cycle joins two folders.")
    ap.add_argument("build_dir", help="the CMake build directory (built)")
    ap.add_argument("--source-dir", default=os.path.dirname(here),
                    help="the source tree (default: the script's parent)")
    ap.add_argument("--allow", default=None,
                    help="allow-list "
                    "(default: SOURCE/scripts/layers_allow.txt)")
    ap.add_argument("--nm", default="nm", help="the nm program (default: nm)")
    args = ap.parse_args()
    src_root = os.path.abspath(args.source_dir)
    allow_path = args.allow or os.path.join(src_root, "scripts",
                                            "layers_allow.txt")

    print("layer order (bottom to top): " + " < ".join(LAYERS))
    print("  solvers/{%s}: cross-method calls only into %s"
          % (",".join(SOLVER_METHODS), SHARED_SOLVER))
    print("  why: " + ORDER_REASON)

    nm = shutil.which(args.nm)
    if not nm:
        print("layers: SKIP: nm (%s) not found" % args.nm)
        return 77
    if not os.path.isdir(os.path.join(src_root, "src")):
        print("layers: ERROR: no src/ in %s" % src_root)
        return 2
    sources = list_sources(src_root)
    build_dir = os.path.abspath(args.build_dir)
    configured = configured_source(build_dir)
    if configured and os.path.realpath(configured) != os.path.realpath(
            src_root):
        print("layers: ERROR: %s was configured for the sources in %s, not %s"
              % (args.build_dir, configured, src_root))
        return 2
    objs = find_objects(build_dir, src_root)
    if not objs:
        print("layers: ERROR: no object files of src/ under %s (build first)"
              % args.build_dir)
        return 2
    try:
        calls = call_graph(nm, objs)
    except (OSError, RuntimeError) as e:
        print("layers: ERROR: %s" % e)
        return 2
    includes, failures = include_graph(src_root, sources)

    for s in sources:
        if folder_of(s) is None:
            failures.append("%s: not in a known layer folder (add it to "
                            "LAYERS in %s)" % (s, os.path.basename(__file__)))

    allow, errors = read_allow(allow_path)
    failures += errors
    edges = [("call", a, b, d) for (a, b), d in sorted(calls.items())]
    edges += [("include", a, b, d) for (a, b), d in sorted(includes.items())]
    used = check_edges(edges, allow, allow_path, failures)
    check_cycles(edges, used, failures)
    for no, a, b, reason in allow:
        if (a, b) in used:
            continue
        # A source file whose object is not in this build (the MPI drivers
        # without MPI) has no known calls: its entries are not checked.
        if a.endswith(".c") and a in sources and a not in objs:
            print("not checked (%s not built here): %s:%d"
                  % (a, allow_path, no))
        else:
            failures.append("STALE %s:%d: '%s -> %s' is no longer a "
                            "violation; remove the entry"
                            % (allow_path, no, a, b))

    if failures:
        for f in failures:
            print(f)
        print("layers: %d problem(s)" % len(failures))
        return 1
    if used:
        print("layers: %d allowed exception(s) listed in %s"
              % (len(used), os.path.relpath(allow_path, src_root)))
    print("layers: %d files, %d call edges, %d include edges, no upward call, "
          "no cycle" % (len(sources), len(calls), len(includes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
