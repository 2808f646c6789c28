#!/usr/bin/python3
"""python_multitask_lasso.py -- libmtl.MultiTaskLasso / MultiTaskElasticNet
(the Python binding) against scikit-learn's, measured in the same run.

Both minimize 1/(2n)||Y - XW' - 1b'||_F^2 + alpha l1_ratio ||W||_21 +
alpha (1 - l1_ratio)/2 ||W||_F^2 with the same parameters (tol, max_iter,
fit_intercept); each is fitted `--reps` times (best time kept; the two
fitted in turn) on problems
with a sparse shared support and AR(1)-correlated features.  Before a time
is printed the results are checked: the objective of each is within 1e-6
relative of a reference optimum (libmtl at tol 1e-14), and their
coefficients agree to 1e-4 relative to the largest (printed: "coef
diff"; at a tight tol they agree to 1e-6, tests/python/test_linear.py).
Stopping rules differ: libmtl (bcd, its default solver) stops at duality gap <= tol x objective
(checked every 10 passes once a pass moves no weight by more than tol x
max|W|, as scikit-learn) or at the coordinate fixed point (largest
change of a pass over every feature <= 1e-14 max|W|), scikit-learn at
duality gap <= tol ||Y - mean||_F^2 / n, a looser rule (the objective is
at most ||Y - mean||_F^2 / (2n)); both are reported as the objective's
relative distance dF to the optimum.

    /usr/bin/python3 bench/python_multitask_lasso.py [--reps 3] [--tol 1e-6]

Prints the CPU, the versions, and per shape: times, the ratio
sklearn_time / libmtl_time (> 1: libmtl faster) and the suboptimality of
each.  Run from the repository root after a build (PYTHONPATH=python is
set here).
"""
import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import numpy as np  # noqa: E402

import libmtl  # noqa: E402


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def problem(n, d, T, seed=0, support=None, rho=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    for j in range(1, d):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * X[:, j]
    s = support or max(2, d // 10)
    W = np.zeros((d, T))
    W[rng.choice(d, s, replace=False)] = rng.standard_normal((s, T))
    Y = X @ W + 1.0 + 0.5 * rng.standard_normal((n, T))
    return X, Y


def objective(X, Y, coef, b, alpha, r):
    R = Y - X @ coef.T - b
    return (0.5 * np.sum(R * R) / X.shape[0] +
            alpha * r * np.sum(np.linalg.norm(coef, axis=0)) +
            0.5 * alpha * (1 - r) * np.sum(coef * coef))


def best_times(makers, X, Y, reps):
    """Best time of each maker's fit over reps rounds, the makers fitted in
    turn within a round (so that a burst of load on a shared machine falls
    on both), and each one's last estimator."""
    best, est = [np.inf] * len(makers), [None] * len(makers)
    for _ in range(reps):
        for k, make in enumerate(makers):
            e = make()
            t = time.perf_counter()
            e.fit(X, Y)
            best[k] = min(best[k], time.perf_counter() - t)
            est[k] = e
    return best, est


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--frac", type=float, default=0.1,
                    help="alpha = frac * alpha_max")
    a = ap.parse_args()
    import sklearn
    from sklearn import linear_model as lm
    print("CPU: %s" % cpu_name())
    print("libmtl %s (%s), scikit-learn %s, numpy %s, python %s"
          % (libmtl.library_version, libmtl.library_path,
             sklearn.__version__, np.__version__, platform.python_version()))
    print("tol %g, alpha = %g alpha_max, best of %d\n" % (a.tol, a.frac,
                                                         a.reps))
    shapes = [(200, 100, 10), (1000, 500, 20), (5000, 200, 50),
              (500, 2000, 5)]
    print("%-18s %-11s %10s %10s %7s %10s %10s %10s" % (
        "n x d x T", "model", "libmtl s", "sklearn s", "ratio", "libmtl dF",
        "sklearn dF", "coef diff"))
    for (n, d, T) in shapes:
        X, Y = problem(n, d, T)
        Yc, Xc = Y - Y.mean(0), X - X.mean(0)
        alpha = a.frac * np.max(np.linalg.norm(Xc.T @ Yc, axis=1)) / n
        for name, r in (("Lasso", 1.0), ("ElasticNet", 0.5)):
            if r == 1.0:
                ours = lambda tol=a.tol: libmtl.MultiTaskLasso(
                    alpha=alpha, tol=tol, max_iter=100000)
                theirs = lambda: lm.MultiTaskLasso(alpha=alpha, tol=a.tol,
                                                   max_iter=100000)
            else:
                ours = lambda tol=a.tol: libmtl.MultiTaskElasticNet(
                    alpha=alpha, l1_ratio=r, tol=tol, max_iter=100000)
                theirs = lambda: lm.MultiTaskElasticNet(
                    alpha=alpha, l1_ratio=r, tol=a.tol, max_iter=100000)
            ref = ours(1e-14).fit(X, Y)
            Fs = objective(X, Y, ref.coef_, ref.intercept_, alpha, r)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                (tl, ts), (el, es) = best_times([ours, theirs], X, Y, a.reps)
            dl = objective(X, Y, el.coef_, el.intercept_, alpha, r) / Fs - 1
            ds = objective(X, Y, es.coef_, es.intercept_, alpha, r) / Fs - 1
            diff = np.abs(el.coef_ - es.coef_).max() / np.abs(es.coef_).max()
            if diff > 1e-4 or dl > 1e-6 or ds > 1e-6:
                print("CHECK FAILED at %dx%dx%d %s: coef diff %g, dF %g / %g"
                      % (n, d, T, name, diff, dl, ds))
                sys.exit(1)
            print("%-18s %-11s %10.4f %10.4f %7.2f %10.1e %10.1e %10.1e" % (
                "%dx%dx%d" % (n, d, T), name, tl, ts, ts / tl, dl, ds, diff))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
