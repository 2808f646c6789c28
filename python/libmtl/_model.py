"""A trained libmtl model (mtl_model) in Python."""
import ctypes
import numpy as np

from . import _data, _lib
from ._lib import lib


def _save_bytes(ptr):
    """The model's text (mtl_model_save_mem: the bytes of the file)."""
    buf, n = ctypes.c_void_p(), ctypes.c_size_t()
    _lib.check(lib.mtl_model_save_mem(ptr, ctypes.byref(buf),
                                      ctypes.byref(n)), "mtl_model_save_mem")
    try:
        return ctypes.string_at(buf.value, n.value)
    finally:
        lib.mtl_free(buf.value)


def _load_path(path):
    out = ctypes.c_void_p()
    _lib.check(lib.mtl_model_load(str(path).encode(), ctypes.byref(out)),
               "mtl_model_load")
    return out.value


def _load_bytes(data):
    out = ctypes.c_void_p()
    _lib.check(lib.mtl_model_load_mem(bytes(data), len(data),
                                      ctypes.byref(out)),
               "mtl_model_load_mem")
    return out.value


class Model(_lib.Handle):
    """A libmtl model: W, the scaler, metadata and learned matrices.

    ``predict`` applies the model to raw features (its scaler included);
    ``coef`` and ``intercept`` are W mapped back to raw features, so that
    ``X @ coef.T + intercept`` equals ``predict`` up to rounding.  Pickled
    through libmtl's model format (%.17g: exact)."""

    _free = lib.mtl_model_free

    def __init__(self, ptr, data=None):
        super().__init__(ptr)
        self._bytes = data

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    @classmethod
    def from_bytes(cls, data):
        return cls(_load_bytes(data), data)

    @classmethod
    def load(cls, path):
        return cls(_load_path(path))

    def to_bytes(self):
        """The model in libmtl's text format (the bytes of its file)."""
        if self._bytes is None:
            self._bytes = _save_bytes(self.ptr)
        return self._bytes

    def save(self, path):
        _lib.check(lib.mtl_model_save(self.ptr, str(path).encode()),
                   "mtl_model_save")

    @property
    def ntasks(self):
        return lib.mtl_model_ntasks(self.ptr)

    @property
    def n_features(self):
        """Raw input features."""
        return lib.mtl_model_input_dim(self.ptr)

    @property
    def W(self):
        """W as stored (d_model x T; d_model = n_features + bias)."""
        d, T = lib.mtl_model_dim(self.ptr), self.ntasks
        w = np.ctypeslib.as_array(lib.mtl_model_W(self.ptr), shape=(T, d))
        return w.T.copy()

    @property
    def meta(self):
        """Metadata: method, param.NAME, fit results (in file order)."""
        out = {}
        for i in range(lib.mtl_model_meta_count(self.ptr)):
            k = lib.mtl_model_meta_key(self.ptr, i)
            out[k.decode()] = _lib.text(lib.mtl_model_get_meta(self.ptr, k))
        return out

    @property
    def method(self):
        return _lib.text(lib.mtl_model_get_meta(self.ptr, b"method"))

    @property
    def matrices(self):
        """The learned matrices (B, Omega, V, L, S, sign_graph, ...)."""
        names = [_lib.text(lib.mtl_model_matrix_name(self.ptr, i)) for i in
                 range(lib.mtl_model_matrix_count(self.ptr))]
        return {name: self.matrix(name) for name in names}

    def scaler(self):
        """(standardize, bias, mean, scale): x' = (x - mean) / scale, then
        a 1 appended when bias; mean and scale None without
        standardization."""
        st, bias = ctypes.c_int(), ctypes.c_int()
        mean, scale = _lib.P_double(), _lib.P_double()
        _lib.check(lib.mtl_model_scaler(self.ptr, ctypes.byref(st),
                                        ctypes.byref(bias),
                                        ctypes.byref(mean),
                                        ctypes.byref(scale)),
                   "mtl_model_scaler")
        din = self.n_features
        arr = (lambda p: np.ctypeslib.as_array(p, shape=(din,)).copy()
               if p else None)
        return bool(st.value), bool(bias.value), arr(mean), arr(scale)

    def matrix(self, name):
        r, c = ctypes.c_int(), ctypes.c_int()
        p = lib.mtl_model_get_matrix(self.ptr, name.encode(), ctypes.byref(r),
                                     ctypes.byref(c))
        if not p:
            return None
        # column-major rows x cols
        return np.ctypeslib.as_array(p, shape=(c.value, r.value)).T.copy()

    def task_losses(self):
        names = {0: "squared", 1: "logistic", 2: "sqhinge", 3: "hinge"}
        return [names.get(lib.mtl_model_task_loss(self.ptr, t), "auto")
                for t in range(self.ntasks)]

    def coef_intercept(self):
        """(coef (T x n_features), intercept (T,)) on raw features."""
        W = self.W  # d_model x T
        din = self.n_features
        standardize, bias, mean, scale = self.scaler()
        A = W[:din, :].T  # T x din
        b = W[din, :].copy() if bias else np.zeros(self.ntasks)
        if standardize:
            A = A / scale
            b = b - A @ mean
        return np.ascontiguousarray(A), b

    def predict_dataset(self, ds):
        return _data.predict(self.ptr, ds)

    def predict(self, X):
        """Predictions of every task on X: a list of per-task arrays (input
        a list of X_t), or (n, T) for one X shared by every task."""
        if isinstance(X, (list, tuple)):
            ds = _data.from_list(X, None, _data.REGRESSION)
            out = self.predict_dataset(ds)
            sizes = np.cumsum([0] + _data.task_sizes(ds))
            return [out[sizes[t]:sizes[t + 1]] for t in range(len(X))]
        X = _data.as_2d(X)
        ds = _data.from_shared(X, np.zeros((X.shape[0], self.ntasks)),
                               _data.REGRESSION)
        return self.predict_dataset(ds).reshape(self.ntasks, -1).T


def load_model(path):
    """Reads a model saved by libmtl (mtl train -o, mtl_model_save,
    Model.save)."""
    return Model.load(path)
