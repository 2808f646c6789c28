"""scikit-learn style estimators over mtl_fit and mtl_search_run.

Every estimator's parameters are the libmtl method's parameters, read from
the library at run time (mtl_method_nparams / param_name / param_default /
param_type), plus one of the binding: ``task_column``.  A fit builds an
mtl_params by name, with each value as text, and calls mtl_fit; every
method of the library is therefore reachable, with the library's checks
and messages (a bad value raises ValueError naming the parameter).
"""
import ctypes
import inspect
import math
import warnings

import numpy as np

from . import _data, _lib
from ._lib import lib
from ._model import Model

try:
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - sklearn is optional
    class ConvergenceWarning(UserWarning):
        """A fit stopped at its iteration limit before its tolerance."""

try:  # scikit-learn is optional: estimators then only follow its rules
    from sklearn.base import BaseEstimator as _SkBase
    from sklearn.base import ClassifierMixin as _SkClassifier
    from sklearn.base import RegressorMixin as _SkRegressor
except ImportError:  # pragma: no cover
    _SkBase = object

    class _SkClassifier:
        _estimator_type = "classifier"

    class _SkRegressor:
        _estimator_type = "regressor"

REAL, INT, BOOL, CHOICE, TEXT = range(5)


class MethodInfo:
    """A method's descriptor: name, summary, parameters (name -> (type,
    default text, choices, help))."""

    def __init__(self, name):
        m = _lib.check_ptr(lib.mtl_method_find(str(name).encode()),
                           "mtl_method_find")
        self.name = _lib.text(lib.mtl_method_name(m))
        self.summary = _lib.text(lib.mtl_method_summary(m))
        self.params = {}
        for i in range(lib.mtl_method_nparams(m)):
            ch = lib.mtl_method_param_choices(m, i)
            self.params[_lib.text(lib.mtl_method_param_name(m, i))] = (
                lib.mtl_method_param_type(m, i),
                _lib.text(lib.mtl_method_param_default(m, i)),
                None if ch is None else _lib.text(ch).split("|"),
                _lib.text(lib.mtl_method_param_help(m, i)))

    def default(self, name):
        ptype, text = self.params[name][:2]
        return from_text(ptype, text)


_methods = {}


def method_info(name):
    if name not in _methods:
        _methods[name] = MethodInfo(name)
    return _methods[name]


def methods():
    """The names of libmtl's methods, in the library's order."""
    return [_lib.text(lib.mtl_method_name(lib.mtl_method_at(i)))
            for i in range(lib.mtl_method_count())]


def from_text(ptype, s):
    if ptype == REAL:
        return float(s)
    if ptype == INT:
        return int(float(s))
    if ptype == BOOL:
        return s.strip().lower() in ("1", "true", "yes", "on")
    return s


def to_text(v):
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # shortest text that reads back exactly
    if isinstance(v, str):
        return v
    raise TypeError("parameter value %r (%s): libmtl takes numbers, booleans "
                    "and strings" % (v, type(v).__name__))


def _warn_status(info, method):
    """ConvergenceWarning for a fit that stopped at its iteration limit
    (status "not converged" or "far from a solution", with the certificate
    that says how far)."""
    st = info.get("status")
    if st not in ("not converged", "far from a solution"):
        return
    for k, name in (("relative_gap", "relative gap"),
                    ("relative_change", "objective change"),
                    ("primal_residual", "primal residual")):
        if isinstance(info.get(k), float):
            st += " (%s %.2g)" % (name, info[k])
            break
    warnings.warn("%s stopped at its iteration limit: %s; raise max_iter "
                  "(or max_outer)" % (method, st), ConvergenceWarning,
                  stacklevel=4)


def _info_dict(info):
    out = {}
    for i in range(lib.mtl_fit_info_count(info)):
        key = _lib.text(lib.mtl_fit_info_key(info, i))
        if lib.mtl_fit_info_is_number(info, i):
            out[key] = lib.mtl_fit_info_value(info, i)
        else:
            out[key] = _lib.text(lib.mtl_fit_info_text(info, i))
    return out


