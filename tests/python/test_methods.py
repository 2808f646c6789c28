"""Every method through MultiTask; coefficients on raw features; the data
shapes; the learned structure of each family."""
import ctypes

import numpy as np
import pytest

import libmtl
from conftest import ONLINE, make_tasks


def test_library_loaded():
    assert libmtl.library_version.split(".")[0] == "0"
    assert "batch" in libmtl.methods() and "asym" in libmtl.methods()


@pytest.mark.parametrize("method", libmtl.methods())
def test_every_method_fits_and_predicts(method):
    X, y, task = make_tasks(classification=method in ONLINE)
    est = libmtl.MultiTask(method).fit(X, y, task=task)
    T, d = 4, X.shape[1]
    assert est.coef_.shape == (T, d) and est.intercept_.shape == (T,)
    assert list(est.tasks_) == [10, 20, 30, 40]
    assert est.n_iter_ >= 1 and est.fit_info_["method"] == \
        libmtl.method_info(method).name
    pred = est.predict(X, task=task)
    assert pred.shape == y.shape
    # the model predicts on raw features: coef_/intercept_ say the same
    k = np.searchsorted(est.tasks_, task)
    lin = np.einsum("ij,ij->i", X, est.coef_[k]) + est.intercept_[k]
    np.testing.assert_allclose(pred, lin, rtol=1e-12, atol=1e-12)
    # get_params lists exactly the method's parameters
    names = set(libmtl.method_info(method).params)
    assert set(est.get_params()) == names | {"method", "task_column"}
    assert est.score(X, y, task=task) > 0.5


def test_learned_structure():
    X, y, task = make_tasks()
    a = libmtl.AsymmetricMultiTask(mu=0.2).fit(X, y, task=task)
    assert a.B_.shape == (4, 4) and np.all(np.diag(a.B_) == 0)
    assert np.all(a.B_ >= 0)
    s = libmtl.SignRegularizedMultiTask(method="ssml").fit(X, y, task=task)
    assert s.signs_.shape == (4, 6)
    for u, v in s.sign_graph_:  # the constraint holds on every edge
        assert np.all(s.signs_[u] * s.signs_[v] >= 0)
    Xc, yc, tc = make_tasks(classification=True)
    o = libmtl.OnlineMultiTask().fit(Xc, yc, task=tc)
    assert o.Omega_.shape == (4, 4)
    np.testing.assert_allclose(np.trace(o.Omega_), 1.0, rtol=1e-9)
    r = libmtl.MultiTaskRegressor(alpha=0.01).fit(X, y, task=task)
    assert r.dual_gap_ >= 0 and r.fit_info_["certificate"] == "duality gap"


def test_three_shapes_agree():
    X, y, task = make_tasks(shuffle=False)
    est = libmtl.MultiTaskRegressor(alpha=0.05)
    a = est.fit(X, y, task=task).coef_
    Xs = [X[task == t] for t in (10, 20, 30, 40)]
    ys = [y[task == t] for t in (10, 20, 30, 40)]
    b = libmtl.MultiTaskRegressor(alpha=0.05).fit(Xs, ys)
    np.testing.assert_array_equal(a, b.coef_)  # same data, same order
    p = b.predict(Xs)
    assert isinstance(p, list) and [len(q) for q in p] == [30] * 4
    every = b.predict(X)  # one X, no ids: every task on every sample
    assert every.shape == (120, 4)
    np.testing.assert_array_equal(every[task == 20, 1], p[1])
    # interleaved tasks: the same tasks (samples in another order within
    # each task: sums in another order, so equal up to rounding)
    perm = np.random.default_rng(1).permutation(len(y))
    c = libmtl.MultiTaskRegressor(alpha=0.05).fit(X[perm], y[perm],
                                                  task=task[perm])
    np.testing.assert_allclose(a, c.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(c.predict(X[perm], task=task[perm]),
                                  c.predict(X, task=task)[perm])
    # shared design: Y (n, T)
    rng = np.random.default_rng(2)
    Xs_ = rng.normal(size=(40, 5))
    Y = Xs_ @ rng.normal(size=(5, 3)) + 0.1 * rng.normal(size=(40, 3))
    sh = libmtl.MultiTaskRegressor(alpha=0.01).fit(Xs_, Y)
    P = sh.predict(Xs_)
    assert P.shape == (40, 3)
    np.testing.assert_allclose(P, Xs_ @ sh.coef_.T + sh.intercept_,
                               rtol=1e-12, atol=1e-12)
    per = libmtl.MultiTaskRegressor(alpha=0.01).fit(
        [Xs_] * 3, [Y[:, t] for t in range(3)])
    np.testing.assert_allclose(sh.coef_, per.coef_, rtol=1e-7, atol=1e-9)
    assert sh.score(Xs_, Y) > 0.9


def test_sparse_matches_dense():
    sp = pytest.importorskip("scipy.sparse")
    X, y, task = make_tasks()
    X[np.abs(X) < 0.8] = 0.0
    dense = libmtl.MultiTaskRegressor(alpha=0.05, standardize=False)
    sparse = libmtl.MultiTaskRegressor(alpha=0.05, standardize=False)
    dense.fit(X, y, task=task)
    sparse.fit(sp.csr_matrix(X), y, task=task)
    # another code path (no Gram matrix): equal to the solver's tolerance
    np.testing.assert_allclose(dense.coef_, sparse.coef_, rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X), task=task),
                               dense.predict(X, task=task), rtol=1e-6,
                               atol=1e-7)


