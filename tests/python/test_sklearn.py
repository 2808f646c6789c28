"""scikit-learn: clone, cross-validation (GroupKFold with the task ids in a
column of X), GridSearchCV, pickling, check_estimator."""
import pickle
import warnings

import numpy as np
import pytest

import libmtl
from conftest import make_tasks

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import (GridSearchCV, GroupKFold,  # noqa: E402
                                     cross_val_score)


def with_task_column(X, task):
    return np.column_stack([task, X])


def test_clone_keeps_params():
    for est in (libmtl.MultiTask("asym", mu=0.3, task_column=0),
                libmtl.MultiTaskRegressor(alpha=0.2, reg="trace"),
                libmtl.OnlineMultiTask(method="dadmm", topology="star")):
        c = clone(est)
        assert c.get_params() == est.get_params()
        assert type(c) is type(est)


def test_group_kfold_cross_val_score():
    X, y, task = make_tasks(n=40)
    Xt = with_task_column(X, task)
    # groups: 5 blocks of samples inside every task (e.g. subjects), so that
    # each test fold holds samples of every task.  (Groups equal to the
    # task ids would hold out whole tasks, which a multi-task model has
    # never seen: predict then raises ValueError naming the task.)
    groups = np.zeros(len(y), dtype=int)
    for t in np.unique(task):
        m = np.flatnonzero(task == t)
        groups[m] = np.arange(len(m)) % 5
    est = libmtl.MultiTaskRegressor(alpha=0.05, task_column=0)
    scores = cross_val_score(est, Xt, y, groups=groups, cv=GroupKFold(5))
    assert scores.shape == (5,) and np.all(scores > 0.8)
    # a task unseen in fit cannot be predicted
    with pytest.raises(ValueError, match="task id"):
        held = task == 10
        libmtl.MultiTaskRegressor().fit(X[~held], y[~held],
                                        task=task[~held]).predict(
                                            X[held], task=task[held])


def test_grid_search_cv():
    X, y, task = make_tasks(n=40)
    gs = GridSearchCV(libmtl.MultiTaskRegressor(task_column=0),
                      {"alpha": [0.01, 0.1, 1.0], "reg": ["l21", "trace"]},
                      cv=3)
    gs.fit(with_task_column(X, task), y)
    assert gs.best_params_["alpha"] in (0.01, 0.1, 1.0)
    assert gs.best_estimator_.coef_.shape == (4, 6)


def test_multitask_cv_search():
    X, y, task = make_tasks(n=40)
    cv = libmtl.MultiTaskCV(libmtl.MultiTaskRegressor(),
                            {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0]}, cv=4)
    cv.fit(X, y, task=task)
    err = cv.cv_results_["mean_test_error"]
    assert cv.best_index_ == int(np.nanargmin(err))
    assert cv.best_params_ == {"alpha": cv.cv_results_["param_alpha"][
        cv.best_index_]}
    assert cv.metric_ == "rmse" and cv.cv_results_["rank_test_error"][
        cv.best_index_] == 1
    ref = libmtl.MultiTaskRegressor(**cv.best_params_).fit(X, y, task=task)
    np.testing.assert_array_equal(cv.best_estimator_.coef_, ref.coef_)
    # libmtl's own grid text
    path = libmtl.MultiTaskCV(libmtl.MultiTask("batch"), "lambda=path:6:0.01",
                              cv=3, extend=False).fit(X, y, task=task)
    assert len(path.cv_results_["params"]) == 6


def test_cv_extends_past_the_edge():
    """A grid whose best point is its edge (alpha 1 and 0.3: too strong;
    the best is near 0.01) is extended past it until the best is inside;
    the added points score as a search of the whole grid given at once;
    extend=False warns."""
    X, y, task = make_tasks(n=40)
    est = libmtl.MultiTaskRegressor()
    cv = libmtl.MultiTaskCV(est, {"alpha": [1.0, 0.3]}, cv=3).fit(
        X, y, task=task)
    assert cv.n_extended_ > 0 and cv.edge_ == {"alpha": 0}
    alphas = list(cv.cv_results_["param_alpha"])
    assert len(alphas) == 2 + cv.n_extended_
    assert alphas == sorted(alphas, reverse=True)
    assert cv.best_params_["alpha"] < 0.3
    whole = libmtl.MultiTaskCV(est, {"alpha": alphas}, cv=3,
                               extend=False).fit(X, y, task=task)
    np.testing.assert_allclose(whole.cv_results_["mean_test_error"],
                               cv.cv_results_["mean_test_error"], rtol=1e-6)
    with pytest.warns(UserWarning, match="the best alpha, 0.3, is the "
                                         "smallest value tried"):
        libmtl.MultiTaskCV(est, {"alpha": [1.0, 0.3]}, cv=3,
                           extend=False).fit(X, y, task=task)