def check_sample_weight(sw, n, name):
    """The weights as n floats, or None for None or all ones (the
    unweighted fit, bit for bit); a wrong shape is a ValueError."""
    if sw is None:
        return None
    w = np.asarray(sw, dtype=float)
    if w.shape != (n,):
        raise ValueError("%s: sample_weight must have shape (%d,), got %s"
                         % (name, n, w.shape))
    bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))
    if bad.size:
        raise ValueError("%s: sample_weight[%d] = %g: weights must be >= 0 "
                         "and finite" % (name, bad[0], w[bad[0]]))
    return None if np.all(w == 1.0) else w


class _Params(_lib.Handle):
    """An mtl_params handle."""

    _free = lib.mtl_params_free

    def __init__(self, method, values):
        super().__init__(_lib.check_ptr(
            lib.mtl_params_create(method.encode()), "mtl_params_create"))
        for name, value in values.items():
            if value is None:
                continue  # the library's default
            _lib.check(lib.mtl_params_set(self.ptr, name.encode(),
                                          to_text(value).encode()),
                       "mtl_params_set")


class MultiTask(_SkBase):
    """Any libmtl method, by name: ``MultiTask(method="asym", mu=0.2)``.

    Parameters: ``method`` (a name of ``libmtl.methods()``), ``task_column``
    (None, or the column of X that holds each sample's task id when ``task``
    is not passed: lets scikit-learn's cross-validation carry the ids with
    X), and every parameter of the method under its libmtl name (``lambda``
    is also accepted as ``lambda_``).  A parameter left at None takes the
    library's default.

    Data: see ``fit``.  Fitted attributes: ``coef_`` (T x d, raw features),
    ``intercept_`` (T,), ``n_iter_``, ``dual_gap_`` (methods with a duality
    gap), ``fit_info_`` (every result of the fit), ``tasks_`` (the task ids:
    sorted unique ids of ``task``, or 0..T-1), ``model_`` (the libmtl
    model), ``matrices_`` (learned matrices by name), and where the method
    learns one: ``B_`` (asym*, T x T, B_[s, t] = weight of the edge s -> t),
    ``Omega_`` (cadmm, dadmm: task covariance), ``signs_`` (srml, ssml: the
    sign of every coefficient, T x d) with ``sign_graph_`` (E x 2 task
    pairs).  ``predict`` returns the model's outputs: values for regression
    tasks, scores (sign = class) for classification tasks.
    """

    _default_method = "batch"
    _allowed = None          # allowed methods; None: any
    _method_param = True     # "method" is a parameter
    _renames = {}            # libmtl name -> Python name
    _defaults = {}           # Python name -> default other than libmtl's
    _kind = None             # None: inferred; "regression"/"classification"
    _aliases = {"lambda_": "lambda"}

    def __init__(self, method=None, task_column=None, **params):
        cls = type(self)
        if method is None:
            method = cls._default_method
        elif not cls._method_param and method != cls._default_method:
            raise ValueError("%s fits method %r only" % (cls.__name__,
                                                         cls._default_method))
        if cls._allowed is not None and method not in cls._allowed:
            raise ValueError("%s: method must be one of %s, got %r"
                             % (cls.__name__, ", ".join(cls._allowed), method))
        info = method_info(method)  # raises for an unknown method
        if cls._method_param:
            self.method = method
        self.task_column = task_column
        for lname in info.params:
            py = self._py(lname)
            setattr(self, py, cls._defaults.get(py, info.default(lname)))
        for k, v in params.items():
            self._set_one(k, v)

    def __init_subclass__(cls, **kw):
        """A class of one method gets an explicit __init__ signature (the
        method's parameters, keyword-only, with their defaults), as
        scikit-learn's introspection expects."""
        super().__init_subclass__(**kw)
        if cls._method_param:
            return
        cls.method = cls._default_method
        info = method_info(cls._default_method)
        base_init = MultiTask.__init__
        P = inspect.Parameter

        def __init__(self, task_column=None, **params):
            base_init(self, None, task_column, **params)

        sig = [P("self", P.POSITIONAL_OR_KEYWORD),
               P("task_column", P.POSITIONAL_OR_KEYWORD, default=None)]
        for lname in info.params:
            py = cls._py(lname)
            sig.append(P(py, P.KEYWORD_ONLY,
                         default=cls._defaults.get(py, info.default(lname))))
        __init__.__signature__ = inspect.Signature(sig)
        __init__.__doc__ = cls.__doc__
        cls.__init__ = __init__

    # --- parameters --------------------------------------------------------
    @classmethod
    def _py(cls, lname):
        return cls._renames.get(lname, lname.replace("-", "_"))

    def _param_names(self):
        info = method_info(self.method)
        return [self._py(n) for n in info.params]

    def _lib_values(self):
        info = method_info(self.method)
        return {n: getattr(self, self._py(n)) for n in info.params}

    def _set_one(self, key, value):
        key = self._aliases.get(key, key)
        if key not in self._param_names():
            raise ValueError(
                "Invalid parameter %r for estimator %s (method %s). Valid "
                "parameters are: %s." % (key, type(self).__name__, self.method,
                                         sorted(self.get_params())))
        setattr(self, key, value)

    def get_params(self, deep=True):
        out = {"method": self.method} if self._method_param else {}
        out["task_column"] = self.task_column
        for py in self._param_names():
            out[py] = getattr(self, py)
        return out

    def set_params(self, **params):
        if "method" in params and self._method_param:
            new = params.pop("method")
            if new != self.method:
                # values set away from the old method's defaults are kept
                # where the new method has the parameter
                info = method_info(self.method)
                changed = {}
                for n in info.params:
                    py = self._py(n)
                    v = getattr(self, py)
                    if v != self._defaults.get(py, info.default(n)):
                        changed[py] = v
                type(self).__init__(self, method=new,
                                    task_column=self.task_column)
                keep = set(self._param_names())
                for k, v in changed.items():
                    if k in keep:
                        setattr(self, k, v)
        if "task_column" in params:
            self.task_column = params.pop("task_column")
        for k, v in params.items():
            self._set_one(k, v)
        return self

    def __repr__(self):
        info = method_info(self.method)
        shown = []
        if self._method_param:
            shown.append("method=%r" % self.method)
        if self.task_column is not None:
            shown.append("task_column=%r" % self.task_column)
        for n in info.params:
            py = self._py(n)
            v = getattr(self, py)
            if v != self._defaults.get(py, info.default(n)):
                shown.append("%s=%r" % (py, v))
        return "%s(%s)" % (type(self).__name__, ", ".join(shown))

    def _more_tags(self):
        return {"requires_y": True, "allow_nan": False,
                "X_types": ["2darray", "sparse"]}

    # --- data --------------------------------------------------------------
    def _kind_code(self):
        return {None: _data.INFER, "regression": _data.REGRESSION,
                "classification": _data.CLASSIFICATION}[self._kind]

    def _labels(self, y):
        """Targets as libmtl wants them (classifiers: -1/+1)."""
        return y

    def _split_task(self, X, task):
        """X without the task column, and the ids (or None)."""
        if task is not None or self.task_column is None:
            return X, task
        c = self.task_column
        if _data.issparse(X):
            X = X.tocsc()
            d = X.shape[1]
            keep = [j for j in range(d) if j != c % d]
            return X[:, keep].tocsr(), X[:, c].toarray().ravel()
        X = np.asarray(X)
        return np.delete(X, c, axis=1), X[:, c]

    def _dataset(self, X, y, task, fit):
        kind = self._kind_code() if fit else _data.REGRESSION
        if _data.is_task_list(X):
            if fit:
                ys = None if y is None else [self._labels(_data.as_targets(
                    yt, None, "y of task %d" % t)) for t, yt in enumerate(y)]
                self.tasks_ = np.arange(len(X))
                self.layout_ = "list"
            else:
                ys = None
                if len(X) != len(self.tasks_):
                    raise ValueError("%d tasks given, the model has %d"
                                     % (len(X), len(self.tasks_)))
            ds = _data.from_list(X, ys, kind)
            return ds, ("list", _data.task_sizes(ds))
        X, task = self._split_task(X, task)
        X = _data.as_2d(X)
        if fit:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d "
                             "features as input." % (X.shape[1],
                                                     type(self).__name__,
                                                     self.n_features_in_))
        if fit:
            yv = _data.as_targets(y, X.shape[0])
            if yv.ndim == 2 and task is None:
                self.tasks_ = np.arange(yv.shape[1])
                self.layout_ = "shared"
                ds = _data.from_shared(X, self._labels(yv), kind)
                return ds, ("shared", X.shape[0])
            if yv.ndim != 1:
                raise ValueError("y must be 1-D with task ids, got shape %s"
                                 % (yv.shape,))
            if task is None:
                task = np.zeros(X.shape[0], dtype=int)
            idx, self.tasks_ = _data.task_index(task, X.shape[0])
            self.layout_ = "ids"
            ds, g = _data.from_ids(X, self._labels(yv), idx, len(self.tasks_),
                                   kind, names=[str(t) for t in self.tasks_])
            return ds, ("ids", g)
        if task is None:
            if len(self.tasks_) > 1 and self.layout_ == "ids":
                raise ValueError(
                    "%s was fitted on %d tasks given by ids: pass task= (or "
                    "set task_column) to predict" % (type(self).__name__,
                                                     len(self.tasks_)))
            if len(self.tasks_) > 1:
                ds = _data.from_shared(
                    X, np.zeros((X.shape[0], len(self.tasks_))), kind)
                return ds, ("shared", X.shape[0])
            task = np.full(X.shape[0], self.tasks_[0])
        idx, _ = _data.task_index(task, X.shape[0], self.tasks_)
        ds, g = _data.from_ids(X, None, idx, len(self.tasks_), kind, pad=True)
        return ds, ("ids", g)

    @staticmethod
    def _unpack(out, how):
        kind, aux = how
        if kind == "list":
            s = np.cumsum([0] + list(aux))
            return [out[s[t]:s[t + 1]] for t in range(len(aux))]
        if kind == "shared":
            return out.reshape(-1, aux).T.copy()
        g = aux  # grouped by task, padded tasks hold one dummy row
        parts, pos = [], 0
        for c in g.counts:
            parts.append(out[pos:pos + c])
            pos += max(int(c), 1)
        return g.scatter(np.concatenate(parts))

    # --- fit / predict -----------------------------------------------------
    def fit(self, X, y, task=None, sample_weight=None):
        """Fits the method.  Data in one of three shapes:

        * ``X`` (n x d, dense or scipy.sparse CSR), ``y`` (n,) and
          ``task`` (n ids; or the column ``task_column`` of X; or nothing:
          one task): tasks are the sorted unique ids (``tasks_``);
        * ``X`` a list of per-task matrices and ``y`` a list of targets;
        * ``X`` (n x d) shared by every task with ``y`` of shape (n, T).

        ``sample_weight``: n weights >= 0 (in the order of the samples; for
        a list of tasks, the tasks' samples one task after the other), or
        None.  Sample i counts sample_weight[i] times: integer weights fit
        as repeated samples, 0 as the sample left out, standardization
        included (mtl_dataset_set_sample_weights).  The methods with their
        own loss code (srml, ssml, the online ones) refuse
        weights, naming themselves.
        """
        self._fit_dataset(self._weighted_dataset(X, y, task, sample_weight))
        return self

    def _weighted_dataset(self, X, y, task, sample_weight):
        """The training dataset of fit, with the sample weights set."""
        w = _weights_of(X, sample_weight, type(self).__name__)
        ds, how = self._dataset(X, y, task, fit=True)
        if w is not None:
            _data.set_sample_weights(ds, how, w)
        return ds

    def _fit_dataset(self, ds):
        p = _Params(method_info(self.method).name, self._lib_values())
        model, info = ctypes.c_void_p(), ctypes.c_void_p()
        with _lib.blas_guard(), _lib.interruptible(p.ptr):
            rc = lib.mtl_fit(ds.ptr, p.ptr, None, ctypes.byref(model),
                             ctypes.byref(info))
        _lib.check(rc, "mtl_fit")
        try:
            self.fit_info_ = _info_dict(info.value)
        finally:
            lib.mtl_fit_info_free(info.value)
        _warn_status(self.fit_info_, self.method)
        self.task_kinds_ = [
            "classification" if lib.mtl_dataset_task_kind(ds.ptr, t) ==
            _data.CLASSIFICATION else "regression" for t in range(ds.ntasks)]
        self._set_model(Model(model.value))

    def _set_model(self, m):
        self.model_ = m
        self.coef_, self.intercept_ = m.coef_intercept()
        if not hasattr(self, "n_features_in_") or self.layout_ == "list":
            self.n_features_in_ = m.n_features
        it = self.fit_info_.get("iterations")
        if isinstance(it, float) and math.isfinite(it):
            self.n_iter_ = int(it)
        if "gap" in self.fit_info_:
            self.dual_gap_ = self.fit_info_["gap"]
        self.matrices_ = m.matrices
        if "B" in self.matrices_:
            self.B_ = self.matrices_["B"]
        if "Omega" in self.matrices_:
            self.Omega_ = self.matrices_["Omega"]
        if method_info(self.method).name in ("srml", "ssml"):
            self.signs_ = np.sign(self.coef_).astype(int)
            if "sign_graph" in self.matrices_:
                self.sign_graph_ = self.matrices_["sign_graph"].T.astype(int)

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = AttributeError
            raise NotFittedError("This %s instance is not fitted yet. Call "
                                 "'fit' first." % type(self).__name__)

    def _raw(self, X, task=None):
        self._check_fitted()
        ds, how = self._dataset(X, None, task, fit=False)
        return self._unpack(self.model_.predict_dataset(ds), how)

    def predict(self, X, task=None):
        """The model's outputs, in the shape of the input: (n,) for one X
        with task ids (or one task), a list for a list of X_t, (n, T) for
        one X given without ids to a model fitted on a shared X (Y of shape
        (n, T)) or on a list of tasks: every task's output on every
        sample."""
        return self._raw(X, task)

    def _is_classifier(self):
        return all(k == "classification" for k in self.task_kinds_)

    def score(self, X, y, task=None, sample_weight=None):
        """Accuracy (every task a classification task; sign of the score
        against y > 0) or R^2 (uniform average over the tasks of a shared
        Y); with ``sample_weight`` (as in fit) weighted as scikit-learn's
        accuracy_score and r2_score weigh them (integer weights score as
        repeated samples)."""
        pred = self.predict(X, task)
        w = _weights_of(X, sample_weight, type(self).__name__)
        if _data.is_task_list(X):
            pred = np.concatenate(pred)
            y = np.concatenate([np.asarray(t) for t in y])
        y = np.asarray(y)
        if self._is_classifier():
            return _accuracy((np.asarray(pred) > 0) == (y > 0), w)
        return _r2(y, np.asarray(pred, dtype=float), w)


