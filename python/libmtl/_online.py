"""OnlineMultiTask: the online methods, on a replayed dataset (fit) or fed
round by round (partial_fit, over libmtl's mtl_online_* calls)."""
import ctypes
import math

import numpy as np

from . import _data, _lib
from ._estimators import (MultiTask, _ClassifierMixin, _Params, _SkClassifier,
                          method_info)
from ._lib import lib
from ._model import Model


class _Online(_lib.Handle):
    _free = lib.mtl_online_free


def _number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


class OnlineMultiTask(_ClassifierMixin, MultiTask, _SkClassifier):
    """Online multi-task relationship learning (Li et al. 2024): ``method``
    cadmm|dadmm (``Omega_``: the learned task covariance) or the baselines
    dpsgd|ogd.  Labels -1/+1 or 0/1.

    ``fit`` replays a dataset as a stream (one instance per task per round,
    in the order of ``seed``).  ``partial_fit`` feeds rounds as they come
    (cadmm, round-synchronous dadmm, dpsgd, ogd; C-ADMM and D-ADMM need
    ``eta`` > 0, the default 0 meaning sqrt(number of rounds), which a
    stream fed in pieces does not know):
    the samples of each task in one call form its next rounds, in their
    order (the k-th sample of a task in the call goes to the call's k-th
    round).  After each call ``coef_``, ``Omega_`` (cadmm, dadmm),
    ``fit_info_``
    (rounds, instances, mistakes, cumulative_error) describe the state so
    far, and ``last_predictions_`` holds the prediction made for every
    sample of the call before learning from it.  Feeding a dataset's
    samples in order gives exactly the model of ``fit`` with ``seed=0``.
    The stream state does not survive pickling (the model does).
    """

    _default_method = "cadmm"
    _allowed = ("cadmm", "dadmm", "dpsgd", "ogd")

    def fit(self, X, y, task=None, sample_weight=None):
        self.__dict__.pop("_online", None)
        return super().fit(X, y, task, sample_weight)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_online", None)
        return state

    def _start(self, X, y, task, tasks, classes):
        """The first partial_fit: tasks, features, labels, the handle."""
        if hasattr(self, "model_"):
            raise ValueError(
                "%s: partial_fit continues a stream that partial_fit "
                "started; this estimator was fitted by fit (or unpickled): "
                "use a fresh one (sklearn.base.clone)" % type(self).__name__)
        if tasks is None:
            tasks = np.unique(task) if task is not None else np.array([0])
        self.tasks_ = np.unique(np.asarray(tasks))
        self.layout_ = "ids"
        self.n_features_in_ = X.shape[1]
        self.task_kinds_ = ["classification"] * len(self.tasks_)
        if classes is not None:
            c = sorted(np.asarray(classes).tolist())
            if c not in ([-1, 1], [0, 1]):
                raise ValueError("%s: classes must be [-1, 1] or [0, 1], got "
                                 "%s" % (type(self).__name__, c))
            self.classes_ = np.array(c)
        p = _Params(method_info(self.method).name, self._lib_values())
        h = ctypes.c_void_p()
        _lib.check(lib.mtl_online_create(p.ptr, len(self.tasks_), X.shape[1],
                                         ctypes.byref(h)),
                   "mtl_online_create")
        self._online = _Online(h.value)

    def _signs(self, y):
        """Labels as -1/+1; classes_ fixed by the first labels (or
        ``classes``; [-1, 1] while only +1 was seen)."""
        self._classes_fit = getattr(self, "classes_", None)
        try:
            s = self._labels(y)
            self.classes_ = (self._classes_fit if self._classes_fit is not
                             None else np.array([-1, 1]))
        finally:
            del self._classes_fit
        return s

    def partial_fit(self, X, y, task=None, tasks=None, classes=None):
        """Learns from the next rounds: X (n x d, dense or CSR), y (n labels)
        and task (n ids, or the column task_column of X; none: one task).
        The first call fixes the tasks (``tasks``: every id of the stream;
        default the ids of this call) and the labels (``classes``)."""
        X, task = self._split_task(X, task)
        X = _data.as_2d(X)
        if _data.issparse(X):
            X = X.toarray()
        y = _data.as_targets(y, X.shape[0])
        if y.shape != (X.shape[0],):
            raise ValueError("y must have shape (%d,), got %s"
                             % (X.shape[0], y.shape))
        if not hasattr(self, "_online"):
            self._start(X, y, task, tasks, classes)
        elif X.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d "
                             "features as input." % (X.shape[1],
                                                     type(self).__name__,
                                                     self.n_features_in_))
        s = self._signs(y)
        if task is None:
            task = np.full(X.shape[0], self.tasks_[0])
        idx, _ = _data.task_index(task, X.shape[0], self.tasks_)
        self._feed(X, s, idx)
        return self

    def _feed(self, X, s, idx):
        K, d, n = len(self.tasks_), X.shape[1], X.shape[0]
        g = _data.Grouping(idx, K)
        order = np.argsort(idx, kind="stable")
        rank = np.empty(n, dtype=np.int64)  # position within its task
        rank[order] = np.arange(n) - g.starts[idx[order]]
        R = int(g.counts.max()) if n else 0
        Xr = np.zeros((R, K, d))
        yr = np.zeros((R, K))
        Xr[rank, idx] = X
        yr[rank, idx] = s
        pred = np.zeros((R, K))
        dp = _data._dptr
        m = ctypes.c_void_p()
        with _lib.blas_guard():
            _lib.check(lib.mtl_online_update(self._online.ptr, R, dp(Xr),
                                             dp(yr), dp(pred)),
                       "mtl_online_update")
            _lib.check(lib.mtl_online_model(self._online.ptr,
                                            ctypes.byref(m)),
                       "mtl_online_model")
        out = pred[rank, idx]
        self.last_predictions_ = self.classes_[(out > 0).astype(int)]
        model = Model(m.value)
        self.fit_info_ = {k: _number(v) for k, v in model.meta.items()
                          if not k.startswith("param.")}
        self._set_model(model)
        if isinstance(self.fit_info_.get("iterations"), float) and \
                math.isfinite(self.fit_info_["iterations"]):
            self.n_iter_ = int(self.fit_info_["iterations"])
