"""transfer_graph.py -- asymmetric multi-task learning (Lee et al. 2016):
tasks with much data and low loss transfer to tasks with little data.
Prints the learned transfer graph B_ (B_[s, t] = weight of the edge
s -> t) and, when matplotlib is installed, draws it to a PNG.

    PYTHONPATH=python /usr/bin/python3 examples/python/transfer_graph.py \
        [--out graph.png]

Data: 6 regression tasks in 2 groups (tasks 0-2 and 3-5 are noisy copies
of one base task each); tasks 0 and 3 have 200 samples, the others 15.
The graph links tasks within their group.  (Which way the edges point
follows the tasks' training losses, which the small tasks fit closely.)
"""
import argparse

import numpy as np

import libmtl


def data(seed=0, d=8):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(2, d))
    sizes = [200, 15, 15, 200, 15, 15]
    Xs, ys = [], []
    for t, n in enumerate(sizes):
        w = base[t // 3] + 0.05 * rng.normal(size=d)
        X = rng.normal(size=(n, d))
        Xs.append(X)
        ys.append(X @ w + 0.3 * rng.normal(size=n))
    return Xs, ys, sizes


def plot(B, sizes, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: plot skipped")
        return
    T = len(B)
    ang = 2 * np.pi * np.arange(T) / T
    xy = np.c_[np.cos(ang), np.sin(ang)]
    fig, ax = plt.subplots(figsize=(5, 5))
    top = B.max() if B.max() > 0 else 1
    for s in range(T):
        for t in range(T):
            if B[s, t] > 1e-3 * top:
                ax.annotate("", xy=xy[t], xytext=xy[s], arrowprops=dict(
                    arrowstyle="->", lw=0.5 + 3 * B[s, t] / top,
                    color="tab:blue", shrinkA=15, shrinkB=15))
    ax.scatter(xy[:, 0], xy[:, 1], s=[2 * n + 100 for n in sizes],
               color="tab:orange", zorder=3)
    for t in range(T):
        ax.text(*xy[t], str(t), ha="center", va="center", zorder=4)
    ax.set_title("transfer graph B (edge s -> t; node size = samples)")
    ax.set_axis_off()
    fig.savefig(path, dpi=100)
    print("plot written to %s" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="transfer_graph.png")
    a = ap.parse_args()
    Xs, ys, sizes = data()
    est = libmtl.AsymmetricMultiTask(mu=0.1).fit(Xs, ys)
    B = est.B_
    print("tasks: samples %s" % sizes)
    print("B_ (row s -> column t):")
    print(np.array2string(B, precision=3, suppress_small=True))
    within = sum(B[s, t] for s in range(6) for t in range(6)
                 if s // 3 == t // 3)
    print("share of the transfer within a group: %.2f" % (within / B.sum()))
    plot(B, sizes, a.out)


if __name__ == "__main__":
    main()