def _weights_of(X, sample_weight, name):
    """sample_weight checked against the sample count of X (None: None)."""
    if sample_weight is None:
        return None
    n = (sum(t.shape[0] for t in X) if _data.is_task_list(X)
         else X.shape[0] if _data.issparse(X) else np.asarray(X).shape[0])
    return check_sample_weight(sample_weight, n, name)


def _accuracy(right, w):
    """The (weighted) fraction of right predictions."""
    return float(np.average(right, weights=w))


def _r2(y, p, w=None):
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y, p = y[:, None], p.reshape(-1, 1)
    if w is None:
        ss_res = ((y - p) ** 2).sum(axis=0)
        ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    else:  # scikit-learn's r2_score with sample_weight
        w = np.asarray(w, dtype=float)[:, None]
        ss_res = (w * (y - p) ** 2).sum(axis=0)
        ss_tot = (w * (y - np.average(y, axis=0, weights=w[:, 0])) ** 2).sum(
            axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1),
                      np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(r2))


class _ClassifierMixin:
    """Labels -1/+1 or 0/1 (bool too); ``classes_`` holds them, ``predict``
    returns them, ``decision_function`` the scores."""

    _kind = "classification"

    def _labels(self, y):
        y = np.asarray(y)
        if y.dtype.kind in "OUS":
            raise TypeError("%s: labels must be -1/+1 or 0/1, not strings "
                            "(e.g. %r)" % (type(self).__name__,
                                           y.ravel()[0] if y.size else None))
        y = y.astype(np.float64)
        u = set(np.unique(y).tolist())
        if not (u <= {-1.0, 1.0} or u <= {0.0, 1.0}):
            raise ValueError("%s: labels must be -1/+1 or 0/1, got %s"
                             % (type(self).__name__, sorted(u)[:5]))
        # the negative label seen (none yet if every label is 1)
        neg = -1 if -1.0 in u else 0 if 0.0 in u else None
        if neg is not None:
            if self._classes_fit is None:
                self._classes_fit = np.array([neg, 1])
            elif self._classes_fit[0] != neg:
                raise ValueError("%s: the labels of one fit must all be "
                                 "-1/+1 or all 0/1" % type(self).__name__)
        return np.where(y == 1.0, 1.0, -1.0)

    def _dataset(self, X, y, task, fit):
        if not fit:
            return super()._dataset(X, y, task, fit)
        self._classes_fit = None
        try:
            out = super()._dataset(X, y, task, fit)
            self.classes_ = (self._classes_fit if self._classes_fit is not
                             None else np.array([-1, 1]))
        finally:
            del self._classes_fit
        return out

    def decision_function(self, X, task=None):
        return self._raw(X, task)

    def predict(self, X, task=None):
        s = self._raw(X, task)
        f = lambda a: self.classes_[(np.asarray(a) > 0).astype(int)]
        return [f(a) for a in s] if isinstance(s, list) else f(s)

    def score(self, X, y, task=None, sample_weight=None):
        """Accuracy, weighted by ``sample_weight`` (as in fit) if given."""
        pred = self.predict(X, task)
        w = _weights_of(X, sample_weight, type(self).__name__)
        if _data.is_task_list(X):
            pred = np.concatenate(pred)
            y = np.concatenate([np.asarray(t) for t in y])
        return _accuracy(np.asarray(pred) == np.asarray(y), w)

    def _is_classifier(self):
        return True


