"""sample_weight in fit: integer weights fit as the repeated samples, 0 as
the sample left out (objective to 1e-10, coefficients to the solver's
accuracy), for ids, a list of tasks and a shared design; bad weights and
methods that cannot take them are refused with libmtl's message."""
import numpy as np
import pytest

import libmtl
from conftest import make_tasks


def weights(n, seed=3):
    w = np.random.default_rng(seed).integers(0, 4, size=n).astype(float)
    w[:8] = 1.0  # every task keeps a weighted sample
    return w


def pair(est, X, y, w, **kw):
    """est fitted with weights, and a clone on the repeated samples."""
    a = est.fit(X, y, sample_weight=w, **kw)
    r = np.repeat(np.arange(len(w)), w.astype(int))
    b = libmtl.MultiTaskRegressor(**a.get_params()) if isinstance(
        est, libmtl.MultiTaskRegressor) else libmtl.MultiTaskClassifier(
            **a.get_params())
    kw = {k: v[r] for k, v in kw.items()}
    b.fit(X[r], y[r], **kw)
    return a, b


@pytest.mark.parametrize("cls", [False, True])
def test_integer_weights_repeat(cls):
    X, y, task = make_tasks(classification=cls)
    w = weights(len(y))
    Est = libmtl.MultiTaskClassifier if cls else libmtl.MultiTaskRegressor
    est = Est(reg="l21", alpha=0.02, ridge=0.1, tol_gap=1e-13, max_iter=100000)
    a, b = pair(est, X, y, w, task=task)
    assert a.fit_info_["objective"] == pytest.approx(
        b.fit_info_["objective"], rel=1e-10)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)
    np.testing.assert_allclose(a.predict(X, task=task),
                               b.predict(X, task=task), atol=1e-4)


def test_shared_design_and_task_list():
    X, y, task = make_tasks(shuffle=False)
    n = len(y) // 4
    Y = y.reshape(4, n).T  # shared design: T targets on the first block
    Xs = X[:n]
    w = weights(n)
    r = np.repeat(np.arange(n), w.astype(int))
    a = libmtl.MultiTaskRegressor(alpha=0.05, tol_gap=1e-13, max_iter=100000).fit(
        Xs, Y, sample_weight=w)
    b = libmtl.MultiTaskRegressor(alpha=0.05, tol_gap=1e-13, max_iter=100000).fit(Xs[r], Y[r])
    assert a.fit_info_["objective"] == pytest.approx(
        b.fit_info_["objective"], rel=1e-10)
    Xl = [X[t * n:(t + 1) * n] for t in range(4)]
    yl = [y[t * n:(t + 1) * n] for t in range(4)]
    wl = weights(4 * n, seed=5)
    ws = [wl[t * n:(t + 1) * n] for t in range(4)]
    rs = [np.repeat(np.arange(n), v.astype(int)) for v in ws]
    a = libmtl.MultiTaskRegressor(alpha=0.05, tol_gap=1e-13, max_iter=100000).fit(
        Xl, yl, sample_weight=wl)
    b = libmtl.MultiTaskRegressor(alpha=0.05, tol_gap=1e-13, max_iter=100000).fit(
        [x[i] for x, i in zip(Xl, rs)], [v[i] for v, i in zip(yl, rs)])
    assert a.fit_info_["objective"] == pytest.approx(
        b.fit_info_["objective"], rel=1e-10)


