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
