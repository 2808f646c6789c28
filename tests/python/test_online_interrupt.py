"""OnlineMultiTask.partial_fit (round by round: the bits of fit), the
sample_weight rule, and Ctrl-C stopping a long fit."""
import os
import pickle
import signal
import threading
import time

import numpy as np
import pytest

import subprocess

import libmtl
from conftest import make_tasks
from test_cli import blas_env, write_text


def rank_in_task(task):
    """Position of every sample within its task (samples in order)."""
    r = np.empty(len(task), dtype=int)
    for t in np.unique(task):
        m = np.flatnonzero(task == t)
        r[m] = np.arange(len(m))
    return r


@pytest.mark.parametrize("method,kw", [("cadmm", {"eta": 4.0}),
                                       ("cadmm", {"eta": 2.0,
                                                  "omega_every": 4}),
                                       ("ogd", {}), ("dpsgd", {}),
                                       ("dpsgd", {"topology": "star"}),
                                       ("dadmm", {"eta": 2.0}),
                                       ("dadmm", {"eta": 3.0,
                                                  "topology": "star",
                                                  "omega_every": 2})])
def test_partial_fit_is_fit(method, kw):
    # unequal tasks, interleaved samples
    X, y, task = make_tasks(classification=True, n=25, seed=3)
    keep = ~((task == 20) & (rank_in_task(task) >= 17))
    X, y, task = X[keep], y[keep], task[keep]
    ref = libmtl.OnlineMultiTask(method=method, seed=0, **kw).fit(
        X, y, task=task)
    on = libmtl.OnlineMultiTask(method=method, **kw)
    r = rank_in_task(task)
    seen, mistakes = 0, 0
    for lo, hi in ((0, 1), (1, 6), (6, 19), (19, 100)):
        sel = (r >= lo) & (r < hi)
        on.partial_fit(X[sel], y[sel], task=task[sel],
                       tasks=[10, 20, 30, 40])
        seen += sel.sum()
        mistakes += np.sum(on.last_predictions_ != y[sel])
        assert on.fit_info_["instances"] == seen
        assert on.fit_info_["mistakes"] == mistakes
        assert on.fit_info_["rounds"] == min(hi, 25)
        if method in ("cadmm", "dadmm"):  # Omega_ after every call: trace 1
            assert on.Omega_.shape == (4, 4)
            np.testing.assert_allclose(np.trace(on.Omega_), 1, rtol=1e-12)
    np.testing.assert_array_equal(on.coef_, ref.coef_)
    assert on.fit_info_["mistakes"] == ref.fit_info_["mistakes"]
    for k in ("Omega", "V", "u"):
        if k in ref.matrices_:
            np.testing.assert_array_equal(on.matrices_[k], ref.matrices_[k])
    np.testing.assert_array_equal(on.predict(X, task=task),
                                  ref.predict(X, task=task))


@pytest.mark.parametrize("params", [{"eta": 2.0},
                                    {"eta": 1.5, "topology": "regular",
                                     "degree": 3, "omega_every": 3}])
def test_partial_fit_dadmm_is_cli(tmp_path, cli, params):
    # D-ADMM on a graph where entries gossip over two hops (8 tasks): the
    # rounds fed in pieces give the model of `mtl train --method dadmm`
    # (seed 0: the samples of each task replayed in their order)
    X, y, task = make_tasks(T=8, classification=True, n=20, seed=5)
    data = tmp_path / "data.txt"
    write_text(data, X, y, task)
    model = tmp_path / "cli.model"
    subprocess.run([cli, "train", str(data), "--method", "dadmm", "--storage",
                    "dense", "--dim", str(X.shape[1]), "-q", "-o", str(model),
                    "--seed", "0", "--set",
                    ";".join("%s=%s" % kv for kv in params.items())],
                   check=True, capture_output=True, env=blas_env())
    theirs = libmtl.load_model(model)
    on = libmtl.OnlineMultiTask(method="dadmm", **params)
    r = rank_in_task(task)
    for lo, hi in ((0, 3), (3, 4), (4, 100)):
        sel = (r >= lo) & (r < hi)
        on.partial_fit(X[sel], y[sel], task=task[sel], tasks=np.unique(task))
    assert len(on.tasks_) == 8
    np.testing.assert_array_equal(on.model_.W, theirs.W)
    for k in ("Omega", "V", "u"):
        np.testing.assert_array_equal(on.matrices_[k], theirs.matrices[k])
    assert on.fit_info_["mistakes"] == float(theirs.meta["mistakes"])


