"""Conversion of Python data to libmtl datasets, and back.

Three shapes are accepted (``X`` dense numpy-like or scipy.sparse):

* one ``X`` (n x d) with ``y`` (n,) and a task id per sample
  (``task=ids``): tasks are the SORTED unique ids (``numpy.unique``), so
  task k is ``tasks_[k]``; the order of first appearance plays no role, and
  a fold of a cross-validation keeps the same task numbering as long as it
  holds every id.  Without ids every sample belongs to one task;
* a list of per-task ``X_t`` and a list of ``y_t`` (task k = item k);
* a shared ``X`` (n x d) with ``Y`` of shape (n, T): task t has the targets
  ``Y[:, t]`` (MultiTaskLasso's shape), stored once (dense) by
  ``mtl_dataset_set_shared``.

Copies: a C-contiguous float64 ``X`` whose rows are already grouped by task
is passed to libmtl as it is (libmtl copies it into the dataset once);
other dtypes or orders are converted once, rows of interleaved tasks are
gathered once.  CSR input goes through ``mtl_dataset_add_csr`` (indices as
int32, indptr as int64, converted only when they have another type).
"""
import ctypes as _ctypes

import numpy as np

from . import _lib
from ._lib import lib

try:
    import scipy.sparse as _sp
except ImportError:  # pragma: no cover
    _sp = None

REGRESSION, CLASSIFICATION, INFER = 0, 1, -1


def issparse(X):
    return _sp is not None and _sp.issparse(X)


def _dptr(a):
    return a.ctypes.data_as(_lib.P_double)


class Dataset(_lib.Handle):
    """Owns a C mtl_dataset handle."""

    _free = lib.mtl_dataset_free

    @property
    def ntasks(self):
        return lib.mtl_dataset_ntasks(self.ptr)

    @property
    def dim(self):
        return lib.mtl_dataset_dim(self.ptr)

    @property
    def total_n(self):
        return lib.mtl_dataset_total_n(self.ptr)

    @property
    def notes(self):
        return _lib.text(lib.mtl_dataset_notes(self.ptr))


def create(d):
    if d < 1:
        raise ValueError("0 feature(s) (shape=(n, %d)) while a minimum of 1 "
                         "is required." % d)
    return Dataset(_lib.check_ptr(lib.mtl_dataset_create(int(d)),
                                  "mtl_dataset_create"))


def is_task_list(X):
    """A list of per-task matrices (not a 2-D array written as lists)."""
    return (isinstance(X, (list, tuple)) and len(X) > 0 and
            (issparse(X[0]) or np.ndim(X[0]) == 2))


def as_dense(X):
    """X as a 2-D float64 C-contiguous array (no copy when it is one)."""
    if isinstance(X, np.ndarray) and X.dtype.kind in "OUS":
        if X.dtype.kind in "US" or any(isinstance(v, (str, bytes))
                                       for v in X.ravel()[:1000]):
            raise TypeError("X holds strings; libmtl needs numbers")
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError("Complex data not supported: libmtl needs real X")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError("X must be 2-D (n_samples, n_features), got shape "
                         "%s. Reshape your data: X.reshape(-1, 1) for one "
                         "feature, X.reshape(1, -1) for one sample"
                         % (X.shape,))
    if X.shape[1] == 0:
        raise ValueError("0 feature(s) (shape=%s) while a minimum of 1 is "
                         "required." % (X.shape,))
    return X


def as_csr(X):
    X = X.tocsr() if X.format != "csr" else X
    if X.dtype != np.float64:
        X = X.astype(np.float64)
    if not X.has_sorted_indices:
        X = X.sorted_indices()
    return X


def as_2d(X):
    """Dense C float64 or CSR float64, 2-D."""
    if issparse(X):
        return as_csr(X)
    return as_dense(X)


def as_targets(y, n, what="y"):
    """Targets as float64 (zeros for prediction when y is None).  Strings
    (labels such as "spam", or numbers written as text) are rejected."""
    if y is None:
        return np.zeros(n)
    y = np.asarray(y)
    if y.dtype.kind in "US" or (y.dtype.kind == "O" and any(
            isinstance(v, (str, bytes)) for v in y.ravel())):
        raise TypeError("%s holds strings (e.g. %r); libmtl needs numbers "
                        "(classifiers: labels -1/+1 or 0/1)"
                        % (what, y.ravel()[0]))
    return np.ascontiguousarray(y, dtype=np.float64)


