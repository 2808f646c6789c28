"""Reading datasets with libmtl's readers."""
import collections
import ctypes

import numpy as np

from . import _data, _lib
from ._lib import lib

_FORMATS = {"auto": 0, "mat": 1, "npz": 2, "text": 3, "csv": 4}
_LAYOUTS = {"auto": 0, "cell": 1, "task-start": 2, "task-id": 3,
            "onevsrest": 4, "stacked": 5}


class _ReadParams(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("layout", ctypes.c_int),
                ("x_var", ctypes.c_char_p), ("y_var", ctypes.c_char_p),
                ("task_var", ctypes.c_char_p),
                ("samples_in_columns", ctypes.c_int),
                ("task_col", ctypes.c_int), ("label_col", ctypes.c_int),
                ("sparse", ctypes.c_int), ("dim", ctypes.c_int),
                ("kind", ctypes.c_int)]


lib.mtl_read_params_init.restype = None
lib.mtl_read_params_init.argtypes = [ctypes.POINTER(_ReadParams)]
lib.mtl_dataset_read.argtypes = [ctypes.c_char_p, ctypes.POINTER(_ReadParams),
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
                 kind=None):
    """Reads a multi-task dataset (.mat, .npz, text, CSV) with libmtl's
    readers (mtl_dataset_read; the options are mtl_read_params').  Returns
    a TaskData (X, y, names, kinds): ``Xs, ys, names, kinds =
    read_dataset(p)`` or ``X, y, task = read_dataset(p).stack()``.  Errors
    carry libmtl's message (file, line or variable, value)."""
    p = _ReadParams()
    lib.mtl_read_params_init(ctypes.byref(p))
    p.format = _FORMATS[format]
    p.layout = _LAYOUTS[layout]
    keep = [None if v is None else v.encode() for v in (x_var, y_var,
                                                        task_var)]
    p.x_var, p.y_var, p.task_var = keep
    if samples_in_columns is not None:
        p.samples_in_columns = int(bool(samples_in_columns))
    if sparse is not None:
        p.sparse = int(bool(sparse))
    p.dim = int(dim)
    if kind is not None:
        p.kind = {"regression": 0, "classification": 1}[kind]
    out = ctypes.c_void_p()
    _lib.check(lib.mtl_dataset_read(str(path).encode(), ctypes.byref(p),
                                    ctypes.byref(out)), "mtl_dataset_read")
    ds = _data.Dataset(out.value)
    td = TaskData(*_data.to_python(ds))
    td.notes = ds.notes
    return td
