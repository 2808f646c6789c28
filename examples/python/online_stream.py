"""online_stream.py -- learn from a stream, one batch of rounds at a time,
with OnlineMultiTask.partial_fit (C-ADMM of Li et al. 2024): the
cumulative error falls as rounds arrive, and Omega_ (the learned task
covariance) shows which tasks go together.

    PYTHONPATH=python /usr/bin/python3 examples/python/online_stream.py \
        [--rounds N] [--batch B]

Data: two groups of binary tasks (tasks 0-2 and 3-5 share a boundary
within their group), instances arriving one per task per round.
"""
import argparse

import numpy as np

import libmtl


def stream(rounds, d=10, seed=0):
    """Yields (X, y, task) for each round: one instance per task."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(2, d))
    W = np.vstack([centers[t // 3] + 0.2 * rng.normal(size=d)
                   for t in range(6)])
    for _ in range(rounds):
        X = rng.normal(size=(6, d))
        y = np.where(np.einsum("ij,ij->i", X, W) > 0, 1, -1)
        flip = rng.random(6) < 0.05  # label noise
        yield X, np.where(flip, -y, y), np.arange(6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=250)
    a = ap.parse_args()
    on = libmtl.OnlineMultiTask(method="cadmm", eta=np.sqrt(a.rounds))
    buf = []
    for r, item in enumerate(stream(a.rounds), 1):
        buf.append(item)
        if len(buf) == a.batch or r == a.rounds:
            X = np.vstack([b[0] for b in buf])
            y = np.concatenate([b[1] for b in buf])
            task = np.concatenate([b[2] for b in buf])
            on.partial_fit(X, y, task=task)
            batch_err = np.mean(on.last_predictions_ != y)
            print("round %5d: cumulative error %.3f, this batch %.3f"
                  % (on.fit_info_["rounds"], on.fit_info_["cumulative_error"],
                     batch_err))
            buf = []
    print("Omega_ (task covariance, rows/columns = tasks 0..5):")
    print(np.array2string(on.Omega_, precision=3, suppress_small=True))
    same = np.mean([on.Omega_[i, j] for i in range(6) for j in range(6)
                    if i != j and i // 3 == j // 3])
    other = np.mean([on.Omega_[i, j] for i in range(6) for j in range(6)
                     if i // 3 != j // 3])
    print("mean off-diagonal Omega: same group %.4f, other group %.4f"
          % (same, other))


if __name__ == "__main__":
    main()