def add_task(ds, X, y, kind, name=None):
    """Adds one task: X dense C float64 or CSR, y float64 (len n)."""
    n = X.shape[0]
    if y.shape != (n,):
        raise ValueError("task %s: X has %d samples but y has shape %s"
                         % (name, n, y.shape))
    if X.shape[1] != ds.dim:
        raise ValueError("task %s: X has %d features, expected %d"
                         % (name, X.shape[1], ds.dim))
    bname = None if name is None else str(name).encode()
    if issparse(X):
        indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(X.indices, dtype=np.int32)
        data = np.ascontiguousarray(X.data, dtype=np.float64)
        rc = lib.mtl_dataset_add_csr(
            ds.ptr, n, indptr.ctypes.data_as(_lib.P_int64),
            indices.ctypes.data_as(_lib.P_int32), _dptr(data), _dptr(y),
            kind, bname)
    else:
        rc = lib.mtl_dataset_add_dense(ds.ptr, n, _dptr(X), _dptr(y), kind,
                                       bname)
    _lib.check(rc, "mtl_dataset_add")


def from_list(Xs, ys, kind, d=None, names=None):
    """Per-task lists.  ys None: zero targets (for prediction)."""
    Xs = [as_2d(X) for X in Xs]
    if not Xs:
        raise ValueError("the list of tasks is empty")
    if ys is not None and len(ys) != len(Xs):
        raise ValueError("%d task matrices but %d target vectors"
                         % (len(Xs), len(ys)))
    ds = create(d if d is not None else Xs[0].shape[1])
    for t, X in enumerate(Xs):
        y = as_targets(None if ys is None else ys[t], X.shape[0],
                       "y of task %d" % t)
        add_task(ds, X, y, kind, names[t] if names is not None else None)
    return ds


def from_shared(X, Y, kind):
    """One X for every task, Y (n, T): column t = task t."""
    X = as_2d(X)
    Y = as_targets(Y, X.shape[0], "Y")
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError("Y must have shape (n_samples, n_tasks) = (%d, T), "
                         "got %s" % (X.shape[0], Y.shape))
    ds = create(X.shape[1])
    if issparse(X):  # set_shared is dense only: one CSR task per column
        for t in range(Y.shape[1]):
            add_task(ds, X, np.ascontiguousarray(Y[:, t]), kind)
        return ds
    Yf = np.asfortranarray(Y)
    _lib.check(lib.mtl_dataset_set_shared(ds.ptr, X.shape[0], _dptr(X),
                                          Y.shape[1], _dptr(Yf), kind),
               "mtl_dataset_set_shared")
    return ds


def task_index(task, n, tasks=None):
    """Maps the task ids of n samples to 0..T-1.  tasks None: from the ids
    (sorted unique); else the ids seen in fit, any other id is an error.
    Returns (idx, tasks)."""
    ids = np.asarray(task)
    if ids.ndim != 1 or ids.shape[0] != n:
        raise ValueError("task must hold one id per sample: %d samples, "
                         "task has shape %s" % (n, ids.shape))
    if tasks is None:
        tasks, idx = np.unique(ids, return_inverse=True)
        return idx, tasks
    pos = np.searchsorted(tasks, ids)
    pos[pos >= len(tasks)] = 0
    bad = tasks[pos] != ids
    if np.any(bad):
        shown = ", ".join(str(t) for t in tasks[:10])
        raise ValueError(
            "task id %r was not seen in fit (tasks: %s%s): a multi-task "
            "model predicts the tasks it was fitted on; cross-validate "
            "within tasks (KFold(shuffle=True), or groups inside the tasks)"
            % (ids[bad][0], shown, ", ..." if len(tasks) > 10 else ""))
    return pos, tasks


class Grouping:
    """Samples of one X grouped by task: the order to gather, and back."""

    def __init__(self, idx, T):
        self.counts = np.bincount(idx, minlength=T)
        self.grouped = bool(np.all(idx[:-1] <= idx[1:]))
        self.order = None if self.grouped else np.argsort(idx, kind="stable")
        self.starts = np.concatenate(([0], np.cumsum(self.counts)))

    def gather(self, a):
        return a if self.order is None else a[self.order]

    def scatter(self, pred):
        """Predictions in task order back to the samples' order."""
        if self.order is None:
            return pred
        out = np.empty_like(pred)
        out[self.order] = pred
        return out