class MultiTaskRegressor(MultiTask, _SkRegressor):
    """Regularized multi-task regression (method ``batch``): squared loss,
    ``reg`` in none|ridge|l1|l21|trace|mean|graph with weight ``alpha``
    (libmtl's ``lambda``), ``ridge``, ``solver`` fista|ista|bcd,
    ``fit_intercept`` (libmtl's ``bias``) and the other batch parameters."""

    _method_param = False
    _renames = {"lambda": "alpha", "bias": "fit_intercept"}
    _defaults = {"loss": "squared"}
    _kind = "regression"
    _aliases = {}


class MultiTaskClassifier(_ClassifierMixin, MultiTask, _SkClassifier):
    """Regularized multi-task classification (method ``batch``), logistic
    loss by default (``loss`` logistic|sqhinge)."""

    _method_param = False
    _renames = {"lambda": "alpha", "bias": "fit_intercept"}
    _defaults = {"loss": "logistic"}
    _aliases = {}


class AsyncMultiTask(MultiTask):
    """Asynchronous (``method="async"``, AMTL) or synchronous (``"smtl"``)
    distributed proximal multi-task learning (Baytas et al. 2016), task
    nodes on threads.  ``alpha`` is libmtl's ``lambda``."""

    _default_method = "async"
    _allowed = ("async", "smtl")
    _renames = {"lambda": "alpha", "bias": "fit_intercept"}
    _aliases = {}