def test_predict_subset_of_tasks():
    X, y, task = make_tasks()
    est = libmtl.MultiTaskRegressor().fit(X, y, task=task)
    m = task == 30
    np.testing.assert_array_equal(est.predict(X[m], task=task[m]),
                                  est.predict(X, task=task)[m])


def test_classifier_labels(clf_data):
    X, y, task = clf_data
    y01 = (y > 0).astype(int)
    c = libmtl.MultiTaskClassifier(alpha=0.01).fit(X, y01, task=task)
    assert list(c.classes_) == [0, 1]
    pred = c.predict(X, task=task)
    assert set(np.unique(pred)) <= {0, 1}
    s = c.decision_function(X, task=task)
    np.testing.assert_array_equal(pred, (s > 0).astype(int))
    assert c.score(X, y01, task=task) > 0.8
    c2 = libmtl.MultiTaskClassifier(alpha=0.01).fit(X, y, task=task)
    assert list(c2.classes_) == [-1, 1]
    np.testing.assert_array_equal(c2.coef_, c.coef_)


def test_set_params_and_method_switch():
    est = libmtl.MultiTask("batch", lambda_=0.3)
    assert est.get_params()["lambda"] == 0.3
    est.set_params(method="asym", mu=0.5)
    assert "mu" in est.get_params() and "reg" not in est.get_params()
    assert est.get_params()["lambda"] == 0.3  # shared names are kept
    assert repr(est) == "MultiTask(method='asym', lambda=0.3, mu=0.5)"


def test_no_copy_for_grouped_c_float64(monkeypatch):
    """A float64 C-contiguous X whose tasks are already grouped reaches
    mtl_dataset_add_dense as it is: the pointers are into X itself."""
    from libmtl import _lib
    X, y, task = make_tasks(shuffle=False)
    seen = []
    real = _lib.lib.mtl_dataset_add_dense

    def spy(ds, n, Xp, yp, kind, name):
        seen.append(ctypes.cast(Xp, ctypes.c_void_p).value)
        return real(ds, n, Xp, yp, kind, name)

    monkeypatch.setattr(_lib.lib, "mtl_dataset_add_dense", spy)
    libmtl.MultiTaskRegressor().fit(X, y, task=task)
    rowbytes = X.shape[1] * 8
    assert seen == [X.ctypes.data + 30 * k * rowbytes for k in range(4)]
    seen.clear()  # interleaved tasks: gathered once, into one new array
    perm = np.random.default_rng(0).permutation(len(y))
    Xp = X[perm]
    libmtl.MultiTaskRegressor().fit(Xp, y[perm], task=task[perm])
    assert len(seen) == 4 and seen[0] != Xp.ctypes.data
    assert all(b - a == 30 * rowbytes for a, b in zip(seen, seen[1:]))


def test_status_and_convergence_warning():
    """A fit stopped at its iteration limit warns (sklearn's
    ConvergenceWarning) with its status and relative gap; a certified fit
    does not warn."""
    import warnings
    X, y, task = make_tasks()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = libmtl.MultiTaskRegressor(alpha=0.05).fit(X, y, task=task)
    assert est.fit_info_["status"] == "certified"
    assert est.fit_info_["relative_gap"] <= 1e-9
    with pytest.warns(libmtl._estimators.ConvergenceWarning,
                      match=r"batch stopped at its iteration limit: (far "
                            r"from a solution|not converged) \(relative gap"):
        est = libmtl.MultiTaskRegressor(alpha=0.05, max_iter=2).fit(
            X, y, task=task)
    assert est.fit_info_["status"] in ("not converged", "far from a solution")


def test_transfer_graph_networkx():
    """AsymmetricMultiTask.transfer_graph: the edges of B_ (row = source
    task) as a networkx.DiGraph over the task ids, weights B_[s, t]; the
    same edges as `mtl graph` writes."""
    nx = pytest.importorskip("networkx")
    X, y, task = make_tasks()
    a = libmtl.AsymmetricMultiTask(mu=0.2).fit(X, y, task=task)
    g = a.transfer_graph()
    assert isinstance(g, nx.DiGraph)
    assert sorted(g.nodes) == [10, 20, 30, 40]
    B = a.B_
    want = {(a.tasks_[s], a.tasks_[t]): B[s, t]
            for s in range(4) for t in range(4) if s != t and B[s, t] > 0}
    assert len(want) > 0
    assert {(u, v): w for u, v, w in g.edges(data="weight")} == want
    # a threshold keeps the strong edges only
    top = max(want.values())
    assert g.number_of_edges() >= \
        a.transfer_graph(threshold=top / 2).number_of_edges() >= 1
