"""Reading datasets with libmtl's readers."""
import collections
import ctypes

import numpy as np

from . import _data, _lib
from ._lib import lib

_FORMATS = {"auto": 0, "mat": 1, "npz": 2, "text": 3, "csv": 4, "arff": 5}
_LAYOUTS = {"auto": 0, "cell": 1, "task-start": 2, "task-id": 3,
            "onevsrest": 4, "stacked": 5, "multitarget": 6}
_DELIMITERS = ("auto", "comma", "semicolon", "tab")
_MISSING = ("error", "drop", "mean")


lib.mtl_dataset_read_opts.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_void_p)]


class TaskData(collections.namedtuple("TaskData", "X y names kinds")):
    """A dataset read by libmtl: per-task lists ``X`` (dense arrays; CSR
    for tasks libmtl stored sparse), ``y``, task ``names`` and ``kinds``
    ("regression"/"classification"; classification labels are -1/+1).
    ``notes`` holds the reader's notes (label mappings, ...)."""

    notes = ""

    def stack(self):
        """(X, y, task): the tasks stacked into one X (dense, or CSR when a
        task is sparse) with the task index of every sample, the shape
        ``fit(X, y, task=task)`` takes."""
        task = np.concatenate([np.full(len(y), t) for t, y in
                               enumerate(self.y)])
        if any(_data.issparse(X) for X in self.X):
            import scipy.sparse as sp
            X = sp.vstack([sp.csr_matrix(X) for X in self.X], format="csr")
        else:
            X = np.vstack(self.X)
        return X, np.concatenate(self.y), task


def read_dataset(path, format="auto", layout="auto", x_var=None, y_var=None,
                 task_var=None, samples_in_columns=None, sparse=None, dim=0,
                 kind=None, targets=None, features=None, drop=None,
                 task_column=None, label_column=None, delimiter="auto",
                 missing="error"):
    """Reads a multi-task dataset (.mat, .npz, text, CSV, ARFF, or a glob
    pattern of files) with libmtl's readers (mtl_dataset_read_opts: the
    options travel as text).  CSV/ARFF columns (targets, features, drop:
    a list or a comma-separated string of names, 0-based indices or
    "prefix*"; targets may be a count K, the last K columns) as in
    docs/formats.md.  Returns a TaskData (X, y, names, kinds): ``Xs, ys,
    names, kinds = read_dataset(p)`` or ``X, y, task =
    read_dataset(p).stack()``.  Errors carry libmtl's message (file, line
    or variable, value, format)."""
    if format not in _FORMATS:
        raise ValueError("format %r: expected one of %s"
                         % (format, ", ".join(_FORMATS)))
    if layout not in _LAYOUTS:
        raise ValueError("layout %r: expected one of %s"
                         % (layout, ", ".join(_LAYOUTS)))
    opts = ["format=" + format, "layout=" + layout, "dim=%d" % int(dim)]
    if delimiter not in _DELIMITERS:
        raise ValueError("delimiter %r: expected one of %s"
                         % (delimiter, ", ".join(_DELIMITERS)))
    if missing not in _MISSING:
        raise ValueError("missing %r: expected one of %s"
                         % (missing, ", ".join(_MISSING)))
    opts += ["delimiter=" + delimiter, "missing=" + missing]
    cols = []
    for name, v in (("targets", targets), ("features", features),
                    ("drop", drop)):
        if v is not None and not isinstance(v, str):
            v = ",".join(str(c) for c in v)
        cols.append((name, v))
    for name, v in [("x_var", x_var), ("y_var", y_var),
                    ("task_var", task_var), ("task_column", task_column),
                    ("label_column", label_column)] + cols:
        if v is not None:
            v = str(v)
            if ";" in v or "=" in v:
                raise ValueError("%s %r: ';' and '=' cannot be used" % (name, v))
            opts.append("%s=%s" % (name, v))
    if samples_in_columns is not None:
        opts.append("samples_in_columns=%d" % int(bool(samples_in_columns)))
    if sparse is not None:
        opts.append("sparse=%d" % int(bool(sparse)))
    if kind is not None:
        if kind not in ("regression", "classification"):
            raise ValueError("kind %r: expected regression or classification"
                             % (kind,))
        opts.append("kind=" + kind)
    out = ctypes.c_void_p()
    _lib.check(lib.mtl_dataset_read_opts(str(path).encode(),
                                         ";".join(opts).encode(),
                                         ctypes.byref(out)),
               "mtl_dataset_read_opts")
    ds = _data.Dataset(out.value)
    td = TaskData(*_data.to_python(ds))
    td.notes = ds.notes
    return td
