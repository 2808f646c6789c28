"""school_cv.py -- choose the L2,1 weight of a multi-task regression by
cross-validation, with libmtl's search (mtl_search_run) and with
scikit-learn's GridSearchCV, then compare with single-task ridge.

    PYTHONPATH=python /usr/bin/python3 examples/python/school_cv.py [FILE]

Data: the School data set (139 schools, exam scores of students) read by
libmtl.read_dataset from ../shared/data/school.mat when present (or the
path given), else generated data of the same kind (tasks sharing a sparse
set of features).
"""
import os
import sys

import numpy as np

import libmtl


def load():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "..", "shared", "data", "school.mat")
    if os.path.exists(path):
        X, y, task = libmtl.read_dataset(path).stack()
        return "School (%s)" % path, X, y, task
    rng = np.random.default_rng(0)
    T, d, n = 30, 28, 80
    W = np.zeros((T, d))
    W[:, :6] = rng.normal(size=(T, 6)) + 1.0
    X = rng.normal(size=(T * n, d))
    task = np.repeat(np.arange(T), n)
    y = np.einsum("ij,ij->i", X, W[task]) + rng.normal(size=T * n)
    return "generated (30 tasks sharing 6 of 28 features)", X, y, task


def main():
    name, X, y, task = load()
    print("data: %s: %d samples, %d features, %d tasks"
          % (name, X.shape[0], X.shape[1], len(np.unique(task))))
    # a held-out part of every task
    rng = np.random.default_rng(1)
    test = np.zeros(len(y), dtype=bool)
    for t in np.unique(task):
        m = np.flatnonzero(task == t)
        test[rng.choice(m, max(1, len(m) // 4), replace=False)] = True

    # libmtl's k-fold search within each task over a lambda path
    cv = libmtl.MultiTaskCV(libmtl.MultiTaskRegressor(reg="l21"),
                            "lambda=path:12:0.001", cv=5)
    cv.fit(X[~test], y[~test], task=task[~test])
    print("\nlibmtl search (%s, 5 folds):" % cv.metric_)
    for a, e, s in zip(cv.cv_results_["param_alpha"],
                       cv.cv_results_["mean_test_error"],
                       cv.cv_results_["std_test_error"]):
        mark = " <- best" if a == cv.best_params_["alpha"] else ""
        print("  alpha %-10.4g %.4f +- %.4f%s" % (a, e, s, mark))
    best = cv.best_estimator_
    rmse = np.sqrt(np.mean((best.predict(X[test], task=task[test]) -
                            y[test]) ** 2))
    print("multi-task L2,1, alpha %.4g: test RMSE %.4f, %d of %d features "
          "used" % (best.alpha, rmse, np.sum(np.any(best.coef_ != 0, axis=0)),
                    X.shape[1]))

    # the same estimator in scikit-learn's GridSearchCV: the task ids go
    # in column 0 of X (task_column=0), so that they follow the folds.  The
    # folds must cut inside the tasks (shuffled KFold): unshuffled folds of
    # task-sorted rows would hold out whole tasks, never seen in fit.
    try:
        from sklearn.model_selection import GridSearchCV, KFold
    except ImportError:
        return
    Xt = np.column_stack([task, X])
    grid = {"alpha": list(cv.cv_results_["param_alpha"][::3])}
    gs = GridSearchCV(libmtl.MultiTaskRegressor(task_column=0), grid,
                      cv=KFold(3, shuffle=True, random_state=0))
    gs.fit(Xt[~test], y[~test])
    print("GridSearchCV (R^2): best alpha %.4g, test R^2 %.4f"
          % (gs.best_params_["alpha"], gs.score(Xt[test], y[test])))
    stl = libmtl.MultiTaskRegressor(reg="ridge", alpha=1e-2)
    stl.fit(X[~test], y[~test], task=task[~test])
    rmse = np.sqrt(np.mean((stl.predict(X[test], task=task[test]) -
                            y[test]) ** 2))
    print("independent ridge per task: test RMSE %.4f" % rmse)


if __name__ == "__main__":
    main()