class AsymmetricMultiTask(MultiTask):
    """Asymmetric multi-task learning (Lee et al. 2016): ``B_`` is the
    learned transfer graph.  ``method`` asym|asym-curriculum|asym-noloss|
    asym-symmetric|curriculum-simple."""

    _default_method = "asym"
    _allowed = ("asym", "asym-curriculum", "asym-noloss", "asym-symmetric",
                "curriculum-simple")

    def transfer_graph(self, threshold=0.0):
        """The learned transfer graph as a networkx.DiGraph: a node per
        task (its id in ``tasks_``), an edge s -> t with attribute
        ``weight`` = B_[s, t] (row = source task, as ``mtl graph`` writes
        it) for every B_[s, t] > threshold, s != t."""
        self._check_fitted()
        try:
            import networkx as nx
        except ImportError as e:
            raise ImportError("transfer_graph needs networkx (Debian: "
                              "python3-networkx); B_ holds the same "
                              "matrix") from e
        B = np.asarray(self.B_)
        names = list(getattr(self, "tasks_", range(B.shape[0])))
        g = nx.DiGraph()
        g.add_nodes_from(names)
        for s_, t_ in zip(*np.nonzero(B > threshold)):
            if s_ != t_:
                g.add_edge(names[s_], names[t_], weight=float(B[s_, t_]))
        return g


