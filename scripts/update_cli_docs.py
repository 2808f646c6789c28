#!/usr/bin/python3
"""update_cli_docs.py BUILD_DIR [DOC ...] -- keeps the docs' examples true.

In each DOC (default: docs/cli.md):
  * every ```usage: mtl CMD ...``` block is replaced by `mtl CMD --help`;
  * every fenced block whose first line is a `$ ` command is run again, in
    order, in one scratch directory (the `mtl gen` lines of the block that
    follows "use data made with:" are run first), and each command's
    output is replaced by what it prints now (stdout, then stderr).  Where
    the old output was trimmed with `...`, the new one is trimmed the same
    way: each kept line is matched by its leading words, in order.

Timings and async's delays change from run to run; everything else must
be reproducible.  Run it after a change that alters what a command prints
and review the diff.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = "```"


def blocks(lines):
    """(start, end) line ranges of the fenced blocks' contents."""
    out, start = [], None
    for i, line in enumerate(lines):
        if line.startswith(FENCE):
            if start is None:
                start = i + 1
            else:
                out.append((start, i))
                start = None
    return out


def key(line):
    """The leading words that identify an output line."""
    s = line.strip()
    m = re.match(r"^([^:]{1,24}:)", s)
    if m:
        return m.group(1)
    return s.split()[0] if s.split() else ""


def trim_like(old, new):
    """new, trimmed the way old was: only where old has a '...' line are
    new lines left out; each other old line is matched, in order, by its
    leading words, and the new lines between two matches are kept."""
    if not any(l.strip() == "..." for l in old):
        return new
    out, j, skipping = [], 0, False
    for l in old:
        if l.strip() == "...":
            if not out or out[-1].strip() != "...":
                out.append(l)
            skipping = True
            continue
        k = key(l)
        for jj in range(j, len(new)):
            if key(new[jj]) == k and (k or new[jj].strip() == ""):
                out += new[jj:jj + 1] if skipping else new[j:jj + 1]
                j = jj + 1
                skipping = False
                break
        else:
            print("  note: no line like %r any more" % l, file=sys.stderr)
    if not skipping:
        out += new[j:]
    return out


def commands(body):
    """[(command text, [its old output lines])] of a `$ ` block."""
    out = []
    i = 0
    while i < len(body):
        if not body[i].startswith("$ "):
            i += 1
            continue
        cmd = [body[i][2:]]
        while cmd[-1].endswith("\\") and i + 1 < len(body):
            i += 1
            cmd.append(body[i])
        i += 1
        res = []
        while i < len(body) and not body[i].startswith("$ "):
            res.append(body[i])
            i += 1
        out.append(("\n".join(cmd), res))
    return out


def run(cmd, cwd, env):
    """What cmd prints, stdout and stderr in the order a terminal shows
    them (line-buffered), trailing blanks removed."""
    p = subprocess.run(["stdbuf", "-oL", "-eL", "bash", "-c", cmd], cwd=cwd,
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    lines = [l.rstrip() for l in p.stdout.rstrip("\n").split("\n")]
    return lines if p.stdout.strip() else []


def update(doc, build, work, env):
    lines = open(doc).read().split("\n")
    # the data of the examples
    text = "\n".join(lines)
    m = re.search(r"use data made with:\n\n```\n(.*?)```", text, re.S)
    if m:
        for gen in m.group(1).strip().split("\n"):
            run(gen, work, env)
    out, last = [], 0
    for s, e in blocks(lines):
        body = lines[s:e]
        new = None
        if body and body[0].startswith("usage: mtl "):
            cmd = body[0].split()[2]
            new = run("%s/mtl %s --help" % (build, cmd), work, env)
        elif body and body[0].startswith("$ "):
            new = []
            for cmd, old in commands(body):
                new += ["$ " + l if k == 0 else l
                        for k, l in enumerate(cmd.split("\n"))]
                now = run(cmd, work, env)
                new += trim_like(old, now) if old else []
        if new is not None:
            out += lines[last:s] + new
            last = e
    out += lines[last:]
    open(doc, "w").write("\n".join(out))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    docs = sys.argv[2:] or ["docs/cli.md"]
    env = dict(os.environ, PATH=build + os.pathsep + os.environ["PATH"],
               COLUMNS="80")
    with tempfile.TemporaryDirectory() as work:
        for doc in docs:
            update(doc, build, work, env)


if __name__ == "__main__":
    main()
