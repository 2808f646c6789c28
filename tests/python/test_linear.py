"""MultiTaskLasso / MultiTaskElasticNet against scikit-learn's: the same
objective, so the same coefficients at a tight tolerance."""
import pickle

import numpy as np
import pytest

import libmtl

lm = pytest.importorskip("sklearn.linear_model")


def problem(n, d, T, support, seed, rho=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    for j in range(1, d):  # correlated neighbours
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * X[:, j]
    W = np.zeros((d, T))
    W[rng.choice(d, support, replace=False)] = rng.normal(size=(support, T))
    Y = X @ W + 0.5 + 0.2 * rng.normal(size=(n, T))
    return X, Y


PROBLEMS = [(60, 12, 4, 4, 0, 0.0), (40, 80, 3, 5, 1, 0.5),
            (200, 30, 6, 8, 2, 0.8)]


def close(a, b):
    """Within 1e-6 relative to the largest coefficient."""
    scale = max(np.abs(b).max(), 1e-300)
    err = np.abs(a - b).max() / scale
    assert err <= 1e-6, "relative difference %g > 1e-6" % err


@pytest.mark.parametrize("prob", PROBLEMS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("frac", [0.05, 0.3])
def test_same_coefficients_as_sklearn(prob, fit_intercept, frac):
    X, Y = problem(*prob)
    Yc = Y - Y.mean(axis=0) if fit_intercept else Y
    Xc = X - X.mean(axis=0) if fit_intercept else X
    alpha_max = np.max(np.linalg.norm(Xc.T @ Yc, axis=1)) / X.shape[0]
    alpha = frac * alpha_max
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12,
              max_iter=100000)
    for ours, theirs, extra in (
            (libmtl.MultiTaskLasso, lm.MultiTaskLasso, {}),
            (libmtl.MultiTaskElasticNet, lm.MultiTaskElasticNet,
             {"l1_ratio": 0.3}),
            (libmtl.MultiTaskElasticNet, lm.MultiTaskElasticNet,
             {"l1_ratio": 0.9})):
        a = ours(**kw, **extra).fit(X, Y)
        b = theirs(**kw, **extra).fit(X, Y)
        close(a.coef_, b.coef_)
        close(a.intercept_, b.intercept_) if fit_intercept else \
            np.testing.assert_array_equal(a.intercept_, 0)
        # rows of zeros where scikit-learn has them (joint selection)
        assert set(np.flatnonzero(np.abs(a.coef_).sum(0) == 0)) == \
            set(np.flatnonzero(np.abs(b.coef_).sum(0) == 0))
        np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6,
                                   atol=1e-6 * np.abs(Y).max())
        assert a.dual_gap_ <= 1e-12 * np.sum(Yc ** 2) / X.shape[0]


def test_fista_and_sparse_input():
    sp = pytest.importorskip("scipy.sparse")
    X, Y = problem(60, 12, 4, 4, 3)
    X[np.abs(X) < 0.7] = 0
    ref = lm.MultiTaskLasso(alpha=0.05, tol=1e-12, max_iter=100000).fit(X, Y)
    f = libmtl.MultiTaskLasso(alpha=0.05, tol=1e-12, max_iter=100000,
                              solver="fista").fit(X, Y)
    close(f.coef_, ref.coef_)
    s = libmtl.MultiTaskLasso(alpha=0.05, tol=1e-12, max_iter=100000).fit(
        sp.csr_matrix(X), Y)
    close(s.coef_, ref.coef_)


def test_sklearn_conventions():
    from sklearn.base import clone
    X, Y = problem(50, 8, 3, 3, 4)
    est = libmtl.MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7)
    assert clone(est).get_params() == est.get_params()
    assert "l1_ratio" not in libmtl.MultiTaskLasso().get_params()
    assert set(libmtl.MultiTaskLasso().get_params()) == \
        set(lm.MultiTaskLasso().get_params()) | {"solver"}
    est.fit(X, Y)
    assert est.coef_.shape == (3, 8) and est.predict(X).shape == (50, 3)
    assert est.score(X, Y) > 0.5
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    with pytest.raises(ValueError, match="shape \\(n_samples, n_tasks\\)"):
        libmtl.MultiTaskLasso().fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="cyclic"):
        libmtl.MultiTaskLasso(selection="random").fit(X, Y)
    with pytest.raises(ValueError, match="warm_start"):
        libmtl.MultiTaskLasso(warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="l1_ratio"):
        libmtl.MultiTaskElasticNet(l1_ratio=2).fit(X, Y)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"shared X\[4\]\[3\] is NaN"):
        libmtl.MultiTaskLasso().fit(Xn, Y)