def test_ones_are_none_and_errors():
    X, y, task = make_tasks()
    a = libmtl.MultiTaskRegressor().fit(X, y, task=task)
    b = libmtl.MultiTaskRegressor().fit(X, y, task=task,
                                        sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    w = np.ones(len(y))
    w[5] = -1.0
    with pytest.raises(ValueError, match=r"sample_weight\[5\] = -1"):
        libmtl.MultiTaskRegressor().fit(X, y, task=task, sample_weight=w)
    with pytest.raises(ValueError, match="shape"):
        libmtl.MultiTaskRegressor().fit(X, y, task=task,
                                        sample_weight=np.ones(3))
    w[5] = 2.0
    w[:] = 0.0
    w[task == 20] = 1.0
    with pytest.raises(ValueError, match=r"task 1 \(10\): every sample"):
        libmtl.MultiTaskRegressor().fit(X, y, task=task, sample_weight=w)
    w[:] = 2.0
    with pytest.raises(Exception, match="does not support sample weights"):
        libmtl.MultiTask(method="srml").fit(X, y, task=task,
                                            sample_weight=w)


def test_score_weights_repeat():
    """score(sample_weight=w) with integer weights = score of the repeated
    samples (R^2 of a regressor, of a shared design; accuracy of a
    classifier, of a list of tasks), and scikit-learn's weighted scores."""
    sk = pytest.importorskip("sklearn.metrics")
    for cls in (False, True):
        X, y, task = make_tasks(classification=cls, seed=4)
        w = weights(len(y), seed=7)
        r = np.repeat(np.arange(len(w)), w.astype(int))
        Est = libmtl.MultiTaskClassifier if cls else libmtl.MultiTaskRegressor
        est = Est(alpha=0.05).fit(X[:60], y[:60], task=task[:60])
        a = est.score(X, y, task=task, sample_weight=w)
        assert a == pytest.approx(est.score(X[r], y[r], task=task[r]),
                                  rel=1e-12, abs=1e-15)
        p = est.predict(X, task=task)
        ref = (sk.accuracy_score if cls else sk.r2_score)(y, p,
                                                          sample_weight=w)
        assert a == pytest.approx(ref, rel=1e-12)
        assert est.score(X, y, task=task, sample_weight=np.ones(len(y))) \
            == pytest.approx(est.score(X, y, task=task), rel=1e-15)
    X, y, task = make_tasks(shuffle=False)
    n = len(y) // 4
    Xs, Y = X[:n], y.reshape(4, n).T
    w = weights(n)
    r = np.repeat(np.arange(n), w.astype(int))
    est = libmtl.MultiTaskRegressor(alpha=0.05).fit(Xs, Y)
    assert est.score(Xs, Y, sample_weight=w) == pytest.approx(
        est.score(Xs[r], Y[r]), rel=1e-12)
    Xl = [X[t * n:(t + 1) * n] for t in range(4)]
    yl = [np.where(v > np.median(v), 1, -1) for v in
          (y[t * n:(t + 1) * n] for t in range(4))]
    wl = weights(4 * n, seed=5)
    rs = [np.repeat(np.arange(n), wl[t * n:(t + 1) * n].astype(int))
          for t in range(4)]
    c = libmtl.MultiTaskClassifier(alpha=0.05).fit(Xl, yl)
    assert c.score(Xl, yl, sample_weight=wl) == pytest.approx(
        c.score([x[i] for x, i in zip(Xl, rs)],
                [v[i] for v, i in zip(yl, rs)]), rel=1e-12)


@pytest.mark.filterwarnings("ignore:the best alpha")
def test_cv_weights():
    """MultiTaskCV(sample_weight=w): weights of 1 are no weights (the same
    errors); weights scaled by 2.5 give the same errors (weighted RMSE and
    fits are scale-free); integer weights change the errors and choose as
    libmtl's weighted search, whose fold errors equal the repeated
    samples' (tests/test_weights_eval.c); the refit is the weighted fit."""
    X, y, task = make_tasks(seed=2)
    w = weights(len(y), seed=9)
    grid = {"alpha": [1e-4, 0.001, 0.01, 0.1, 1.0]}

    def cv(sw):  # CV fits as accurate as the final one: select_tol=0
        return libmtl.MultiTaskRegressorCV(
            libmtl.MultiTaskRegressor(tol_gap=1e-13, max_iter=100000,
                                      select_tol=0),
            param_grid=grid, cv=3, extend=False).fit(X, y, task=task,
                                                     sample_weight=sw)
    a, ones = cv(None), cv(np.ones(len(y)))
    np.testing.assert_array_equal(a.cv_results_["mean_test_error"],
                                  ones.cv_results_["mean_test_error"])
    b, b2 = cv(w), cv(2.5 * w)
    np.testing.assert_allclose(b.cv_results_["mean_test_error"],
                               b2.cv_results_["mean_test_error"], rtol=1e-8)
    assert not np.allclose(a.cv_results_["mean_test_error"],
                           b.cv_results_["mean_test_error"], rtol=1e-6)
    ref = libmtl.MultiTaskRegressor(tol_gap=1e-13, max_iter=100000,
                                    select_tol=0, **b.best_params_).fit(
        X, y, task=task, sample_weight=w)
    np.testing.assert_array_equal(b.best_estimator_.coef_, ref.coef_)
    r = np.repeat(np.arange(len(w)), w.astype(int))
    assert b.score(X, y, task=task, sample_weight=w) == pytest.approx(
        b.score(X[r], y[r], task=task[r]), rel=1e-12)