def test_partial_fit_rules():
    X, y, task = make_tasks(classification=True)
    y01 = (y > 0).astype(int)
    on = libmtl.OnlineMultiTask(method="ogd").partial_fit(X[:50], y01[:50],
                                                          task=task[:50])
    assert list(on.classes_) == [0, 1]
    assert set(np.unique(on.last_predictions_)) <= {0, 1}
    with pytest.raises(ValueError, match="not seen in fit"):
        on.partial_fit(X[:3], y01[:3], task=[10, 20, 99])
    with pytest.raises(ValueError, match="expecting 6 features"):
        on.partial_fit(X[:3, :4], y01[:3], task=task[:3])
    # the model survives pickling, the stream does not
    back = pickle.loads(pickle.dumps(on))
    np.testing.assert_array_equal(back.predict(X, task=task),
                                  on.predict(X, task=task))
    with pytest.raises(ValueError, match="fresh one"):
        back.partial_fit(X[:3], y01[:3], task=task[:3])
    fitted = libmtl.OnlineMultiTask(eta=2.0).fit(X, y, task=task)
    with pytest.raises(ValueError, match="fresh one"):
        fitted.partial_fit(X, y, task=task)
    with pytest.raises(ValueError, match="set eta > 0"):
        libmtl.OnlineMultiTask().partial_fit(X, y, task=task)
    with pytest.raises(RuntimeError, match="round-synchronous only") as e:
        libmtl.OnlineMultiTask(method="dadmm", eta=1.0,
                               **{"async": 1}).partial_fit(X, y, task=task)
    assert e.value.errname == "MTL_EUNSUPPORTED"
    with pytest.raises(ValueError, match="classes must be"):
        libmtl.OnlineMultiTask(method="ogd").partial_fit(X, y, task=task,
                                                         classes=[1, 2])


def test_sample_weight():
    X, y, task = make_tasks()
    a = libmtl.MultiTaskRegressor().fit(X, y, task=task)
    b = libmtl.MultiTaskRegressor().fit(X, y, task=task,
                                        sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    with pytest.raises(ValueError, match="shape"):  # test_sample_weight.py
        libmtl.MultiTaskRegressor().fit(X, y, task=task,
                                        sample_weight=np.ones(len(y) + 1))


def sigint_after(seconds):
    t = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    t.start()
    return t


@pytest.mark.parametrize("make", [
    # batch FISTA: the callback runs on the calling thread
    lambda: libmtl.MultiTaskRegressor(alpha=1e-6, max_iter=10 ** 9, tol=0.0,
                                      tol_gap=0.0),
    # async: the server thread calls back
    lambda: libmtl.AsyncMultiTask(alpha=1e-6, max_iter=10 ** 9, tol=0.0),
])
def test_ctrl_c_stops_a_long_fit(make):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(400, 60)), rng.normal(size=(400, 6))
    est = make()
    before = signal.getsignal(signal.SIGINT)
    timer = sigint_after(0.3)
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            est.fit(X, Y)
    finally:
        timer.cancel()
    took = time.monotonic() - t0
    assert took < 30, "fit went on %.1f s after SIGINT" % took
    assert signal.getsignal(signal.SIGINT) is before  # restored
    assert not hasattr(est, "coef_")  # nothing half-fitted
    # the next fit runs normally
    small = libmtl.MultiTaskRegressor().fit(X[:50], Y[:50])
    assert small.coef_.shape == (6, 60)


def test_ctrl_c_calls_a_custom_handler():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(300, 40)), rng.normal(size=(300, 4))
    calls = []
    old = signal.signal(signal.SIGINT, lambda s, f: calls.append(s))
    timer = sigint_after(0.3)
    try:
        with pytest.raises(RuntimeError, match="cancelled"):
            libmtl.MultiTaskRegressor(alpha=1e-6, max_iter=10 ** 9, tol=0.0,
                                      tol_gap=0.0).fit(X, Y)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert calls == [signal.SIGINT]
