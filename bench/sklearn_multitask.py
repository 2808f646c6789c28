#!/usr/bin/python3
"""sklearn_multitask.py -- scikit-learn MultiTaskLasso as the peer of libmtl.

Both tools minimize the same shared-design L2,1 least-squares problem

    F(W) = 1/(2n) ||Y - X W||_F^2 + alpha * sum_j ||W_j.||_2

(sklearn's MultiTaskLasso with fit_intercept=False; libmtl's MTL_SCALE_MEAN
squared loss + MTL_REG_L21 with lambda = alpha on a shared-design dataset),
and the benchmark compares the TIME TO THE SAME OBJECTIVE F <= F* (1 + rtol),
F* being libmtl's reference optimum certified to a duality gap of 1e-10.

    gen DIR [--n --d --T --support --noise --frac --rho --seed]
        writes DIR/X.bin (n x d row-major float64), DIR/Y.bin (n x T
        column-major float64) and DIR/meta.json (alpha = frac * alpha_max;
        features N(0,1) with AR(1) correlation rho between neighbours)
    fit DIR --mtl-json FILE [--reps N] [--json OUT]
        reads the numbers bench_core sklearn-peer wrote (F*, target and the
        libmtl times), checks that numpy's F at libmtl's reference W equals
        libmtl's F* (same formulation), then fits MultiTaskLasso with a
        decreasing tol until its objective reaches the target, times that
        fit (best of N) and prints sklearn_time / libmtl_time.

Run with Debian's python: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
/usr/bin/python3 bench/sklearn_multitask.py ...
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np


def objective(X, Y, W, alpha):
    """1/(2n)||Y - XW||_F^2 + alpha sum_j ||W_j.||_2, W d x T."""
    R = Y - X @ W
    return 0.5 * np.sum(R * R) / X.shape[0] + alpha * np.sum(
        np.sqrt(np.sum(W * W, axis=1)))


def cmd_gen(a):
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    X = rng.standard_normal((a.n, a.d))
    for j in range(1, a.d):  # AR(1) features: corr(X_j, X_k) = rho^|j-k|
        X[:, j] = a.rho * X[:, j - 1] + np.sqrt(1 - a.rho ** 2) * X[:, j]
    Wt = np.zeros((a.d, a.T))
    supp = rng.choice(a.d, a.support, replace=False)
    Wt[supp] = rng.standard_normal((a.support, a.T))
    Y = X @ Wt + a.noise * rng.standard_normal((a.n, a.T))
    # W = 0 is optimal iff alpha >= max_j ||X_j' Y||_2 / n
    alpha_max = np.max(np.linalg.norm(X.T @ Y, axis=1)) / a.n
    alpha = a.frac * alpha_max
    np.ascontiguousarray(X, dtype="<f8").tofile(os.path.join(a.dir, "X.bin"))
    # column-major n x T: column t (task t's targets) contiguous
    np.ascontiguousarray(Y.T, dtype="<f8").tofile(
        os.path.join(a.dir, "Y.bin"))
    meta = dict(n=a.n, d=a.d, T=a.T, support=a.support, noise=a.noise,
                rho=a.rho,
                seed=a.seed, frac=a.frac, alpha_max=alpha_max, alpha=alpha)
    with open(os.path.join(a.dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("%d %d %d %.17g" % (a.n, a.d, a.T, alpha))


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return ", ".join("%s %s (%s) num_threads=%s" % (
            i.get("internal_api"), i.get("version"), i.get("architecture"),
            i.get("num_threads")) for i in threadpool_info()
            if i.get("user_api") == "blas")
    except Exception as e:  # threadpoolctl is optional
        return "unknown (%s)" % e


def cmd_fit(a):
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import MultiTaskLasso

    with open(os.path.join(a.dir, "meta.json")) as f:
        meta = json.load(f)
    with open(a.mtl_json) as f:
        mtl = json.load(f)
    n, d, T, alpha = meta["n"], meta["d"], meta["T"], meta["alpha"]
    X = np.fromfile(os.path.join(a.dir, "X.bin"), dtype="<f8").reshape(n, d)
    Y = np.fromfile(os.path.join(a.dir, "Y.bin"), dtype="<f8").reshape(T, n).T
    # sklearn works on Fortran-ordered arrays; handing them over in that
    # order spares it a copy (its best case; libmtl's time includes copying
    # X into its dataset).
    Xf, Yf = np.asfortranarray(X), np.asfortranarray(Y)
    fstar, target, rtol = mtl["peer.fstar"], mtl["peer.target"], \
        mtl["peer.rtol"]
    if abs(mtl["peer.alpha"] - alpha) > 1e-12 * alpha:
        sys.exit("alpha mismatch: libmtl %r, meta %r" %
                 (mtl["peer.alpha"], alpha))

    print("sklearn-peer (sklearn side): scikit-learn %s, numpy %s; BLAS: %s;"
          " OPENBLAS_NUM_THREADS=%s, OPENBLAS_CORETYPE=%s, "
          "OPENBLAS_L2_SIZE=%s" % (
              sklearn.__version__, np.__version__, blas_info(),
              os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
              os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
              os.environ.get("OPENBLAS_L2_SIZE", "(unset)")))
    # 1. same formulation: numpy's F at libmtl's reference W == libmtl's F*
    Wm = np.fromfile(os.path.join(a.dir, "W_mtl.bin"),
                     dtype="<f8").reshape(T, d).T
    f_np = objective(X, Y, Wm, alpha)
    rel = abs(f_np - fstar) / fstar
    print("  check: numpy F(W_libmtl) = %.15g vs libmtl F* = %.15g "
          "(rel diff %.1e)" % (f_np, fstar, rel))
    if rel > 1e-11:
        sys.exit("CHECK FAILED: objectives differ: the formulations do not "
                 "match")

    # 2. decreasing tol until sklearn's objective reaches the target
    tols = [1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8,
            1e-8, 3e-9, 1e-9, 3e-10, 1e-10, 3e-11, 1e-11, 1e-12]

    def fit(tol):
        m = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=tol,
                           max_iter=1000000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            m.fit(Xf, Yf)
            dt = time.perf_counter() - t0
        return dt, objective(X, Y, m.coef_.T, alpha), m.n_iter_

    found = None
    for tol in tols:
        dt, F, it = fit(tol)
        print("  tol %-7.0e %8.4f s  %6d passes  F = %.15g  F/F* - 1 = "
              "%+.2e %s" % (tol, dt, it, F, F / fstar - 1,
                            "<= target" if F <= target else ""))
        if F <= target:
            found = (tol, dt, F, it)
            break
    if found is None:
        sys.exit("CHECK FAILED: sklearn never reached F <= %.15g" % target)
    tol, best, F, it = found
    for _ in range(a.reps - 1):
        dt, F2, _ = fit(tol)
        if not F2 <= target:
            sys.exit("CHECK FAILED: refit at tol %g missed the target" % tol)
        best = min(best, dt)
    print("  sklearn MultiTaskLasso: tol %.0e, %d passes, best of %d: %.4f s,"
          " F = %.15g (F/F* - 1 = %.2e) <= target %.15g" % (
              tol, it, a.reps, best, F, F / fstar - 1, target))

    # 3. ratios against every libmtl variant timed by bench_core
    out = {"sklearn.version": sklearn.__version__, "sklearn.tol": tol,
           "sklearn.passes": int(it), "sklearn.seconds": best,
           "sklearn.objective": F, "check.numpy_vs_libmtl_rel": rel}
    print("  time to F <= F* (1 + %.0e), libmtl from scratch (incl. data "
          "copy + Gram) vs sklearn.fit:" % rtol)
    for v in ("fista", "fista_certified", "bcd", "fista_raw"):
        key = "peer.mtl.%s.seconds" % v
        if key not in mtl:
            continue
        r = best / mtl[key]
        out["ratio.sklearn_over_%s" % v] = r
        print("    libmtl %-16s %9.4f s   sklearn/libmtl = %8.2f%s" % (
            v, mtl[key], r, "   <- primary (default solver, same stop "
            "rule as sklearn's search)" if v == "fista" else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("dir")
    g.add_argument("--n", type=int, default=4000)
    g.add_argument("--d", type=int, default=400)
    g.add_argument("--T", type=int, default=30)
    g.add_argument("--support", type=int, default=40)
    g.add_argument("--noise", type=float, default=1.0)
    g.add_argument("--frac", type=float, default=0.1)
    g.add_argument("--rho", type=float, default=0.0)
    g.add_argument("--seed", type=int, default=7)
    f = sub.add_parser("fit")
    f.add_argument("dir")
    f.add_argument("--mtl-json", required=True)
    f.add_argument("--reps", type=int, default=3)
    f.add_argument("--json")
    a = p.parse_args()
    cmd_gen(a) if a.cmd == "gen" else cmd_fit(a)


if __name__ == "__main__":
    main()