class SignRegularizedMultiTask(MultiTask):
    """Sign-regularized (``method="srml"``) or sign-constrained (``"ssml"``)
    multi-task learning (Bai et al. 2023): ``signs_``, ``sign_graph_``."""

    _default_method = "srml"
    _allowed = ("srml", "ssml")


class MultiTaskCV(_SkBase):
    """Grid search by libmtl's mtl_search_run: k-fold CV within each task
    (``cv`` >= 2), or one validation split (``cv=0``, ``holdout`` in (0,
    1)), over ``param_grid``: a dict {parameter: list of values} in the
    estimator's names, or libmtl's grid text ("lambda=path:20:0.01",
    "lambda=1e-3:10:20; mu=0.1,1").  The score of a point is the
    task-averaged validation error (RMSE or error rate; lower is better).
    With ``refit``, ``best_estimator_`` is the estimator refitted on all
    the data with ``best_params_``.

    With ``extend`` (default, as ``mtl cv``), a grid over one numeric
    parameter whose best point lies on its edge, the error still falling
    there, gets 3 values past that edge at a time, continuing its spacing,
    up to 4 times, until the best is inside (``mtl_search_extend``); a best
    value left on an edge warns (UserWarning).

    Fitted: ``best_index_``, ``best_params_``, ``best_error_``,
    ``best_score_`` (= -best_error_), ``metric_``, ``cv_results_`` (dict of
    arrays: params, param_NAME, mean_test_error, std_test_error,
    rank_test_error, mean_objective, mean_iterations, mean_fit_time,
    status), ``n_extended_`` (points added past the edge), ``edge_``
    ({parameter: -1 smallest, +1 largest value, 0 inside})."""

    def __init__(self, estimator=None, param_grid=None, cv=5, holdout=0.0,
                 random_state=1, refit=True, extend=True):
        self.estimator = estimator
        self.param_grid = param_grid
        self.cv = cv
        self.holdout = holdout
        self.random_state = random_state
        self.refit = refit
        self.extend = extend

    _default_grid = None

    def _estimator(self):
        return self.estimator if self.estimator is not None else MultiTask()

    def _grid_text(self, est):
        g = self.param_grid if self.param_grid is not None else \
            self._default_grid
        if g is None:
            raise ValueError("param_grid is required")
        if isinstance(g, str):
            return g
        inv = {v: k for k, v in est._renames.items()}
        inv.update(est._aliases)
        parts = []
        for k, vals in g.items():
            lname = inv.get(k, k)
            parts.append("%s=%s" % (lname, ",".join(to_text(v)
                                                       for v in vals)))
        return "; ".join(parts)

    def fit(self, X, y, task=None, sample_weight=None):
        """Searches the grid on (X, y, task) as the estimator's fit takes
        them; ``sample_weight`` (as in fit) weighs the fits, the
        validation errors (weighted RMSE or error rate of each task) and
        the refit."""
        from copy import deepcopy
        est = deepcopy(self._estimator())
        ds = est._weighted_dataset(X, y, task, sample_weight)
        p = _Params(method_info(est.method).name, est._lib_values())
        s = ctypes.c_void_p()
        added = ctypes.c_int(0)
        with _lib.blas_guard(), _lib.interruptible(p.ptr):
            rc = lib.mtl_search_run(ds.ptr, p.ptr, None,
                                    self._grid_text(est).encode(),
                                    int(self.cv), float(self.holdout),
                                    int(self.random_state), ctypes.byref(s))
            if rc >= 0 and self.extend:  # the search's progress is p's
                rc = lib.mtl_search_extend(s.value, ds.ptr, None, 4,
                                           ctypes.byref(added))
                if rc < 0:
                    lib.mtl_search_free(s.value)
        _lib.check(rc, "mtl_search_run")
        try:
            self._edges(s.value, est, added.value)
            self._read_search(s.value, est)
        finally:
            lib.mtl_search_free(s.value)
        if self.refit:
            est.set_params(**self.best_params_)
            est._fit_dataset(ds)
            self.best_estimator_ = est
        return self

    def _edges(self, s, est, added):
        self.n_extended_ = added
        self.edge_ = {}
        b = lib.mtl_search_best(s)
        for j in range(lib.mtl_search_nvaried(s)):
            name = _lib.text(lib.mtl_search_varied_name(s, j))
            name = est._renames.get(name, name)
            self.edge_[name] = e = int(lib.mtl_search_edge(s, j))
            if e:
                warnings.warn(
                    "the best %s, %.6g, is the %s value tried; the optimum "
                    "may lie past it: widen the grid" % (
                        name, lib.mtl_search_number(s, b, j),
                        "smallest" if e < 0 else "largest"), UserWarning,
                    stacklevel=3)

    def _read_search(self, s, est):
        info = method_info(est.method)
        npts, nv = lib.mtl_search_npoints(s), lib.mtl_search_nvaried(s)
        names = [_lib.text(lib.mtl_search_varied_name(s, j))
                 for j in range(nv)]
        params = []
        for i in range(npts):
            d = {}
            for j, n in enumerate(names):
                v = _lib.text(lib.mtl_search_value(s, i, j))
                ptype = info.params[n][0] if n in info.params else TEXT
                d[est._py(n)] = from_text(ptype, v)
            params.append(d)
        err = np.array([lib.mtl_search_error(s, i) for i in range(npts)])
        res = {"params": params}
        for n in names:
            py = est._py(n)
            res["param_" + py] = np.array([q[py] for q in params])
        res["mean_test_error"] = err
        res["std_test_error"] = np.array(
            [lib.mtl_search_error_std(s, i) for i in range(npts)])
        order = np.argsort(np.where(np.isnan(err), np.inf, err),
                           kind="stable")
        rank = np.empty(npts, dtype=int)
        rank[order] = np.arange(1, npts + 1)
        res["rank_test_error"] = rank
        res["mean_objective"] = np.array(
            [lib.mtl_search_objective(s, i) for i in range(npts)])
        res["mean_iterations"] = np.array(
            [lib.mtl_search_iterations(s, i) for i in range(npts)])
        res["mean_fit_time"] = np.array(
            [lib.mtl_search_seconds(s, i) for i in range(npts)])
        res["status"] = np.array(
            ["converged" if lib.mtl_search_status(s, i) == _lib.CONVERGED
             else "max-iter" for i in range(npts)])
        self.cv_results_ = res
        self.best_index_ = int(lib.mtl_search_best(s))
        self.best_params_ = params[self.best_index_]
        self.best_error_ = float(err[self.best_index_])
        self.best_score_ = -self.best_error_
        self.metric_ = _lib.text(lib.mtl_search_metric(s))

    def predict(self, X, task=None):
        return self.best_estimator_.predict(X, task)

    def score(self, X, y, task=None, sample_weight=None):
        return self.best_estimator_.score(X, y, task, sample_weight)

    @property
    def coef_(self):
        return self.best_estimator_.coef_

    @property
    def intercept_(self):
        return self.best_estimator_.intercept_


class MultiTaskRegressorCV(MultiTaskCV):
    """MultiTaskCV of a MultiTaskRegressor (default: L2,1) over a path of
    20 alphas from lambda_max down to 0.01 lambda_max, unless estimator or
    param_grid say otherwise.  ``alpha_``: the chosen alpha."""

    _default_grid = "lambda=path:20:0.01"

    def _estimator(self):
        return (self.estimator if self.estimator is not None else
                MultiTaskRegressor())

    def fit(self, X, y, task=None, sample_weight=None):
        super().fit(X, y, task, sample_weight)
        if "alpha" in self.best_params_:
            self.alpha_ = self.best_params_["alpha"]
        return self


class MultiTaskClassifierCV(MultiTaskRegressorCV):
    """MultiTaskCV of a MultiTaskClassifier (logistic, L2,1) over the same
    default path; scores by the task-averaged error rate."""

    def _estimator(self):
        return (self.estimator if self.estimator is not None else
                MultiTaskClassifier())

    def predict(self, X, task=None):
        return self.best_estimator_.predict(X, task)

    def decision_function(self, X, task=None):
        return self.best_estimator_.decision_function(X, task)

    @property
    def classes_(self):
        return self.best_estimator_.classes_
