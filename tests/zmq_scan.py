#!/usr/bin/python3
"""zmq_scan.py CAPTURE FILE... -- counts, in the bytes of CAPTURE (a pcap
file, searched whole), the 8-byte little-endian patterns of the doubles
that FILE... hold: the labels and feature values of an mtl text dataset,
the matrices of an mtl model ("matrix NAME R C" blocks), the arrays of an
mtl checkpoint (hexadecimal floats).  Doubles that are small integers
(task ids, counters, 0, 1) are left out: they are not secrets and their
patterns also occur by chance in headers.  Prints the number of distinct
patterns searched and found, a few found ones, and exits 1 when any is
found (0 otherwise); --expect-found inverts the exit status (a positive
control).  Standard library only."""
import struct
import sys


def numbers(path):
    """Every number of the file, but those of "meta" and comment lines."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith(("#", "meta ")):
                continue
            for tok in line.split():
                if ":" in tok:
                    tok = tok.split(":", 1)[1]
                try:
                    x = float.fromhex(tok) if "0x" in tok else float(tok)
                except ValueError:
                    continue
                out.append(x)
    return out


def main(argv):
    expect = "--expect-found" in argv
    argv = [a for a in argv if a != "--expect-found"]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cap = open(argv[1], "rb").read()
    pats = {}
    for p in argv[2:]:
        for x in numbers(p):
            if x == int(x) and abs(x) < 2 ** 31:
                continue
            pats[struct.pack("<d", x)] = x
    found = [x for b, x in pats.items() if b in cap]
    print("%d distinct doubles searched in %d bytes of %s: %d found%s"
          % (len(pats), len(cap), argv[1], len(found),
             (" (e.g. %s)" % ", ".join(repr(v) for v in found[:3]))
             if found else ""))
    if expect:
        return 0 if found else 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