@pytest.mark.parametrize("make", [
    lambda: libmtl.MultiTaskRegressor(alpha=0.05),
    lambda: libmtl.MultiTask("asym", mu=0.2),
    lambda: libmtl.SignRegularizedMultiTask(),
    lambda: libmtl.MultiTask("gomtl", k=2),
])
def test_pickle_round_trip(make):
    X, y, task = make_tasks()
    est = make().fit(X, y, task=task)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X, task=task),
                                  est.predict(X, task=task))
    np.testing.assert_array_equal(back.coef_, est.coef_)
    assert back.get_params() == est.get_params()
    assert back.model_.to_bytes() == est.model_.to_bytes()
    for k in ("B_", "signs_"):
        if hasattr(est, k):
            np.testing.assert_array_equal(getattr(back, k), getattr(est, k))


def test_pickle_classifier(clf_data):
    X, y, task = clf_data
    est = libmtl.OnlineMultiTask().fit(X, y, task=task)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X, task=task),
                                  est.predict(X, task=task))
    np.testing.assert_array_equal(back.Omega_, est.Omega_)


# check_estimator on MultiTaskRegressor with single-task input (no task
# ids: one task).  Checks that do not apply, and why:
#  - check_supervised_y_2d: a 2-D y is not a column vector to ravel here
#    but the shared-design shape Y (n, T) (T tasks on one X), so no
#    DataConversionWarning;
#  - check_regressor_data_not_an_array, check_sample_weights_pandas_series:
#    need pandas (skipped by sklearn);
#  (the sample_weight checks apply and pass: fit takes per-sample
#    weights, test_sample_weight.py)
# NaN and inf are rejected with libmtl's message, which names the task,
# the row and the column ("task 1 (0): X[4][2] is NaN (not finite)").
# MultiTaskClassifier is not checked: it takes labels -1/+1 or 0/1 only
# (libmtl's binary tasks), while the classifier checks use 3 classes and
# string labels.
NOT_APPLICABLE = {"check_supervised_y_2d",
                  "check_regressor_data_not_an_array",
                  "check_sample_weights_pandas_series"}


def failed_checks(est, skip):
    from sklearn.utils.estimator_checks import check_estimator
    failed = []
    for e, check in check_estimator(est, generate_only=True):
        name = getattr(check, "func", check).__name__
        if name in skip:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                check(e)
            except Exception as exc:  # collect them all
                failed.append("%s: %s" % (name, exc))
    return failed


def test_check_estimator_regressor():
    failed = failed_checks(libmtl.MultiTaskRegressor(), NOT_APPLICABLE)
    assert not failed, failed


# MultiTaskLasso / MultiTaskElasticNet: every check of scikit-learn's own
# classes (multioutput_only: Y is n x T) but the pandas one (pandas is not
# installed; sklearn skips it by raising SkipTest).
@pytest.mark.parametrize("cls", [libmtl.MultiTaskLasso,
                                 libmtl.MultiTaskElasticNet])
def test_check_estimator_shared_design(cls):
    failed = failed_checks(cls(), {"check_regressor_data_not_an_array"})
    assert not failed, failed


def test_cv_classes(clf_data):
    X, y, task = clf_data
    r = libmtl.MultiTaskRegressorCV(cv=3).fit(*make_tasks()[:2],
                                              task=make_tasks()[2])
    assert len(r.cv_results_["params"]) == 20 + r.n_extended_
    assert r.metric_ == "rmse"
    assert r.alpha_ == r.best_params_["alpha"] and r.coef_.shape == (4, 6)
    y01 = (y > 0).astype(int)
    c = libmtl.MultiTaskClassifierCV(param_grid={"alpha": [0.001, 0.1]},
                                     cv=3).fit(X, y01, task=task)
    assert c.metric_ == "error_rate" and list(c.classes_) == [0, 1]
    assert set(np.unique(c.predict(X, task=task))) <= {0, 1}
    a = libmtl.MultiTaskCV(libmtl.AsyncMultiTask(method="smtl"),
                           {"alpha": [0.01, 0.1]}, cv=0, holdout=0.3)
    a.fit(*make_tasks()[:2], task=make_tasks()[2])
    assert a.best_estimator_.method == "smtl"
    assert np.all(np.isfinite(a.cv_results_["mean_test_error"]))


def test_example_school_cv_runs():
    """examples/python/school_cv.py on its generated data (a path that
    does not exist), as a smoke test of the example."""
    import os
    import subprocess
    import sys
    from conftest import ROOT
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(ROOT, "python")] +
        [p for p in [env.get("PYTHONPATH")] if p])
    r = subprocess.run([sys.executable,
                        os.path.join(ROOT, "examples", "python",
                                     "school_cv.py"), "/nonexistent.mat"],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert "<- best" in r.stdout and "GridSearchCV" in r.stdout