def set_sample_weights(ds, how, w):
    """Per-sample weights w (in the caller's sample order) onto the tasks of
    ds as _dataset built it: how = ("list", sizes), ("shared", n) or
    ("ids", grouping).  libmtl checks them (>= 0, finite, not all 0 in a
    task) and names the task and sample."""
    kind, aux = how
    if kind == "shared":
        parts = [w] * lib.mtl_dataset_ntasks(ds.ptr)
    elif kind == "list":
        s = np.cumsum([0] + list(aux))
        parts = [w[s[t]:s[t + 1]] for t in range(len(aux))]
    else:
        wg = aux.gather(w)
        parts = [wg[aux.starts[t]:aux.starts[t + 1]]
                 for t in range(len(aux.counts))]
    for t, p in enumerate(parts):
        p = np.ascontiguousarray(p, dtype=float)
        _lib.check(lib.mtl_dataset_set_sample_weights(
            ds.ptr, t, p.ctypes.data_as(_lib.P_double)),
            "sample_weight")


def from_ids(X, y, idx, T, kind, names=None, pad=False):
    """One X with task index idx (0..T-1) per sample.  pad: a task without
    samples gets one zero row (prediction only; its output is dropped).
    Returns (dataset, grouping)."""
    X = as_2d(X)
    n = X.shape[0]
    y = as_targets(y, n)
    if y.shape != (n,):
        raise ValueError("y must have shape (%d,), got %s" % (n, y.shape))
    g = Grouping(idx, T)
    Xg, yg = g.gather(X), g.gather(y)
    if not issparse(Xg):
        Xg = np.ascontiguousarray(Xg)
    ds = create(X.shape[1])
    zero = None
    for t in range(T):
        a, b = g.starts[t], g.starts[t + 1]
        name = None if names is None else names[t]
        if a == b:
            if not pad:
                raise ValueError("task %s has no samples" % name)
            if zero is None:
                zero = np.zeros((1, X.shape[1]))
                if issparse(X):
                    zero = _sp.csr_matrix(zero)
            add_task(ds, zero, np.zeros(1), kind, name)
            continue
        add_task(ds, Xg[a:b], yg[a:b], kind, name)
    return ds, g


def predict(model_ptr, ds):
    """mtl_model_predict: every task's outputs concatenated (task order)."""
    out = np.empty(ds.total_n)
    _lib.check(lib.mtl_model_predict(model_ptr, ds.ptr, _dptr(out)),
               "mtl_model_predict")
    return out


def task_sizes(ds):
    return [lib.mtl_dataset_task_n(ds.ptr, t) for t in range(ds.ntasks)]


def task_X(ds, t):
    """Task t's X: CSR as stored (copied) for a sparse task when scipy is
    there, else dense (one copy: mtl_dataset_get_task_X)."""
    n, d = lib.mtl_dataset_task_n(ds.ptr, t), ds.dim
    if lib.mtl_dataset_task_is_sparse(ds.ptr, t) and _sp is not None:
        ip, ix = _lib.P_int64(), _lib.P_int32()
        v, nnz = _lib.P_double(), _lib.c_int64()
        _lib.check(lib.mtl_dataset_get_task_csr(
            ds.ptr, t, _ctypes.byref(ip), _ctypes.byref(ix),
            _ctypes.byref(v), _ctypes.byref(nnz)), "mtl_dataset_get_task_csr")
        k = nnz.value
        arr = (lambda p, m: np.ctypeslib.as_array(p, shape=(m,)).copy()
               if m else np.zeros(0, dtype=p._type_))
        return _sp.csr_matrix((arr(v, k), arr(ix, k), arr(ip, n + 1)),
                              shape=(n, d))
    X = np.empty((n, d))
    _lib.check(lib.mtl_dataset_get_task_X(ds.ptr, t, _dptr(X)),
               "mtl_dataset_get_task_X")
    return X


def to_python(ds):
    """The tasks of a dataset: list of X_t (dense ndarray, or CSR for tasks
    stored sparse), list of y_t, task names, task kinds."""
    Xs, ys, names, kinds = [], [], [], []
    for t in range(ds.ntasks):
        n = lib.mtl_dataset_task_n(ds.ptr, t)
        Xs.append(task_X(ds, t))
        yp = lib.mtl_dataset_task_y(ds.ptr, t)
        ys.append(np.ctypeslib.as_array(yp, shape=(n,)).copy() if n else
                  np.zeros(0))
        names.append(_lib.text(lib.mtl_dataset_task_name(ds.ptr, t)))
        kinds.append("classification" if lib.mtl_dataset_task_kind(ds.ptr, t)
                     == CLASSIFICATION else "regression")
    return Xs, ys, names, kinds
